package x25519

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"testing"
)

func mustHex32(t testing.TB, s string) *[32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hex %q", s)
	}
	return (*[32]byte)(b)
}

// RFC 7748, section 5.2.
func TestRFC7748Vectors(t *testing.T) {
	for _, v := range []struct{ scalar, point, out string }{
		{
			"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
			"e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
			"c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
		},
		{
			"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
			"e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
			"95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
		},
	} {
		var out [32]byte
		X25519(&out, mustHex32(t, v.scalar), mustHex32(t, v.point))
		if got := hex.EncodeToString(out[:]); got != v.out {
			t.Errorf("X25519(%s, %s) = %s, want %s", v.scalar, v.point, got, v.out)
		}
	}
}

// RFC 7748, section 5.2: k = u = 9, then k, u = X25519(k, u), k.
func TestRFC7748Iterated(t *testing.T) {
	want := map[int]string{
		1:    "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
		1000: "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
	}
	n := 1000
	if os.Getenv("X25519_ITERATE_1M") != "" {
		want[1000000] = "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424"
		n = 1000000
	}
	k, u := [32]byte{9}, [32]byte{9}
	for i := 1; i <= n; i++ {
		var out [32]byte
		X25519(&out, &k, &u)
		u, k = k, out
		if w, ok := want[i]; ok {
			if got := hex.EncodeToString(k[:]); got != w {
				t.Fatalf("after %d iterations: %s, want %s", i, got, w)
			}
		}
	}
}

// RFC 7748, section 6.1.
func TestRFC7748DiffieHellman(t *testing.T) {
	a := mustHex32(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	b := mustHex32(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
	var pa, pb, sa, sb [32]byte
	ScalarBaseMult(&pa, a)
	ScalarBaseMult(&pb, b)
	if got := hex.EncodeToString(pa[:]); got != "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" {
		t.Errorf("Alice's public key %s", got)
	}
	if got := hex.EncodeToString(pb[:]); got != "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" {
		t.Errorf("Bob's public key %s", got)
	}
	X25519(&sa, a, &pb)
	X25519(&sb, b, &pa)
	const k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
	if hex.EncodeToString(sa[:]) != k || hex.EncodeToString(sb[:]) != k {
		t.Errorf("shared secrets %x, %x", sa, sb)
	}
}

// reference computes X25519 with crypto/ecdh. ok is false when crypto/ecdh
// rejects the result (all zeros: a low-order point).
func reference(t testing.TB, scalar, point []byte) (out []byte, ok bool) {
	t.Helper()
	sk, err := ecdh.X25519().NewPrivateKey(scalar)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ecdh.X25519().NewPublicKey(point)
	if err != nil {
		t.Fatal(err)
	}
	out, err = sk.ECDH(pk)
	return out, err == nil
}

func checkAgainstReference(t testing.TB, scalar, point *[32]byte) {
	t.Helper()
	var got [32]byte
	X25519(&got, scalar, point)
	want, ok := reference(t, scalar[:], point[:])
	if !ok {
		if got != [32]byte{} {
			t.Fatalf("X25519(%x, %x) = %x; crypto/ecdh reports a low-order point", scalar, point, got)
		}
		return
	}
	if !bytes.Equal(got[:], want) {
		t.Fatalf("X25519(%x, %x) = %x, crypto/ecdh %x", scalar, point, got, want)
	}
}

func iterations(n int) int {
	if testing.Short() {
		return n / 10
	}
	return n
}

func newRand(t testing.TB) *mrand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], t.Name())
	return mrand.NewChaCha8(seed)
}

// Chained: each output is the next input point, so the inputs are points
// of the curve (or twist) reached by the ladder itself.
func TestDifferentialChained(t *testing.T) {
	r := newRand(t)
	var scalar [32]byte
	point := [32]byte{9}
	for range iterations(1000) {
		r.Read(scalar[:])
		checkAgainstReference(t, &scalar, &point)
		X25519(&point, &scalar, &point)
	}
}

var p = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

func leBytes(x *big.Int) *[32]byte {
	var b [32]byte
	x.FillBytes(b[:])
	for i := range 16 {
		b[i], b[31-i] = b[31-i], b[i]
	}
	return &b
}

// lowOrder lists the u-coordinates of the points of order 1, 2, 4 and 8 on
// the curve and its twist (and p, p+1, which reduce to 0 and 1).
var lowOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // 0
	"0100000000000000000000000000000000000000000000000000000000000000", // 1
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p-1
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p+1
}

func TestAliasing(t *testing.T) {
	r := newRand(t)
	for range 50 {
		var scalar, point, want [32]byte
		r.Read(scalar[:])
		r.Read(point[:])
		X25519(&want, &scalar, &point)

		s, u := scalar, point
		X25519(&s, &s, &u)
		if s != want {
			t.Fatal("dst aliasing scalar")
		}
		s, u = scalar, point
		X25519(&u, &s, &u)
		if u != want {
			t.Fatal("dst aliasing point")
		}
		ScalarBaseMult(&want, &scalar)
		s = scalar
		ScalarBaseMult(&s, &s)
		if s != want {
			t.Fatal("ScalarBaseMult dst aliasing scalar")
		}
	}
}

func FuzzX25519(f *testing.F) {
	f.Add(make([]byte, 32), make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{0xff}, 32))
	f.Add(mustHex32(f, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")[:],
		mustHex32(f, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")[:])
	for i, s := range lowOrder {
		f.Add(bytes.Repeat([]byte{byte(i + 1)}, 32), mustHex32(f, s)[:])
	}
	nc := leBytes(new(big.Int).Add(p, big.NewInt(9)))
	f.Add(bytes.Repeat([]byte{0x42}, 32), nc[:])
	nc[31] |= 0x80
	f.Add(bytes.Repeat([]byte{0x43}, 32), nc[:])

	f.Fuzz(func(t *testing.T, scalar, point []byte) {
		if len(scalar) != 32 || len(point) != 32 {
			return
		}
		checkAgainstReference(t, (*[32]byte)(scalar), (*[32]byte)(point))
		var got, want [32]byte
		ScalarBaseMult(&got, (*[32]byte)(scalar))
		X25519(&want, (*[32]byte)(scalar), &[32]byte{9})
		if got != want {
			t.Fatalf("ScalarBaseMult(%x) = %x, X25519(k, 9) = %x", scalar, got, want)
		}
	})
}
