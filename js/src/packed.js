// Installations and keys cross into the module packed in one Uint8Array,
// and messages and opened messages come back the same way (the formats
// are in wasm/packed.go): each call across the boundary costs
// microseconds, and reading an installation field by field cost about
// 80 µs, as much as the rest of a pointer.
//
// Packing reads each of the caller's values once, through the guarded
// path (a getter or Proxy trap that throws is ERR_ARGUMENT "reading …
// threw", as the module says it), and takes exactly what the module's own
// reading accepts (the same intrinsics, the same limits, from
// constants.limits). At the first value it would refuse, it hands the
// module what it has read so far instead, plain objects holding the
// values as read, so that the module names what is wrong as it always
// did; values after that one are not read.
import { guarded, isUint8Array } from './guard.js';
import { toHex } from './hex.js';

const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
const get = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const taBuffer = get(TypedArray, 'buffer');
const taLength = get(TypedArray, 'length');
const taOffset = get(TypedArray, 'byteOffset');
const abByteLength = get(ArrayBuffer.prototype, 'byteLength');
const abSlice = ArrayBuffer.prototype.slice;

const NO_AEAD_TYPES = 0xffff;
const INT31 = 2 ** 31 - 1;

/**
 * A copy of v if the module would take it as bytes of at most max (a
 * Uint8Array, not over a SharedArrayBuffer or a detached buffer), else
 * null. Only internal slots are read.
 */
function plainBytes(v, max) {
  if (!isUint8Array(v)) return null;
  try {
    const buffer = taBuffer.call(v);
    const n = taLength.call(v);
    const offset = taOffset.call(v);
    abByteLength.call(buffer); // throws for a SharedArrayBuffer
    if (n === 0) abSlice.call(buffer, 0, 0); // throws for a detached buffer
    if (n > max) return null;
    return new Uint8Array(buffer, offset, n).slice();
  } catch {
    return null;
  }
}

const isInt31 = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= INT31;

