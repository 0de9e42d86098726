package xwing

import (
	"bytes"
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/sha3"
	"encoding/hex"
	"slices"
	"testing"

	circl "github.com/cloudflare/circl/kem/xwing"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
)

// The differential suite: this package against circl's kem/xwing and
// against model, X-Wing written from the draft with the standard library
// only (crypto/mlkem and its derandomized mlkemtest.Encapsulate768,
// crypto/ecdh, crypto/sha3), which shares no code with either. It runs in
// every build (native, GOOS=js, wasip1); cryptotest sizes it.

// model is an X-Wing key pair as the draft defines it.
type model struct {
	dk  *mlkem.DecapsulationKey768
	skX []byte
	pk  []byte
}

func modelKeyGen(t *testing.T, seed []byte) *model {
	t.Helper()
	expanded := sha3.SumSHAKE256(seed, 96) // d || z, then sk_X
	dk, err := mlkem.NewDecapsulationKey768(expanded[:64])
	if err != nil {
		t.Fatal(err)
	}
	skX := expanded[64:96]
	return &model{dk: dk, skX: skX, pk: slices.Concat(dk.EncapsulationKey().Bytes(), modelX25519(t, skX, nil))}
}

// modelX25519 is X25519(sk, u) by crypto/ecdh (u nil: the base point),
// all zeros where crypto/ecdh refuses the all-zero output of a low-order
// point: the draft does not reject it.
func modelX25519(t *testing.T, sk, u []byte) []byte {
	t.Helper()
	k, err := ecdh.X25519().NewPrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	if u == nil {
		return k.PublicKey().Bytes()
	}
	pub, err := ecdh.X25519().NewPublicKey(u)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := k.ECDH(pub)
	if err != nil {
		return make([]byte, 32)
	}
	return ss
}

