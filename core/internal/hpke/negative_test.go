package hpke

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"testing"
)

// wrongSizes returns lengths around and away from want, excluding want.
func wrongSizes(want int) []int {
	var out []int
	for _, n := range []int{0, 1, want - 1, want + 1, 2 * want, X25519KeySize, XWingPrivateKeySize,
		XWingPublicKeySize, XWingEncapsulationSize, 1184 /* ML-KEM-768 key alone */} {
		if n >= 0 && n != want {
			out = append(out, n)
		}
	}
	return out
}

func TestInvalidPublicKeySizes(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			for _, n := range wrongSizes(PublicKeySize(kem)) {
				pk := bytes.Repeat([]byte{0x42}, n)
				if _, _, err := NewSender(kem, pk, WelcomeInfo, nil); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("NewSender with a %d-byte public key: err = %v, want ErrInvalidKey", n, err)
				}
				if err := CheckPublicKey(kem, pk); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("CheckPublicKey of %d bytes: err = %v, want ErrInvalidKey", n, err)
				}
			}
			if _, _, err := NewSender(kem, nil, WelcomeInfo, nil); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("NewSender with a nil public key: err = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestInvalidPrivateKeySizes(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			fx := newSealedFixture(t, kem)
			for _, n := range wrongSizes(PrivateKeySize(kem)) {
				sk := bytes.Repeat([]byte{0x42}, n)
				if _, err := NewRecipient(kem, sk, fx.enc, WelcomeInfo); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("NewRecipient with a %d-byte private key: err = %v, want ErrInvalidKey", n, err)
				}
				// A bad key and a bad encapsulation: the key is reported.
				if _, err := NewRecipient(kem, sk, fx.enc[:1], WelcomeInfo); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("NewRecipient with a %d-byte private key and bad enc: err = %v, want ErrInvalidKey", n, err)
				}
				if _, err := PublicKey(kem, sk); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("PublicKey of a %d-byte private key: err = %v, want ErrInvalidKey", n, err)
				}
			}
		})
	}
}

// x25519LowOrder are the u-coordinates of the points of order 1, 2, 4 and 8
// on Curve25519 and its twist, with their non-canonical encodings (>= p).
var x25519LowOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // 0
	"0100000000000000000000000000000000000000000000000000000000000000", // 1
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p-1
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p+1 (= 1)
}

// lowOrderVariants adds the same points with bit 255 set, which X25519
// ignores.
func lowOrderVariants(t *testing.T) [][]byte {
	var out [][]byte
	for _, h := range x25519LowOrder {
		p := mustDecodeHex(t, h)
		hi := append([]byte(nil), p...)
		hi[31] |= 0x80
		out = append(out, p, hi)
	}
	return out
}

func TestX25519LowOrderPublicKeys(t *testing.T) {
	for _, pk := range lowOrderVariants(t) {
		t.Run(hex.EncodeToString(pk), func(t *testing.T) {
			if _, _, err := NewSender(KEMX25519, pk, WelcomeInfo, nil); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("NewSender: err = %v, want ErrInvalidKey", err)
			}
			if err := CheckPublicKey(KEMX25519, pk); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("CheckPublicKey: err = %v, want ErrInvalidKey", err)
			}
		})
	}
}

