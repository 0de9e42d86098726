package hpke

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/xwing"
)

// A sender built from a shared secret made outside the package seals what
// NewSender seals with the same encapsulation, for every KEM id; a secret
// of another size is refused.
func TestNewSenderFromSecret(t *testing.T) {
	xpk, err := PublicKey(KEMXWing, bytes.Repeat([]byte{7}, XWingPrivateKeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			pk, eseed := xpk, bytes.Repeat([]byte{9}, xwing.EncapsulationSeedSize)
			if kem == KEMX25519 {
				pk, eseed = bytes.Repeat([]byte{5}, X25519KeySize), bytes.Repeat([]byte{9}, X25519KeySize)
			}
			enc, want, err := NewSender(kem, pk, WelcomeInfo, bytes.NewReader(eseed))
			if err != nil {
				t.Fatal(err)
			}
			var ss []byte
			if kem == KEMX25519 {
				x, _ := kemFor(kem)
				ss, _, err = x.encap(nil, pk, bytes.NewReader(eseed))
			} else {
				ss, _, err = xwing.Encapsulate(pk, eseed)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := NewSenderFromSecret(kem, ss, WelcomeInfo)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				w, _ := want.Seal(nil, nil, []byte("plaintext"))
				g, _ := got.Seal(nil, nil, []byte("plaintext"))
				if !bytes.Equal(w, g) {
					t.Fatalf("seal %d differs (enc %x…)", i, enc[:4])
				}
			}
			for _, n := range []int{0, 31, 33, 64} {
				if _, err := NewSenderFromSecret(kem, make([]byte, n), WelcomeInfo); !errors.Is(err, ErrInvalidEncapsulation) {
					t.Errorf("a %d-byte secret: %v", n, err)
				}
			}
		})
	}
	if _, err := NewSenderFromSecret(0x9999, make([]byte, 32), WelcomeInfo); !errors.Is(err, ErrUnsupportedKEM) {
		t.Errorf("unknown KEM: %v", err)
	}
}
