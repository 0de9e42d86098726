package hpke_test

import (
	"testing"

	"github.com/cloudflare/circl/kem/xwing"

	"github.com/welcome-pointers/wasm/core/internal/hpke"
)

// The benchmarks below are meant to be read side by side: the bare circl
// X-Wing operations, then the same operation wrapped in this package's
// HPKE (key schedule + one ChaCha20-Poly1305 seal/open of a 100-byte,
// pointer-sized message, KEM id 0x004D as deployed).
//
//	go test ./core/internal/hpke -run '^$' -bench . -benchtime=200x -benchmem

func benchKey(b *testing.B) (sk, pk []byte) {
	b.Helper()
	sk, pk, err := hpke.GenerateKey(hpke.KEMXWingDeployed, nil)
	if err != nil {
		b.Fatal(err)
	}
	return sk, pk
}

func BenchmarkXWingEncapsulateBare(b *testing.B) {
	_, pk := benchKey(b)
	for b.Loop() {
		if _, _, err := xwing.Encapsulate(pk, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXWingDecapsulateBare(b *testing.B) {
	sk, pk := benchKey(b)
	_, ct, err := xwing.Encapsulate(pk, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		xwing.Decapsulate(ct, sk)
	}
}

func BenchmarkNewSenderSeal100B(b *testing.B) {
	_, pk := benchKey(b)
	pt := make([]byte, 100)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		_, s, err := hpke.NewSender(hpke.KEMXWingDeployed, pk, hpke.WelcomeInfo, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Seal(nil, nil, pt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	sk, pk := benchKey(b)
	pt := make([]byte, 100)
	enc, s, err := hpke.NewSender(hpke.KEMXWingDeployed, pk, hpke.WelcomeInfo, nil)
	if err != nil {
		b.Fatal(err)
	}
	ct, err := s.Seal(nil, nil, pt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		r, err := hpke.NewRecipient(hpke.KEMXWingDeployed, sk, enc, hpke.WelcomeInfo)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Open(nil, ct); err != nil {
			b.Fatal(err)
		}
	}
}
