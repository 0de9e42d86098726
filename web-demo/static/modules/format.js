// Numbers, sizes, times and the module's errors in words.
import * as wp from '@welcome-pointers/wasm';

const nf = new Intl.NumberFormat('en-US');
export const fmtInt = (n) => nf.format(n);

export function fmtBytes(n) {
  if (n < 1000) return `${fmtInt(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

export function fmtMs(ms) {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

export function fmtRelative(ms) {
  const d = Math.round((ms - Date.now()) / 1000);
  if (d <= 0) return 'due now';
  if (d < 90) return `in ${d} s`;
  if (d < 5400) return `in ${Math.round(d / 60)} min`;
  return `in ${(d / 3600).toFixed(1)} h`;
}

export const plural = (n, one, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

export const short = (hex, n = 8) => (hex.length > 2 * n ? `${hex.slice(0, n)}…${hex.slice(-4)}` : hex);

// Words for the module's error codes; the message carries the detail.
export const CODE_WORDS = {
  ERR_ARGUMENT: 'Invalid input',
  ERR_MALFORMED: 'Not a well-formed message',
  ERR_DECRYPT: 'Decryption failed',
  ERR_NO_MATCHING_KEY: 'Not addressed to this installation',
  ERR_UNSUPPORTED: 'Unsupported algorithm',
  ERR_NOT_POINTEE: 'The first message on the topic is not a pointee',
  ERR_TOO_LARGE: 'Too large',
  ERR_INVALID_KEY: 'Invalid key',
  ERR_EXPIRED: 'The pending pointer expired',
  ERR_ATTEMPTS_EXHAUSTED: 'The pending pointer used up its attempts',
  ERR_ABORTED: 'Aborted',
  ERR_FETCH: 'The request to the node failed',
  ERR_TIMEOUT: 'Timed out',
  ERR_NOT_FOUND: 'No pointee on the topic yet',
  ERR_REJECTED: 'Rejected',
  ERR_STORE: 'Browser storage (IndexedDB) failed',
  ERR_CLOSED: 'Browser storage was closed',
  ERR_CAPACITY: 'Too many pending pointers: the oldest was dropped',
  ERR_RATE_LIMITED: 'Waiting for the fetch budget',
  ERR_LOAD: 'Could not load the WebAssembly module',
  ERR_VERSION_MISMATCH: 'Module and package versions differ',
  ERR_INTERNAL: 'Internal error',
};

export const codeWords = (code) => CODE_WORDS[code] ?? code;

// The words above for the code, then the error's detail: what its
// message says besides what the code says.
export function errorText(e) {
  const words = e && CODE_WORDS[e.code];
  if (!words) return typeof e?.detail === 'string' ? e.detail : e instanceof Error ? e.message : String(e);
  return e.detail ? `${words}: ${e.detail}` : words;
}

export async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return wp.toHex(d);
}

export function randomBytes(n) {
  const b = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) crypto.getRandomValues(b.subarray(off, Math.min(n, off + 65536)));
  return b;
}

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
