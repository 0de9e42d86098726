// The protobuf wire format, as little of it as the transport needs:
// writing varint and length-delimited fields, and reading a message's
// fields with every length checked. Like Go's protowire: no schema, no
// runtime; the messages are built and taken apart by field number in
// xmtp.js.

/** Thrown by the reader for bytes that are not a protobuf message. */
export class WireError extends Error {}

export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** The bytes of a varint (a non-negative number or bigint below 2^64). */
export function varint(v) {
  let n = BigInt(v);
  const out = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

/**
 * Encodes fields in order. Each is [number, value]: a Uint8Array is a
 * length-delimited field (left out when empty, as proto3 does), a number
 * or bigint a varint (left out when zero), null or undefined is skipped.
 */
export function encode(fields) {
  const parts = [];
  for (const [num, value] of fields) {
    if (value instanceof Uint8Array) {
      if (value.length === 0) continue;
      parts.push(Uint8Array.from([...varint((num << 3) | LEN), ...varint(value.length)]), value);
    } else if (value !== null && value !== undefined && BigInt(value) !== 0n) {
      parts.push(Uint8Array.from([...varint((num << 3) | VARINT), ...varint(value)]));
    }
  }
  return concat(parts);
}

/** The bytes of parts, one after the other. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The size of a length-delimited field holding len bytes. */
export function lenFieldSize(num, len) {
  return varint((num << 3) | LEN).length + varint(len).length + len;
}

function readVarint(b, pos) {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= b.length) throw new WireError('truncated varint');
    const c = b[pos++];
    v |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) {
      if (v >= 1n << 64n) throw new WireError('varint overflows 64 bits');
      return [v, pos];
    }
  }
  throw new WireError('varint longer than 10 bytes');
}

/**
 * The fields of a message, in order: { num, type, value } where value is
 * a bigint (varint, fixed) or a Uint8Array view into b (length-delimited).
 * Groups (types 3 and 4) and field number 0 are refused.
 */
export function decode(b) {
  const out = [];
  let pos = 0;
  while (pos < b.length) {
    let key;
    [key, pos] = readVarint(b, pos);
    const num = Number(key >> 3n);
    const type = Number(key & 7n);
    if (num === 0 || key >> 3n > 0x1fffffffn) throw new WireError(`invalid field number ${key >> 3n}`);
    let value;
    switch (type) {
      case VARINT:
        [value, pos] = readVarint(b, pos);
        break;
      case I64:
      case I32: {
        const n = type === I64 ? 8 : 4;
        if (pos + n > b.length) throw new WireError('truncated fixed-size field');
        value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[pos + i]);
        pos += n;
        break;
      }
      case LEN: {
        let len;
        [len, pos] = readVarint(b, pos);
        if (len > BigInt(b.length - pos)) throw new WireError(`field ${num}: length ${len} runs past the end`);
        value = b.subarray(pos, pos + Number(len));
        pos += Number(len);
        break;
      }
      default:
        throw new WireError(`field ${num}: unsupported wire type ${type}`);
    }
    out.push({ num, type, value });
  }
  return out;
}

/**
 * Reads a message against a schema { [num]: 'bytes' | 'varint' |
 * 'repeated' } : singular fields keep their last value (proto merge
 * semantics for scalars), repeated ones collect every value, and unknown
 * fields are skipped. A field of the wrong wire type is an error.
 */
export function parse(b, schema) {
  const out = {};
  for (const f of decode(b)) {
    const kind = schema[f.num];
    if (kind === undefined) continue;
    const want = kind === 'varint' ? VARINT : LEN;
    if (f.type !== want) throw new WireError(`field ${f.num}: wire type ${f.type}, want ${want}`);
    if (kind === 'repeated') (out[f.num] ??= []).push(f.value);
    else out[f.num] = f.value;
  }
  return out;
}
