package hpke_test

import (
	"bytes"
	"crypto/ecdh"
	stdhpke "crypto/hpke"
	"crypto/rand"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/hpke"
)

// Cross-implementation tests against the standard library's crypto/hpke,
// which implements KEM 0x647a (MLKEM768X25519, i.e. X-Wing) and
// DHKEM(X25519) independently of this package (its own ML-KEM, its own key
// schedule). The deployed KEM id 0x004D has no such oracle; it must instead
// be incompatible with both crypto/hpke and our own 0x647a suite.

func stdKEM(t testing.TB, kemID uint16) stdhpke.KEM {
	t.Helper()
	switch kemID {
	case hpke.KEMXWing:
		return stdhpke.MLKEM768X25519()
	case hpke.KEMX25519:
		return stdhpke.DHKEM(ecdh.X25519())
	}
	t.Fatalf("no crypto/hpke KEM for %#04x", kemID)
	return nil
}

var (
	stdKDF  = stdhpke.HKDFSHA256()
	stdAEAD = stdhpke.ChaCha20Poly1305()
)

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// interopKeys is one recipient key pair as both packages see it.
type interopKeys struct {
	sk, pk []byte
	stdSK  stdhpke.PrivateKey
	stdPK  stdhpke.PublicKey
}

// newInteropKeys generates a key pair with one implementation, loads its
// bytes into the other, and checks both agree on the public key.
func newInteropKeys(t *testing.T, kemID uint16, generatedBy string) *interopKeys {
	t.Helper()
	kem := stdKEM(t, kemID)
	var k interopKeys
	switch generatedBy {
	case "ours":
		sk, pk, err := hpke.GenerateKey(kemID, nil)
		if err != nil {
			t.Fatal(err)
		}
		k.sk, k.pk = sk, pk
		if k.stdSK, err = kem.NewPrivateKey(sk); err != nil {
			t.Fatal(err)
		}
	case "std":
		stdSK, err := kem.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		k.stdSK = stdSK
		if k.sk, err = stdSK.Bytes(); err != nil {
			t.Fatal(err)
		}
		if k.pk, err = hpke.PublicKey(kemID, k.sk); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown key origin %q", generatedBy)
	}
	if got := k.stdSK.PublicKey().Bytes(); !bytes.Equal(got, k.pk) {
		t.Fatalf("public keys differ: crypto/hpke %x, ours %x", got, k.pk)
	}
	var err error
	if k.stdPK, err = kem.NewPublicKey(k.pk); err != nil {
		t.Fatal(err)
	}
	if err := hpke.CheckPublicKey(kemID, k.pk); err != nil {
		t.Fatal(err)
	}
	return &k
}

// interopMessages is a sequence of (aad, plaintext) pairs: a spec-like
// first message with empty aad, an empty metadata-like one, and random ones.
func interopMessages() (aads, pts [][]byte) {
	aads = [][]byte{nil, nil}
	pts = [][]byte{randBytes(100), {}}
	for range 4 {
		aads = append(aads, randBytes(mathrand.IntN(40)))
		pts = append(pts, randBytes(mathrand.IntN(2000)))
	}
	return aads, pts
}

func TestInteropStdlib(t *testing.T) {
	for _, kemID := range []uint16{hpke.KEMXWing, hpke.KEMX25519} {
		for _, keysBy := range []string{"ours", "std"} {
			for _, infoName := range []string{"WelcomeInfo", "random-info", "empty-info"} {
				for _, dir := range []string{"ours-to-std", "std-to-ours"} {
					name := fmt.Sprintf("kem_%04x/keys_%s/%s/%s", kemID, keysBy, infoName, dir)
					t.Run(name, func(t *testing.T) {
						var info []byte
						switch infoName {
						case "WelcomeInfo":
							info = hpke.WelcomeInfo
						case "random-info":
							info = randBytes(1 + mathrand.IntN(64))
						}
						k := newInteropKeys(t, kemID, keysBy)
						aads, pts := interopMessages()
						if dir == "ours-to-std" {
							interopOursToStd(t, kemID, k, info, aads, pts)
						} else {
							interopStdToOurs(t, kemID, k, info, aads, pts)
						}
					})
				}
			}
		}
	}
}

