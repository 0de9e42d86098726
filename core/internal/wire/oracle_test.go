package wire_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/core/internal/wire"
	mc "github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// Oracle tests: the codec against the generated code, in both directions.
//
// Encode: our bytes == proto.MarshalOptions{Deterministic: true}.Marshal of the
// same value in the generated type.
// Decode: bytes produced by the generated code (also with unknown fields at
// the start, the end and inside submessages) parse with our codec to the
// values proto.Unmarshal gives.

// unknown-field placements used by the decode tests.
type variant struct {
	name           string
	prefix, suffix bool // top-level unknown fields before / after the known ones
	nested         bool // unknown fields inside the submessage (written last)
}

var variants = []variant{
	{name: "plain"},
	{name: "unknown-prefix", prefix: true},
	{name: "unknown-suffix", suffix: true},
	{name: "unknown-nested", nested: true},
	{name: "unknown-everywhere", prefix: true, suffix: true, nested: true},
}

// variantsFor limits large encodings (the 1 MiB cases) to the plain and the
// all-unknown-fields variants: the others add nothing there but time, which
// matters when this suite runs as WebAssembly.
func variantsFor(encodedLen int) []variant {
	if encodedLen > 64<<10 {
		return []variant{variants[0], variants[len(variants)-1]}
	}
	return variants
}

func withTopLevelUnknown(b []byte, v variant, known ...protowire.Number) []byte {
	u := unknownFields(known...)
	var out []byte
	if v.prefix {
		out = append(out, u...)
	}
	out = append(out, b...)
	if v.suffix {
		out = append(out, u...)
	}
	return out
}

func TestOracleInput(t *testing.T) {
	for _, c := range envelopeCases() {
		t.Run("encode/"+c.name, func(t *testing.T) {
			want := marshal(t, pbInput(c.val))
			got := wire.AppendInput(nil, c.val)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendInput(%s)\n got %x\nwant %x", fmtEnvelope(c.val), trunc(got), trunc(want))
			}
			size := wire.InputSizeV1(c.val.V1) + wire.InputSizePointer(c.val.Pointer)
			if size != len(want) {
				t.Fatalf("InputSize = %d, encoded %d bytes", size, len(want))
			}
			// Appending to a non-empty buffer leaves the prefix alone.
			prefixed := wire.AppendInput([]byte("prefix"), c.val)
			if !bytes.Equal(prefixed, append([]byte("prefix"), want...)) {
				t.Fatalf("AppendInput with a prefix differs")
			}
		})
		for _, v := range variantsFor(wire.InputSizeV1(c.val.V1) + wire.InputSizePointer(c.val.Pointer)) {
			t.Run("decode/"+v.name+"/"+c.name, func(t *testing.T) {
				m := pbInput(c.val)
				if v.nested {
					switch x := m.Version.(type) {
					case *mlsv1.WelcomeMessageInput_V1_:
						setUnknown(x.V1, unknownFields(1, 2, 3, 4, 7))
					case *mlsv1.WelcomeMessageInput_WelcomePointer_:
						setUnknown(x.WelcomePointer, unknownFields(1, 2, 3, 4))
					}
				}
				b := withTopLevelUnknown(marshal(t, m), v, 1, 2)
				checkInput(t, b)
				if !equalEnvelope(mustParseInput(t, b), inputForm(c.val)) {
					t.Fatalf("ParseInput did not return the encoded value")
				}
			})
		}
	}
}

func TestOracleMessage(t *testing.T) {
	for _, c := range envelopeCases() {
		t.Run("encode/"+c.name, func(t *testing.T) {
			want := marshal(t, pbMessage(c.val))
			got := wire.AppendMessage(nil, c.val)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendMessage(%s)\n got %x\nwant %x", fmtEnvelope(c.val), trunc(got), trunc(want))
			}
		})
		for _, v := range variantsFor(len(wire.AppendMessage(nil, c.val))) {
			t.Run("decode/"+v.name+"/"+c.name, func(t *testing.T) {
				m := pbMessage(c.val)
				if v.nested {
					switch x := m.Version.(type) {
					case *mlsv1.WelcomeMessage_V1_:
						setUnknown(x.V1, unknownFields(1, 2, 3, 4, 5, 6, 7))
					case *mlsv1.WelcomeMessage_WelcomePointer_:
						setUnknown(x.WelcomePointer, unknownFields(1, 2, 3, 4, 5, 6))
					}
				}
				b := withTopLevelUnknown(marshal(t, m), v, 1, 2)
				checkMessage(t, b)
				got, err := wire.ParseMessage(b)
				if err != nil {
					t.Fatal(err)
				}
				if !equalEnvelope(got, c.val) {
					t.Fatalf("ParseMessage did not return the encoded value")
				}
			})
		}
	}
}

