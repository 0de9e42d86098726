// The codes are generated from the module's table (internal/ops.Codes).
import { ErrorCode } from './codes.js';

export { ErrorCode };

/** @type {Set<string>} */
const knownCodes = new Set(Object.values(ErrorCode));

const PREFIX = 'welcome pointers: ';

/**
 * The one error class of this package: every failure has a stable `code`,
 * and a `detail`: what the message says besides what the code says, for
 * a page that shows its own words for the code.
 */
export class WelcomePointersError extends Error {
  /**
   * @param {string} code one of ErrorCode
   * @param {string} message
   * @param {{ cause?: unknown, detail?: string }} [options]
   */
  constructor(code, message, options) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WelcomePointersError';
    /** @type {import('../index.js').ErrorCodeValue} */
    this.code = knownCodes.has(code) ? /** @type {import('../index.js').ErrorCodeValue} */ (code) : ErrorCode.INTERNAL;
    const detail = options?.detail;
    this.detail = typeof detail === 'string' ? detail : String(message).replace(PREFIX, '');
  }
}

/**
 * Builds an error; `cause` is kept for debugging.
 *
 * @param {import('../index.js').ErrorCodeValue} code
 * @param {string} message
 * @param {unknown} [cause]
 */
export function wpError(code, message, cause) {
  return new WelcomePointersError(code, PREFIX + message, cause === undefined ? { detail: message } : { cause, detail: message });
}

/**
 * Whether e is a WelcomePointersError, without running anything of e's.
 *
 * @param {unknown} e
 * @returns {e is WelcomePointersError}
 */
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
/**
 * @param {unknown} e
 * @param {import('../index.js').ErrorCodeValue} [fallbackCode]
 * @param {string} [context]
 * @returns {WelcomePointersError}
 */
export function asError(e, fallbackCode = ErrorCode.INTERNAL, context = '') {
  if (isWelcomePointersError(e)) return e;
  try {
    const coded = /** @type {Error & { code?: unknown, detail?: unknown }} */ (e);
    if (e instanceof Error && typeof coded.code === 'string' && knownCodes.has(coded.code)) {
      const detail = typeof coded.detail === 'string' ? coded.detail : undefined;
      return new WelcomePointersError(coded.code, String(e.message), { cause: e, detail });
    }
    const what = e instanceof Error ? String(e.message) : String(e);
    return wpError(fallbackCode, context ? `${context}: ${what}` : what, e);
  } catch {
    return wpError(fallbackCode, context ? `${context}: an exception that could not be read` : 'an exception that could not be read');
  }
}