// TestX25519LowOrderEncapsulation: a low-order ephemeral key makes the DH
// all-zero; the recipient reports it as an ordinary decryption failure.
func TestX25519LowOrderEncapsulation(t *testing.T) {
	sk, _, err := GenerateKey(KEMX25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range lowOrderVariants(t) {
		if _, err := NewRecipient(KEMX25519, sk, enc, WelcomeInfo); !errors.Is(err, ErrOpen) {
			t.Errorf("enc %x: err = %v, want ErrOpen", enc, err)
		}
	}
}

// TestCheckPublicKeyMatchesNewSender: CheckPublicKey accepts exactly the
// X25519 keys that NewSender accepts, for random keys and random bytes.
func TestCheckPublicKeyMatchesNewSender(t *testing.T) {
	r := newTestRand("CheckPublicKey")
	for i := range 200 {
		pk := make([]byte, X25519KeySize)
		r.Read(pk)
		if i%2 == 0 {
			_, pub, err := GenerateKey(KEMX25519, r)
			if err != nil {
				t.Fatal(err)
			}
			pk = pub
		}
		_, _, sendErr := NewSender(KEMX25519, pk, nil, nil)
		if checkErr := CheckPublicKey(KEMX25519, pk); (checkErr == nil) != (sendErr == nil) {
			t.Errorf("%x: CheckPublicKey = %v, NewSender = %v", pk, checkErr, sendErr)
		}
	}
}

// xwingKeyWithCoefficient returns a valid X-Wing public key whose ML-KEM
// polynomial coefficient idx (0..767) is set to c.
func xwingKeyWithCoefficient(t *testing.T, idx int, c uint16) []byte {
	t.Helper()
	_, pk := mustXWingKey(t)
	// 12-bit little-endian packing, two coefficients in three bytes.
	b := pk[3*(idx/2):]
	if idx%2 == 0 {
		b[0], b[1] = byte(c), b[1]&0xf0|byte(c>>8)
	} else {
		b[1], b[2] = b[1]&0x0f|byte(c<<4), byte(c>>4)
	}
	return pk
}

func mustXWingKey(t *testing.T) (sk, pk []byte) {
	t.Helper()
	sk, pk, err := GenerateKey(KEMXWingDeployed, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sk, pk
}

func TestXWingPublicKeyFailsMLKEMCheck(t *testing.T) {
	const q = 3329
	for _, idx := range []int{0, 1, 255, 256, 511, 767} {
		for _, c := range []uint16{q, q + 1, 0xfff} {
			t.Run(fmt.Sprintf("coefficient_%d=%d", idx, c), func(t *testing.T) {
				pk := xwingKeyWithCoefficient(t, idx, c)
				for _, kem := range []uint16{KEMXWingDeployed, KEMXWing} {
					if err := CheckPublicKey(kem, pk); !errors.Is(err, ErrInvalidKey) {
						t.Errorf("KEM %#04x: CheckPublicKey = %v, want ErrInvalidKey", kem, err)
					}
					if _, _, err := NewSender(kem, pk, WelcomeInfo, nil); !errors.Is(err, ErrInvalidKey) {
						t.Errorf("KEM %#04x: NewSender = %v, want ErrInvalidKey", kem, err)
					}
				}
			})
		}
	}
	// q-1 is the largest valid coefficient: the packing above is right.
	if err := CheckPublicKey(KEMXWingDeployed, xwingKeyWithCoefficient(t, 767, q-1)); err != nil {
		t.Errorf("coefficient q-1 rejected: %v", err)
	}
}

// TestXWingLowOrderX25519Component: X-Wing (draft-06, as circl implements
// it) does not check the X25519 half of a public key, so the X25519
// component may be a low-order point; it must not panic, and whatever
// NewSender decides, CheckPublicKey must agree with it.
func TestXWingLowOrderX25519Component(t *testing.T) {
	_, pk := mustXWingKey(t)
	for _, p := range lowOrderVariants(t) {
		copy(pk[XWingPublicKeySize-X25519KeySize:], p)
		_, _, sendErr := NewSender(KEMXWingDeployed, pk, WelcomeInfo, nil)
		checkErr := CheckPublicKey(KEMXWingDeployed, pk)
		if (sendErr == nil) != (checkErr == nil) {
			t.Errorf("X25519 part %x: NewSender = %v, CheckPublicKey = %v", p, sendErr, checkErr)
		}
	}
}

func TestUnsupportedKEM(t *testing.T) {
	for _, kem := range []uint16{0x0000, 0x0010, 0x0011, 0x0012, 0x0021, 0x0040, 0x0041, 0x0042,
		0x0050, 0x0051, 0x004c, 0x004e, 0x0d4d, 0x647b, 0x7a64, 0xffff} {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			key := make([]byte, 32)
			if _, _, err := NewSender(kem, key, WelcomeInfo, nil); !errors.Is(err, ErrUnsupportedKEM) {
				t.Errorf("NewSender: %v", err)
			}
			if _, err := NewRecipient(kem, key, key, WelcomeInfo); !errors.Is(err, ErrUnsupportedKEM) {
				t.Errorf("NewRecipient: %v", err)
			}
			if _, _, err := GenerateKey(kem, nil); !errors.Is(err, ErrUnsupportedKEM) {
				t.Errorf("GenerateKey: %v", err)
			}
			if _, err := PublicKey(kem, key); !errors.Is(err, ErrUnsupportedKEM) {
				t.Errorf("PublicKey: %v", err)
			}
			if err := CheckPublicKey(kem, key); !errors.Is(err, ErrUnsupportedKEM) {
				t.Errorf("CheckPublicKey: %v", err)
			}
			if PublicKeySize(kem) != 0 || PrivateKeySize(kem) != 0 || EncapsulationSize(kem) != 0 {
				t.Errorf("sizes: %d %d %d, want 0", PublicKeySize(kem), PrivateKeySize(kem), EncapsulationSize(kem))
			}
		})
	}
}

