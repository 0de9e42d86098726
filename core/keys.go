package core

import (
	"fmt"
	"io"
	"sync"

	"github.com/welcome-pointers/wasm/core/internal/hpke"
	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// Algorithm is a welcome wrapper algorithm (the WelcomeWrapperAlgorithm
// enum of xmtp.mls.message_contents).
type Algorithm int32

const (
	AlgorithmUnspecified Algorithm = Algorithm(wire.AlgorithmUnspecified)
	// AlgorithmCurve25519 is DHKEM(X25519) HPKE; older installations.
	AlgorithmCurve25519 Algorithm = Algorithm(wire.AlgorithmCurve25519)
	// AlgorithmXWing is X-Wing (ML-KEM-768 + X25519) HPKE, the only
	// algorithm pointers are wrapped with.
	AlgorithmXWing Algorithm = Algorithm(wire.AlgorithmXWing)
	// AlgorithmSymmetricKey marks a pointee; never a key algorithm.
	AlgorithmSymmetricKey Algorithm = Algorithm(wire.AlgorithmSymmetricKey)
)

func (a Algorithm) String() string {
	switch a {
	case AlgorithmUnspecified:
		return "UNSPECIFIED"
	case AlgorithmCurve25519:
		return "CURVE25519"
	case AlgorithmXWing:
		return "XWING_MLKEM_768_DRAFT_6"
	case AlgorithmSymmetricKey:
		return "SYMMETRIC_KEY"
	}
	return fmt.Sprintf("Algorithm(%d)", int32(a))
}

// AEADType is a pointee encryption AEAD type
// (WelcomePointeeEncryptionAeadType).
type AEADType int32

const (
	AEADUnspecified      AEADType = AEADType(wire.AEADUnspecified)
	AEADChaCha20Poly1305 AEADType = AEADType(wire.AEADChaCha20Poly1305)
)

func (a AEADType) String() string {
	switch a {
	case AEADUnspecified:
		return "UNSPECIFIED"
	case AEADChaCha20Poly1305:
		return "CHACHA20_POLY1305"
	}
	return fmt.Sprintf("AEADType(%d)", int32(a))
}

// KEMID selects the KEM id written into the HPKE suite_id for X-Wing.
type KEMID uint16

const (
	// KEMXWingDeployed (0x004D) is what deployed clients use; the default.
	KEMXWingDeployed KEMID = KEMID(hpke.KEMXWingDeployed)
	// KEMXWing (0x647a) is the registered code point, which the client
	// authors plan to move to. Receivers accept both.
	KEMXWing KEMID = KEMID(hpke.KEMXWing)
)

// Key sizes.
const (
	XWingPublicKeySize       = hpke.XWingPublicKeySize
	XWingPrivateKeySize      = hpke.XWingPrivateKeySize
	Curve25519PublicKeySize  = hpke.X25519KeySize
	Curve25519PrivateKeySize = hpke.X25519KeySize
)

// PrivateKey is an installation's welcome-wrapper private key together
// with its public key. An X-Wing private key is its 32-byte seed.
type PrivateKey struct {
	alg  Algorithm
	priv []byte
	pub  []byte

	// expanded is derived from priv on first use and kept, so opening
	// many messages derives the key once.
	expandOnce sync.Once
	expanded   *hpke.PrivateKey
	expandErr  error
}

func (k *PrivateKey) expand() (*hpke.PrivateKey, error) {
	k.expandOnce.Do(func() {
		id, err := keyKEM(k.alg)
		if err != nil {
			k.expandErr = err
			return
		}
		k.expanded, k.expandErr = hpke.NewPrivateKey(id, k.priv)
	})
	return k.expanded, k.expandErr
}

// GenerateKey returns a new private key for alg (AlgorithmXWing or
// AlgorithmCurve25519), from crypto/rand.
func GenerateKey(alg Algorithm) (*PrivateKey, error) {
	return generateKey(alg, nil)
}

func generateKey(alg Algorithm, rand io.Reader) (*PrivateKey, error) {
	id, err := keyKEM(alg)
	if err != nil {
		return nil, err
	}
	priv, pub, err := hpke.GenerateKey(id, rand)
	if err != nil {
		return nil, fmt.Errorf("welcome pointers: generating key: %w", err)
	}
	return &PrivateKey{alg: alg, priv: priv, pub: pub}, nil
}

// NewPrivateKey loads a private key previously returned by Bytes.
func NewPrivateKey(alg Algorithm, privateKey []byte) (*PrivateKey, error) {
	id, err := keyKEM(alg)
	if err != nil {
		return nil, err
	}
	if len(privateKey) != hpke.PrivateKeySize(id) {
		return nil, fmt.Errorf("%w: %v private key must be %d bytes, got %d", ErrInvalidKey, alg, hpke.PrivateKeySize(id), len(privateKey))
	}
	expanded, err := hpke.NewPrivateKey(id, privateKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v private key", ErrInvalidKey, alg)
	}
	k := &PrivateKey{alg: alg, priv: clone(privateKey), pub: clone(expanded.PublicKey()), expanded: expanded}
	k.expandOnce.Do(func() {})
	return k, nil
}

// Algorithm returns the key's wrapper algorithm.
func (k *PrivateKey) Algorithm() Algorithm { return k.alg }

// Bytes returns a copy of the private key bytes. Keep them secret.
func (k *PrivateKey) Bytes() []byte { return clone(k.priv) }

// PublicKey returns a copy of the public key bytes.
func (k *PrivateKey) PublicKey() []byte { return clone(k.pub) }

// String never prints the secret.
func (k *PrivateKey) String() string { return fmt.Sprintf("PrivateKey(%v)", k.alg) }

// GoString never prints the secret.
func (k *PrivateKey) GoString() string { return k.String() }

// Format prints String for every verb: %x or %d of the struct would print
// the key.
func (k *PrivateKey) Format(f fmt.State, verb rune) { io.WriteString(f, k.String()) }

// keySecrets are the parts of a PrivateKey that hold its secret, for
// wiping them without the PrivateKey itself (see KeyCache).
type keySecrets struct {
	priv     []byte
	expanded *hpke.PrivateKey
}

func (s keySecrets) wipe() {
	clear(s.priv)
	if s.expanded != nil {
		s.expanded.Clear()
	}
}

// wipe zeroes the key's secrets now; the key fails with ErrInvalidKey
// after. Nothing may be using it meanwhile.
func (k *PrivateKey) wipe() {
	k.expandOnce.Do(func() {}) // no expansion from now on
	keySecrets{priv: k.priv, expanded: k.expanded}.wipe()
	k.expanded, k.expandErr = nil, errWiped
}

// errWiped is the error of a key used after it was wiped.
var errWiped = fmt.Errorf("%w: the key was cleared", ErrInvalidKey)

// keyKEM maps a key algorithm to the KEM used for its keys.
func keyKEM(alg Algorithm) (uint16, error) {
	switch alg {
	case AlgorithmCurve25519:
		return hpke.KEMX25519, nil
	case AlgorithmXWing:
		return hpke.KEMXWingDeployed, nil
	}
	return 0, fmt.Errorf("%w: key algorithm %v", ErrUnsupported, alg)
}

// ValidatePublicKey checks that pub is a valid public key for alg: of the
// right size, accepted by the KEM, and not one that protects nothing (an
// X25519 point of low order, alone or as the X25519 half of an X-Wing key,
// or an X-Wing key whose ML-KEM half is all zero).
func ValidatePublicKey(alg Algorithm, pub []byte) error {
	if err := checkKeyShape(alg, pub); err != nil {
		return err
	}
	id, _ := keyKEM(alg)
	if hpke.CheckPublicKey(id, pub) != nil {
		return fmt.Errorf("%w: %v public key fails validation", ErrInvalidKey, alg)
	}
	return nil
}

// mlkemPublicKeySize is the ML-KEM-768 half of an X-Wing public key; the
// X25519 half follows it.
const mlkemPublicKeySize = XWingPublicKeySize - Curve25519PublicKeySize

// checkKeyShape is the part of ValidatePublicKey that costs no
// cryptography: the size, and the weak keys above. Sealing runs it for
// every installation; the KEM's own check comes with the encapsulation.
func checkKeyShape(alg Algorithm, pub []byte) error {
	id, err := keyKEM(alg)
	if err != nil {
		return err
	}
	if len(pub) != hpke.PublicKeySize(id) {
		return fmt.Errorf("%w: %v public key must be %d bytes, got %d", ErrInvalidKey, alg, hpke.PublicKeySize(id), len(pub))
	}
	x25519 := pub
	if alg == AlgorithmXWing {
		x25519 = pub[mlkemPublicKeySize:]
		if allZero(pub[:mlkemPublicKeySize]) {
			return fmt.Errorf("%w: %v public key: its ML-KEM half is all zero", ErrInvalidKey, alg)
		}
	}
	if lowOrderX25519(x25519) {
		return fmt.Errorf("%w: %v public key: its X25519 point is of low order", ErrInvalidKey, alg)
	}
	return nil
}

// x25519LowOrder lists the u-coordinates of the X25519 points of small
// order, on the curve and on its twist, with their non-canonical
// encodings: 0, 1, the two points of order 8, p-1, p (= 0) and p+1 (= 1).
// Every X25519 output with such a point is all zero, known to anyone.
// X25519 ignores the top bit, and so does the comparison.
var x25519LowOrder = [...][32]byte{
	{},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

// lowOrderX25519 reports whether the 32-byte public key u is in
// x25519LowOrder. Public keys are public: no need for constant time.
func lowOrderX25519(u []byte) bool {
	var k [32]byte
	copy(k[:], u)
	k[31] &= 0x7f
	for _, p := range x25519LowOrder {
		if k == p {
			return true
		}
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
