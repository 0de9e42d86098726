// What every example app does with the package, in its page and in its
// own module worker: load the module, make a key, seal an invite on this
// thread and in workers, open a pointer and its pointee, and resolve a
// pointer whose pointee comes late through the pending store in
// IndexedDB. It throws at the first thing that is not as expected and
// returns the steps it went through.
//
// `wp` is the package as the app imported it; `initOptions` are the app's
// init() options (only esbuild's bundles need any); `expectWorkers` is how
// many workers sealInvite({ workers: 2 }) should use here (0 in a service
// worker, which cannot start any).
export async function runScenario(wp, { label, initOptions, expectWorkers = 2 }) {
  const steps = [];
  const check = (ok, what) => {
    if (!ok) throw new Error(`${label}: ${what}`);
  };

  await wp.init(initOptions);
  steps.push('init');

  const recipient = wp.generateKey();
  check(recipient.privateKey.length === 32, 'generateKey gives a 32-byte private key');
  steps.push('generateKey');

  // 40 pointer-capable installations: workers are used from 32 on.
  const installations = Array.from({ length: 40 }, (_, i) => wp.installationFromExtensions({
    installationKey: new Uint8Array([0xa0, i]),
    wrapperEncryption: wp.encodeWrapperEncryption(recipient.publicKey),
    pointeeAeadTypes: wp.encodePointeeAeadTypes(),
  }));
  const welcome = new TextEncoder().encode(`a welcome sealed in ${label}`);
  const single = await wp.sealInvite(welcome, 7n, installations);
  check(single.pointers === 40 && single.messages.length === 41, 'sealInvite gives a pointee and 40 pointers');
  steps.push('sealInvite');

  const parallel = await wp.sealInvite(welcome, 7n, installations, { workers: 2 });
  check(parallel.pointers === 40 && parallel.messages.length === 41, 'sealInvite({ workers: 2 }) gives a pointee and 40 pointers');
  check(parallel.parallel?.workers === expectWorkers,
    `sealInvite({ workers: 2 }) used ${parallel.parallel?.workers} workers, not ${expectWorkers} (${parallel.parallel?.note ?? 'no note'})`);
  check(expectWorkers > 0 || /calling thread/.test(parallel.parallel.note), 'a fallback to the calling thread says so');
  steps.push(`sealInvite workers=${parallel.parallel.workers}${parallel.parallel.note ? ` (${parallel.parallel.note})` : ''}`);

  // The messages as a node returns them (WelcomeMessage), then opened.
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const received = (m, id) => wp.toWelcomeMessage(m.message, id, nowNs);
  const r = wp.openWelcome(received(parallel.messages[9], 2), [wp.generateKey(), recipient]);
  check(r.kind === 'pointer', `openWelcome gives a pointer, not ${r.kind}`);
  steps.push('openWelcome');
  const pointee = received(parallel.messages[0], 1);
  const opened = wp.openPointee(r.pointer, pointee);
  check(sameBytes(opened.welcome, welcome) && opened.cursor === 7n, 'openPointee gives the welcome and its cursor back');
  steps.push('openPointee');

  // The pointee is not published yet: the pointer waits in IndexedDB, and
  // the first due round after it is published delivers the welcome.
  const name = `wp-example-${label.replace(/\W+/g, '-')}-${Date.now()}`;
  const store = await wp.openPendingStore({ name });
  const published = new Map();
  const delivered = [];
  let clock = Date.now();
  const resolver = wp.createResolver({
    store,
    fetchFirstMessage: async (topic) => published.get(wp.toHex(topic)) ?? null,
    onWelcome: (w) => {
      delivered.push(w);
    },
    now: () => clock,
    sleep: async () => {},
  });
  try {
    const first = await resolver.resolvePointer(r);
    check(first.status === 'pending', `resolvePointer with no pointee yet is pending, not ${first.status}`);
    const stored = await store.list();
    check(stored.records.length === 1 && stored.records[0].id === r.pointer.id, 'the pending pointer is in IndexedDB');
    published.set(wp.toHex(r.pointer.topic), pointee);
    clock += 24 * 60 * 60 * 1000;
    const report = await resolver.resolveDue();
    check(report.resolved.length === 1 && report.resolved[0] === r.pointer.id, `resolveDue resolved ${JSON.stringify(report.resolved)}`);
    check(delivered.length === 1 && sameBytes(delivered[0].welcome, welcome), 'the welcome is delivered once');
    check((await store.list()).records.length === 0, 'nothing is left pending');
    steps.push('resolver through IndexedDB');
  } finally {
    resolver.close();
    store.close();
    globalThis.indexedDB?.deleteDatabase(name);
  }
  return steps;
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