/** Array.isArray, which throws for a revoked Proxy: then no (the module says what it is). */
function isArray(v) {
  try {
    return Array.isArray(v);
  } catch {
    return null;
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && isArray(v) === false && !isUint8Array(v);

/** Reads v.key once through the guarded path, named name. */
const field = (v, key, name) => guarded(name, () => v[key]);

/** A growing little-endian buffer. */
class Writer {
  #b;
  #dv;
  #at = 0;

  constructor(size = 256) {
    this.#b = new Uint8Array(size);
    this.#dv = new DataView(this.#b.buffer);
  }

  #room(n) {
    if (this.#at + n <= this.#b.length) return;
    const b = new Uint8Array(Math.max(2 * this.#b.length, this.#at + n));
    b.set(this.#b.subarray(0, this.#at));
    this.#b = b;
    this.#dv = new DataView(b.buffer);
  }

  u16(n) {
    this.#room(2);
    this.#dv.setUint16(this.#at, n, true);
    this.#at += 2;
  }

  u32(n) {
    this.#room(4);
    this.#dv.setUint32(this.#at, n, true);
    this.#at += 4;
  }

  bytes(b) {
    this.#room(b.length);
    this.#b.set(b, this.#at);
    this.#at += b.length;
  }

  bytes16(b) {
    this.u16(b.length);
    this.bytes(b);
  }

  /** What was written (the buffer is not reused). */
  finish() {
    return this.#b.subarray(0, this.#at);
  }
}

/**
 * Packs one installation read from its fields, or returns the plain
 * object of the values read when the module would refuse one (fields
 * after it unread).
 */
function packInstallation(inst, i, limits) {
  const name = `installations[${i}]`;
  const snap = {};
  snap.installationKey = field(inst, 'installationKey', `${name}.installationKey`);
  const id = plainBytes(snap.installationKey, limits.installationKey);
  if (!id) return { snap };
  snap.wrapperPublicKey = field(inst, 'wrapperPublicKey', `${name}.wrapperPublicKey`);
  const pub = plainBytes(snap.wrapperPublicKey, limits.publicKey);
  if (!pub) return { snap };
  snap.wrapperAlgorithm = field(inst, 'wrapperAlgorithm', `${name}.wrapperAlgorithm`);
  if (!isInt31(snap.wrapperAlgorithm)) return { snap };
  const types = field(inst, 'pointeeAeadTypes', `${name}.pointeeAeadTypes`);
  snap.pointeeAeadTypes = types;
  let aead = null;
  if (types !== undefined && types !== null) {
    if (!isArray(types)) return { snap };
    const n = field(types, 'length', `${name}.pointeeAeadTypes.length`);
    if (!isInt31(n) || n > limits.pointeeAeadTypes) return { snap };
    aead = [];
    for (let j = 0; j < n; j++) {
      const t = field(types, j, `${name}.pointeeAeadTypes[${j}]`);
      if (!isInt31(t)) {
        snap.pointeeAeadTypes = [...aead, t]; // the module reads these, then refuses t
        return { snap };
      }
      aead.push(t);
    }
    snap.pointeeAeadTypes = aead;
  }
  const w = new Writer(12 + id.length + pub.length + 4 * (aead?.length ?? 0));
  w.u32(snap.wrapperAlgorithm);
  w.bytes16(id);
  w.bytes16(pub);
  if (aead === null) {
    w.u16(NO_AEAD_TYPES);
  } else {
    w.u16(aead.length);
    for (const t of aead) w.u32(t);
  }
  return { record: w.finish(), snap: { ...snap, installationKey: id, wrapperPublicKey: pub } };
}

/**
 * Reads installations once. Returns { records, snapshots } when the
 * module would take them all: per installation its packed record and a
 * plain copy (installationKey, wrapperPublicKey, wrapperAlgorithm,
 * pointeeAeadTypes); else { fallback }: what to pass the module instead,
 * for it to refuse with its own error.
 */
export function readInstallations(installations, limits) {
  if (!isArray(installations)) return { fallback: installations };
  const n = field(installations, 'length', 'installations.length');
  if (!isInt31(n) || n > limits.installations) return { fallback: installations };
  const records = [];
  const snapshots = [];
  for (let i = 0; i < n; i++) {
    const inst = field(installations, i, `installations[${i}]`);
    const r = isObject(inst) ? packInstallation(inst, i, limits) : { snap: inst };
    snapshots.push(r.snap);
    if (!r.record) {
      const fallback = new Array(n);
      for (let j = 0; j <= i; j++) fallback[j] = snapshots[j];
      return { fallback };
    }
    records.push(r.record);
  }
  return { records, snapshots };
}

/** The packed installations argument of records (of readInstallations). */
export function packRecords(records) {
  const w = new Writer(4 + records.reduce((n, r) => n + r.length, 0));
  w.u32(records.length);
  for (const r of records) w.bytes(r);
  return w.finish();
}

/**
 * Reads keys once: the packed keys argument and the plain copies
 * ({ algorithm, privateKey }), or { fallback } as readInstallations.
 */
export function readKeys(keys, limits) {
  if (!isArray(keys)) return { fallback: keys };
  const n = field(keys, 'length', 'keys.length');
  if (!isInt31(n) || n > limits.keys) return { fallback: keys };
  const w = new Writer();
  w.u16(n);
  const copies = [];
  for (let i = 0; i < n; i++) {
    const k = field(keys, i, `keys[${i}]`);
    let snap = k;
    let ok = false;
    if (isObject(k)) {
      snap = { algorithm: field(k, 'algorithm', `keys[${i}].algorithm`) };
      if (isInt31(snap.algorithm)) {
        snap.privateKey = field(k, 'privateKey', `keys[${i}].privateKey`);
        const priv = plainBytes(snap.privateKey, limits.publicKey);
        if (priv) {
          ok = true;
          snap.privateKey = priv;
          w.u32(snap.algorithm);
          w.bytes16(priv);
        }
      }
    }
    copies.push(snap);
    if (!ok) {
      const fallback = new Array(n);
      for (let j = 0; j <= i; j++) fallback[j] = copies[j];
      return { fallback };
    }
  }
  const packed = w.finish();
  return { packed, copies };
}

class Reader {
  #b;
  #dv;
  #at = 0;

  constructor(b) {
    this.#b = b;
    this.#dv = new DataView(b.buffer, b.byteOffset, b.length);
  }

  u8() { return this.#dv.getUint8(this.#at++); }

  u16() {
    const v = this.#dv.getUint16(this.#at, true);
    this.#at += 2;
    return v;
  }

  u32() {
    const v = this.#dv.getUint32(this.#at, true);
    this.#at += 4;
    return v;
  }

  u64() {
    const v = this.#dv.getBigUint64(this.#at, true);
    this.#at += 8;
    return v;
  }

  /** A copy of the next n bytes. */
  bytes(n) {
    const v = this.#b.slice(this.#at, this.#at + n);
    this.#at += n;
    return v;
  }

  bytes16() { return this.bytes(this.u16()); }

  get offset() { return this.#at; }
}

const KIND = { 1: 'direct', 2: 'pointee', 3: 'pointer' };

/** The messages of a packed result: { destination (or null), messages }. */
export function unpackMessages(b) {
  const r = new Reader(b);
  const d = r.u8();
  const destination = d === 0 ? null : r.bytes(d);
  const n = r.u32();
  const messages = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = KIND[r.u8()];
    const installationKey = r.bytes16();
    messages[i] = { kind, installationKey, message: r.bytes(r.u32()) };
  }
  return { destination, messages };
}

/** An invite from sealInvite's packed result, as the module's object form has it. */
export function unpackInvite(b) {
  const { destination, messages } = unpackMessages(b);
  let pointers = 0;
  let direct = 0;
  let size = 0;
  for (const m of messages) {
    if (m.kind === 'pointer') pointers++;
    else if (m.kind === 'direct') direct++;
    size += m.message.length;
  }
  return { destination, messages, pointers, direct, size };
}

/** An opened message (Received) from its packed form; the packed bytes are zeroed. */
export function unpackReceived(b) {
  const r = new Reader(b);
  const kind = KIND[r.u8()];
  const out = { kind, id: r.u64(), createdNs: r.u64(), installationKey: r.bytes16(), kemId: r.u16() };
  if (kind === 'direct') {
    out.welcome = r.bytes(r.u32());
    out.cursor = r.u64();
    out.hasCursor = r.u8() === 1;
  } else {
    const bytes = r.bytes16();
    const id = toHex(r.bytes(32));
    const destination = toHex(r.bytes16());
    out.pointer = { bytes, id, destination, topic: r.bytes16(), decentralizedTopic: r.bytes16(), aeadType: r.u32() };
  }
  b.fill(0); // it held the pointer's key
  return out;
}

/** openWelcomeKEM's packed result: { keyIndex, keyId, encapsulation } (null, null without one). */
export function unpackFound(b) {
  const r = new Reader(b);
  const keyIndex = r.u16();
  if (r.u8() === 0) return { keyIndex, keyId: null, encapsulation: null };
  return { keyIndex, keyId: toHex(r.bytes(32)), encapsulation: r.bytes(1120) };
}

/**
 * The records of packed installations, each with its wrapper public key:
 * a worker given one packed part splits it into batches.
 */
export function splitRecords(packed) {
  const r = new Reader(packed);
  const n = r.u32();
  const out = [];
  let start = 4;
  for (let i = 0; i < n; i++) {
    r.u32();
    r.bytes16();
    const publicKey = r.bytes16();
    const c = r.u16();
    if (c !== NO_AEAD_TYPES) for (let j = 0; j < c; j++) r.u32();
    const end = r.offset;
    out.push({ record: packed.subarray(start, end), publicKey });
    start = end;
  }
  return out;
}
