package wire_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// Fuzz targets, one per Parse function. The seeds (encodings of the oracle
// test values, with and without unknown fields, plus the negative cases) run
// in plain `go test`; `go test -fuzz=FuzzParseInput` explores further.
//
// Each protobuf target is differential: whatever our parser accepts,
// proto.Unmarshal into the generated type accepts with equal values, and
// re-encoding is stable (see the checkX helpers in oracle_test.go).

// Seeds are capped in size: the oracle tests cover large values, and big
// seeds make the fuzzer spend its time minimizing (-fuzzminimizetime).
const maxSeed = 1 << 10

func addSeeds(f *testing.F, seeds ...[]byte) {
	for _, s := range seeds {
		if len(s) <= maxSeed {
			f.Add(s)
		}
	}
}

func envelopeSeeds(appendFn func([]byte, wire.Envelope) []byte) [][]byte {
	var out [][]byte
	for _, c := range envelopeCases() {
		b := appendFn(nil, c.val)
		out = append(out, b, append(unknownFields(1, 2), b...))
	}
	for _, pc := range parserCases() {
		out = append(out, pc.valid)
	}
	return out
}

func FuzzParseInput(f *testing.F) {
	addSeeds(f, envelopeSeeds(wire.AppendInput)...)
	addSeeds(f, nil, []byte{0x0a, 0x00}, []byte{0x12, 0x00}, []byte{0x1a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) { checkInput(t, b) })
}

func FuzzParseMessage(f *testing.F) {
	addSeeds(f, envelopeSeeds(wire.AppendMessage)...)
	addSeeds(f, nil, []byte{0x0a, 0x00}, []byte{0x12, 0x00}, []byte{0x0a, 0x02, 0x08, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) { checkMessage(t, b) })
}

func FuzzParseWelcomePointer(f *testing.F) {
	for _, c := range welcomePointerCases() {
		b := wire.AppendWelcomePointer(nil, c.val)
		addSeeds(f, b, append(b, unknownFields(1)...))
	}
	addSeeds(f, nil, []byte{0x0a, 0x00}, []byte{0x12, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) { checkWelcomePointer(t, b) })
}

func FuzzParseWelcomeMetadata(f *testing.F) {
	for _, c := range cursorCases() {
		b := wire.AppendWelcomeMetadata(nil, c.val)
		addSeeds(f, b, append(unknownFields(1), b...))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkWelcomeMetadata(t, b) })
}

func FuzzParseWrapperEncryption(f *testing.F) {
	for _, c := range wrapperCases() {
		b := wire.AppendWrapperEncryption(nil, c.val.pub, c.val.alg)
		addSeeds(f, b, append(b, unknownFields(1, 2)...))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkWrapperEncryption(t, b) })
}

func FuzzParseAEADTypes(f *testing.F) {
	for _, c := range aeadCases() {
		addSeeds(f, wire.AppendAEADTypes(nil, c.val))
	}
	addSeeds(f, []byte{0x0a, 0x01, 0x03}, []byte{0x08, 0x03}, []byte{0x08, 0x03, 0x0a, 0x02, 0x00, 0x03}, []byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) { checkAEADTypes(t, b) })
}

func FuzzParseVarint(f *testing.F) {
	for _, n := range []int{0, 37, 63, 64, 1120, 15293, 16383, 16384, 494878333, 1<<30 - 1} {
		f.Add(wire.AppendVarint(nil, n))
	}
	f.Add([]byte{0x40, 0x00})
	f.Add([]byte{0xc0, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, rest, err := wire.ParseVarint(b)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		used := b[:len(b)-len(rest)]
		if !bytes.Equal(rest, b[len(used):]) {
			t.Fatal("rest is not a suffix of the input")
		}
		if re := wire.AppendVarint(nil, n); !bytes.Equal(re, used) {
			t.Fatalf("ParseVarint(%x) = %d, re-encodes as %x", used, n, re)
		}
	})
}

func FuzzParseHpkeCiphertext(f *testing.F) {
	for _, c := range hpkeCases() {
		addSeeds(f, wire.AppendHpkeCiphertext(nil, c.val[0], c.val[1]))
	}
	addSeeds(f, nil, []byte{0x00, 0x00}, []byte{0x40, 0x00, 0x00}, []byte{0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		kem, ct, err := wire.ParseHpkeCiphertext(b)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if re := wire.AppendHpkeCiphertext(nil, kem, ct); !bytes.Equal(re, b) {
			t.Fatalf("ParseHpkeCiphertext(%x) re-encodes as %x", trunc(b), trunc(re))
		}
		if wire.HpkeCiphertextSize(len(kem), len(ct)) != len(b) {
			t.Fatal("HpkeCiphertextSize disagrees with the input")
		}
	})
}
