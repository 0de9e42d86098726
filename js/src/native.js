// The browser's own cryptography, where it has it: WebCrypto's X-Wing
// (MLKEM768-X25519, X-Wing draft 06 byte for byte, as the deployed client
// uses it) for the encapsulations of an invite and the decapsulation of a
// message, and its ChaCha20-Poly1305 for the pointee's Welcome, the bulk
// of the bytes. The HPKE key schedule, the pointer's AEAD, the metadata
// and the framing stay in the module (sealPointersEncapsulated,
// openWelcomeDecapsulated, sealPointeeEncrypted, openPointeeParse): the
// messages are those of the WebAssembly path. Everywhere else (Node 20,
// browsers without them) nothing changes.
//
// Detection runs once per module instance, when init() has loaded it,
// against the module's own results: WebCrypto's X-Wing must derive the
// module's public key from a fresh random seed, decapsulate the module's
// encapsulation to it to the same secret, and decapsulate its own
// encapsulation to what it encapsulated; its ChaCha20-Poly1305 must open
// a pointee the module sealed. It only chooses between two correct
// implementations: page content can make it fail (then the WebAssembly
// path runs), never pick a weaker one; and the functions it checked are
// the ones used afterwards (taken from SubtleCrypto.prototype and bound
// then, so later changes to crypto.subtle do not reach them).
//
// Keys: a private key is imported from its seed as a non-extractable
// CryptoKey (the app holds the seed itself already), a pointee key from
// the pointer (which the app holds too) likewise; recipients' public keys
// are public. Shared secrets cross into the module as bytes, as the
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
 * Starts detecting the browser's X-Wing and ChaCha20-Poly1305 (init()
 * calls it once the module is loaded; a fresh instance detects again).
 * Never rejects.
 */
export function detectNative() {
  const d = { promise: null, result: undefined };
  const guard = (what, p) => p.catch((e) => ({ [what]: null, reason: `the probe failed: ${describeError(e)}` }));
  d.promise = Promise.all([guard('kem', probeKEM()), guard('aead', probeAEAD())]).then(([k, a]) => {
    d.result = { kem: k.kem, aead: a.aead, kemReason: k.reason, aeadReason: a.reason };
    return d.result;
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

/** What init()'s detection found: { kem, aead, kemReason, aeadReason }. */
async function detected() {
  return detection ? detection.promise : { kem: null, aead: null, kemReason: 'init() has not run', aeadReason: 'init() has not run' };
}

/**
 * What nativeKEM() will give, now: the Kem, null, or undefined while the
 * detection is under way.
 */
export function nativeKEMNow() {
  if (!detection) return null;
  return detection.result === undefined ? undefined : detection.result.kem;
}

/** The same for the AEAD. */
export function nativeAEADNow() {
  if (!detection) return null;
  return detection.result === undefined ? undefined : detection.result.aead;
}

/**
 * What the browser's WebCrypto does for this module instance: kem (its
 * X-Wing), aead (its ChaCha20-Poly1305), and why not where not.
 */
export async function webCryptoSupport() {
  const d = await detected();
  const why = [d.kem ? null : `X-Wing: ${d.kemReason}`, d.aead ? null : `ChaCha20-Poly1305: ${d.aeadReason}`].filter(Boolean);
  return { kem: d.kem !== null, aead: d.aead !== null, reason: why.join('; ') };
}

/** The values of options.webCrypto. */
export const WEBCRYPTO_CHOICES = Object.freeze(['auto', 'require', 'never']);

/** Checks options.webCrypto (undefined: 'auto'). */
export function checkWebCrypto(choice) {
  if (choice === undefined) return 'auto';
  if (WEBCRYPTO_CHOICES.includes(choice)) return choice;
  throw wpError(ErrorCode.ARGUMENT, `options.webCrypto must be one of ${WEBCRYPTO_CHOICES.map((k) => `'${k}'`).join(', ')}, got ${describe(choice)}`);
}

async function native(choice, what, name) {
  if (choice === 'never') return null;
  const d = await detected();
  if (!d[what] && choice === 'require') {
    throw wpError(ErrorCode.UNSUPPORTED, `options.webCrypto is 'require' but this context has no usable WebCrypto ${name}: ${d[`${what}Reason`]}`);
  }
  return d[what];
}

/** The browser's X-Wing as options.webCrypto allows: null for 'never'; for 'require', ERR_UNSUPPORTED where there is none. */
export const kemFor = (choice) => native(choice, 'kem', 'X-Wing');

/** The browser's ChaCha20-Poly1305 likewise. */
export const aeadFor = (choice) => native(choice, 'aead', 'ChaCha20-Poly1305');

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

function describeError(e) {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an exception';
  }
}

const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function probeKEM() {
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

const CHACHA = Object.freeze({ name: 'ChaCha20-Poly1305' });

async function probeAEAD() {
  const Subtle = globalThis.SubtleCrypto;
  const subtle = globalThis.crypto?.subtle;
  if (typeof Subtle !== 'function' || !(subtle instanceof Subtle)) return { aead: null, reason: 'no WebCrypto' };
  const p = Subtle.prototype;
  const s = Object.fromEntries(['importKey', 'encrypt', 'decrypt'].map((n) => [n, p[n].bind(subtle)]));
  // A pointee the module sealed: WebCrypto must open its Welcome, and
  // seal it again to the same bytes.
  const welcome = Uint8Array.of(0, 1, 0, 3, 0x77, 0x70);
  const pointee = callGo('sealPointee', welcome, 1);
  const parsed = unpackPointee(callGo('openPointeeParse', pointee.pointer, pointee.message, { form: 'input' }));
  const encrypted = pointee.message.subarray(parsed.offset, parsed.offset + parsed.length);
  const aead = new Aead(s);
  let opened;
  let sealed;
  try {
    opened = await aead.decrypt(parsed.key, parsed.dataNonce, encrypted);
    sealed = await aead.encrypt(parsed.key, parsed.dataNonce, welcome);
  } catch (e) {
    return { aead: null, reason: `WebCrypto has no ${CHACHA.name} (${describeError(e)})` };
  }
  if (!equalBytes(opened, welcome) || !equalBytes(sealed, encrypted)) {
    return { aead: null, reason: `WebCrypto's ${CHACHA.name} is not RFC 8439's` };
  }
  return { aead, reason: '' };
}

/** openPointeeParse's packed result (wasm/native.go). */
export function unpackPointee(b) {
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const out = {
    offset: dv.getUint32(0, true),
    length: dv.getUint32(4, true),
    key: b.slice(8, 40),
    dataNonce: b.slice(40, 52),
    metadataOpens: dv.getUint8(52) === 1,
  };
  if (out.metadataOpens) {
    out.cursor = dv.getBigUint64(53, true);
    out.hasCursor = dv.getUint8(61) === 1;
  }
  b.fill(0); // it held the key
  return out;
}

/** The browser's ChaCha20-Poly1305, through the functions the probe checked. */
class Aead {
  #s;

  constructor(s) {
    this.#s = s;
  }

  async #key(raw, usage) {
    return this.#s.importKey('raw-secret', raw, CHACHA, false, [usage]);
  }

  /** Encrypts data (no associated data): the ciphertext with its tag. */
  async encrypt(key, nonce, data) {
    return new Uint8Array(await this.#s.encrypt({ ...CHACHA, iv: nonce }, await this.#key(key, 'encrypt'), data));
  }

  /** Decrypts data; rejects if it does not open. */
  async decrypt(key, nonce, data) {
    return new Uint8Array(await this.#s.decrypt({ ...CHACHA, iv: nonce }, await this.#key(key, 'decrypt'), data));
  }
}
