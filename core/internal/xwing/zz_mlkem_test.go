package xwing

import (
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"testing"

	"github.com/cloudflare/circl/kem/mlkem/mlkem768"
)

func BenchmarkZZMLKEM(b *testing.B) {
	_, pk, eseed := benchKeys(b)
	ek := pk[:mlkem768.PublicKeySize]
	b.Run("circl-unpack+encaps", func(b *testing.B) {
		var m mlkem768.PublicKey
		var ct [mlkem768.CiphertextSize]byte
		var ss [32]byte
		for b.Loop() {
			m.Unpack(ek)
			m.EncapsulateTo(ct[:], ss[:], eseed[:32])
		}
	})
	b.Run("std-parse+encaps", func(b *testing.B) {
		for b.Loop() {
			k, err := mlkem.NewEncapsulationKey768(ek)
			if err != nil {
				b.Fatal(err)
			}
			mlkemtest.Encapsulate768(k, eseed[:32])
		}
	})
	b.Run("std-parse", func(b *testing.B) {
		for b.Loop() {
			mlkem.NewEncapsulationKey768(ek)
		}
	})
	b.Run("circl-unpack", func(b *testing.B) {
		var m mlkem768.PublicKey
		for b.Loop() {
			m.Unpack(ek)
		}
	})
	seed := make([]byte, 64)
	dk, _ := mlkem.NewDecapsulationKey768(seed)
	_, ct := dk.EncapsulationKey().Encapsulate()
	b.Run("std-decaps", func(b *testing.B) {
		for b.Loop() {
			dk.Decapsulate(ct)
		}
	})
	cpk, csk := mlkem768.NewKeyFromSeed(seed)
	_ = cpk
	var ss [32]byte
	b.Run("circl-decaps", func(b *testing.B) {
		for b.Loop() {
			csk.DecapsulateTo(ss[:], ct)
		}
	})
}
