// The module's functions, as thin wrappers over the Go namespace: the Go
// side reads and checks every argument, through one guarded path; this
// side adds defaults and throws what Go returns as an error. It reads the
// caller's values itself only where it must (sealInvite's options, for
// workers), through guard.js.
import { ErrorCode, asError, wpError } from './errors.js';
import { guarded, isUint8Array, readOptions } from './guard.js';
import { describe } from './hex.js';
import { callGo, callGoAsync, moduleLimits, session } from './module.js';
import { aeadFor, checkWebCrypto, clearNativeKeys, kemFor, nativeAEADNow, nativeKEMNow, unpackPointee } from './native.js';
import { packRecords, readInstallations, readKeys, unpackFound, unpackInvite, unpackReceived } from './packed.js';
import { checkWorkers, sealInviteSplit } from './parallel.js';

/** Welcome wrapper algorithms (WelcomeWrapperAlgorithm). */
export const Algorithm = Object.freeze({
  UNSPECIFIED: 0,
  /** DHKEM(X25519) HPKE: older installations. */
  CURVE25519: 1,
  /** X-Wing (ML-KEM-768 + X25519) HPKE, draft 06: the only algorithm pointers use. */
  XWING: 2,
  /** Marks a pointee; never a key algorithm. */
  SYMMETRIC_KEY: 3,
});

/** Pointee AEAD types (WelcomePointeeEncryptionAeadType). */
export const AeadType = Object.freeze({ UNSPECIFIED: 0, CHACHA20_POLY1305: 3 });

/** X-Wing KEM ids for the HPKE suite_id. */
export const KemId = Object.freeze({
  /** 0x004D: what deployed clients use; the default. */
  XWING_DEPLOYED: 0x004d,
  /** 0x647a: the registered code point; receivers accept both. */
  XWING: 0x647a,
});

/** Key package extension types. */
export const ExtensionType = Object.freeze({ WRAPPER_ENCRYPTION: 0xff03, POINTEE_AEAD_TYPES: 0xff04 });

/** Pointers are used when at least this many installations can take them. */
export const MIN_POINTER_INSTALLATIONS = 3;
/** The network's payload cap, and the default size limit (25 MiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 25 * 1024 * 1024;

// Keys.

/** A new private key (X-Wing unless told otherwise), as bytes the app can store. */
export function generateKey(algorithm = Algorithm.XWING) {
  return callGo('generateKey', algorithm);
}

/** Loads private key bytes (from generateKey) and derives the public key. */
export function loadKey(algorithm, privateKey) {
  return callGo('loadKey', algorithm, privateKey);
}

/**
 * Zeroes and forgets the private keys the module keeps loaded (the last
 * 8 passed to loadKey or openWelcome). Call it at logout; keys passed
 * later are loaded again.
 */
export function clearKeyCache() {
  callGo('clearKeyCache');
  clearNativeKeys();
}

/** Throws ERR_INVALID_KEY (or ERR_UNSUPPORTED) unless publicKey is valid for algorithm. */
export function validatePublicKey(algorithm, publicKey) {
  callGo('validatePublicKey', algorithm, publicKey);
}

// Key package extensions.

/** The 0xff03 payload (WelcomeWrapperEncryption) for a public key. */
export function encodeWrapperEncryption(publicKey, algorithm = Algorithm.XWING) {
  return callGo('encodeWrapperEncryption', publicKey, algorithm);
}

/** Decodes a 0xff03 payload; the key is validated for its algorithm. */
export function decodeWrapperEncryption(payload) {
  return callGo('decodeWrapperEncryption', payload);
}

/** The 0xff04 payload (WelcomePointeeEncryptionAeadTypesExtension). */
export function encodePointeeAeadTypes(types = [AeadType.CHACHA20_POLY1305]) {
  return callGo('encodePointeeAeadTypes', types);
}

/** Decodes a 0xff04 payload; unknown values are kept. */
export function decodePointeeAeadTypes(payload) {
  return callGo('decodePointeeAeadTypes', payload);
}

/**
 * An Installation from a key package's fields: its installation key, its
 * init key, and the 0xff03 and 0xff04 payloads (omit those it lacks).
 */
export function installationFromExtensions(fields) {
  return callGo('installationFromExtensions', fields);
}

// Sealing.

// The options of sealInvite; the Go side takes all but workers and webCrypto.
const SEAL_INVITE_OPTIONS = ['kemId', 'maxMessageSize', 'onProgress', 'signal', 'workers', 'webCrypto'];

/**
 * sealInvite's options, read once through the guarded path into a plain
 * object. onProgress is wrapped: what the app's callback throws must not
 * reach the Go side or the workers' message handlers.
 */
