package corpus

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one field of a protobuf message, as its encodings.
type field struct {
	num     protowire.Number
	typ     protowire.Type
	tag     []byte // the tag's encoding
	value   []byte // the value's encoding (for bytes: length prefix, then payload)
	payload []byte // the payload of a length-delimited field
}

func (f field) bytes() []byte { return append(bytes.Clone(f.tag), f.value...) }

// parseFields splits b into its fields; ok is false unless all of b is
// fields of the wire types 0, 1, 2 and 5.
func parseFields(b []byte) (fs []field, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ == protowire.StartGroupType || typ == protowire.EndGroupType {
			return nil, false
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, false
		}
		f := field{num: num, typ: typ, tag: b[:n:n], value: b[n : n+m : n+m]}
		if typ == protowire.BytesType {
			f.payload, _ = protowire.ConsumeBytes(f.value)
		}
		fs = append(fs, f)
		b = b[n+m:]
	}
	return fs, true
}

func join(fs []field) []byte {
	var b []byte
	for _, f := range fs {
		b = append(b, f.bytes()...)
	}
	return b
}

func bytesField(num protowire.Number, payload []byte) field {
	tag := protowire.AppendTag(nil, num, protowire.BytesType)
	return field{num: num, typ: protowire.BytesType, tag: tag, value: protowire.AppendBytes(nil, payload), payload: payload}
}

// interesting are values that sit on boundaries: enum values known and
// not, sizes of keys and nonces, the limits of varints and of int32.
var interesting = []uint64{0, 1, 2, 3, 4, 5, 7, 12, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 1119, 1120, 1121, 1215, 1216, 1217,
	16383, 16384, 1<<30 - 1, 1 << 30, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1 << 32, 1<<63 - 1, 1<<64 - 1}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// mutate returns one mutation of b and its name.
func mutate(b []byte, rng *rand.Rand) ([]byte, string) {
	return mutateAt(b, rng, 0)
}

func mutateAt(b []byte, rng *rand.Rand, depth int) ([]byte, string) {
	fs, isProto := parseFields(b)
	if isProto && len(fs) > 0 && rng.IntN(5) > 0 {
		if out, name, ok := mutateFields(fs, rng, depth); ok {
			return out, name
		}
	}
	return mutateBytes(b, rng)
}

// mutateBytes knows nothing of the format.
func mutateBytes(b []byte, rng *rand.Rand) ([]byte, string) {
	out := bytes.Clone(b)
	switch k := rng.IntN(8); {
	case k < 3 && len(b) > 0:
		i := rng.IntN(len(b) * 8)
		out[i/8] ^= 1 << (i % 8)
		return out, fmt.Sprintf("bit flip %d", i)
	case k == 3 && len(b) > 0:
		n := rng.IntN(len(b))
		return out[:n], fmt.Sprintf("truncated to %d", n)
	case k == 4:
		extra := make([]byte, 1+rng.IntN(16))
		fillRandom(extra, rng)
		return append(out, extra...), fmt.Sprintf("%d bytes appended", len(extra))
	case k == 5 && len(b) >= 32:
		// A key of low order, or zeros, in the last 32 bytes (the X25519
		// half of an X-Wing key, or a whole X25519 key).
		low := [][]byte{make([]byte, 32), append([]byte{1}, make([]byte, 31)...), append([]byte{0xec}, append(bytes.Repeat([]byte{0xff}, 30), 0x7f)...)}
		copy(out[len(out)-32:], pick(rng, low))
		return out, "low-order X25519 tail"
	case k == 6:
		// An MLS varint of an interesting value in front (the length of
		// an HpkeCiphertext's kem_output).
		v := pick(rng, interesting)
		var pre []byte
		switch {
		case v < 1<<6:
			pre = []byte{byte(v)}
		case v < 1<<14:
			pre = []byte{0x40 | byte(v>>8), byte(v)}
		case v < 1<<30:
			pre = []byte{0x80 | byte(v>>24), byte(v >> 16), byte(v >> 8), byte(v)}
		default:
			pre = []byte{0xc0, 0, 0, 0}
		}
		n := min(len(pre), len(out))
		return append(pre, out[n:]...), fmt.Sprintf("MLS varint %d in front", v)
	default:
		extra := make([]byte, rng.IntN(3))
		fillRandom(extra, rng)
		i := rng.IntN(len(b) + 1)
		return append(append(out[:i:i], extra...), b[i:]...), fmt.Sprintf("%d bytes inserted at %d", len(extra), i)
	}
}