func TestSizes(t *testing.T) {
	for _, tt := range []struct {
		kem            uint16
		pub, priv, enc int
	}{
		{KEMX25519, 32, 32, 32},
		{KEMXWingDeployed, 1216, 32, 1120},
		{KEMXWing, 1216, 32, 1120},
	} {
		if PublicKeySize(tt.kem) != tt.pub || PrivateKeySize(tt.kem) != tt.priv || EncapsulationSize(tt.kem) != tt.enc {
			t.Errorf("KEM %#04x sizes: %d %d %d, want %d %d %d", tt.kem,
				PublicKeySize(tt.kem), PrivateKeySize(tt.kem), EncapsulationSize(tt.kem), tt.pub, tt.priv, tt.enc)
		}
		sk, pk, err := GenerateKey(tt.kem, nil)
		if err != nil {
			t.Fatal(err)
		}
		enc, _, err := NewSender(tt.kem, pk, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(pk) != tt.pub || len(sk) != tt.priv || len(enc) != tt.enc {
			t.Errorf("KEM %#04x actual sizes: %d %d %d", tt.kem, len(pk), len(sk), len(enc))
		}
	}
}

func TestShortCiphertext(t *testing.T) {
	for _, kem := range allKEMs {
		fx := newSealedFixture(t, kem)
		r := fx.recipient(t)
		for l := range TagSize + 1 {
			if _, err := r.Open(nil, make([]byte, l)); !errors.Is(err, ErrOpen) {
				t.Errorf("KEM %#04x: %d-byte ciphertext: err = %v, want ErrOpen", kem, l, err)
			}
		}
		if _, err := r.Open(nil, nil); !errors.Is(err, ErrOpen) {
			t.Errorf("KEM %#04x: nil ciphertext: err = %v, want ErrOpen", kem, err)
		}
		if _, err := r.Open(nil, fx.cts[0]); err != nil {
			t.Errorf("KEM %#04x: genuine message after short ones: %v", kem, err)
		}
	}
}

func TestExportLength(t *testing.T) {
	fx := newSealedFixture(t, KEMXWingDeployed)
	r := fx.recipient(t)
	for _, l := range []int{-1, -32, -1 << 31, 255*32 + 1, 0xffff, 0x10000, 1 << 40} {
		if v, err := r.Export(nil, l); err == nil {
			t.Errorf("Export length %d: got %d bytes, want an error", l, len(v))
		}
	}
	for _, l := range []int{0, 1, 255 * 32} {
		if v, err := r.Export([]byte("ctx"), l); err != nil || len(v) != l {
			t.Errorf("Export length %d: %d bytes, %v", l, len(v), err)
		}
	}
}

// shortReader serves n bytes, then io.ErrUnexpectedEOF.
type shortReader struct{ n int }

func (s *shortReader) Read(p []byte) (int, error) {
	if s.n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), s.n)
	clear(p[:n])
	s.n -= n
	return n, nil
}

func TestFailingRandomness(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			_, pk := mustKey(t, kem)
			for _, r := range []io.Reader{errReader{}, &shortReader{n: 16}, &shortReader{n: 31}} {
				if _, _, err := NewSender(kem, pk, WelcomeInfo, r); err == nil {
					t.Errorf("NewSender with %T succeeded", r)
				}
			}
			for _, r := range []io.Reader{errReader{}, &shortReader{n: 31}} {
				if _, _, err := GenerateKey(kem, r); err == nil {
					t.Errorf("GenerateKey with %T succeeded", r)
				}
			}
		})
	}
}

func mustKey(t *testing.T, kem uint16) (sk, pk []byte) {
	t.Helper()
	sk, pk, err := GenerateKey(kem, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sk, pk
}

// TestRandIsHonored: key generation and encapsulation draw from the rand
// argument for both KEMs (crypto/ecdh's GenerateKey would silently ignore
// it since Go 1.26).
func TestRandIsHonored(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			sk1, pk1, err := GenerateKey(kem, newTestRand("key"))
			if err != nil {
				t.Fatal(err)
			}
			sk2, pk2, err := GenerateKey(kem, newTestRand("key"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(sk1, sk2) || !bytes.Equal(pk1, pk2) {
				t.Error("GenerateKey is not deterministic in rand")
			}
			enc1, s1, err := NewSender(kem, pk1, WelcomeInfo, newTestRand("enc"))
			if err != nil {
				t.Fatal(err)
			}
			enc2, s2, err := NewSender(kem, pk1, WelcomeInfo, newTestRand("enc"))
			if err != nil {
				t.Fatal(err)
			}
			ct1, _ := s1.Seal(nil, nil, []byte("m"))
			ct2, _ := s2.Seal(nil, nil, []byte("m"))
			if !bytes.Equal(enc1, enc2) || !bytes.Equal(ct1, ct2) {
				t.Error("NewSender is not deterministic in rand")
			}
		})
	}
	// For DHKEM the 32 bytes read are the ephemeral private key.
	skE := make([]byte, 32)
	newTestRand("skE").Read(skE)
	_, pkR := mustKey(t, KEMX25519)
	enc, _, err := NewSender(KEMX25519, pkR, nil, bytes.NewReader(skE))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ecdh.X25519().NewPrivateKey(skE)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, k.PublicKey().Bytes()) {
		t.Errorf("enc = %x, want the public key of the 32 bytes read, %x", enc, k.PublicKey().Bytes())
	}
}

