// Reading the caller's values on the JS side, through one guarded path:
// a getter or Proxy trap that throws, a revoked Proxy or an unknown key
// is ERR_ARGUMENT naming the value, never a raw exception. (The Go
// bridge reads every argument it receives the same way; this side reads
// only what it must before calling it.)
import { ErrorCode, isWelcomePointersError, wpError } from './errors.js';

// The intrinsic %TypedArray%.prototype[@@toStringTag] getter reads an
// internal slot: no user getter, prototype or Proxy trap runs.
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;

/** Whether v is a Uint8Array (or a subclass), asking nothing of v itself. */
export function isUint8Array(v) {
  return typedArrayTag.call(v) === 'Uint8Array';
}

/**
 * Copies the options object `options` (undefined or null: none) into a
 * plain object holding the keys of `known` that it has (read with
 * ordinary property access, so inherited values count). An own key that
 * is not in `known` is an error, as is anything that throws.
 *
 * @param {unknown} options
 * @param {string} what how errors name it, e.g. "sealInvite(): options"
 * @param {readonly string[]} known
 */
export function readOptions(options, what, known) {
  if (options === undefined || options === null) return {};
  return guarded(what, () => {
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw wpError(ErrorCode.ARGUMENT, `${what} must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
    }
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) {
        throw wpError(ErrorCode.ARGUMENT, `${what}: unknown option "${k.slice(0, 40)}" (known: ${known.join(', ')})`);
      }
    }
    const out = {};
    for (const k of known) {
      const v = guarded(`${what}.${k}`, () => options[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  });
}

/**
 * Runs read, which reads the caller's value named `what`; whatever it
 * throws that is not already a WelcomePointersError becomes ERR_ARGUMENT.
 */
export function guarded(what, read) {
  try {
    return read();
  } catch (e) {
    if (isWelcomePointersError(e)) throw e;
    throw wpError(ErrorCode.ARGUMENT, `reading ${what} threw`);
  }
}
