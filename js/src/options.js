// Reading arguments the app passes to the store, the resolver and the
// outbox through one guarded path: a throwing getter, a Proxy trap or a
// revoked Proxy gives ERR_ARGUMENT naming the argument, never a raw
// Error, and an unknown option key is refused.
import { ErrorCode, WelcomePointersError, wpError } from './errors.js';
import { describe as describeType } from './hex.js';

// describe() reads v.constructor, which a Proxy may refuse.
export function describe(v) {
  try {
    return describeType(v);
  } catch {
    return 'an unreadable object';
  }
}

function unreadable(where, name, e) {
  if (e instanceof WelcomePointersError) return e;
  return wpError(ErrorCode.ARGUMENT, `${where}: ${name} cannot be read (${e instanceof Error ? e.message : String(e)})`, e);
}

/**
 * A plain snapshot of an options object: every own enumerable key read
 * once, unknown keys refused. undefined gives {} unless required.
 *
 * @param {string} where the function, for messages ("createResolver")
 * @param {string} name the argument ("options")
 * @param {unknown} value
 * @param {ReadonlySet<string>} allowed
 */
export function readOptions(where, name, value, allowed, { required = false } = {}) {
  if (value === undefined && !required) return {};
  let keys;
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw wpError(ErrorCode.ARGUMENT, `${where}: ${name} must be an object, got ${describe(value)}`);
    }
    keys = Object.keys(value);
  } catch (e) {
    throw unreadable(where, name, e);
  }
  const out = {};
  for (const k of keys) {
    if (!allowed.has(k)) throw wpError(ErrorCode.ARGUMENT, `${where}: unknown option "${k}" in ${name}`);
    out[k] = readField(where, `${name}.${k}`, value, k);
  }
  return out;
}

/** value[key] through the guard (for objects whose other keys are free). */
export function readField(where, name, value, key) {
  try {
    return value[key];
  } catch (e) {
    throw unreadable(where, name, e);
  }
}

/** A copy of a Uint8Array argument (a Proxy or a detached view is refused). */
export function readBytes(where, name, value) {
  try {
    if (!(value instanceof Uint8Array)) throw wpError(ErrorCode.ARGUMENT, `${where}: ${name} must be a Uint8Array, got ${describe(value)}`);
    return Uint8Array.prototype.slice.call(value);
  } catch (e) {
    throw unreadable(where, name, e);
  }
}

/** A function argument (undefined allowed unless required). */
export function checkFunction(where, name, v, required = false) {
  if (v === undefined && !required) return;
  if (typeof v !== 'function') throw wpError(ErrorCode.ARGUMENT, `${where}: ${name} must be a function, got ${describe(v)}`);
}

/** A positive integer option within [min, max] (undefined allowed). */
export function checkInteger(where, name, v, min, max) {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw wpError(ErrorCode.ARGUMENT, `${where}: ${name} must be an integer in [${min}, ${max}], got ${describe(v)}`);
  }
}

/** A duration in milliseconds in (0, 2^31) (undefined allowed). */
export function checkMs(where, name, v) {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 2 ** 31 - 1) {
    throw wpError(ErrorCode.ARGUMENT, `${where}: ${name} must be a number of milliseconds in (0, 2^31)`);
  }
}

/** Calls an app's callback; what it throws or rejects is ignored (reporting must not break the caller). */
export function callHook(f, value) {
  if (typeof f !== 'function') return;
  try {
    const r = f(value);
    if (r && typeof r.then === 'function') r.then(undefined, () => {});
  } catch {
    // ignored
  }
}