func TestWrongKeyAndInfo(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			fx := newSealedFixture(t, kem)
			otherSK, _ := mustKey(t, kem)
			openMustFail(t, kem, otherSK, fx.enc, WelcomeInfo, fx.cts[0], "other private key")
			openMustFail(t, kem, fx.sk, fx.enc, nil, fx.cts[0], "empty info")
			openMustFail(t, kem, fx.sk, fx.enc, WelcomeInfo[:20], fx.cts[0], "truncated info")
			// Another sender's encapsulation to the same key.
			enc2, _, err := NewSender(kem, fx.pk, WelcomeInfo, nil)
			if err != nil {
				t.Fatal(err)
			}
			openMustFail(t, kem, fx.sk, enc2, WelcomeInfo, fx.cts[0], "other encapsulation")
		})
	}
}

func TestMessageLimit(t *testing.T) {
	fx := newSealedFixture(t, KEMX25519)
	_, s, err := NewSender(KEMX25519, fx.pk, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.c.seq = ^uint64(0) - 1
	if _, err := s.Seal(nil, nil, nil); err != nil {
		t.Fatalf("last seal: %v", err)
	}
	if _, err := s.Seal(nil, nil, nil); !errors.Is(err, ErrMessageLimit) {
		t.Fatalf("seal past the limit: err = %v, want ErrMessageLimit", err)
	}
	r := fx.recipient(t)
	r.c.seq = ^uint64(0)
	if _, err := r.Open(nil, fx.cts[0]); !errors.Is(err, ErrOpen) {
		t.Fatalf("open past the limit: err = %v, want ErrOpen", err)
	}
}

// TestNonceSequence checks nonce = base_nonce XOR I2OSP(seq, 12) on the
// last eight bytes, big-endian, including high sequence numbers.
func TestNonceSequence(t *testing.T) {
	c := &context{}
	for i := range c.baseNonce {
		c.baseNonce[i] = byte(0xa0 + i)
	}
	for _, seq := range []uint64{0, 1, 2, 0xff, 0x100, 0x0102030405060708, ^uint64(0) - 1} {
		c.seq = seq
		n, err := c.nextNonce()
		if err != nil {
			t.Fatal(err)
		}
		want := c.baseNonce
		for i := range 8 {
			want[11-i] ^= byte(seq >> (8 * i))
		}
		if n != want || c.seq != seq+1 {
			t.Errorf("seq %#x: nonce %x, want %x (seq now %#x)", seq, n, want, c.seq)
		}
	}
}

// TestSealAppendsAndKeepsInputs: Seal appends to dst, and nothing writes
// past the length of an input slice (crypto/hpke's regression test for
// shared backing arrays).
func TestSealAppendsAndKeepsInputs(t *testing.T) {
	pad := func(b []byte) []byte {
		s := make([]byte, len(b), len(b)+64)
		copy(s, b)
		for i := len(b); i < cap(s); i++ {
			s[:cap(s)][i] = 0xAA
		}
		return s
	}
	check := func(name string, s []byte) {
		t.Helper()
		for _, c := range s[len(s):cap(s)] {
			if c != 0xAA {
				t.Errorf("%s: written past its length", name)
				return
			}
		}
	}
	for _, kem := range allKEMs {
		sk, pk := mustKey(t, kem)
		pkP, infoP := pad(pk), pad(WelcomeInfo)
		enc, s, err := NewSender(kem, pkP, infoP, nil)
		if err != nil {
			t.Fatal(err)
		}
		check("public key", pkP)
		check("NewSender info", infoP)
		aadP, ptP := pad([]byte("aad")), pad([]byte("plaintext"))
		prefix := []byte("prefix")
		sealed, err := s.Seal(prefix, aadP, ptP)
		if err != nil {
			t.Fatal(err)
		}
		check("aad", aadP)
		check("plaintext", ptP)
		if !bytes.HasPrefix(sealed, []byte("prefix")) || len(sealed) != 6+9+TagSize {
			t.Fatalf("Seal(dst) = %x", sealed)
		}
		skP, encP, info2 := pad(sk), pad(enc), pad(WelcomeInfo)
		r, err := NewRecipient(kem, skP, encP, info2)
		if err != nil {
			t.Fatal(err)
		}
		check("private key", skP)
		check("enc", encP)
		check("NewRecipient info", info2)
		ctP, aad2 := pad(sealed[6:]), pad([]byte("aad"))
		got, err := r.Open(aad2, ctP)
		if err != nil || string(got) != "plaintext" {
			t.Fatalf("Open = %q, %v", got, err)
		}
		check("ciphertext", ctP)
		check("Open aad", aad2)
	}
}