func TestOracleWelcomePointer(t *testing.T) {
	for _, c := range welcomePointerCases() {
		t.Run("encode/"+c.name, func(t *testing.T) {
			want := marshal(t, pbWelcomePointer(c.val))
			if got := wire.AppendWelcomePointer(nil, c.val); !bytes.Equal(got, want) {
				t.Fatalf("AppendWelcomePointer(%s)\n got %x\nwant %x", fmtStruct(*c.val), trunc(got), trunc(want))
			}
		})
		for _, v := range variantsFor(len(wire.AppendWelcomePointer(nil, c.val))) {
			t.Run("decode/"+v.name+"/"+c.name, func(t *testing.T) {
				m := pbWelcomePointer(c.val)
				if v.nested {
					setUnknown(m.GetWelcomeV1Pointer(), unknownFields(1, 2, 3, 4, 5))
				}
				b := withTopLevelUnknown(marshal(t, m), v, 1)
				checkWelcomePointer(t, b)
				got, err := wire.ParseWelcomePointer(b)
				if err != nil {
					t.Fatal(err)
				}
				if !equalWelcomePointer(got, c.val) {
					t.Fatalf("got %s, want %s", fmtStruct(*got), fmtStruct(*c.val))
				}
			})
		}
	}
	t.Run("encode/nil", func(t *testing.T) {
		if got := wire.AppendWelcomePointer(nil, nil); len(got) != 0 {
			t.Fatalf("AppendWelcomePointer(nil) = %x, want nothing", got)
		}
	})
}

func TestOracleWelcomeMetadata(t *testing.T) {
	for _, c := range cursorCases() {
		t.Run("encode/"+c.name, func(t *testing.T) {
			want := marshal(t, &mlsv1.WelcomeMetadata{MessageCursor: c.val})
			if got := wire.AppendWelcomeMetadata(nil, c.val); !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x", got, want)
			}
		})
		for _, v := range variants[:3] { // no submessage
			t.Run("decode/"+v.name+"/"+c.name, func(t *testing.T) {
				b := withTopLevelUnknown(marshal(t, &mlsv1.WelcomeMetadata{MessageCursor: c.val}), v, 1)
				checkWelcomeMetadata(t, b)
				if got, err := wire.ParseWelcomeMetadata(b); err != nil || got != c.val {
					t.Fatalf("got %d, %v; want %d", got, err, c.val)
				}
			})
		}
	}
}

func TestOracleWrapperEncryption(t *testing.T) {
	for _, c := range wrapperCases() {
		pb := &mc.WelcomeWrapperEncryption{PubKey: c.val.pub, Algorithm: mc.WelcomeWrapperAlgorithm(c.val.alg)}
		t.Run("encode/"+c.name, func(t *testing.T) {
			want := marshal(t, pb)
			if got := wire.AppendWrapperEncryption(nil, c.val.pub, c.val.alg); !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x", trunc(got), trunc(want))
			}
		})
		for _, v := range variants[:3] {
			t.Run("decode/"+v.name+"/"+c.name, func(t *testing.T) {
				b := withTopLevelUnknown(marshal(t, pb), v, 1, 2)
				checkWrapperEncryption(t, b)
				pub, alg, err := wire.ParseWrapperEncryption(b)
				if err != nil || !bytes.Equal(pub, c.val.pub) || alg != c.val.alg {
					t.Fatalf("got %x, %d, %v", trunc(pub), alg, err)
				}
			})
		}
	}
}

func TestOracleAEADTypes(t *testing.T) {
	for _, c := range aeadCases() {
		t.Run("encode/"+c.name, func(t *testing.T) {
			want := marshal(t, pbAEADTypes(c.val))
			if got := wire.AppendAEADTypes(nil, c.val); !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %x", trunc(got), trunc(want))
			}
		})
		for _, v := range variants[:3] {
			t.Run("decode/"+v.name+"/"+c.name, func(t *testing.T) {
				b := withTopLevelUnknown(marshal(t, pbAEADTypes(c.val)), v, 1)
				checkAEADTypes(t, b)
				if got, err := wire.ParseAEADTypes(b); err != nil || !equalInt32s(got, c.val) {
					t.Fatalf("got %v, %v; want %v", got, err, c.val)
				}
			})
		}
		// The same list unpacked (one varint field per value), and split over
		// two packed fields, and mixed: all are valid proto3 encodings.
		t.Run("decode/unpacked/"+c.name, func(t *testing.T) {
			var b []byte
			for _, v := range c.val {
				b = protowire.AppendTag(b, 1, protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(int64(v)))
			}
			checkAEADTypes(t, b)
			if got, err := wire.ParseAEADTypes(b); err != nil || !equalInt32s(got, c.val) {
				t.Fatalf("got %v, %v; want %v", got, err, c.val)
			}
		})
		t.Run("decode/split-mixed/"+c.name, func(t *testing.T) {
			half := len(c.val) / 2
			b := wire.AppendAEADTypes(nil, c.val[:half])
			for i, v := range c.val[half:] {
				if i%2 == 0 {
					b = protowire.AppendTag(b, 1, protowire.VarintType)
					b = protowire.AppendVarint(b, uint64(int64(v)))
				} else {
					b = wire.AppendAEADTypes(b, []int32{v})
				}
			}
			checkAEADTypes(t, b)
			if got, err := wire.ParseAEADTypes(b); err != nil || !equalInt32s(got, c.val) {
				t.Fatalf("got %v, %v; want %v", got, err, c.val)
			}
		})
	}
	t.Run("spec-vector", func(t *testing.T) {
		if got := wire.AppendAEADTypes(nil, []int32{wire.AEADChaCha20Poly1305}); !bytes.Equal(got, []byte{0x0a, 0x01, 0x03}) {
			t.Fatalf("got %x, want 0a0103", got)
		}
	})
}

// Oneof semantics: the last arm wins, the same arm twice is merged.
func TestOracleOneofSemantics(t *testing.T) {
	v1a := &wire.V1{ID: 1, InstallationKey: []byte("a"), Data: []byte("data-a"), WrapperAlgorithm: 1}
	v1b := &wire.V1{CreatedNs: 2, InstallationKey: []byte("b"), WelcomeMetadata: []byte("meta-b")}
	pa := &wire.Pointer{ID: 3, InstallationKey: []byte("pa"), WrapperAlgorithm: 2}
	pb := &wire.Pointer{CreatedNs: 4, WelcomePointer: []byte("pb")}
	cat := func(es ...wire.Envelope) (in, msg []byte) {
		for _, e := range es {
			in = wire.AppendInput(in, e)
			msg = wire.AppendMessage(msg, e)
		}
		return in, msg
	}
	cases := []struct {
		name string
		seq  []wire.Envelope
	}{
		{"v1-then-pointer", []wire.Envelope{{V1: v1a}, {Pointer: pa}}},
		{"pointer-then-v1", []wire.Envelope{{Pointer: pa}, {V1: v1a}}},
		{"v1-merged", []wire.Envelope{{V1: v1a}, {V1: v1b}}},
		{"pointer-merged", []wire.Envelope{{Pointer: pa}, {Pointer: pb}}},
		{"v1-pointer-v1", []wire.Envelope{{V1: v1a}, {Pointer: pa}, {V1: v1b}}},
		{"pointer-v1-pointer-pointer", []wire.Envelope{{Pointer: pa}, {V1: v1a}, {Pointer: pb}, {Pointer: pa}}},
		{"v1-empty-v1", []wire.Envelope{{V1: v1a}, {V1: &wire.V1{}}}},
	}
	for _, c := range cases {
		in, msg := cat(c.seq...)
		t.Run("input/"+c.name, func(t *testing.T) { checkInput(t, in) })
		t.Run("message/"+c.name, func(t *testing.T) { checkMessage(t, msg) })
	}
	t.Run("welcome-pointer/merged", func(t *testing.T) {
		b := wire.AppendWelcomePointer(nil, &wire.WelcomePointer{Destination: []byte("d"), AEADType: 3})
		b = wire.AppendWelcomePointer(b, &wire.WelcomePointer{EncryptionKey: []byte("k")})
		checkWelcomePointer(t, b)
		p, err := wire.ParseWelcomePointer(b)
		if err != nil || string(p.Destination) != "d" || string(p.EncryptionKey) != "k" || p.AEADType != 3 {
			t.Fatalf("got %+v, %v", p, err)
		}
	})
	t.Run("last-scalar-wins", func(t *testing.T) {
		b := wire.AppendWelcomeMetadata(nil, 5)
		b = wire.AppendWelcomeMetadata(b, 7)
		checkWelcomeMetadata(t, b)
		b = wire.AppendWrapperEncryption(nil, []byte("first"), 1)
		b = wire.AppendWrapperEncryption(b, []byte("second"), 2)
		checkWrapperEncryption(t, b)
	})
	t.Run("both-arms-set-encodes-v1", func(t *testing.T) {
		both := wire.Envelope{V1: v1a, Pointer: pa}
		if !bytes.Equal(wire.AppendInput(nil, both), wire.AppendInput(nil, wire.Envelope{V1: v1a})) ||
			!bytes.Equal(wire.AppendMessage(nil, both), wire.AppendMessage(nil, wire.Envelope{V1: v1a})) {
			t.Fatal("V1 must take precedence")
		}
		if len(wire.AppendInput(nil, wire.Envelope{})) != 0 {
			t.Fatal("an empty envelope must encode to nothing")
		}
	})
}

// Parsed byte fields alias the input and are capped (appending to them must
// not write into the input).
func TestParsedSlicesAreCapped(t *testing.T) {
	e := wire.Envelope{V1: &wire.V1{InstallationKey: []byte("key"), Data: []byte("data"), HpkePublicKey: []byte("pub"), WelcomeMetadata: []byte("meta")}}
	b := wire.AppendInput(nil, e)
	orig := bytes.Clone(b)
	got := mustParseInput(t, b)
	for _, s := range [][]byte{got.V1.InstallationKey, got.V1.Data, got.V1.HpkePublicKey, got.V1.WelcomeMetadata} {
		if cap(s) != len(s) {
			t.Fatalf("cap %d != len %d", cap(s), len(s))
		}
		_ = append(s, 0xee)
	}
	if !bytes.Equal(b, orig) {
		t.Fatal("appending to a parsed field changed the input")
	}
}

// --- checks against proto.Unmarshal, shared by the oracle and fuzz tests ---

// Each checkX parses b with our codec and with proto.Unmarshal. If ours
// accepts, proto must accept with equal values, and re-encoding must be
// stable: our encoding of the parsed value equals the deterministic
// proto.Marshal of the oracle value with unknown fields discarded, and parses
// back to the same value. If ours rejects, the error must wrap ErrMalformed.
// It returns whether ours accepted.

var discard = proto.UnmarshalOptions{DiscardUnknown: true}

func checkInput(t testing.TB, b []byte) bool {
	t.Helper()
	got, err := wire.ParseInput(b)
	if err != nil {
		mustMalformed(t, err)
		return false
	}
	checkOneArm(t, got)
	m := &mlsv1.WelcomeMessageInput{}
	if err := discard.Unmarshal(b, m); err != nil {
		t.Fatalf("ParseInput accepted %x, proto.Unmarshal did not: %v", trunc(b), err)
	}
	if want := fromPBInput(m); !equalEnvelope(got, want) {
		t.Fatalf("ParseInput(%x)\n got %s\nwant %s", trunc(b), fmtEnvelope(got), fmtEnvelope(want))
	}
	re := wire.AppendInput(nil, got)
	if want := marshal(t, m); !bytes.Equal(re, want) {
		t.Fatalf("re-encoding differs from proto:\n got %x\nwant %x", trunc(re), trunc(want))
	}
	if again := mustParseInput(t, re); !equalEnvelope(again, got) {
		t.Fatalf("re-encoded value parses differently")
	}
	return true
}

func checkMessage(t testing.TB, b []byte) bool {
	t.Helper()
	got, err := wire.ParseMessage(b)
	if err != nil {
		mustMalformed(t, err)
		return false
	}
	checkOneArm(t, got)
	m := &mlsv1.WelcomeMessage{}
	if err := discard.Unmarshal(b, m); err != nil {
		t.Fatalf("ParseMessage accepted %x, proto.Unmarshal did not: %v", trunc(b), err)
	}
	if want := fromPBMessage(m); !equalEnvelope(got, want) {
		t.Fatalf("ParseMessage(%x)\n got %s\nwant %s", trunc(b), fmtEnvelope(got), fmtEnvelope(want))
	}
	re := wire.AppendMessage(nil, got)
	if want := marshal(t, m); !bytes.Equal(re, want) {
		t.Fatalf("re-encoding differs from proto:\n got %x\nwant %x", trunc(re), trunc(want))
	}
	again, err := wire.ParseMessage(re)
	if err != nil || !equalEnvelope(again, got) {
		t.Fatalf("re-encoded value parses differently: %v", err)
	}
	return true
}

