package x25519

import (
	"crypto/ecdh"
	"testing"

	circl "github.com/cloudflare/circl/dh/x25519"
)

var benchScalar = [32]byte{
	0xa5, 0x46, 0xe3, 0x6b, 0xf0, 0x52, 0x7c, 0x9d, 0x3b, 0x16, 0x15, 0x4b, 0x82, 0x46, 0x5e, 0xdd,
	0x62, 0x14, 0x4c, 0x0a, 0xc1, 0xfc, 0x5a, 0x18, 0x50, 0x6a, 0x22, 0x44, 0xba, 0x44, 0x9a, 0xc4,
}

var benchPoint = [32]byte{
	0xe6, 0xdb, 0x68, 0x67, 0x58, 0x30, 0x30, 0xdb, 0x35, 0x94, 0xc1, 0xa4, 0x24, 0xb1, 0x5f, 0x7c,
	0x72, 0x66, 0x24, 0xec, 0x26, 0xb3, 0x35, 0x3b, 0x10, 0xa9, 0x03, 0xa6, 0xd0, 0xab, 0x1c, 0x4c,
}

var sink [32]byte

func BenchmarkX25519(b *testing.B) {
	b.Run("impl=ours", func(b *testing.B) {
		for b.Loop() {
			X25519(&sink, &benchScalar, &benchPoint)
		}
	})
	b.Run("impl=ecdh", func(b *testing.B) {
		sk, err := ecdh.X25519().NewPrivateKey(benchScalar[:])
		if err != nil {
			b.Fatal(err)
		}
		pk, err := ecdh.X25519().NewPublicKey(benchPoint[:])
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := sk.ECDH(pk); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=circl", func(b *testing.B) {
		var out, sk, pk circl.Key
		sk, pk = benchScalar, benchPoint
		for b.Loop() {
			circl.Shared(&out, &sk, &pk)
		}
	})
}

func BenchmarkScalarBaseMult(b *testing.B) {
	b.Run("impl=ours", func(b *testing.B) {
		for b.Loop() {
			ScalarBaseMult(&sink, &benchScalar)
		}
	})
	// crypto/ecdh computes the public key in NewPrivateKey.
	b.Run("impl=ecdh", func(b *testing.B) {
		for b.Loop() {
			if _, err := ecdh.X25519().NewPrivateKey(benchScalar[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=circl", func(b *testing.B) {
		var pk, sk circl.Key
		sk = benchScalar
		for b.Loop() {
			circl.KeyGen(&pk, &sk)
		}
	})
}

func BenchmarkField(b *testing.B) {
	f, g := tightMax, looseMax
	b.Run("mul", func(b *testing.B) {
		for b.Loop() {
			feMul(&f, &f, &g)
		}
	})
	b.Run("square", func(b *testing.B) {
		for b.Loop() {
			feSquare(&f, &f)
		}
	})
	b.Run("invert", func(b *testing.B) {
		for b.Loop() {
			feInvert(&f, &f)
		}
	})
}

// BenchmarkBaseTable is the one-time cost of ScalarBaseMult's first call.
func BenchmarkBaseTable(b *testing.B) {
	for b.Loop() {
		computeBaseTable()
	}
}
