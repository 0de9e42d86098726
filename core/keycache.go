package core

import (
	"crypto/subtle"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// KeyCacheSize is the number of keys a KeyCache keeps.
const KeyCacheSize = 8

// KeyCache keeps the last KeyCacheSize private keys loaded from their
// bytes. The bridges (the browser module, the wasip1 reactor) get a
// key's bytes with every call, and expanding an X-Wing key costs about as
// much as opening a message; an app opens many with the same key.
//
// Secrets: a lookup compares the key with every slot's in constant time
// (no early exit, no data-dependent index);
// an evicted key is zeroed once nothing uses it any more (a cleanup runs
// when the garbage collector finds it unreachable, since the caller of
// Load may still hold it); Clear zeroes every key it holds at once. What
// zeroing reaches is in SECURITY.md.
//
// The zero KeyCache is empty and ready. It is safe for concurrent use.
type KeyCache struct {
	mu      sync.Mutex
	entries [KeyCacheSize]keyCacheEntry
	next    int
}

type keyCacheEntry struct{ key *PrivateKey }

// ctCompare compares keys; a variable so that a test can count the
// comparisons.
var ctCompare = subtle.ConstantTimeCompare

// Load returns the key for alg and privateKey: the cached one, or a new
// one from NewPrivateKey (with its errors), which it caches in place of
// the oldest. The key stays usable while the caller holds it, unless
// Clear is called.
func (c *KeyCache) Load(alg Algorithm, privateKey []byte) (*PrivateKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	empty := make([]byte, len(privateKey)) // what an empty slot is compared with
	hit, at := 0, 0
	for i := range c.entries {
		k, sameAlg := c.entries[i].key, 0
		other := empty
		if k != nil { // public: whether the slot is filled, and the key's algorithm
			other = k.priv
			sameAlg = subtle.ConstantTimeEq(int32(k.alg), int32(alg))
		}
		eq := ctCompare(other, privateKey) & sameAlg
		at = subtle.ConstantTimeSelect(eq, i, at)
		hit |= eq
	}
	if hit == 1 {
		return c.entries[at].key, nil
	}
	k, err := NewPrivateKey(alg, privateKey)
	if err != nil {
		return nil, err
	}
	e := &c.entries[c.next]
	if old := e.key; old != nil {
		// Not now: the caller of an earlier Load may be using it.
		runtime.AddCleanup(old, keySecrets.wipe, keySecrets{priv: old.priv, expanded: old.expanded})
	}
	e.key = k
	c.next = (c.next + 1) % KeyCacheSize
	return k, nil
}

// Clear zeroes every key the cache holds and empties it. Keys returned by
// Load fail with ErrInvalidKey after; do not call Clear while they are in
// use.
func (c *KeyCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.entries {
		if k := c.entries[i].key; k != nil {
			k.wipe()
		}
		c.entries[i] = keyCacheEntry{}
	}
	c.next = 0
}

// Len returns the number of keys in the cache.
func (c *KeyCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if e.key != nil {
			n++
		}
	}
	return n
}

// String never prints a key.
func (c *KeyCache) String() string { return fmt.Sprintf("KeyCache(%d keys)", c.Len()) }

// GoString never prints a key.
func (c *KeyCache) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *KeyCache) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }
