//go:build !wasm

package hpke

import (
	"errors"
	"sync"

	"github.com/cloudflare/circl/kem/xwing"
)

// Native builds use circl's X-Wing, whose amd64 assembly is the fastest
// here. WebAssembly builds use core/internal/xwing instead (xwing_wasm.go),
// which is built for WASM's 32x32->64 multiplies; the two are
// differentially tested against each other and give identical bytes.

func xwingDeriveKeyPair(seed []byte) (pub []byte, err error) {
	defer clearUpperAVX()
	if len(seed) != xwing.SeedSize {
		return nil, errors.New("xwing: bad seed size")
	}
	_, pub = xwing.DeriveKeyPairPacked(seed)
	return pub, nil
}

func xwingCheckPublicKey(publicKey []byte) error {
	defer clearUpperAVX()
	if len(publicKey) != xwing.PublicKeySize {
		return errors.New("xwing: bad public key size")
	}
	var pk xwing.PublicKey
	return pk.Unpack(publicKey)
}

// xwingPrivateKey is an expanded private key: decapsulating with it skips
// the key derivation from the seed.
type xwingPrivateKey struct{ sk *xwing.PrivateKey }

func xwingNewPrivateKey(seed []byte) (xwingPrivateKey, []byte, error) {
	defer clearUpperAVX()
	if len(seed) != xwing.SeedSize {
		return xwingPrivateKey{}, nil, errors.New("xwing: bad seed size")
	}
	sk, pk := xwing.DeriveKeyPair(seed)
	pub := make([]byte, xwing.PublicKeySize)
	pk.Pack(pub)
	return xwingPrivateKey{sk: sk}, pub, nil
}

// clear zeroes the seed, the X25519 secret and the ML-KEM rejection
// secret, which circl keeps inline; its ML-KEM secret vector is behind a
// pointer it does not export.
func (k xwingPrivateKey) clear() {
	if k.sk != nil {
		*k.sk = xwing.PrivateKey{}
	}
}

func (k xwingPrivateKey) decapsulate(ct []byte) ([]byte, error) {
	defer clearUpperAVX()
	if k.sk == nil || len(ct) != xwing.CiphertextSize {
		return nil, errors.New("xwing: bad ciphertext size")
	}
	ss := make([]byte, xwing.SharedKeySize)
	k.sk.DecapsulateTo(ss, ct)
	return ss, nil
}

// publicKeys recycles parsed public keys: a sender of many pointers
// would otherwise allocate one (about 7 KB) per recipient.
var publicKeys = sync.Pool{New: func() any { return new(xwing.PublicKey) }}

// xwingEncapsulateTo encapsulates to publicKey, writing the ciphertext
// into ct and the shared secret into ss.
func xwingEncapsulateTo(ct, ss, publicKey, seed []byte) error {
	defer clearUpperAVX()
	if len(publicKey) != xwing.PublicKeySize || len(ct) != xwing.CiphertextSize || len(ss) != xwing.SharedKeySize || len(seed) != xwing.EncapsulationSeedSize {
		return errors.New("xwing: bad sizes")
	}
	pk := publicKeys.Get().(*xwing.PublicKey)
	defer publicKeys.Put(pk)
	if err := pk.Unpack(publicKey); err != nil {
		return err
	}
	pk.EncapsulateTo(ct, ss, seed)
	return nil
}
