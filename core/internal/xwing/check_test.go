package xwing

import (
	mrand "math/rand/v2"
	"testing"

	"github.com/cloudflare/circl/kem/mlkem/mlkem768"
)

// CheckEncapsulationKey refuses exactly what ParsePublicKey (circl's
// unpacking) refuses: valid keys, and keys with one coefficient set to
// each value around q, at random positions.
func TestCheckEncapsulationKey(t *testing.T) {
	src := newRand(t)
	r := mrand.New(src)
	for i := range iterations(300) {
		_, pk, err := DeriveKeyPair(randBytes(src, SeedSize))
		if err != nil {
			t.Fatal(err)
		}
		if i%3 != 0 {
			// Set coefficient j to v: j even is the low 12 bits of a
			// 3-byte group, j odd the high ones.
			j := r.IntN((mlkem768.PublicKeySize - 32) / 3 * 2)
			v := uint16(q - 2 + r.IntN(4))
			if i%3 == 2 {
				v = uint16(r.IntN(1 << 12))
			}
			g := pk[j/2*3 : j/2*3+3]
			if j%2 == 0 {
				g[0], g[1] = byte(v), g[1]&0xf0|byte(v>>8)
			} else {
				g[1], g[2] = g[1]&0x0f|byte(v<<4), byte(v>>4)
			}
		}
		_, want := ParsePublicKey(pk)
		if got := CheckEncapsulationKey(pk); (got == nil) != (want == nil) || (got != nil && got != ErrPublicKey) {
			t.Fatalf("key %d: CheckEncapsulationKey = %v, ParsePublicKey = %v", i, got, want)
		}
	}
	if err := CheckEncapsulationKey(make([]byte, PublicKeySize-1)); err != ErrPublicKeySize {
		t.Errorf("short key: %v, want ErrPublicKeySize", err)
	}
}
