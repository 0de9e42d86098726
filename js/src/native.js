// The native KEM path: where the browser's WebCrypto has X-Wing
// (MLKEM768-X25519, X-Wing draft 06 byte for byte, as the deployed client
// uses it), the encapsulations of an invite and the decapsulation of a
// message run there, natively, while the HPKE key schedule, the AEAD and
// the framing stay in the module (sealPointersEncapsulated,
// openWelcomeDecapsulated): the messages are those of the WebAssembly
// path. Everywhere else (Node 20, browsers without it) nothing changes.
//
// Detection runs once per module instance, when init() has loaded it: the
// browser's X-Wing must derive the module's public key from a fresh
// random seed, decapsulate the module's encapsulation to it to the same
// secret, and decapsulate its own encapsulation to what it encapsulated.
// It only chooses between two correct implementations: page content can
// make it fail (then the WebAssembly path runs), never pick a weaker one;
// and the functions it checked are the ones used afterwards (taken from
// SubtleCrypto.prototype and bound then, so later changes to
// crypto.subtle do not reach them).
//
// Keys: the private key is imported from its seed as a non-extractable
// CryptoKey (the app holds the seed itself already); recipients' public
// keys are public. Shared secrets cross into the module as bytes, as the
// module's own would be, and are zeroed here once copied.
import { ErrorCode, wpError } from './errors.js';
import { describe } from './hex.js';
import { callGo } from './module.js';
import { packRecords, unpackMessages } from './packed.js';

const ALG = Object.freeze({ name: 'MLKEM768-X25519' });
/**
 * Pointers per batch on one thread: WebCrypto encapsulates the next batch
 * (on the browser's own threads) while the module seals this one.
 */
const BATCH = 64;
const SHARED_SECRET_SIZE = 32;
const CIPHERTEXT_SIZE = 1120;
/** Imported private keys kept, like the module's own cache of loaded keys. */
const KEY_CACHE_SIZE = 8;

let detection = null; // { promise, result } of this module instance's probe

/**
 * Starts detecting the browser's X-Wing (init() calls it once the module
 * is loaded; a fresh instance detects again). Never rejects.
 */
export function detectNative() {
  const d = { promise: null, result: undefined };
  d.promise = probe()
    .catch((e) => ({ kem: null, reason: `the probe failed: ${describeError(e)}` }))
    .then((r) => {
      d.result = r;
      return r;
    });
  detection = d;
  return d.promise;
}

/** Forgets the detection and its imported keys (dispose()). */
export function forgetNative() {
  detection?.result?.kem?.clearKeys();
  detection = null;
}

/** Forgets the imported private keys (clearKeyCache()). */
export function clearNativeKeys() {
  detection?.result?.kem?.clearKeys();
}

/**
 * The native KEM, or null where there is none (or init() did not run).
 * @returns {Promise<Kem | null>}
 */
export async function nativeKEM() {
  return detection ? (await detection.promise).kem : null;
}

/**
 * What nativeKEM() will give, now: the Kem, null, or undefined while the
 * detection is under way.
 */
export function nativeKEMNow() {
  if (!detection) return null;
  return detection.result === undefined ? undefined : detection.result.kem;
}

/**
 * Seals pointer for installations (all pointer-capable, checked) with the
 * native KEM, through go (module.js's session()): sealPointers' messages.
 * parts holds per installation its packed record and its public key
 * (packed.js); onProgress(done) counts these installations; signal aborts
 * between and inside batches.
 */
export async function sealPointersNative(go, kem, pointer, parts, options, signal, onProgress) {
  const n = parts.length;
  const encapsulate = (start) => kem.encapsulate(parts.slice(start, start + BATCH).map((p) => p.publicKey));
  const out = [];
  let next = encapsulate(0);
  try {
    for (let start = 0; start < n; start += BATCH) {
      const encs = await next;
      next = start + BATCH < n ? encapsulate(start + BATCH) : null;
      try {
        const batch = packRecords(parts.slice(start, start + BATCH).map((p) => p.record));
        out.push(...unpackMessages(await go.callGoAsync('sealPointersEncapsulated', pointer, batch, encs, {
          ...options, signal, onProgress: (done) => onProgress?.(start + done),
        })).messages);
      } finally {
        encs.sharedSecrets.fill(0); // the module copied them
      }
    }
  } finally {
    next?.then((encs) => encs.sharedSecrets.fill(0), () => {});
  }
  return out;
}

/**
 * Which KEM this module instance uses: 'webcrypto' (the browser's
 * MLKEM768-X25519) or 'webassembly', and why not WebCrypto.
 */
export async function kemPath() {
  if (!detection) return { path: 'webassembly', reason: 'init() has not run' };
  const { kem, reason } = await detection.promise;
  return kem ? { path: 'webcrypto', reason: '' } : { path: 'webassembly', reason };
}

/** The native KEM when options.kem allows it: null for 'webassembly'; for 'webcrypto', ERR_UNSUPPORTED where there is none. */
export async function kemFor(choice) {
  if (choice === 'webassembly') return null;
  const kem = await nativeKEM();
  if (!kem && choice === 'webcrypto') {
    throw wpError(ErrorCode.UNSUPPORTED, `options.kem is 'webcrypto' but this context has no usable WebCrypto X-Wing: ${(await kemPath()).reason}`);
  }
  return kem;
}