func modelCombiner(ssM, ssX, ctX, pkX []byte) []byte {
	ss := sha3.Sum256(slices.Concat(ssM, ssX, ctX, pkX, []byte(`\.//^\`)))
	return ss[:]
}

func modelEncapsulate(t *testing.T, pk, eseed []byte) (ss, ct []byte) {
	t.Helper()
	ek, err := mlkem.NewEncapsulationKey768(pk[:mlkem.EncapsulationKeySize768])
	if err != nil {
		t.Fatal(err)
	}
	ssM, ctM, err := mlkemtest.Encapsulate768(ek, eseed[:32])
	if err != nil {
		t.Fatal(err)
	}
	pkX := pk[mlkem.EncapsulationKeySize768:]
	ekX := eseed[32:]
	ctX := modelX25519(t, ekX, nil)
	return modelCombiner(ssM, modelX25519(t, ekX, pkX), ctX, pkX), slices.Concat(ctM, ctX)
}

func (m *model) decapsulate(t *testing.T, ct []byte) []byte {
	t.Helper()
	ssM, err := m.dk.Decapsulate(ct[:mlkem.CiphertextSize768])
	if err != nil {
		t.Fatal(err)
	}
	ctX := ct[mlkem.CiphertextSize768:]
	return modelCombiner(ssM, modelX25519(t, m.skX, ctX), ctX, m.pk[mlkem.EncapsulationKeySize768:])
}

// lowOrderX25519 are encodings of the low-order points (0, 1, the two of
// order 8, p-1, and p, p+1): an X25519 half set to one of them gives
// ss_X = 0, which X-Wing does not reject.
var lowOrderX25519 = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func lowOrderPoint(t *testing.T, i int) []byte {
	t.Helper()
	b, err := hex.DecodeString(lowOrderX25519[i%len(lowOrderX25519)])
	if err != nil {
		t.Fatal(err)
	}
	if i/len(lowOrderX25519)%2 == 1 {
		b[31] |= 0x80 // the top bit, ignored by X25519 but hashed by the combiner
	}
	return b
}

// same fails unless ours, circl's and the model's values are equal.
func same(t *testing.T, what string, ours, theirs, model []byte) {
	t.Helper()
	if !bytes.Equal(ours, theirs) || !bytes.Equal(ours, model) {
		t.Fatalf("%s: ours %x, circl %x, model %x", what, ours, theirs, model)
	}
}

// TestDifferential runs, per seed: key generation from the seed;
// deterministic encapsulation (to the key, and to the key with its X25519
// half replaced by a low-order point); decapsulation of the honest
// ciphertext, of one with a bit flipped in each half, of one whose X25519
// half is a low-order point, and of a random one. Ours, circl and the
// model must agree on every byte.
func TestDifferential(t *testing.T) {
	r := newRand(t)
	n := cryptotest.N(300, 10_000)
	compared := 0
	for i := range n {
		seed := randBytes(r, SeedSize)
		sk, pk, err := DeriveKeyPair(seed)
		if err != nil {
			t.Fatal(err)
		}
		csk, cpk := circl.DeriveKeyPairPacked(seed)
		m := modelKeyGen(t, seed)
		same(t, "public key", pk, cpk, m.pk)
		if !bytes.Equal(sk, csk) {
			t.Fatalf("private key %x, circl %x", sk, csk)
		}
		priv, err := NewPrivateKey(sk)
		if err != nil {
			t.Fatal(err)
		}

		encapsulate := func(what string, pk []byte) (ss, ct []byte) {
			eseed := randBytes(r, EncapsulationSeedSize)
			ss, ct, err := Encapsulate(pk, eseed)
			if err != nil {
				t.Fatal(err)
			}
			css, cct, err := circl.Encapsulate(pk, eseed)
			if err != nil {
				t.Fatal(err)
			}
			mss, mct := modelEncapsulate(t, pk, eseed)
			same(t, what+": ciphertext", ct, cct, mct)
			same(t, what+": shared secret", ss, css, mss)
			compared++
			return ss, ct
		}
		decapsulate := func(what string, ct []byte) []byte {
			ss, err := priv.Decapsulate(ct)
			if err != nil {
				t.Fatal(err)
			}
			if fromSeed, err := Decapsulate(ct, sk); err != nil || !bytes.Equal(fromSeed, ss) {
				t.Fatalf("%s: Decapsulate(ct, seed) = %x, %v; PrivateKey.Decapsulate %x", what, fromSeed, err, ss)
			}
			same(t, what+": decapsulated secret", ss, circl.Decapsulate(ct, csk), m.decapsulate(t, ct))
			compared++
			return ss
		}

		ss, ct := encapsulate("encapsulation", pk)
		if got := decapsulate("honest ciphertext", ct); !bytes.Equal(got, ss) {
			t.Fatalf("decapsulated %x, encapsulated %x", got, ss)
		}
		for _, half := range []struct {
			name     string
			from, to int
		}{{"ML-KEM half", 0, mlkem.CiphertextSize768}, {"X25519 half", mlkem.CiphertextSize768, CiphertextSize}} {
			bad := bytes.Clone(ct)
			bit := half.from*8 + int(r.Uint64()%uint64(8*(half.to-half.from)))
			bad[bit/8] ^= 1 << (bit % 8)
			if got := decapsulate("bit flipped in the "+half.name, bad); bytes.Equal(got, ss) {
				t.Fatalf("bit %d flipped: same secret", bit)
			}
		}
		low := bytes.Clone(ct)
		copy(low[mlkem.CiphertextSize768:], lowOrderPoint(t, i))
		decapsulate("low-order X25519 half in the ciphertext", low)
		decapsulate("random ciphertext", randBytes(r, CiphertextSize))

		lowPK := bytes.Clone(pk)
		copy(lowPK[mlkem.EncapsulationKeySize768:], lowOrderPoint(t, i+3))
		encapsulate("low-order X25519 half in the public key", lowPK)
	}
	t.Logf("%d seeds, %d encapsulations and decapsulations: ours = circl = standard-library model", n, compared)
}
