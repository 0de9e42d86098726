package wire_test

import (
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// A pointee-sized welcome: 500 KB of data.
func bigV1() *wire.V1 {
	return &wire.V1{InstallationKey: fill(32, 1), Data: fill(500_000, 2), HpkePublicKey: fill(1216, 3),
		WrapperAlgorithm: wire.AlgorithmXWing, WelcomeMetadata: fill(24, 4)}
}

// With a buffer sized by InputSizeV1, encoding allocates exactly once (the
// buffer); into a reused buffer it does not allocate.
func TestAppendInputAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not exact under the race detector")
	}
	v := bigV1()
	e := wire.Envelope{V1: v}
	if n := testing.AllocsPerRun(20, func() {
		b := wire.AppendInput(make([]byte, 0, wire.InputSizeV1(v)), e)
		sink = b
	}); n != 1 {
		t.Fatalf("pre-sized: %v allocs, want 1", n)
	}
	buf := make([]byte, 0, wire.InputSizeV1(v))
	if n := testing.AllocsPerRun(20, func() { sink = wire.AppendInput(buf[:0], e) }); n != 0 {
		t.Fatalf("reused buffer: %v allocs, want 0", n)
	}
	p := &wire.Pointer{InstallationKey: fill(32, 1), WelcomePointer: fill(1240, 2), HpkePublicKey: fill(1216, 3), WrapperAlgorithm: 2}
	if n := testing.AllocsPerRun(20, func() {
		sink = wire.AppendInput(make([]byte, 0, wire.InputSizePointer(p)), wire.Envelope{Pointer: p})
	}); n != 1 {
		t.Fatalf("pointer pre-sized: %v allocs, want 1", n)
	}
}

var sink []byte

func BenchmarkAppendInput(b *testing.B) {
	v := bigV1()
	e := wire.Envelope{V1: v}
	b.Run("presized-500KB", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(wire.InputSizeV1(v)))
		for b.Loop() {
			sink = wire.AppendInput(make([]byte, 0, wire.InputSizeV1(v)), e)
		}
	})
	b.Run("reused-500KB", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(wire.InputSizeV1(v)))
		buf := make([]byte, 0, wire.InputSizeV1(v))
		for b.Loop() {
			sink = wire.AppendInput(buf[:0], e)
		}
	})
	b.Run("nil-buffer-500KB", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(wire.InputSizeV1(v)))
		for b.Loop() {
			sink = wire.AppendInput(nil, e)
		}
	})
}

func BenchmarkParseInput(b *testing.B) {
	enc := wire.AppendInput(nil, wire.Envelope{V1: bigV1()})
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := wire.ParseInput(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendHpkeCiphertext(b *testing.B) {
	kem, ct := fill(1120, 1), fill(500_000, 2)
	b.ReportAllocs()
	b.SetBytes(int64(wire.HpkeCiphertextSize(len(kem), len(ct))))
	for b.Loop() {
		sink = wire.AppendHpkeCiphertext(make([]byte, 0, wire.HpkeCiphertextSize(len(kem), len(ct))), kem, ct)
	}
}
