// @welcome-pointers/wasm: XMTP welcome pointers (XIP-74) in the browser.
export { VERSION } from './version.js';
export { ErrorCode, WelcomePointersError } from './errors.js';
export { toHex, fromHex } from './hex.js';
export { init, isInitialized, dispose, NAMESPACE } from './module.js';
export { webCryptoSupport } from './native.js';
export {
  Algorithm,
  AeadType,
  KemId,
  ExtensionType,
  MIN_POINTER_INSTALLATIONS,
  DEFAULT_MAX_MESSAGE_SIZE,
  generateKey,
  loadKey,
  clearKeyCache,
  validatePublicKey,
  encodeWrapperEncryption,
  decodeWrapperEncryption,
  encodePointeeAeadTypes,
  decodePointeeAeadTypes,
  installationFromExtensions,
  sealInvite,
  sealDirect,
  openWelcome,
  openWelcomeAsync,
  parsePointer,
  openPointee,
  openPointeeAsync,
  inspect,
  toWelcomeMessage,
  inputTopic,
  retry,
} from './api.js';
export { openPendingStore, PendingStore, webCryptoProtector, DB_VERSION, RECORD_VERSION } from './store.js';
export { createResolver, RESOLVER_DEFAULTS } from './resolver.js';
export { createLocalLocks } from './locks.js';
export { xmtpTransport, TransportProtocol, GrpcStatus } from './transport/index.js';
export { createOutbox } from './outbox.js';