func interopOursToStd(t *testing.T, kemID uint16, k *interopKeys, info []byte, aads, pts [][]byte) {
	enc, s, err := hpke.NewSender(kemID, k.pk, info, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := stdhpke.NewRecipient(enc, k.stdSK, stdKDF, stdAEAD, info)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		ct, err := s.Seal(nil, aads[i], pts[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Open(aads[i], ct)
		if err != nil {
			t.Fatalf("crypto/hpke failed to open our message #%d: %v", i, err)
		}
		if !bytes.Equal(got, pts[i]) {
			t.Fatalf("message #%d: got %x, want %x", i, got, pts[i])
		}
	}
	checkExportsAgree(t, s.Export, r.Export)
}

func interopStdToOurs(t *testing.T, kemID uint16, k *interopKeys, info []byte, aads, pts [][]byte) {
	enc, s, err := stdhpke.NewSender(k.stdPK, stdKDF, stdAEAD, info)
	if err != nil {
		t.Fatal(err)
	}
	r, err := hpke.NewRecipient(kemID, k.sk, enc, info)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		ct, err := s.Seal(aads[i], pts[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Open(aads[i], ct)
		if err != nil {
			t.Fatalf("failed to open crypto/hpke message #%d: %v", i, err)
		}
		if !bytes.Equal(got, pts[i]) {
			t.Fatalf("message #%d: got %x, want %x", i, got, pts[i])
		}
	}
	checkExportsAgree(t, r.Export, s.Export)
}

func checkExportsAgree(t *testing.T, ours func([]byte, int) ([]byte, error), std func(string, int) ([]byte, error)) {
	t.Helper()
	for _, l := range []int{0, 1, 32, 100} {
		ctx := randBytes(l % 17)
		a, err := ours(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		b, err := std(string(ctx), l)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("export(%x, %d): ours %x, crypto/hpke %x", ctx, l, a, b)
		}
	}
}

// TestDeployedSuiteIsNotRegistered checks that a message sealed under KEM id
// 0x004D opens neither with crypto/hpke nor with our 0x647a recipient, and
// that 0x647a messages (ours or crypto/hpke's) do not open as 0x004D,
// while each still opens under its own id.
func TestDeployedSuiteIsNotRegistered(t *testing.T) {
	for _, info := range []struct {
		name string
		b    []byte
	}{{"WelcomeInfo", hpke.WelcomeInfo}, {"random-info", randBytes(21)}} {
		t.Run(info.name, func(t *testing.T) {
			k := newInteropKeys(t, hpke.KEMXWing, "ours")
			pt := randBytes(100)

			t.Run("0x004D-sealed", func(t *testing.T) {
				enc, s, err := hpke.NewSender(hpke.KEMXWingDeployed, k.pk, info.b, nil)
				if err != nil {
					t.Fatal(err)
				}
				ct, err := s.Seal(nil, nil, pt)
				if err != nil {
					t.Fatal(err)
				}
				stdR, err := stdhpke.NewRecipient(enc, k.stdSK, stdKDF, stdAEAD, info.b)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := stdR.Open(nil, ct); err == nil {
					t.Errorf("crypto/hpke opened a 0x004D message: %x", got)
				}
				openAs(t, hpke.KEMXWing, k.sk, enc, info.b, ct, nil)
				openAs(t, hpke.KEMXWingDeployed, k.sk, enc, info.b, ct, pt)
			})
			t.Run("0x647a-sealed-by-ours", func(t *testing.T) {
				enc, s, err := hpke.NewSender(hpke.KEMXWing, k.pk, info.b, nil)
				if err != nil {
					t.Fatal(err)
				}
				ct, err := s.Seal(nil, nil, pt)
				if err != nil {
					t.Fatal(err)
				}
				openAs(t, hpke.KEMXWingDeployed, k.sk, enc, info.b, ct, nil)
				openAs(t, hpke.KEMXWing, k.sk, enc, info.b, ct, pt)
			})
			t.Run("0x647a-sealed-by-std", func(t *testing.T) {
				enc, s, err := stdhpke.NewSender(k.stdPK, stdKDF, stdAEAD, info.b)
				if err != nil {
					t.Fatal(err)
				}
				ct, err := s.Seal(nil, pt)
				if err != nil {
					t.Fatal(err)
				}
				openAs(t, hpke.KEMXWingDeployed, k.sk, enc, info.b, ct, nil)
				openAs(t, hpke.KEMXWing, k.sk, enc, info.b, ct, pt)
			})
		})
	}
}

// openAs opens ct with our recipient for kemID; want nil means it must
// fail with ErrOpen.
func openAs(t *testing.T, kemID uint16, sk, enc, info, ct, want []byte) {
	t.Helper()
	r, err := hpke.NewRecipient(kemID, sk, enc, info)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Open(nil, ct)
	switch {
	case want == nil && !errors.Is(err, hpke.ErrOpen):
		t.Errorf("KEM %#04x recipient: Open = %x, %v; want ErrOpen", kemID, got, err)
	case want != nil && err != nil:
		t.Errorf("KEM %#04x recipient: %v", kemID, err)
	case want != nil && !bytes.Equal(got, want):
		t.Errorf("KEM %#04x recipient: got %x, want %x", kemID, got, want)
	}
}

// TestInteropRejectsInvalidXWingKey checks that crypto/hpke and this package
// agree on rejecting an X-Wing public key whose ML-KEM part fails the
// encapsulation key (modulus) check.
func TestInteropRejectsInvalidXWingKey(t *testing.T) {
	_, pk, err := hpke.GenerateKey(hpke.KEMXWing, nil)
	if err != nil {
		t.Fatal(err)
	}
	pk[0], pk[1] = 0xff, pk[1]|0x0f // first coefficient = 0xfff >= q
	if _, err := stdhpke.MLKEM768X25519().NewPublicKey(pk); err == nil {
		t.Error("crypto/hpke accepted the key")
	}
	if err := hpke.CheckPublicKey(hpke.KEMXWing, pk); !errors.Is(err, hpke.ErrInvalidKey) {
		t.Errorf("CheckPublicKey = %v, want ErrInvalidKey", err)
	}
}