// mutateFields edits the message structure; ok is false when the chosen
// edit does not apply to these fields.
func mutateFields(fs []field, rng *rand.Rand, depth int) ([]byte, string, bool) {
	fs = append([]field(nil), fs...)
	i := rng.IntN(len(fs))
	f := fs[i]
	at := rng.IntN(len(fs) + 1)
	insert := func(extra []byte) []byte {
		return append(append(join(fs[:at]), extra...), join(fs[at:])...)
	}
	switch rng.IntN(14) {
	case 0: // an unknown field of some wire type, maybe a known number
		num := protowire.Number(1 + rng.IntN(20))
		typ := pick(rng, []protowire.Type{protowire.VarintType, protowire.Fixed64Type, protowire.BytesType, protowire.Fixed32Type})
		b := protowire.AppendTag(nil, num, typ)
		switch typ {
		case protowire.VarintType:
			b = protowire.AppendVarint(b, pick(rng, interesting))
		case protowire.Fixed64Type:
			b = protowire.AppendFixed64(b, rng.Uint64())
		case protowire.Fixed32Type:
			b = protowire.AppendFixed32(b, rng.Uint32())
		default:
			payload := make([]byte, rng.IntN(40))
			fillRandom(payload, rng)
			b = protowire.AppendBytes(b, payload)
		}
		return insert(b), fmt.Sprintf("field %d of wire type %d at %d", num, typ, at), true
	case 1: // groups, nested
		depth := pick(rng, []int{1, 2, 100, 9000})
		num := protowire.Number(1 + rng.IntN(20))
		var b []byte
		for range depth {
			b = protowire.AppendTag(b, num, protowire.StartGroupType)
		}
		if rng.IntN(4) > 0 {
			for range depth {
				b = protowire.AppendTag(b, num, protowire.EndGroupType)
			}
		}
		return insert(b), fmt.Sprintf("groups of field %d %d deep at %d", num, depth, at), true
	case 2:
		return insert(f.bytes()), fmt.Sprintf("field %d repeated at %d", f.num, at), true
	case 3:
		j := rng.IntN(len(fs))
		fs[i], fs[j] = fs[j], fs[i]
		return join(fs), fmt.Sprintf("fields %d and %d swapped", i, j), true
	case 4:
		return append(join(fs[:i]), join(fs[i+1:])...), fmt.Sprintf("field %d dropped", f.num), true
	case 5: // a lying length
		if f.typ != protowire.BytesType {
			return nil, "", false
		}
		l := uint64(len(f.payload))
		lie := pick(rng, []uint64{l + 1, l - 1, l + 1000, 0, 1 << 31, 1 << 62})
		fs[i].value = append(protowire.AppendVarint(nil, lie), f.payload...)
		return join(fs), fmt.Sprintf("field %d says %d bytes, has %d", f.num, lie, l), true
	case 6: // a non-minimal tag or length
		pad := 1 + rng.IntN(4)
		if rng.IntN(2) == 0 || f.typ != protowire.BytesType {
			fs[i].tag = nonMinimal(f.tag, pad)
			return join(fs), fmt.Sprintf("tag of field %d %d bytes longer", f.num, pad), true
		}
		fs[i].value = append(nonMinimal(protowire.AppendVarint(nil, uint64(len(f.payload))), pad), f.payload...)
		return join(fs), fmt.Sprintf("length of field %d %d bytes longer", f.num, pad), true
	case 7: // the other oneof arm, or another field number
		num := pick(rng, []protowire.Number{1, 2, 3, 0, protowire.MaxValidNumber, protowire.MaxValidNumber + 1})
		if f.num == 1 && rng.IntN(2) == 0 {
			num = 2
		} else if f.num == 2 && rng.IntN(2) == 0 {
			num = 1
		}
		fs[i].tag = protowire.AppendVarint(nil, uint64(num)<<3|uint64(f.typ))
		return join(fs), fmt.Sprintf("field %d renumbered %d", f.num, num), true
	case 8: // an enum (or any varint) value
		if f.typ != protowire.VarintType {
			return nil, "", false
		}
		v := pick(rng, interesting)
		fs[i].value = protowire.AppendVarint(nil, v)
		return join(fs), fmt.Sprintf("field %d = %d", f.num, v), true
	case 9, 10: // a key or nonce of the wrong size
		if f.typ != protowire.BytesType {
			return nil, "", false
		}
		p := f.payload
		var q []byte
		switch rng.IntN(4) {
		case 0:
			q = p[:max(len(p)-1, 0)]
		case 1:
			q = append(bytes.Clone(p), byte(rng.Uint32()))
		case 2:
			q = nil
		default:
			q = append(bytes.Clone(p), p...)
		}
		fs[i] = bytesField(f.num, q)
		return join(fs), fmt.Sprintf("field %d of %d bytes instead of %d", f.num, len(q), len(p)), true
	case 11: // padding: empty arms before the rest
		n := pick(rng, []int{1, 63, 64, 65, 1000})
		pad := bytes.Repeat(bytesField(f.num, nil).bytes(), n)
		return append(pad, join(fs)...), fmt.Sprintf("%d empty fields %d in front", n, f.num), true
	default: // inside a submessage
		if f.typ != protowire.BytesType || depth >= 2 {
			return nil, "", false
		}
		inner, ok := parseFields(f.payload)
		if !ok || len(inner) == 0 {
			return nil, "", false
		}
		out, name := mutateAt(f.payload, rng, depth+1)
		fs[i] = bytesField(f.num, out)
		return join(fs), fmt.Sprintf("in field %d: %s", f.num, name), true
	}
}

// nonMinimal re-encodes the varint v with pad more bytes (at most ten).
func nonMinimal(v []byte, pad int) []byte {
	x, n := protowire.ConsumeVarint(v)
	if n < 0 {
		return v
	}
	b := protowire.AppendVarint(nil, x)
	for range pad {
		if len(b) == 10 {
			break
		}
		b[len(b)-1] |= 0x80
		b = append(b, 0)
	}
	return b
}

func fillRandom(b []byte, rng *rand.Rand) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// sealedPointer returns the welcome_pointer field of a pointer message as
// read back (the HpkeCiphertext to inspect).
func sealedPointer(msg []byte) ([]byte, error) {
	fs, ok := parseFields(msg)
	if !ok || len(fs) != 1 {
		return nil, fmt.Errorf("corpus: not a pointer message")
	}
	inner, ok := parseFields(fs[0].payload)
	if !ok {
		return nil, fmt.Errorf("corpus: not a pointer message")
	}
	for _, f := range inner {
		if f.num == 4 {
			return f.payload, nil
		}
	}
	return nil, fmt.Errorf("corpus: no welcome_pointer")
}
