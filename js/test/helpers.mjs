// Shared helpers for the node --test suites: module start-up, recipient
// installations, a stand-in network and a minimal protobuf codec (so
// tests can build and take apart wire messages independently of the Go
// code).
import assert from 'node:assert/strict';
import * as wp from '../src/node.js';

export { wp };

let readyPromise = null;
/** init() once per test process. */
export function ready() {
  readyPromise ??= wp.init();
  return readyPromise;
}

/** Asserts that fn throws (or rejects) a WelcomePointersError with code. */
export async function rejectsWith(fn, code, message) {
  let threw = false;
  try {
    await fn();
  } catch (e) {
    threw = true;
    assert.ok(e instanceof wp.WelcomePointersError, `expected a WelcomePointersError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
  }
  assert.ok(threw, `expected ${code}, but nothing was thrown`);
}

/** Synchronous variant: also checks the function does not return a Promise. */
export function throwsWith(fn, code, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof wp.WelcomePointersError, `expected a WelcomePointersError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/**
 * n recipients. capable: how many are pointer-capable (X-Wing key and
 * 0xff04); the others get an X-Wing key without 0xff04 (or a Curve25519
 * key when curve is set).
 */
export function makeRecipients(n, capable = n, { curve = false } = {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const isCapable = i < capable;
    const alg = !isCapable && curve ? wp.Algorithm.CURVE25519 : wp.Algorithm.XWING;
    const key = wp.generateKey(alg);
    const installationKey = new Uint8Array(32).fill(i + 1);
    const installation = wp.installationFromExtensions(
      alg === wp.Algorithm.XWING
        ? {
            installationKey,
            wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey, alg),
            pointeeAeadTypes: isCapable ? wp.encodePointeeAeadTypes() : null,
          }
        : { installationKey, initKey: key.publicKey },
    );
    out.push({ key, installation, installationKey });
  }
  return out;
}

/** A fake MLS Welcome of n bytes (starts 00 01 00 03 like a real one). */
export function fakeWelcome(n = 4096) {
  const w = new Uint8Array(n);
  for (let i = 0; i < n; i++) w[i] = (i * 31 + 7) & 0xff;
  w.set([0, 1, 0, 3]);
  return w;
}

/**
 * The network as seen by a test: published inputs become WelcomeMessages
 * (through the node rules of the core) appended to their topic.
 */
export class FakeNetwork {
  topics = new Map();
  nextId = 1n;
  fetches = 0;

  publish(input, createdNs = BigInt(Date.now()) * 1_000_000n) {
    const { topic } = wp.inputTopic(input);
    const msg = wp.toWelcomeMessage(input, this.nextId++, createdNs);
    const k = wp.toHex(topic);
    if (!this.topics.has(k)) this.topics.set(k, []);
    this.topics.get(k).push(msg);
    return msg;
  }

  /** Raw bytes on a topic (for decoys). */
  publishRaw(topic, bytes) {
    const k = wp.toHex(topic);
    if (!this.topics.has(k)) this.topics.set(k, []);
    this.topics.get(k).push(bytes);
  }

  messages(topic) {
    return this.topics.get(wp.toHex(topic)) ?? [];
  }

  /** A fetchFirstMessage for resolvers. */
  fetchFirst = async (topic) => {
    this.fetches++;
    return this.messages(topic)[0] ?? null;
  };
}

// ---- minimal protobuf (proto3) codec for tests ----

function varint(n) {
  let v = BigInt(n);
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

function concat(parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Protobuf encoding helpers: each returns the bytes of one field. */
export const pb = {
  varint: (no, v) => Uint8Array.from([...varint((no << 3) | 0), ...varint(v)]),
  bytes: (no, b) => concat([Uint8Array.from([...varint((no << 3) | 2), ...varint(b.length)]), b]),
  msg: (no, fields) => pb.bytes(no, concat(fields)),
  concat,
};

/** Decodes one protobuf message: field number -> array of values (bigint or Uint8Array). */
export function pbDecode(buf) {
  const out = new Map();
  let i = 0;
  const readVarint = () => {
    let v = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated');
      v |= BigInt(b & 0x7f) << s;
      s += 7n;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const tag = Number(readVarint());
    const no = tag >> 3;
    let v;
    if ((tag & 7) === 0) v = readVarint();
    else if ((tag & 7) === 2) {
      const n = Number(readVarint());
      v = buf.subarray(i, i + n);
      i += n;
    } else throw new Error(`wire type ${tag & 7}`);
    if (!out.has(no)) out.set(no, []);
    out.get(no).push(v);
  }
  return out;
}

/** MLS variable-length integer prefix (RFC 9420 2.1.2). */
export function mlsVarint(n) {
  if (n < 64) return Uint8Array.of(n);
  if (n < 16384) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  return Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

function readMlsVarint(b, i) {
  const p = b[i] >> 6;
  if (p === 0) return [b[i] & 0x3f, i + 1];
  if (p === 1) return [((b[i] & 0x3f) << 8) | b[i + 1], i + 2];
  return [((b[i] & 0x3f) << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3], i + 4];
}

/** TLS HpkeCiphertext { kem_output<V>; ciphertext<V> } -> parts. */
export function parseHpkeCiphertext(b) {
  let [n, i] = readMlsVarint(b, 0);
  const kemOutput = b.subarray(i, i + n);
  i += n;
  let m;
  [m, i] = readMlsVarint(b, i);
  const ciphertext = b.subarray(i, i + m);
  assert.equal(i + m, b.length, 'trailing bytes after the HPKE ciphertext');
  return { kemOutput, ciphertext };
}

export function hpkeCiphertext(kemOutput, ciphertext) {
  return concat([mlsVarint(kemOutput.length), kemOutput, mlsVarint(ciphertext.length), ciphertext]);
}

/** A WelcomeMessage.V1 built by hand. */
export function welcomeMessageV1({ id = 1, createdNs = 1, installationKey, data, hpkePublicKey = new Uint8Array(), wrapperAlgorithm, welcomeMetadata }) {
  const f = [pb.varint(1, id), pb.varint(2, createdNs), pb.bytes(3, installationKey), pb.bytes(4, data)];
  if (hpkePublicKey.length) f.push(pb.bytes(5, hpkePublicKey));
  f.push(pb.varint(6, wrapperAlgorithm));
  if (welcomeMetadata) f.push(pb.bytes(7, welcomeMetadata));
  return pb.msg(1, f);
}

/** A WelcomeMessage.WelcomePointer built by hand. */
export function welcomeMessagePointer({ id = 1, createdNs = 1, installationKey, welcomePointer, hpkePublicKey, wrapperAlgorithm = 2 }) {
  return pb.msg(2, [
    pb.varint(1, id),
    pb.varint(2, createdNs),
    pb.bytes(3, installationKey),
    pb.bytes(4, welcomePointer),
    pb.bytes(5, hpkePublicKey),
    pb.varint(6, wrapperAlgorithm),
  ]);
}

/** A WelcomePointer plaintext built by hand. */
export function welcomePointerPlain({ destination, aeadType = 3, key, dataNonce, metadataNonce }) {
  return pb.msg(1, [pb.bytes(1, destination), pb.varint(2, aeadType), pb.bytes(3, key), pb.bytes(4, dataNonce), pb.bytes(5, metadataNonce)]);
}

/** Sleeps for real. */
export const delay = (ms) => new Promise((r) => setTimeout(r, ms));
