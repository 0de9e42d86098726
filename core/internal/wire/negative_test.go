package wire_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// Negative tests for the protobuf messages: truncation, wrong wire types,
// garbage, unknown oneof arms, bad varints and tags. Every rejection must wrap
// ErrMalformed; every acceptance must agree with proto.Unmarshal (the checkX
// helpers in oracle_test.go do both).

// parsers lists every protobuf parser with its oracle check and a valid
// encoding exercising all fields (plus unknown fields at every level).
type parserCase struct {
	name  string
	check func(testing.TB, []byte) bool
	// valid is a full encoding; needsVersion reports that the empty message
	// is rejected ("no version") while proto accepts it.
	valid        []byte
	needsVersion bool
	// known lists each known field as a path of field numbers (submessage
	// arm, then field) with its wire type.
	known []knownField
}

type knownField struct {
	path []protowire.Number
	typ  protowire.Type
}

func bytesF(path ...protowire.Number) knownField {
	return knownField{path, protowire.BytesType}
}

func varintF(path ...protowire.Number) knownField {
	return knownField{path, protowire.VarintType}
}

func parserCases() []parserCase {
	v1 := &wire.V1{ID: 300, CreatedNs: 1 << 40, InstallationKey: fill(32, 1), Data: fill(40, 2),
		HpkePublicKey: fill(20, 3), WrapperAlgorithm: wire.AlgorithmXWing, WelcomeMetadata: fill(16, 4)}
	ptr := &wire.Pointer{ID: 5, CreatedNs: 6, InstallationKey: fill(32, 1), WelcomePointer: fill(50, 2),
		HpkePublicKey: fill(20, 3), WrapperAlgorithm: wire.AlgorithmXWing}
	wp := &wire.WelcomePointer{Destination: fill(32, 1), AEADType: 3, EncryptionKey: fill(32, 2),
		DataNonce: fill(12, 3), WelcomeMetadataNonce: fill(12, 4)}

	// withUnknown builds arm-wrapped encodings with unknown fields before,
	// inside and after.
	arm := func(num protowire.Number, inner []byte, known ...protowire.Number) []byte {
		u := unknownFields(known...)
		in := append(append(bytes.Clone(u), inner...), u...)
		var b []byte
		b = append(b, unknownFields(1, 2)...)
		b = protowire.AppendTag(b, num, protowire.BytesType)
		b = protowire.AppendBytes(b, in)
		return append(b, unknownFields(1, 2)...)
	}
	inner := func(b []byte) []byte { // strip the arm header of a one-field message
		_, _, n := protowire.ConsumeTag(b)
		v, _ := protowire.ConsumeBytes(b[n:])
		return v
	}

	return []parserCase{
		{
			name: "Input/V1", check: checkInput, needsVersion: true,
			valid: arm(1, inner(wire.AppendInput(nil, wire.Envelope{V1: v1})), 1, 2, 3, 4, 7),
			known: []knownField{bytesF(1), bytesF(2), bytesF(1, 1), bytesF(1, 2), bytesF(1, 3), varintF(1, 4), bytesF(1, 7)},
		},
		{
			name: "Input/Pointer", check: checkInput, needsVersion: true,
			valid: arm(2, inner(wire.AppendInput(nil, wire.Envelope{Pointer: ptr})), 1, 2, 3, 4),
			known: []knownField{bytesF(2, 1), bytesF(2, 2), bytesF(2, 3), varintF(2, 4)},
		},
		{
			name: "Message/V1", check: checkMessage, needsVersion: true,
			valid: arm(1, inner(wire.AppendMessage(nil, wire.Envelope{V1: v1})), 1, 2, 3, 4, 5, 6, 7),
			known: []knownField{bytesF(1), bytesF(2), varintF(1, 1), varintF(1, 2), bytesF(1, 3), bytesF(1, 4),
				bytesF(1, 5), varintF(1, 6), bytesF(1, 7)},
		},
		{
			name: "Message/Pointer", check: checkMessage, needsVersion: true,
			valid: arm(2, inner(wire.AppendMessage(nil, wire.Envelope{Pointer: ptr})), 1, 2, 3, 4, 5, 6),
			known: []knownField{varintF(2, 1), varintF(2, 2), bytesF(2, 3), bytesF(2, 4), bytesF(2, 5), varintF(2, 6)},
		},
		{
			name: "WelcomePointer", check: checkWelcomePointer, needsVersion: true,
			valid: arm(1, inner(wire.AppendWelcomePointer(nil, wp)), 1, 2, 3, 4, 5),
			known: []knownField{bytesF(1), bytesF(1, 1), varintF(1, 2), bytesF(1, 3), bytesF(1, 4), bytesF(1, 5)},
		},
		{
			name: "WelcomeMetadata", check: checkWelcomeMetadata,
			valid: append(append(unknownFields(1), wire.AppendWelcomeMetadata(nil, 1<<63+5)...), unknownFields(1)...),
			known: []knownField{varintF(1)},
		},
		{
			name: "WrapperEncryption", check: checkWrapperEncryption,
			valid: append(append(unknownFields(1, 2), wire.AppendWrapperEncryption(nil, fill(40, 7), 2)...), unknownFields(1, 2)...),
			known: []knownField{bytesF(1), varintF(2)},
		},
		{
			name: "AEADTypes", check: checkAEADTypes,
			valid: append(append(unknownFields(1), wire.AppendAEADTypes(nil, []int32{3, 0, -1, 3})...), unknownFields(1)...),
			// packed (bytes) and unpacked (varint) are both valid; see below.
		},
	}
}

func TestParsersAcceptTheirValidEncodings(t *testing.T) {
	for _, pc := range parserCases() {
		t.Run(pc.name, func(t *testing.T) {
			if !pc.check(t, pc.valid) {
				t.Fatalf("valid encoding rejected: %x", pc.valid)
			}
		})
	}
}

// Every prefix of a valid encoding is either rejected, or accepted with the
// values proto.Unmarshal gives (a prefix that ends between top-level fields
// is a valid message). For envelopes and WelcomePointer, whose only top-level
// known field is the version, every proper prefix must be rejected.
func TestTruncatedAtEveryOffset(t *testing.T) {
	for _, pc := range parserCases() {
		t.Run(pc.name, func(t *testing.T) {
			accepted := 0
			for i := 0; i < len(pc.valid); i++ {
				if pc.check(t, pc.valid[:i]) {
					accepted++
					if pc.needsVersion && !containsVersionField(pc.valid[:i]) {
						t.Fatalf("prefix of %d bytes accepted without a version", i)
					}
				}
			}
			t.Logf("%d of %d proper prefixes accepted (ending between top-level fields)", accepted, len(pc.valid))
		})
	}
	// Without trailing unknown fields, no proper prefix of an envelope or a
	// WelcomePointer is valid.
	plain := map[string]struct {
		check func(testing.TB, []byte) bool
		b     []byte
	}{
		"plain/Input/V1":        {checkInput, wire.AppendInput(nil, wire.Envelope{V1: &wire.V1{InstallationKey: fill(32, 1), Data: fill(200, 2), HpkePublicKey: fill(32, 3), WrapperAlgorithm: 1, WelcomeMetadata: fill(16, 4)}})},
		"plain/Input/Pointer":   {checkInput, wire.AppendInput(nil, wire.Envelope{Pointer: &wire.Pointer{InstallationKey: fill(32, 1), WelcomePointer: fill(200, 2), HpkePublicKey: fill(32, 3), WrapperAlgorithm: 2}})},
		"plain/Message/V1":      {checkMessage, wire.AppendMessage(nil, wire.Envelope{V1: &wire.V1{ID: 1 << 60, CreatedNs: 9, Data: fill(200, 2), WrapperAlgorithm: 3}})},
		"plain/Message/Pointer": {checkMessage, wire.AppendMessage(nil, wire.Envelope{Pointer: &wire.Pointer{ID: 1, CreatedNs: 1 << 60, WelcomePointer: fill(200, 2), WrapperAlgorithm: 2}})},
		"plain/WelcomePointer": {checkWelcomePointer, wire.AppendWelcomePointer(nil, &wire.WelcomePointer{Destination: fill(32, 1), AEADType: 3,
			EncryptionKey: fill(32, 2), DataNonce: fill(12, 3), WelcomeMetadataNonce: fill(12, 4)})},
		"plain/AEADTypes": {checkAEADTypes, wire.AppendAEADTypes(nil, []int32{3, 3, -1, 1 << 20})},
	}
	for name, c := range plain {
		t.Run(name, func(t *testing.T) {
			for i := 1; i < len(c.b); i++ {
				if c.check(t, c.b[:i]) {
					t.Fatalf("prefix of %d/%d bytes accepted", i, len(c.b))
				}
			}
		})
	}
}

// containsVersionField reports whether a top-level field 1 or 2 of bytes
// type is complete in b (a prefix can hold the whole version arm followed by
// truncated unknown fields only if those are complete too, so this is exact
// for accepted prefixes).
func containsVersionField(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return false
		}
		if (num == 1 || num == 2) && typ == protowire.BytesType {
			return true
		}
		b = b[n+m:]
	}
	return false
}

// fieldOfType encodes field num with a value of wire type typ.
func fieldOfType(num protowire.Number, typ protowire.Type) []byte {
	b := protowire.AppendTag(nil, num, typ)
	switch typ {
	case protowire.VarintType:
		b = protowire.AppendVarint(b, 1)
	case protowire.Fixed32Type:
		b = protowire.AppendFixed32(b, 1)
	case protowire.Fixed64Type:
		b = protowire.AppendFixed64(b, 1)
	case protowire.BytesType:
		b = protowire.AppendBytes(b, []byte{1})
	case protowire.StartGroupType:
		b = protowire.AppendTag(b, num, protowire.EndGroupType)
	}
	return b
}

// wrapPath nests field inside the submessage arms of path[:len(path)-1].
func wrapPath(path []protowire.Number, field []byte) []byte {
	for i := len(path) - 2; i >= 0; i-- {
		b := protowire.AppendTag(nil, path[i], protowire.BytesType)
		field = protowire.AppendBytes(b, field)
	}
	return field
}

var allWireTypes = []protowire.Type{
	protowire.VarintType, protowire.Fixed64Type, protowire.BytesType, protowire.Fixed32Type, protowire.StartGroupType,
}

// A known field with another wire type is an error (the Go runtime would keep
// it as an unknown field; prost rejects it, and so does this codec).
func TestWrongWireType(t *testing.T) {
	for _, pc := range parserCases() {
		for _, kf := range pc.known {
			for _, typ := range allWireTypes {
				if typ == kf.typ {
					continue
				}
				name := fmt.Sprintf("%s/field-%v/type-%d", pc.name, kf.path, typ)
				t.Run(name, func(t *testing.T) {
					b := wrapPath(kf.path, fieldOfType(kf.path[len(kf.path)-1], typ))
					if pc.check(t, b) {
						t.Fatalf("accepted %x", b)
					}
					// Also after a valid message: the bad field still fails it.
					if pc.check(t, append(bytes.Clone(pc.valid), b...)) {
						t.Fatalf("accepted valid||%x", b)
					}
				})
			}
		}
	}
	for _, typ := range []protowire.Type{protowire.Fixed32Type, protowire.Fixed64Type, protowire.StartGroupType} {
		t.Run(fmt.Sprintf("AEADTypes/field-1/type-%d", typ), func(t *testing.T) {
			if checkAEADTypes(t, fieldOfType(1, typ)) {
				t.Fatal("accepted")
			}
		})
	}
}

func TestNoVersion(t *testing.T) {
	cases := map[string][]byte{
		"empty":                  nil,
		"unknown-arm-bytes":      fieldOfType(3, protowire.BytesType),
		"unknown-arm-varint":     fieldOfType(3, protowire.VarintType),
		"unknown-arm-15":         fieldOfType(15, protowire.BytesType),
		"only-unknown-fields":    unknownFields(1, 2),
		"unknown-arm-and-fields": append(fieldOfType(3, protowire.BytesType), unknownFields(1, 2, 3)...),
	}
	for name, b := range cases {
		t.Run("Input/"+name, func(t *testing.T) {
			_, err := wire.ParseInput(b)
			mustNoVersion(t, err)
		})
		t.Run("Message/"+name, func(t *testing.T) {
			_, err := wire.ParseMessage(b)
			mustNoVersion(t, err)
		})
		t.Run("WelcomePointer/"+name, func(t *testing.T) {
			_, err := wire.ParseWelcomePointer(b)
			mustNoVersion(t, err)
		})
	}
	t.Run("WelcomePointer/arm-2", func(t *testing.T) {
		_, err := wire.ParseWelcomePointer(fieldOfType(2, protowire.BytesType))
		mustNoVersion(t, err)
	})
	// An unknown arm next to a known one is skipped.
	t.Run("Input/unknown-arm-after-v1", func(t *testing.T) {
		b := append(wire.AppendInput(nil, wire.Envelope{V1: &wire.V1{Data: []byte("x")}}), fieldOfType(3, protowire.BytesType)...)
		if !checkInput(t, b) {
			t.Fatal("rejected")
		}
	})
}

func mustNoVersion(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted a message with no version")
	}
	mustMalformed(t, err)
	if !strings.Contains(err.Error(), "no version") {
		t.Fatalf("error %q does not say %q", err, "no version")
	}
}

