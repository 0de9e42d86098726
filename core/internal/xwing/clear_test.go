package xwing

import (
	"bytes"
	"crypto/rand"
	"crypto/sha3"
	"errors"
	"testing"

	"github.com/cloudflare/circl/kem/mlkem/mlkem768"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
	"github.com/welcome-pointers/wasm/core/internal/x25519"
)

// The secrets this package computes on its stack are cleared from the
// frames it leaves behind: the expanded seed's X25519 secret, the X25519
// shares, the ephemeral X25519 secret. (ML-KEM's share passes through
// circl's frames, which this package cannot clear; see SECURITY.md.)
func TestSecretsNotLeftOnStack(t *testing.T) {
	seed := make([]byte, SeedSize)
	rand.Read(seed)
	expanded := sha3.SumSHAKE256(seed, 96)
	skX := (*[32]byte)(expanded[64:96])
	sk, err := NewPrivateKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	pk := sk.PublicKeyBytes()
	eseed := make([]byte, EncapsulationSeedSize)
	rand.Read(eseed)
	ct := make([]byte, CiphertextSize)
	ss := make([]byte, SharedKeySize)

	check := func(what string, f func(), secrets map[string][]byte) {
		t.Helper()
		names := make([]string, 0, len(secrets))
		vals := make([][]byte, 0, len(secrets))
		for n, v := range secrets {
			names, vals = append(names, n), append(vals, v)
		}
		for _, i := range cryptotest.Find(cryptotest.DeadStack(f, 32<<10), vals...) {
			t.Errorf("%s leaves %s on the stack", what, names[i])
		}
	}

	check("NewPrivateKey", func() { NewPrivateKey(seed) }, map[string][]byte{"the X25519 secret": skX[:]})

	var p PublicKey
	if err := p.SetBytes(pk); err != nil {
		t.Fatal(err)
	}
	check("EncapsulateTo", func() { p.EncapsulateTo(ct, ss, eseed) }, func() map[string][]byte {
		var ssX [32]byte
		x25519.X25519(&ssX, (*[32]byte)(eseed[32:]), (*[32]byte)(pk[mlkem768.PublicKeySize:]))
		return map[string][]byte{"the ephemeral X25519 secret": eseed[32:], "ss_X": ssX[:]}
	}())

	check("Decapsulate", func() { sk.Decapsulate(ct) }, func() map[string][]byte {
		var ssX [32]byte
		x25519.X25519(&ssX, skX, (*[32]byte)(ct[mlkem768.CiphertextSize:]))
		return map[string][]byte{"ss_X": ssX[:], "the X25519 secret": skX[:]}
	}())
}

// PrivateKey prints without its seed, whatever the verb.
func TestPrivateKeyPrintsNoSecret(t *testing.T) {
	seed := bytes.Repeat([]byte{0xa7}, SeedSize)
	sk, err := NewPrivateKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	cryptotest.PrintsNoSecret(t, sk, seed)
	cryptotest.PrintsNoSecret(t, *sk, seed)
}

// Clear zeroes the seed, the X25519 secret and ML-KEM's rejection secret,
// and the key no longer decapsulates.
func TestPrivateKeyClear(t *testing.T) {
	seed := bytes.Repeat([]byte{0x5c}, SeedSize)
	sk, err := NewPrivateKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	m := sk.m
	sk.Clear()
	if sk.seed != [SeedSize]byte{} || sk.x != [32]byte{} {
		t.Errorf("seed %x, X25519 secret %x after Clear", sk.seed, sk.x)
	}
	if *m != (mlkem768.PrivateKey{}) {
		t.Error("the ML-KEM key is not zeroed")
	}
	if _, err := sk.Decapsulate(make([]byte, CiphertextSize)); !errors.Is(err, ErrPrivateKey) {
		t.Errorf("Decapsulate after Clear: %v, want ErrPrivateKey", err)
	}
	if sk.Seed() != nil || sk.PublicKeyBytes() != nil {
		t.Error("Seed or PublicKeyBytes after Clear")
	}
}