func checkWelcomePointer(t testing.TB, b []byte) bool {
	t.Helper()
	got, err := wire.ParseWelcomePointer(b)
	if err != nil {
		mustMalformed(t, err)
		return false
	}
	if got == nil {
		t.Fatal("ParseWelcomePointer returned nil, nil")
	}
	m := &mc.WelcomePointer{}
	if err := discard.Unmarshal(b, m); err != nil {
		t.Fatalf("ParseWelcomePointer accepted %x, proto.Unmarshal did not: %v", trunc(b), err)
	}
	if want := fromPBWelcomePointer(m); !equalWelcomePointer(got, want) {
		t.Fatalf("ParseWelcomePointer(%x) = %+v, want %+v", trunc(b), got, want)
	}
	re := wire.AppendWelcomePointer(nil, got)
	if want := marshal(t, m); !bytes.Equal(re, want) {
		t.Fatalf("re-encoding differs from proto:\n got %x\nwant %x", trunc(re), trunc(want))
	}
	again, err := wire.ParseWelcomePointer(re)
	if err != nil || !equalWelcomePointer(again, got) {
		t.Fatalf("re-encoded value parses differently: %v", err)
	}
	return true
}

func checkWelcomeMetadata(t testing.TB, b []byte) bool {
	t.Helper()
	got, err := wire.ParseWelcomeMetadata(b)
	if err != nil {
		mustMalformed(t, err)
		return false
	}
	m := &mlsv1.WelcomeMetadata{}
	if err := discard.Unmarshal(b, m); err != nil {
		t.Fatalf("ParseWelcomeMetadata accepted %x, proto.Unmarshal did not: %v", trunc(b), err)
	}
	if got != m.GetMessageCursor() {
		t.Fatalf("ParseWelcomeMetadata(%x) = %d, want %d", trunc(b), got, m.GetMessageCursor())
	}
	re := wire.AppendWelcomeMetadata(nil, got)
	if want := marshal(t, m); !bytes.Equal(re, want) {
		t.Fatalf("re-encoding differs from proto: got %x, want %x", re, want)
	}
	if again, err := wire.ParseWelcomeMetadata(re); err != nil || again != got {
		t.Fatalf("re-encoded value parses differently: %d, %v", again, err)
	}
	return true
}

func checkWrapperEncryption(t testing.TB, b []byte) bool {
	t.Helper()
	pub, alg, err := wire.ParseWrapperEncryption(b)
	if err != nil {
		mustMalformed(t, err)
		return false
	}
	m := &mc.WelcomeWrapperEncryption{}
	if err := discard.Unmarshal(b, m); err != nil {
		t.Fatalf("ParseWrapperEncryption accepted %x, proto.Unmarshal did not: %v", trunc(b), err)
	}
	if !bytes.Equal(pub, m.GetPubKey()) || alg != int32(m.GetAlgorithm()) {
		t.Fatalf("ParseWrapperEncryption(%x) = %x, %d; want %x, %d", trunc(b), trunc(pub), alg, trunc(m.GetPubKey()), m.GetAlgorithm())
	}
	re := wire.AppendWrapperEncryption(nil, pub, alg)
	if want := marshal(t, m); !bytes.Equal(re, want) {
		t.Fatalf("re-encoding differs from proto: got %x, want %x", trunc(re), trunc(want))
	}
	if pub2, alg2, err := wire.ParseWrapperEncryption(re); err != nil || !bytes.Equal(pub2, pub) || alg2 != alg {
		t.Fatalf("re-encoded value parses differently: %v", err)
	}
	return true
}

func checkAEADTypes(t testing.TB, b []byte) bool {
	t.Helper()
	got, err := wire.ParseAEADTypes(b)
	if err != nil {
		mustMalformed(t, err)
		return false
	}
	m := &mc.WelcomePointeeEncryptionAeadTypesExtension{}
	if err := discard.Unmarshal(b, m); err != nil {
		t.Fatalf("ParseAEADTypes accepted %x, proto.Unmarshal did not: %v", trunc(b), err)
	}
	if want := fromPBAEADTypes(m); !equalInt32s(got, want) {
		t.Fatalf("ParseAEADTypes(%x) = %v, want %v", trunc(b), got, want)
	}
	re := wire.AppendAEADTypes(nil, got)
	if want := marshal(t, m); !bytes.Equal(re, want) {
		t.Fatalf("re-encoding differs from proto: got %x, want %x", trunc(re), trunc(want))
	}
	if again, err := wire.ParseAEADTypes(re); err != nil || !equalInt32s(again, got) {
		t.Fatalf("re-encoded value parses differently: %v", err)
	}
	return true
}

func checkOneArm(t testing.TB, e wire.Envelope) {
	t.Helper()
	if (e.V1 == nil) == (e.Pointer == nil) {
		t.Fatalf("accepted envelope must have exactly one arm: %+v", e)
	}
}

func mustParseInput(t testing.TB, b []byte) wire.Envelope {
	t.Helper()
	e, err := wire.ParseInput(b)
	if err != nil {
		t.Fatalf("ParseInput: %v", err)
	}
	return e
}

func trunc(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
