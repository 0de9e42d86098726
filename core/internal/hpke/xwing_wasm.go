//go:build wasm

package hpke

import (
	"sync"

	"github.com/welcome-pointers/wasm/core/internal/xwing"
)

// WebAssembly builds use our X-Wing, whose X25519 uses 32x32->64 bit
// multiplies that WASM runs natively; see xwing_circl.go.

func xwingDeriveKeyPair(seed []byte) (pub []byte, err error) {
	_, pub, err = xwing.DeriveKeyPair(seed)
	return pub, err
}

func xwingCheckPublicKey(publicKey []byte) error { return xwing.CheckPublicKey(publicKey) }

// xwingPrivateKey is an expanded private key: decapsulating with it skips
// the key derivation from the seed.
type xwingPrivateKey struct{ sk *xwing.PrivateKey }

func xwingNewPrivateKey(seed []byte) (xwingPrivateKey, []byte, error) {
	sk, err := xwing.NewPrivateKey(seed)
	if err != nil {
		return xwingPrivateKey{}, nil, err
	}
	return xwingPrivateKey{sk: sk}, sk.PublicKeyBytes(), nil
}

func (k xwingPrivateKey) clear() { k.sk.Clear() }

func (k xwingPrivateKey) decapsulate(ct []byte) ([]byte, error) {
	if k.sk == nil {
		return nil, ErrInvalidKey
	}
	return k.sk.Decapsulate(ct)
}

func clearUpperAVX() {}

// publicKeys recycles parsed public keys: a sender of many pointers
// would otherwise allocate one (about 7 KB) per recipient.
var publicKeys = sync.Pool{New: func() any { return new(xwing.PublicKey) }}

// xwingEncapsulateTo encapsulates to publicKey, writing the ciphertext
// into ct and the shared secret into ss.
func xwingEncapsulateTo(ct, ss, publicKey, seed []byte) error {
	pk := publicKeys.Get().(*xwing.PublicKey)
	defer publicKeys.Put(pk)
	if err := pk.SetBytes(publicKey); err != nil {
		return err
	}
	return pk.EncapsulateTo(ct, ss, seed)
}
