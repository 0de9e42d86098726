package hpke

import (
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
)

var allKEMs = []uint16{KEMX25519, KEMXWingDeployed, KEMXWing}

// flipPositions lists the (byte, bit) positions to flip in an n-byte input:
// every bit for short inputs; for long ones (the 1120-byte X-Wing
// encapsulation) every byte with bits 0, 7 and a bit that walks through
// all eight positions.
func flipPositions(n int) [][2]int {
	var pos [][2]int
	for i := range n {
		if n <= 128 {
			for bit := range 8 {
				pos = append(pos, [2]int{i, bit})
			}
			continue
		}
		bits := map[int]bool{0: true, 7: true, i % 8: true}
		for bit := range 8 {
			if bits[bit] {
				pos = append(pos, [2]int{i, bit})
			}
		}
	}
	return pos
}

func flipped(b []byte, i, bit int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1 << bit
	return c
}

type sealedFixture struct {
	kem      uint16
	sk, pk   []byte
	enc      []byte
	pts, cts [][]byte
}

// newSealedFixture seals, like a direct welcome, a 100-byte message and
// then an empty one (a cursor-0 WelcomeMetadata: just the tag).
func newSealedFixture(t testing.TB, kem uint16) *sealedFixture {
	t.Helper()
	sk, pk, err := GenerateKey(kem, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, s, err := NewSender(kem, pk, WelcomeInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx := &sealedFixture{kem: kem, sk: sk, pk: pk, enc: enc}
	pt := make([]byte, 100)
	rand.Read(pt)
	for _, p := range [][]byte{pt, {}} {
		ct, err := s.Seal(nil, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		fx.pts = append(fx.pts, p)
		fx.cts = append(fx.cts, ct)
	}
	return fx
}

func (fx *sealedFixture) recipient(t testing.TB) *Recipient {
	t.Helper()
	r, err := NewRecipient(fx.kem, fx.sk, fx.enc, WelcomeInfo)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openMustFail requires NewRecipient+Open of (enc, ct) to fail with exactly
// ErrOpen, at either step.
func openMustFail(t *testing.T, kem uint16, sk, enc, info, ct []byte, what string) {
	t.Helper()
	r, err := NewRecipient(kem, sk, enc, info)
	if err == nil {
		var pt []byte
		pt, err = r.Open(nil, ct)
		if err == nil {
			t.Fatalf("%s: opened: %x", what, pt)
		}
	}
	if !errors.Is(err, ErrOpen) {
		t.Fatalf("%s: err = %v, want ErrOpen", what, err)
	}
}

func TestBitFlips(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			fx := newSealedFixture(t, kem)

			t.Run("enc", func(t *testing.T) {
				// X25519 ignores bit 255 of a u-coordinate and X-Wing's
				// ML-KEM rejects implicitly, but enc is in kem_context /
				// the X-Wing combiner, so every flip changes the secret.
				for _, p := range flipPositions(len(fx.enc)) {
					openMustFail(t, kem, fx.sk, flipped(fx.enc, p[0], p[1]), WelcomeInfo, fx.cts[0],
						fmt.Sprintf("enc byte %d bit %d", p[0], p[1]))
				}
			})

			t.Run("info", func(t *testing.T) {
				for _, p := range flipPositions(len(WelcomeInfo)) {
					openMustFail(t, kem, fx.sk, fx.enc, flipped(WelcomeInfo, p[0], p[1]), fx.cts[0],
						fmt.Sprintf("info byte %d bit %d", p[0], p[1]))
				}
			})

			t.Run("ciphertext", func(t *testing.T) {
				// One recipient throughout: a failed Open must not advance
				// the sequence, so the genuine messages still open after.
				r := fx.recipient(t)
				for i, ct := range fx.cts {
					for _, p := range flipPositions(len(ct)) {
						if pt, err := r.Open(nil, flipped(ct, p[0], p[1])); !errors.Is(err, ErrOpen) {
							t.Fatalf("message #%d byte %d bit %d: Open = %x, %v; want ErrOpen", i, p[0], p[1], pt, err)
						}
					}
					if _, err := r.Open([]byte{0}, ct); !errors.Is(err, ErrOpen) {
						t.Fatalf("message #%d with a non-empty aad: err = %v, want ErrOpen", i, err)
					}
					if _, err := r.Open(nil, ct); err != nil {
						t.Fatalf("message #%d after failed attempts: %v", i, err)
					}
				}
			})

			t.Run("enc-size", func(t *testing.T) {
				n := len(fx.enc)
				variants := map[string][]byte{
					"nil":       nil,
					"one-byte":  fx.enc[:1],
					"truncated": fx.enc[:n-1],
					"extended":  append(append([]byte(nil), fx.enc...), 0),
					"doubled":   append(append([]byte(nil), fx.enc...), fx.enc...),
				}
				for _, other := range allKEMs {
					if s := EncapsulationSize(other); s != n {
						variants[fmt.Sprintf("size-of-%04x", other)] = make([]byte, s)
					}
				}
				for name, enc := range variants {
					if _, err := NewRecipient(kem, fx.sk, enc, WelcomeInfo); !errors.Is(err, ErrInvalidEncapsulation) {
						t.Errorf("%s (%d bytes): err = %v, want ErrInvalidEncapsulation", name, len(enc), err)
					}
				}
			})

			t.Run("ciphertext-size", func(t *testing.T) {
				r := fx.recipient(t)
				ct := fx.cts[0]
				for l := range len(ct) {
					if _, err := r.Open(nil, ct[:l]); !errors.Is(err, ErrOpen) {
						t.Fatalf("truncated to %d: err = %v, want ErrOpen", l, err)
					}
				}
				if _, err := r.Open(nil, append(append([]byte(nil), ct...), 0)); !errors.Is(err, ErrOpen) {
					t.Fatalf("extended: err = %v, want ErrOpen", err)
				}
				// Out of order: message #1 cannot open at sequence 0.
				if _, err := r.Open(nil, fx.cts[1]); !errors.Is(err, ErrOpen) {
					t.Fatalf("message #1 at sequence 0: err = %v, want ErrOpen", err)
				}
				for i, ct := range fx.cts {
					if _, err := r.Open(nil, ct); err != nil {
						t.Fatalf("message #%d: %v", i, err)
					}
				}
			})
		})
	}
}
