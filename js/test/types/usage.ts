// A small typed usage of the package, checked by `tsc --noEmit -p js`.
// It is never run.
import {
  Algorithm,
  ErrorCode,
  clearKeyCache,
  dispose,
  KemId,
  WelcomePointersError,
  createResolver,
  encodePointeeAeadTypes,
  encodeWrapperEncryption,
  generateKey,
  init,
  inspect,
  installationFromExtensions,
  openPendingStore,
  openPointee,
  openWelcome,
  retry,
  sealInvite,
  toHex,
  webCryptoProtector,
  type DeliveredWelcome,
  type Installation,
  type Invite,
  type KeyPair,
  type Received,
  type ResolveOutcome,
} from '@welcome-pointers/wasm';

async function sender(welcome: Uint8Array, recipients: KeyPair[]): Promise<Invite> {
  await init({ wasmURL: '/js/dist/welcome-pointers.wasm' });
  const installations: Installation[] = recipients.map((k, i) =>
    installationFromExtensions({
      installationKey: new Uint8Array([i]),
      wrapperEncryption: encodeWrapperEncryption(k.publicKey, Algorithm.XWING),
      pointeeAeadTypes: encodePointeeAeadTypes(),
    }),
  );
  const controller = new AbortController();
  const invite = await sealInvite(welcome, 42n, installations, {
    kemId: KemId.XWING_DEPLOYED,
    onProgress: (done, total) => console.log(`${done}/${total}`),
    signal: controller.signal,
  });
  const parallel = await sealInvite(welcome, 42n, installations, { workers: 'auto', signal: controller.signal });
  const two: Invite = await sealInvite(welcome, 42n, installations, { workers: 2, onProgress: () => {} });
  console.log(parallel.pointers + two.direct);
  for (const m of invite.messages) {
    const kind: 'pointee' | 'pointer' | 'direct' = m.kind;
    console.log(kind, toHex(m.installationKey), m.message.length);
  }
  return invite;
}

async function receiver(messages: Uint8Array[], key: KeyPair, fetchTopic: (t: Uint8Array) => Promise<Uint8Array | null>) {
  const store = await openPendingStore({ name: 'wp-demo' });
  const resolver = createResolver({
    store,
    fetchFirstMessage: (topic, { signal }) => (signal.aborted ? null : fetchTopic(topic)),
    onDropped: (r) => console.warn(r.code, r.id, r.error.message),
    onQuarantined: (q) => console.warn(q.reason),
  });
  for (const m of messages) {
    let r: Received;
    try {
      r = openWelcome(m, [key]);
    } catch (e) {
      if (e instanceof WelcomePointersError && e.code === ErrorCode.NO_MATCHING_KEY) continue;
      throw e;
    }
    if (r.kind === 'direct') {
      console.log('direct', r.welcome.length, r.cursor);
    } else {
      const out: ResolveOutcome = await resolver.resolvePointer(r);
      if (out.status === 'pending') console.log('retry at', new Date(out.nextAttemptMs));
      const first = await fetchTopic(r.pointer.topic);
      if (first) console.log(openPointee(r.pointer, first).cursor + 1n);
    }
  }
  const iter: AsyncIterableIterator<DeliveredWelcome> = resolver.welcomes();
  for await (const w of iter) {
    console.log(w.pointerId, w.welcome.length);
    w.accept();
    break;
  }
  const report = await resolver.resolveDue();
  console.log(report.resolved.length, report.dropped.map((d) => d.code), report.pending);
  const policy = retry.policy({ firstRetryMs: 1000, quick: { attempts: 2 } });
  const s = retry.newPending(policy, Date.now(), Date.now());
  const drop: 'ERR_EXPIRED' | 'ERR_ATTEMPTS_EXHAUSTED' | null = s.drop;
  console.log(drop, retry.isDue(undefined, s, Date.now()), inspect(messages[0] ?? new Uint8Array()).kind);
  resolver.close();
  store.close();
}

async function protectedStore(): Promise<void> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const store = await openPendingStore({ protector: webCryptoProtector(key) });
  store.close();
}

void sender;
void receiver;
void protectedStore;
void generateKey;

async function logout(): Promise<number> {
  clearKeyCache();
  const { memoryZeroed } = await dispose();
  return memoryZeroed;
}
void logout;