/** The values of options.kem. */
export const KEM_CHOICES = Object.freeze(['auto', 'webcrypto', 'webassembly']);

/** Checks options.kem (undefined: 'auto'). */
export function checkKem(kem) {
  if (kem === undefined) return 'auto';
  if (KEM_CHOICES.includes(kem)) return kem;
  throw wpError(ErrorCode.ARGUMENT, `options.kem must be one of ${KEM_CHOICES.map((k) => `'${k}'`).join(', ')}, got ${describe(kem)}`);
}

function describeError(e) {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an exception';
  }
}

const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function probe() {
  const Subtle = globalThis.SubtleCrypto;
  const subtle = globalThis.crypto?.subtle;
  if (typeof Subtle !== 'function' || !(subtle instanceof Subtle)) return { kem: null, reason: 'no WebCrypto' };
  const p = Subtle.prototype;
  const names = ['importKey', 'exportKey', 'getPublicKey', 'encapsulateBits', 'decapsulateBits'];
  if (!names.every((n) => typeof p[n] === 'function')) {
    return { kem: null, reason: 'WebCrypto has no KEM operations (encapsulateBits, decapsulateBits, getPublicKey)' };
  }
  const s = Object.fromEntries(names.map((n) => [n, p[n].bind(subtle)]));
  // A random key and an encapsulation to it, from the module's own X-Wing.
  const sample = callGo('kemProbe');
  let sk;
  try {
    sk = await s.importKey('raw-seed', sample.seed, ALG, false, ['decapsulateBits']);
  } catch (e) {
    return { kem: null, reason: `WebCrypto has no ${ALG.name} (${describeError(e)})` };
  }
  const pk = await s.getPublicKey(sk, ['encapsulateBits']);
  const pub = new Uint8Array(await s.exportKey('raw-public', pk));
  if (!equalBytes(pub, sample.publicKey)) return { kem: null, reason: `WebCrypto's ${ALG.name} derives another public key than X-Wing draft 06` };
  const ss = new Uint8Array(await s.decapsulateBits(ALG, sk, sample.ciphertext));
  if (!equalBytes(ss, sample.sharedSecret)) return { kem: null, reason: `WebCrypto's ${ALG.name} decapsulates to another secret than X-Wing draft 06` };
  const own = await s.encapsulateBits(ALG, pk);
  const back = new Uint8Array(await s.decapsulateBits(ALG, sk, own.ciphertext));
  if (own.ciphertext.byteLength !== CIPHERTEXT_SIZE || !equalBytes(new Uint8Array(own.sharedKey), back)) {
    return { kem: null, reason: `WebCrypto's ${ALG.name} does not decapsulate its own encapsulation` };
  }
  return { kem: new Kem(s), reason: '' };
}

/** The browser's X-Wing, through the functions the probe checked. */
class Kem {
  #s;
  #keys = new Map(); // keyId -> Promise<CryptoKey>, least recently used first

  constructor(s) {
    this.#s = s;
  }

  /**
   * Encapsulates to each public key, all at once: { sharedSecrets,
   * ciphertexts, missing } as sealPointersEncapsulated takes them
   * (missing: the keys WebCrypto refused, left to the module, which
   * answers for them as the WebAssembly path does).
   */
  async encapsulate(publicKeys) {
    const n = publicKeys.length;
    const sharedSecrets = new Uint8Array(n * SHARED_SECRET_SIZE);
    const ciphertexts = new Uint8Array(n * CIPHERTEXT_SIZE);
    const missing = [];
    await Promise.all(publicKeys.map(async (publicKey, i) => {
      let r;
      try {
        const key = await this.#s.importKey('raw-public', publicKey, ALG, false, ['encapsulateBits']);
        r = await this.#s.encapsulateBits(ALG, key);
      } catch {
        missing.push(i);
        return;
      }
      const ss = new Uint8Array(r.sharedKey);
      if (ss.length !== SHARED_SECRET_SIZE || r.ciphertext.byteLength !== CIPHERTEXT_SIZE) {
        missing.push(i);
      } else {
        sharedSecrets.set(ss, i * SHARED_SECRET_SIZE);
        ciphertexts.set(new Uint8Array(r.ciphertext), i * CIPHERTEXT_SIZE);
      }
      ss.fill(0);
    }));
    return { sharedSecrets, ciphertexts, missing };
  }

  /**
   * Decapsulates with the X-Wing private key seed privateKey, known to
   * the module as keyId; null if WebCrypto fails (the module then
   * decapsulates itself).
   */
  async decapsulate(keyId, privateKey, encapsulation) {
    try {
      const key = await this.#key(keyId, privateKey);
      return new Uint8Array(await this.#s.decapsulateBits(ALG, key, encapsulation));
    } catch {
      this.#keys.delete(keyId);
      return null;
    }
  }

  #key(keyId, seed) {
    let key = this.#keys.get(keyId);
    if (key) {
      this.#keys.delete(keyId); // to the most recently used end
    } else {
      key = this.#s.importKey('raw-seed', seed, ALG, false, ['decapsulateBits']);
      if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.delete(this.#keys.keys().next().value);
    }
    this.#keys.set(keyId, key);
    return key;
  }

  /** Forgets the imported private keys (clearKeyCache()). */
  clearKeys() {
    this.#keys.clear();
  }
}
