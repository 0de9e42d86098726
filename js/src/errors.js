/**
 * Stable error codes. A code never changes meaning once released; the
 * message is for humans and may change.
 */
export const ErrorCode = Object.freeze({
  /** A wrong type, a missing value, a number out of range, an unknown option, a getter or Proxy that throws, a detached or shared buffer. */
  ARGUMENT: 'ERR_ARGUMENT',
  /** A function was called before init() resolved. */
  NOT_INITIALIZED: 'ERR_NOT_INITIALIZED',
  /** init() was called again with a different module. */
  ALREADY_INITIALIZED: 'ERR_ALREADY_INITIALIZED',
  /** The WASM module and this package are different versions (or wasm_exec.js is from another Go). */
  VERSION_MISMATCH: 'ERR_VERSION_MISMATCH',
  /** The WASM module could not be fetched, read or compiled. */
  LOAD: 'ERR_LOAD',
  /** Bytes that are not a well-formed message of the expected kind. */
  MALFORMED: 'ERR_MALFORMED',
  /** A ciphertext did not open (one code for every decryption failure). */
  DECRYPT: 'ERR_DECRYPT',
  /** The message is not addressed to any of the given keys. */
  NO_MATCHING_KEY: 'ERR_NO_MATCHING_KEY',
  /** An algorithm, AEAD type or KEM id this package does not implement. */
  UNSUPPORTED: 'ERR_UNSUPPORTED',
  /** The first message on a pointer's topic is not a pointee. Final. */
  NOT_POINTEE: 'ERR_NOT_POINTEE',
  /** A message or argument over its size limit, refused before decryption. */
  TOO_LARGE: 'ERR_TOO_LARGE',
  /** A public or private key of the wrong size, or one that fails validation. */
  INVALID_KEY: 'ERR_INVALID_KEY',
  /** A pending pointer passed its expiry. */
  EXPIRED: 'ERR_EXPIRED',
  /** A pending pointer used up its attempts. */
  ATTEMPTS_EXHAUSTED: 'ERR_ATTEMPTS_EXHAUSTED',
  /** sealInvite or a transport call was aborted through its signal. */
  ABORTED: 'ERR_ABORTED',
  /** fetchFirstMessage threw or returned something that is not bytes; a transport call got no valid answer or a non-OK gRPC status. */
  FETCH: 'ERR_FETCH',
  /** fetchFirstMessage, a transport call (or DEADLINE_EXCEEDED) or the app's welcome handler did not settle in time. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** No message on the pointer's topic yet (a pending pointer's lastError, never thrown). */
  NOT_FOUND: 'ERR_NOT_FOUND',
  /** The app did not accept a delivered welcome (its handler threw or it called reject()). */
  REJECTED: 'ERR_REJECTED',
  /** IndexedDB failed. */
  STORE: 'ERR_STORE',
  /** A stored record could not be read back; it was quarantined. */
  CORRUPT_RECORD: 'ERR_CORRUPT_RECORD',
  /** The resolver or store was closed, or the database cannot be reopened. */
  CLOSED: 'ERR_CLOSED',
  /** The pending store was full: the oldest record was evicted (reported, never thrown). */
  CAPACITY: 'ERR_CAPACITY',
  /** The fetch budget per hour is used up: the attempt waits (a pending outcome, never thrown). */
  RATE_LIMITED: 'ERR_RATE_LIMITED',
  /**
   * A bug: a recovered Go panic; or the Go runtime stopped ("the
   * WebAssembly module stopped; reload it": every call fails so until
   * init() loaded a fresh instance).
   */
  INTERNAL: 'ERR_INTERNAL',
});

const knownCodes = new Set(Object.values(ErrorCode));

/** The one error class of this package: every failure has a stable `code`. */
export class WelcomePointersError extends Error {
  /**
   * @param {string} code one of ErrorCode
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'WelcomePointersError';
    this.code = knownCodes.has(code) ? code : ErrorCode.INTERNAL;
  }
}

/** Builds an error; `cause` is kept for debugging. */
export function wpError(code, message, cause) {
  return new WelcomePointersError(code, `welcome pointers: ${message}`, cause === undefined ? undefined : { cause });
}

/** Whether e is a WelcomePointersError, without running anything of e's. */
export function isWelcomePointersError(e) {
  try {
    return e instanceof WelcomePointersError;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws
  }
}

/**
 * Converts anything thrown into a WelcomePointersError, keeping one that
 * already is (or carries a known code). It never throws, whatever e's
 * getters and traps do.
 */
export function asError(e, fallbackCode = ErrorCode.INTERNAL, context = '') {
  if (isWelcomePointersError(e)) return e;
  try {
    if (e instanceof Error && typeof e.code === 'string' && knownCodes.has(e.code)) {
      return new WelcomePointersError(e.code, String(e.message), { cause: e });
    }
    const what = e instanceof Error ? String(e.message) : String(e);
    return wpError(fallbackCode, context ? `${context}: ${what}` : what, e);
  } catch {
    return wpError(fallbackCode, context ? `${context}: an exception that could not be read` : 'an exception that could not be read');
  }
}
