import { ErrorCode, wpError } from './errors.js';
import { guarded, isUint8Array } from './guard.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of a Uint8Array. */
export function toHex(bytes) {
  if (!isUint8Array(bytes)) {
    throw wpError(ErrorCode.ARGUMENT, `toHex: expected a Uint8Array, got ${describe(bytes)}`);
  }
  const view = guarded('the bytes given to toHex', () => new Uint8Array(bytes)); // internal slots only
  let s = '';
  for (let i = 0; i < view.length; i++) s += HEX[view[i]];
  return s;
}

/** Bytes of a hex string (either case, even length, no prefix). */
export function fromHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw wpError(ErrorCode.ARGUMENT, 'fromHex: expected an even-length hex string');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** A short description of a value's type, for error messages. */
export function describe(v) {
  try {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'array';
    if (typeof v === 'object') return v.constructor && typeof v.constructor.name === 'string' ? v.constructor.name : 'object';
    return typeof v;
  } catch {
    return 'an object that cannot be read'; // a throwing getter or Proxy trap
  }
}