// Tags and varints: overlong, overflowing, non-minimal (valid in protobuf),
// bad field numbers, reserved wire types, groups, bad lengths.
func TestBadTagsAndVarints(t *testing.T) {
	overlong := func(n int) []byte { // n continuation bytes then a terminator
		return append(bytes.Repeat([]byte{0x80}, n), 0x00)
	}
	v1 := wire.AppendInput(nil, wire.Envelope{V1: &wire.V1{Data: []byte("d")}})
	cases := []struct {
		name   string
		b      []byte
		accept bool // whether proto (and we) accept it
	}{
		{"tag-11-bytes", overlong(10), false},
		{"tag-10-bytes-overflow", append(bytes.Repeat([]byte{0xff}, 9), 0x02), false},
		{"tag-unterminated", []byte{0x80, 0x80}, false},
		{"field-number-0-varint", []byte{0x00, 0x01}, false},
		{"field-number-0-bytes", []byte{0x02, 0x00}, false},
		{"field-number-2^29", append(protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3), 0x00), false},
		{"field-number-2^31-1", append(protowire.AppendVarint(nil, uint64(1<<31-1)<<3), 0x00), false},
		{"field-number-max-valid-unknown", append(append(bytes.Clone(v1), protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber)<<3)...), 0x00), true},
		{"wire-type-6", append(bytes.Clone(v1), 0x1e), false},
		{"wire-type-7", append(bytes.Clone(v1), 0x1f), false},
		{"end-group-top-level", append(bytes.Clone(v1), 0x1c), false},
		{"start-group-unterminated", append(bytes.Clone(v1), 0x1b), false},
		{"group-mismatched-end", append(bytes.Clone(v1), 0x1b, 0x24), false},
		// Groups are valid protobuf, but no message here has one: refused
		// even when balanced (bounds_test.go).
		{"group-balanced-unknown", append(bytes.Clone(v1), 0x1b, 0x08, 0x01, 0x1c), false},
		{"value-varint-11-bytes", append(append(bytes.Clone(v1), 0x18), overlong(10)...), false},
		{"value-varint-overflow", append(append(bytes.Clone(v1), 0x18), append(bytes.Repeat([]byte{0xff}, 9), 0x02)...), false},
		{"value-varint-truncated", append(bytes.Clone(v1), 0x18, 0x80), false},
		{"length-overlong", append([]byte{0x0a}, overlong(10)...), false},
		{"length-beyond-input", []byte{0x0a, 0x05, 0x12, 0x01, 0x00}, false},
		{"length-huge", append([]byte{0x0a}, protowire.AppendVarint(nil, 1<<62)...), false},
		{"fixed32-truncated", append(bytes.Clone(v1), 0x1d, 0x00, 0x00), false},
		{"fixed64-truncated", append(bytes.Clone(v1), 0x19, 0x00), false},
		// Non-minimal varints are valid protobuf; the runtime accepts them.
		{"tag-non-minimal", append([]byte{0x8a, 0x80, 0x00}, v1[1:]...), true},
		{"length-non-minimal", append([]byte{0x0a, 0x83, 0x00}, v1[2:]...), true},
		{"enum-non-minimal", []byte{0x0a, 0x04, 0x20, 0x82, 0x80, 0x00}, true},
		{"enum-10-byte-negative", append([]byte{0x0a, 0x0b, 0x20}, protowire.AppendVarint(nil, uint64(1<<64-1))...), true},
		{"enum-beyond-int32", append([]byte{0x0a, 0x06, 0x20}, protowire.AppendVarint(nil, 1<<33|2)...), true},
	}
	for _, c := range cases {
		t.Run("Input/"+c.name, func(t *testing.T) {
			if got := checkInput(t, c.b); got != c.accept {
				t.Fatalf("accepted = %v, want %v (%x)", got, c.accept, c.b)
			}
		})
	}
	// The same tag-level failures in the other messages.
	for _, c := range cases[:13] {
		if c.accept {
			continue
		}
		bad := bytes.TrimPrefix(c.b, v1)
		t.Run("WelcomeMetadata/"+c.name, func(t *testing.T) { mustReject(t, checkWelcomeMetadata, bad) })
		t.Run("WrapperEncryption/"+c.name, func(t *testing.T) { mustReject(t, checkWrapperEncryption, bad) })
		t.Run("AEADTypes/"+c.name, func(t *testing.T) { mustReject(t, checkAEADTypes, bad) })
		t.Run("WelcomePointer/"+c.name, func(t *testing.T) { mustReject(t, checkWelcomePointer, bad) })
		t.Run("Message/"+c.name, func(t *testing.T) { mustReject(t, checkMessage, bad) })
	}
	t.Run("AEADTypes/packed-truncated-varint", func(t *testing.T) {
		mustReject(t, checkAEADTypes, []byte{0x0a, 0x02, 0x03, 0x80})
	})
	t.Run("AEADTypes/packed-overlong-varint", func(t *testing.T) {
		b := append([]byte{0x0a, 0x0b}, overlong(10)...)
		mustReject(t, checkAEADTypes, b)
	})
	t.Run("AEADTypes/empty-packed", func(t *testing.T) {
		if !checkAEADTypes(t, []byte{0x0a, 0x00}) {
			t.Fatal("rejected")
		}
	})
}

func mustReject(t *testing.T, check func(testing.TB, []byte) bool, b []byte) {
	t.Helper()
	if check(t, b) {
		t.Fatalf("accepted %x", b)
	}
}

// Garbage: fixed patterns and random blobs. Nothing may panic; the checks
// assert ErrMalformed on rejection and agreement with proto on acceptance.
func TestGarbage(t *testing.T) {
	blobs := [][]byte{
		{0xff}, bytes.Repeat([]byte{0xff}, 64), {0x00}, {0x07}, {0x0e}, {0x0f}, {0x0c}, {0x0b},
		bytes.Repeat([]byte{0x0b}, 100), bytes.Repeat([]byte{0x0a, 0x7f}, 3),
		[]byte("this is not a protobuf message"),
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 500 {
		b := make([]byte, r.IntN(64))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		blobs = append(blobs, b)
	}
	for _, pc := range parserCases() {
		t.Run(pc.name, func(t *testing.T) {
			for _, b := range blobs {
				pc.check(t, b)
				// Also a valid message with garbage appended, and a random byte
				// flipped in a valid message.
				pc.check(t, append(bytes.Clone(pc.valid), b...))
			}
			for i := range pc.valid {
				m := bytes.Clone(pc.valid)
				m[i] ^= byte(1 + r.IntN(255))
				pc.check(t, m)
			}
		})
	}
}
