package xwing

import (
	"testing"

	circl "github.com/cloudflare/circl/kem/xwing"

	"github.com/cloudflare/circl/kem/mlkem/mlkem768"

	"github.com/welcome-pointers/wasm/core/internal/x25519"
)

func benchKeys(b *testing.B) (sk, pk, eseed []byte) {
	seed := make([]byte, SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	sk, pk, err := DeriveKeyPair(seed)
	if err != nil {
		b.Fatal(err)
	}
	eseed = make([]byte, EncapsulationSeedSize)
	for i := range eseed {
		eseed[i] = byte(3 * i)
	}
	return sk, pk, eseed
}

// Encapsulate is the per-pointer cost of sealing.
func BenchmarkEncapsulate(b *testing.B) {
	_, pk, eseed := benchKeys(b)
	b.Run("impl=ours", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Encapsulate(pk, eseed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=ours-parsed", func(b *testing.B) {
		p, err := ParsePublicKey(pk)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, _, err := p.Encapsulate(eseed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=circl", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := circl.Encapsulate(pk, eseed); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecapsulate(b *testing.B) {
	sk, pk, eseed := benchKeys(b)
	_, ct, err := Encapsulate(pk, eseed)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=ours", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decapsulate(ct, sk); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=ours-expanded", func(b *testing.B) {
		k, err := NewPrivateKey(sk)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := k.Decapsulate(ct); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=circl", func(b *testing.B) {
		for b.Loop() {
			circl.Decapsulate(ct, sk)
		}
	})
}

func BenchmarkDeriveKeyPair(b *testing.B) {
	sk, _, _ := benchKeys(b)
	b.Run("impl=ours", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := DeriveKeyPair(sk); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=circl", func(b *testing.B) {
		for b.Loop() {
			circl.DeriveKeyPairPacked(sk)
		}
	})
}

// BenchmarkEncapsulateParts splits Encapsulate into its steps.
func BenchmarkEncapsulateParts(b *testing.B) {
	_, pk, eseed := benchKeys(b)
	b.Run("part=mlkem-unpack", func(b *testing.B) {
		var m mlkem768.PublicKey
		for b.Loop() {
			if err := m.Unpack(pk[:mlkem768.PublicKeySize]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("part=mlkem-encaps", func(b *testing.B) {
		var m mlkem768.PublicKey
		if err := m.Unpack(pk[:mlkem768.PublicKeySize]); err != nil {
			b.Fatal(err)
		}
		var ct [mlkem768.CiphertextSize]byte
		var ss [32]byte
		for b.Loop() {
			m.EncapsulateTo(ct[:], ss[:], eseed[:32])
		}
	})
	var ek, pkX, out [32]byte
	copy(ek[:], eseed[32:])
	copy(pkX[:], pk[mlkem768.PublicKeySize:])
	b.Run("part=x25519-base", func(b *testing.B) {
		for b.Loop() {
			x25519.ScalarBaseMult(&out, &ek)
		}
	})
	b.Run("part=x25519", func(b *testing.B) {
		for b.Loop() {
			x25519.X25519(&out, &ek, &pkX)
		}
	})
	b.Run("part=combiner", func(b *testing.B) {
		for b.Loop() {
			out = combiner(&ek, &pkX, &ek, &pkX)
		}
	})
}
