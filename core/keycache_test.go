package core

import (
	"bytes"
	"crypto/rand"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
)

func randomSeed(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, XWingPrivateKeySize)
	rand.Read(b)
	return b
}

func TestKeyCacheReturnsTheCachedKey(t *testing.T) {
	var c KeyCache
	seed := randomSeed(t)
	k1, err := c.Load(AlgorithmXWing, seed)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := c.Load(AlgorithmXWing, bytes.Clone(seed))
	if err != nil {
		t.Fatal(err)
	}
	if k1 != k2 {
		t.Fatal("the same key loaded twice gave two keys")
	}
	if k3, err := c.Load(AlgorithmCurve25519, seed); err != nil || k3 == k1 {
		t.Fatalf("the same bytes for another algorithm: %v, %v", k3, err)
	}
	if _, err := c.Load(AlgorithmXWing, seed[:5]); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("short key: %v, want ErrInvalidKey", err)
	}
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2", c.Len())
	}
}

// A lookup compares the key with every slot, wherever it hits: an early
// exit (the bridge's old `==` loop) would show, in its timing, which slot
// holds the key.
func TestKeyCacheLookupComparesEverySlot(t *testing.T) {
	var c KeyCache
	var seeds [][]byte
	for range KeyCacheSize {
		seeds = append(seeds, randomSeed(t))
		if _, err := c.Load(AlgorithmXWing, seeds[len(seeds)-1]); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	defer func(f func(a, b []byte) int) { ctCompare = f }(ctCompare)
	ctCompare = func(a, b []byte) int { n++; return countedCompare(a, b) }
	for i, s := range seeds {
		n = 0
		if _, err := c.Load(AlgorithmXWing, s); err != nil {
			t.Fatal(err)
		}
		if n != KeyCacheSize {
			t.Errorf("a hit in slot %d made %d comparisons, want %d", i, n, KeyCacheSize)
		}
	}
}

var countedCompare = ctCompare

// An evicted key is zeroed once unreachable; one still held keeps working.
func TestKeyCacheWipesEvictedKeys(t *testing.T) {
	var c KeyCache
	evicted, err := c.Load(AlgorithmXWing, randomSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	held, err := c.Load(AlgorithmXWing, randomSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	secret := evicted.priv
	evicted = nil
	for range KeyCacheSize {
		if _, err := c.Load(AlgorithmXWing, randomSeed(t)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Equal(secret, make([]byte, len(secret))) {
		if time.Now().After(deadline) {
			t.Fatal("the evicted key was not zeroed")
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	// The other evicted key is still held: it still opens.
	if _, err := held.expand(); err != nil {
		t.Fatalf("a held evicted key: %v", err)
	}
	if bytes.Equal(held.priv, make([]byte, len(held.priv))) {
		t.Fatal("a held evicted key was zeroed")
	}
}

func TestKeyCacheClear(t *testing.T) {
	var c KeyCache
	seed := randomSeed(t)
	k, err := c.Load(AlgorithmXWing, seed)
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.Load(AlgorithmCurve25519, randomSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Clear()
	for _, key := range []*PrivateKey{k, x} {
		if !bytes.Equal(key.priv, make([]byte, len(key.priv))) {
			t.Errorf("%v not zeroed by Clear", key.alg)
		}
		if _, err := key.expand(); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("%v used after Clear: %v, want ErrInvalidKey", key.alg, err)
		}
	}
	if c.Len() != 0 {
		t.Fatalf("Len = %d after Clear", c.Len())
	}
	k2, err := c.Load(AlgorithmXWing, seed)
	if err != nil || k2 == k || !bytes.Equal(k2.priv, seed) {
		t.Fatalf("Load after Clear: %v, %v", k2, err)
	}
}

// The types that hold secrets print without them, whatever the verb.
func TestSecretTypesPrintNoSecret(t *testing.T) {
	seed := bytes.Repeat([]byte{0x3c}, XWingPrivateKeySize)
	var c KeyCache
	k, err := c.Load(AlgorithmXWing, seed)
	if err != nil {
		t.Fatal(err)
	}
	cryptotest.PrintsNoSecret(t, k, seed)
	cryptotest.PrintsNoSecret(t, &c, seed)
	key := bytes.Repeat([]byte{0x9e}, PointeeKeySize)
	nonce := bytes.Repeat([]byte{0x71}, PointeeNonceSize)
	p := &Pointer{Destination: make([]byte, DestinationSize), AEADType: AEADChaCha20Poly1305, EncryptionKey: key,
		DataNonce: nonce, WelcomeMetadataNonce: bytes.Repeat([]byte{0x72}, PointeeNonceSize)}
	cryptotest.PrintsNoSecret(t, p, key, nonce)
	cryptotest.PrintsNoSecret(t, *p, key, nonce)
	cryptotest.PrintsNoSecret(t, Received{Kind: KindPointer, Pointer: p}, key, nonce)
}
