// The module's functions, as thin wrappers over the Go namespace: the Go
// side checks every argument; this side adds defaults, accepts a few
// friendlier forms and throws what Go returns as an error.
import { ErrorCode, asError, wpError } from './errors.js';
import { describe } from './hex.js';
import { callGo, callGoAsync } from './module.js';
import { checkWorkers, sealInviteParallel } from './parallel.js';

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

function sealOptions(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw wpError(ErrorCode.ARGUMENT, `options must be an object, got ${describe(options)}`);
  }
  const { onProgress } = options;
  if (onProgress === undefined || onProgress === null) return options;
  if (typeof onProgress !== 'function') {
    throw wpError(ErrorCode.ARGUMENT, `options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  // What the app's callback throws must not reach the Go side.
  return {
    ...options,
    onProgress(done, total) {
      try {
        onProgress(done, total);
      } catch {
        // ignored: progress is advisory
      }
    },
  };
}

/**
 * Seals an invite: the pointee, then one pointer per pointer-capable
 * installation (when there are at least three), then direct welcomes for
 * the others. Publish the messages in the order given. Runs off the
 * calling task, yielding to the event loop, with optional progress and
 * abort. options.workers (a positive integer or 'auto') seals the
 * pointers of big invites in Web Workers / worker_threads.
 */
export async function sealInvite(welcome, cursor, installations, options) {
  try {
    const opts = sealOptions(options);
    if (opts?.workers !== undefined && opts.workers !== null) {
      checkWorkers(opts.workers);
      return await sealInviteParallel(welcome, cursor, installations, opts);
    }
    return await callGoAsync('sealInvite', welcome, cursor, installations, opts);
  } catch (e) {
    throw asError(e);
  }
}

/** One direct welcome (WelcomeMessageInput V1) for one installation. */
export function sealDirect(welcome, cursor, installation, options) {
  return callGo('sealDirect', welcome, cursor, installation, sealOptions(options));
}

// Opening.

/**
 * Opens a received welcome message (direct or pointer) with whichever of
 * keys it is addressed to. options.form "input" opens the published form
 * (WelcomeMessageInput) instead of the network's WelcomeMessage.
 */
export function openWelcome(message, keys, options) {
  return callGo('openWelcome', message, keys, options);
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
  const bytes = pointer !== null && typeof pointer === 'object' && !(pointer instanceof Uint8Array) && 'bytes' in pointer
    ? pointer.bytes
    : pointer;
  return callGo('openPointee', bytes, firstMessage, options);
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
