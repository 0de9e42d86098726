// Package wire is a small hand-written codec for the protobuf messages and
// the TLS structures of XMTP welcome pointers (XIP-74). The byte-level
// contract is docs/spec.md.
//
// It is built on google.golang.org/protobuf/encoding/protowire only: the
// protobuf runtime (proto, protoreflect, generated code) costs about 40% of
// the WebAssembly module, so this package must never import it. The
// generated types under internal/pb are used by the tests as an oracle.
//
// Encoding is byte-identical to proto.MarshalOptions{Deterministic: true} of
// the generated types: fields in field-number order, proto3 zero values
// omitted, the selected oneof arm always written (even when empty), repeated
// enums packed.
//
// Parsing follows proto3 as the Go protobuf runtime does, within bounds
// that no real message comes near:
//   - unknown fields of the varint, fixed and length-delimited wire types are
//     skipped; groups (wire types 3 and 4, which no message of the spec
//     uses) are refused;
//   - for a singular field present several times, the last value wins;
//   - for a oneof, the last arm present wins, and a message arm present
//     several times in a row is merged, field by field;
//   - a message with no known oneof arm is ErrMalformed ("no version");
//   - enum fields keep unknown numeric values; the caller decides;
//   - truncated input, bad varints, field number 0 or above 2^29-1 are errors;
//   - a known field carrying the wrong wire type is an error. The Go runtime
//     would store it as an unknown field; prost (the Rust library of the
//     deployed client) rejects it, and so do we;
//   - a message of more than MaxFields fields (known and unknown) and a
//     0xff04 list of more than MaxAEADTypes entries are errors.
//
// Anything this package accepts, the Go runtime accepts with the same
// values. The reader never recurses on what the input says: a submessage
// is parsed only where the schema has one, at most maxNesting levels deep,
// and every length is checked against what remains before it is used. The
// work done on any input is therefore bounded by a small constant times
// the fields it reads, never by what its lengths or counts claim.
//
// Byte slices in parsed values alias the input (no copy) and are capped to
// their length, so appending to them never writes into the input. Callers
// that keep a parsed value after reusing the input buffer must copy.
//
// Nothing in this package panics on any input it parses.
package wire

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// WelcomeWrapperAlgorithm (xmtp.mls.message_contents) values. The pointer
// form (WelcomePointerWrapperAlgorithm) uses the same numbers without 1 and 3.
const (
	AlgorithmUnspecified  int32 = 0
	AlgorithmCurve25519   int32 = 1
	AlgorithmXWing        int32 = 2 // XWING_MLKEM_768_DRAFT_6
	AlgorithmSymmetricKey int32 = 3 // only on pointees
)

// WelcomePointeeEncryptionAeadType values.
const (
	AEADUnspecified      int32 = 0
	AEADChaCha20Poly1305 int32 = 3
)

// ErrMalformed is wrapped by every parse failure of this package.
var ErrMalformed = errors.New("malformed")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Bounds of the reader.
const (
	// MaxFields caps the fields of one message, known and unknown together.
	// The largest message of the spec has seven; a sender that repeats a
	// field or a oneof arm dozens of times only makes receivers work.
	MaxFields = 64
	// MaxAEADTypes caps the entries of a 0xff04 list (a client lists one).
	MaxAEADTypes = 64
	// maxNesting is the deepest a parsed message goes: an envelope and its
	// arm, or a WelcomePointer and its WelcomeV1Pointer.
	maxNesting = 2
)

