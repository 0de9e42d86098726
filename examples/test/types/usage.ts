// The packed types in a project of a given kind (tsconfig.*.json): this
// file compiles everywhere, browser-only.ts where the DOM or WebWorker
// library is. Checked with tsc --strict, never run.
import {
  ErrorCode,
  WelcomePointersError,
  createLocalLocks,
  createResolver,
  encodePointeeAeadTypes,
  encodeWrapperEncryption,
  generateKey,
  init,
  installationFromExtensions,
  openPendingStore,
  openPointee,
  openWelcome,
  sealInvite,
  toWelcomeMessage,
  webCryptoProtector,
  xmtpTransport,
  type Invite,
  type KeyPair,
  type StoreKey,
} from '@welcome-pointers/wasm';

export async function roundTrip(welcome: Uint8Array): Promise<Invite> {
  await init({ wasmURL: new URL('https://app.example/assets/welcome-pointers.wasm'), workerURL: '/assets/welcome-pointers-worker.js' });
  await init({ wasmModule: new Uint8Array(8) });
  const key: KeyPair = generateKey();
  const installations = [1, 2, 3].map((i) => installationFromExtensions({
    installationKey: new Uint8Array([i]),
    wrapperEncryption: encodeWrapperEncryption(key.publicKey),
    pointeeAeadTypes: encodePointeeAeadTypes(),
  }));
  const invite = await sealInvite(welcome, 1n, installations, { workers: 'auto', signal: AbortSignal.timeout(10_000) });
  const workers: number | undefined = invite.parallel?.workers;
  const note: string | undefined = invite.parallel?.note;
  void [workers, note];
  const pointee = toWelcomeMessage(invite.messages[0]!.message, 1n, 0n);
  try {
    const r = openWelcome(invite.messages[1]!.message, [key], { form: 'input' });
    if (r.kind === 'pointer') openPointee(r.pointer, pointee);
  } catch (e) {
    if (e instanceof WelcomePointersError && e.code === ErrorCode.MALFORMED) throw e;
  }
  return invite;
}

export async function pending(): Promise<void> {
  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const store = await openPendingStore({ name: 'app', protector: webCryptoProtector(aes) });
  const transport = xmtpTransport({ url: 'https://node.example:5558' });
  const resolver = createResolver({ store, fetchFirstMessage: transport.fetchFirstMessage, locks: createLocalLocks() });
  const quarantined = await store.listQuarantined();
  const keys: StoreKey[] = quarantined.map((q) => q.key);
  void keys;
  await resolver.resolveDue();
  resolver.close();
  store.close();
}