function sealInviteOptions(options) {
  const opts = readOptions(options, 'sealInvite() options', SEAL_INVITE_OPTIONS);
  const { onProgress } = opts;
  if (onProgress === undefined || onProgress === null) return opts;
  if (typeof onProgress !== 'function') {
    throw wpError(ErrorCode.ARGUMENT, `options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  opts.onProgress = (done, total) => {
    try {
      onProgress(done, total);
    } catch {
      // ignored: progress is advisory
    }
  };
  return opts;
}

/**
 * Seals an invite: the pointee, then one pointer per pointer-capable
 * installation (when there are at least three), then direct welcomes for
 * the others. Publish the messages in the order given. Runs off the
 * calling task, yielding to the event loop, with optional progress and
 * abort. The pointers' X-Wing encapsulations and the pointee's
 * ChaCha20-Poly1305 run in the browser's WebCrypto where it has them
 * (options.webCrypto: 'auto', the default; 'require' requires them,
 * 'never' never uses them); options.workers (a positive integer or
 * 'auto') seals the pointers of big invites in the pool of Web Workers /
 * worker_threads.
 */
export async function sealInvite(welcome, cursor, installations, options) {
  try {
    const { workers, webCrypto, ...opts } = sealInviteOptions(options);
    const choice = checkWebCrypto(webCrypto);
    const withWorkers = workers !== undefined && workers !== null;
    if (withWorkers) checkWorkers(workers);
    // In parts with workers, or where the browser's cryptography may be
    // used (known once init()'s detection is done: undefined until then).
    if (withWorkers || choice === 'require' || (choice === 'auto' && (nativeKEMNow() !== null || nativeAEADNow() !== null))) {
      const go = session();
      return await go.run(() => sealInviteSplit(go, welcome, cursor, installations, {
        ...opts, workers: withWorkers ? workers : undefined, webCrypto: choice,
      }));
    }
    // The installations, read once and packed (packed.js); those the
    // module would refuse are handed to it as read, for its error.
    const read = readInstallations(installations, moduleLimits());
    if (read.fallback) return await callGoAsync('sealInvite', welcome, cursor, read.fallback, opts);
    return unpackInvite(await callGoAsync('sealInvite', welcome, cursor, packRecords(read.records), opts));
  } catch (e) {
    throw asError(e);
  }
}

/** One direct welcome (WelcomeMessageInput V1) for one installation. */
export function sealDirect(welcome, cursor, installation, options) {
  return callGo('sealDirect', welcome, cursor, installation, options);
}

// Opening.

/**
 * Opens a received welcome message (direct or pointer) with whichever of
 * keys it is addressed to. options.form "input" opens the published form
 * (WelcomeMessageInput) instead of the network's WelcomeMessage.
 */
export function openWelcome(message, keys, options) {
  let read;
  try {
    // The keys, read once and packed (packed.js), or as read for the
    // module's error.
    read = readKeys(keys, moduleLimits());
    if (read.fallback) return callGo('openWelcome', message, read.fallback, options);
    return unpackReceived(callGo('openWelcome', message, read.packed, options));
  } catch (e) {
    throw withFormHint(e, message, options);
  } finally {
    read?.packed?.fill(0);
    for (const k of read?.copies ?? []) k.privateKey.fill(0);
  }
}

// The published form (what sealInvite returns) passed where the network's
// form is expected fails to parse; say so, and how to open it.
function withFormHint(e, message, options) {
  if (e?.code !== ErrorCode.MALFORMED || (options?.form ?? 'message') !== 'message') return e;
  try {
    callGo('inputTopic', message);
  } catch {
    return e;
  }
  return wpError(ErrorCode.MALFORMED, `${e.message.replace(/^welcome pointers: /, '')}; these bytes are a published WelcomeMessageInput `
    + "(what sealInvite returns): open them with openWelcome(message, keys, { form: 'input' }), or convert them with "
    + 'toWelcomeMessage(input, id, createdNs) into the WelcomeMessage a node returns', e);
}

const OPEN_ASYNC_OPTIONS = ['form', 'maxMessageSize', 'webCrypto'];

/**
 * openWelcome, with the X-Wing decapsulation in the browser's WebCrypto
 * where it has X-Wing (options.webCrypto as for sealInvite): the same result and
 * the same errors. The private key is imported into WebCrypto from its
 * seed as a non-extractable key, kept for the next messages like the
 * module's own cache of loaded keys (clearKeyCache() forgets both).
 */
export async function openWelcomeAsync(message, keys, options) {
  try {
    const { webCrypto, ...given } = readOptions(options, 'openWelcomeAsync() options', OPEN_ASYNC_OPTIONS);
    const opts = Object.keys(given).length > 0 ? given : undefined; // nothing for the module to read
    const choice = checkWebCrypto(webCrypto);
    if (choice === 'never' || (choice === 'auto' && nativeKEMNow() === null)) return openWelcome(message, keys, opts);
    // Copies, read once, before the first await: the module reads them
    // twice (before and after the decapsulation) and must see the same.
    const messageCopy = guarded('message', () => (isUint8Array(message) ? new Uint8Array(message) : message));
    const read = readKeys(keys, moduleLimits());
    if (read.fallback) return openWelcome(messageCopy, read.fallback, opts);
    const go = session();
    return await go.run(async () => {
      let ss = null;
      let one = null;
      try {
        let found;
        try {
          found = unpackFound(go.callGo('openWelcomeKEM', messageCopy, read.packed, opts));
        } catch (e) {
          throw withFormHint(e, messageCopy, opts);
        }
        const key = read.copies[found.keyIndex];
        one = readKeys([key], moduleLimits()).packed;
        const native = found.encapsulation && await kemFor(choice);
        ss = native && await native.decapsulate(found.keyId, key.privateKey, found.encapsulation);
        // Without a secret (a DHKEM(X25519) message, or WebCrypto failed),
        // the module decapsulates.
        return unpackReceived(ss
          ? go.callGo('openWelcomeDecapsulated', messageCopy, one, opts, ss)
          : go.callGo('openWelcome', messageCopy, one, opts));
      } finally {
        ss?.fill(0);
        one?.fill(0);
        read.packed.fill(0);
        for (const k of read.copies) k.privateKey.fill(0);
      }
    });
  } catch (e) {
    throw asError(e);
  }
}

/** Checks a pointer's stored form (PointerInfo.bytes) and describes it. */
export function parsePointer(bytes) {
  return callGo('parsePointer', bytes);
}

/**
 * Opens the pointee a pointer names. firstMessage must be the FIRST
 * message on the pointer's topic, never a later one.
 */
export function openPointee(pointer, firstMessage, options) {
  return callGo('openPointee', pointer, firstMessage, options);
}

/**
 * openPointee, with the Welcome decrypted by the browser's WebCrypto
 * where it has ChaCha20-Poly1305 (options.webCrypto as for sealInvite):
 * the same result and the same errors (anything but a clean success is
 * left to openPointee). The checks and the metadata stay in the module.
 */
export async function openPointeeAsync(pointer, firstMessage, options) {
  try {
    const { webCrypto, ...given } = readOptions(options, 'openPointeeAsync() options', OPEN_ASYNC_OPTIONS);
    const opts = Object.keys(given).length > 0 ? given : undefined;
    const choice = checkWebCrypto(webCrypto);
    if (choice === 'never' || (choice === 'auto' && nativeAEADNow() === null)) return openPointee(pointer, firstMessage, opts);
    // Copies before the first await (the module reads them again on failure).
    const messageCopy = guarded('firstMessage', () => (isUint8Array(firstMessage) ? new Uint8Array(firstMessage) : firstMessage));
    const pointerCopy = guarded('pointer', () => (isUint8Array(pointer) ? new Uint8Array(pointer)
      : pointer !== null && typeof pointer === 'object' && isUint8Array(pointer.bytes) ? new Uint8Array(pointer.bytes) : pointer));
    const go = session();
    return await go.run(async () => {
      const parsed = unpackPointee(go.callGo('openPointeeParse', pointerCopy, messageCopy, opts));
      try {
        const aead = await aeadFor(choice);
        if (aead && parsed.metadataOpens) {
          let welcome = null;
          try {
            welcome = await aead.decrypt(parsed.key, parsed.dataNonce, messageCopy.subarray(parsed.offset, parsed.offset + parsed.length));
          } catch {
            // the module says why
          }
          if (welcome) return { welcome, cursor: parsed.cursor, hasCursor: parsed.hasCursor };
        }
        return go.callGo('openPointee', pointerCopy, messageCopy, opts);
      } finally {
        parsed.key.fill(0);
      }
    });
  } catch (e) {
    throw asError(e);
  }
}

// Inspection and network stand-ins.

/**
 * A JSON-friendly view of any of the wire messages: bytes as hex (long
 * fields by size and prefix), enums by name. Nothing is decrypted. kind
 * "auto" tries the welcome message forms, a sealed HPKE ciphertext and a
 * pointer plaintext.
 */
export function inspect(bytes, kind = 'auto') {
  return callGo('inspect', bytes, kind);
}

/** What a node returns for a published WelcomeMessageInput (tests, relays). */
export function toWelcomeMessage(input, id, createdNs) {
  return callGo('toWelcomeMessage', input, id, createdNs);
}

/** The topic a published message goes to, and the node's dedup key. */
export function inputTopic(input) {
  return callGo('inputTopic', input);
}

/**
 * The retry schedule of the core: the single source of truth. Times are
 * milliseconds since the epoch, durations milliseconds. `policy` may be
 * undefined (the deployed values) or a partial override.
 */
export const retry = Object.freeze({
  defaultPolicy: () => callGo('retry.defaultPolicy'),
  policy: (partial) => callGo('retry.policy', partial),
  newPending: (policy, welcomeTimeMs, nowMs) => callGo('retry.newPending', policy, welcomeTimeMs, nowMs),
  failed: (policy, state, nowMs) => callGo('retry.failed', policy, state, nowMs),
  check: (policy, state, nowMs) => callGo('retry.check', policy, state, nowMs),
  isDue: (policy, state, nowMs) => callGo('retry.isDue', policy, state, nowMs),
  delay: (policy, attempts) => callGo('retry.delay', policy, attempts),
  quickDelay: (policy, attempt, jitterMs) => callGo('retry.quickDelay', policy, attempt, jitterMs),
});
