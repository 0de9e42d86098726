// A small typed usage of the package, checked by `tsc --noEmit -p js`.
// It is never run.
import {
  Algorithm,
  ErrorCode,
  clearKeyCache,
  dispose,
  KemId,
  WelcomePointersError,
  createOutbox,
  createResolver,
  RESOLVER_DEFAULTS,
  encodePointeeAeadTypes,
  encodeWrapperEncryption,
  generateKey,
  init,
  inspect,
  installationFromExtensions,
  webCryptoSupport,
  openPendingStore,
  openPointee,
  openWelcome,
  openWelcomeAsync,
  openPointeeAsync,
  retry,
  sealInvite,
  toHex,
  webCryptoProtector,
  xmtpTransport,
  GrpcStatus,
  type TransportError,
  type DeliveredWelcome,
  type Installation,
  type Invite,
  type KeyPair,
  type Received,
  type ResolveOutcome,
  type SendOutcome,
  type StoreEvent,
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
  await init({ workers: 'auto' });
  const support: { kem: boolean; aead: boolean; reason: string } = await webCryptoSupport();
  const wasm = await sealInvite(welcome, 42n, installations, { webCrypto: support.kem ? 'never' : 'auto', workers: 2 });
  const opened: Received = await openWelcomeAsync(wasm.messages[0]!.message, recipients, { form: 'input', webCrypto: 'require' });
  if (opened.kind === 'pointer') console.log((await openPointeeAsync(opened.pointer, wasm.messages[0]!.message, { form: 'input' })).cursor);
  console.log(opened.kind);
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

async function durable(invite: Invite, messages: Uint8Array[], key: KeyPair): Promise<void> {
  const store = await openPendingStore({ name: 'wp', onClose: (e) => console.warn(e.code) });
  const off = store.subscribe((e: StoreEvent) => console.log(e.type, e.remote, e.id));
  const outbox = createOutbox({
    store,
    publish: async (batch, { signal, batch: index }) => (signal.aborted ? null : { index, count: batch.length }),
    onProgress: (p) => console.log(p.sent, p.total),
    onAbandoned: (r) => console.warn(r.code, r.sent),
  });
  const sent: SendOutcome = await outbox.publishInvite(invite);
  if (sent.status === 'pending') console.log(sent.error.code);
  outbox.start({ minIntervalMs: 1000 });
  const resolver = createResolver({
    store,
    fetchFirstMessage: () => null,
    onWelcome: (w) => console.log(w.previousDeliveries),
    maxPending: RESOLVER_DEFAULTS.maxPending,
    fetchesPerHour: 100,
  });
  for (const m of messages) {
    const r = openWelcome(m, [key]);
    if (r.kind === 'pointer') {
      const a = await resolver.acceptPointer(r);
      if (a.status === 'dropped') console.warn(a.code);
    }
  }
  await resolver.whenIdle();
  console.log(resolver.stats.evicted, (await resolver.resolveDue()).more, await store.count());
  off();
  outbox.close();
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
void durable;
void generateKey;

async function overTheNetwork(invite: Invite, received: Received, myKey: KeyPair): Promise<void> {
  const transport = xmtpTransport({ url: 'https://node.example:5558', timeoutMs: 10_000, headers: { 'x-app-version': 'app/1' } });
  try {
    const r = await transport.publish(invite, { onBatch: (b) => console.log(b.start, b.end) });
    console.log(r.sent === r.total);
  } catch (e) {
    const err = e as TransportError;
    if (err.grpcStatus === GrpcStatus.RESOURCE_EXHAUSTED || err.retryable) await transport.publish(invite, { start: err.sent ?? 0 });
  }
  const store = await openPendingStore();
  const resolver = createResolver({ store, fetchFirstMessage: transport.fetchFirstMessage, topic: transport.topic });
  if (received.kind === 'pointer') await resolver.resolvePointer(received);
  const first: Uint8Array | null = await transport.fetchFirstMessage(myKey.publicKey);
  console.log(first?.length);
}

async function logout(): Promise<number> {
  clearKeyCache();
  const { memoryZeroed } = await dispose();
  return memoryZeroed;
}
void logout;