// field is one decoded field of a message. For VarintType, v holds the
// value; for BytesType, b holds the payload (aliasing the input, capped).
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// nextField decodes the field at the start of b and returns it with the
// number of bytes it occupies. Varint and length-delimited fields are
// decoded; fixed-size fields are skipped over (their value is not
// returned), so the caller can treat them as unknown or reject them. A
// group is an error, whatever its field number: skipping one would mean
// following the nesting the input chooses.
func nextField(b []byte, msg string) (field, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, malformed("%s: bad tag: %v", msg, protowire.ParseError(n))
	}
	if num > protowire.MaxValidNumber {
		return field{}, 0, malformed("%s: field number %d out of range", msg, num)
	}
	f := field{num: num, typ: typ}
	rest := b[n:]
	var m int
	switch typ {
	case protowire.VarintType:
		f.v, m = protowire.ConsumeVarint(rest)
	case protowire.BytesType:
		f.b, m = protowire.ConsumeBytes(rest)
		if m >= 0 {
			f.b = f.b[:len(f.b):len(f.b)]
		}
	case protowire.Fixed32Type:
		_, m = protowire.ConsumeFixed32(rest)
	case protowire.Fixed64Type:
		_, m = protowire.ConsumeFixed64(rest)
	case protowire.StartGroupType, protowire.EndGroupType:
		return field{}, 0, malformed("%s: field %d is a group (wire type %d): groups are not accepted", msg, num, typ)
	default:
		return field{}, 0, malformed("%s: field %d has reserved wire type %d", msg, num, typ)
	}
	if m < 0 {
		return field{}, 0, malformed("%s: field %d: %v", msg, num, protowire.ParseError(m))
	}
	return f, n + m, nil
}

// fields iterates over the fields of one message, at most MaxFields.
type fields struct {
	b     []byte
	msg   string
	count int
}

// next returns the next field; ok is false at the end of the message.
func (it *fields) next() (f field, ok bool, err error) {
	if len(it.b) == 0 {
		return field{}, false, nil
	}
	if it.count++; it.count > MaxFields {
		return field{}, false, malformed("%s: more than %d fields", it.msg, MaxFields)
	}
	f, n, err := nextField(it.b, it.msg)
	if err != nil {
		return field{}, false, err
	}
	it.b = it.b[n:]
	return f, true, nil
}

// fieldSpec reports whether a message knows a field number, and if so the
// wire type the field must have.
type fieldSpec func(num protowire.Number) (want protowire.Type, known bool)

// forEachField calls fn for every known field of the message b, in order.
// Unknown fields are skipped; a known field with another wire type than the
// one spec gives is an error. depth is the message's nesting level (1 for a
// top-level message); fn parses a submessage at depth+1.
func forEachField(b []byte, msg string, depth int, spec fieldSpec, fn func(f field) error) error {
	if depth > maxNesting {
		return malformed("%s: nested deeper than %d", msg, maxNesting)
	}
	it := fields{b: b, msg: msg}
	for {
		f, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		want, known := spec(f.num)
		if !known {
			continue
		}
		if f.typ != want {
			return malformed("%s: field %d has wire type %d, want %d", msg, f.num, f.typ, want)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
}

// Sizes and appenders for proto3 singular fields (zero values omitted).

func sizeBytesField(num protowire.Number, v []byte) int {
	return sizeBytesLen(num, len(v))
}

// sizeBytesLen is sizeBytesField for a value of n bytes.
func sizeBytesLen(num protowire.Number, n int) int {
	if n == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func sizeUint64Field(num protowire.Number, v uint64) int {
	if v == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func appendUint64Field(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// Enums are int32 on the wire as varints, sign-extended to 64 bits like the
// Go runtime (a negative value takes 10 bytes).

func enumWire(v int32) uint64 { return uint64(int64(v)) }

func sizeEnumField(num protowire.Number, v int32) int {
	return sizeUint64Field(num, enumWire(v))
}

func appendEnumField(b []byte, num protowire.Number, v int32) []byte {
	return appendUint64Field(b, num, enumWire(v))
}

// sizeMessageField is the size of a submessage field whose content is
// inner bytes long; submessages are always written, even when empty.
func sizeMessageField(num protowire.Number, inner int) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(inner)
}

func appendMessageHeader(b []byte, num protowire.Number, inner int) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(inner))
}
