package hpke

import (
	"crypto/ecdh"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"io"
	"slices"
	"sync"

	"github.com/welcome-pointers/wasm/core/internal/xwing"
)

// Sizes of keys and encapsulations, per KEM.
const (
	X25519KeySize = 32

	XWingPrivateKeySize    = xwing.SeedSize
	XWingPublicKeySize     = xwing.PublicKeySize
	XWingEncapsulationSize = xwing.CiphertextSize
	xwingEncapSeedSize     = xwing.EncapsulationSeedSize
)

type kem interface {
	// encap appends the encapsulated key to dst.
	encap(dst, publicKey []byte, rand io.Reader) (sharedSecret, dstWithEnc []byte, err error)
	decap(privateKey, enc []byte) (sharedSecret []byte, err error)
}

func kemFor(id uint16) (kem, error) {
	switch id {
	case KEMX25519:
		return dhkemX25519{}, nil
	case KEMXWing, KEMXWingDeployed:
		// The KEM is the same; only the HPKE suite_id differs.
		return xwingKEM{}, nil
	}
	return nil, ErrUnsupportedKEM
}

// PublicKeySize returns the public key length for a KEM, or 0.
func PublicKeySize(kemID uint16) int {
	switch kemID {
	case KEMX25519:
		return X25519KeySize
	case KEMXWing, KEMXWingDeployed:
		return XWingPublicKeySize
	}
	return 0
}

// PrivateKeySize returns the private key length for a KEM, or 0.
func PrivateKeySize(kemID uint16) int {
	switch kemID {
	case KEMX25519:
		return X25519KeySize
	case KEMXWing, KEMXWingDeployed:
		return XWingPrivateKeySize
	}
	return 0
}

// EncapsulationSize returns the encapsulated key length for a KEM, or 0.
func EncapsulationSize(kemID uint16) int {
	switch kemID {
	case KEMX25519:
		return X25519KeySize
	case KEMXWing, KEMXWingDeployed:
		return XWingEncapsulationSize
	}
	return 0
}

// GenerateKey returns a new private key (an X-Wing key is its 32-byte
// seed) and its public key. The key is read from rand (32 bytes for both
// KEMs); nil means crypto/rand.
func GenerateKey(kemID uint16, rand io.Reader) (privateKey, publicKey []byte, err error) {
	if rand == nil {
		rand = defaultRand
	}
	switch kemID {
	case KEMX25519:
		k, err := newX25519Key(rand)
		if err != nil {
			return nil, nil, err
		}
		return k.Bytes(), k.PublicKey().Bytes(), nil
	case KEMXWing, KEMXWingDeployed:
		seed := make([]byte, xwing.SeedSize)
		if _, err := io.ReadFull(rand, seed); err != nil {
			return nil, nil, err
		}
		pub, err := xwingDeriveKeyPair(seed)
		if err != nil {
			return nil, nil, ErrInvalidKey
		}
		return seed, pub, nil
	}
	return nil, nil, ErrUnsupportedKEM
}

// PublicKey derives the public key of a private key.
func PublicKey(kemID uint16, privateKey []byte) ([]byte, error) {
	switch kemID {
	case KEMX25519:
		k, err := ecdh.X25519().NewPrivateKey(privateKey)
		if err != nil {
			return nil, ErrInvalidKey
		}
		return k.PublicKey().Bytes(), nil
	case KEMXWing, KEMXWingDeployed:
		if len(privateKey) != xwing.SeedSize {
			return nil, ErrInvalidKey
		}
		pub, err := xwingDeriveKeyPair(privateKey)
		if err != nil {
			return nil, ErrInvalidKey
		}
		return pub, nil
	}
	return nil, ErrUnsupportedKEM
}

// CheckPublicKey reports whether publicKey is a valid key for the KEM,
// without doing any encapsulation: the size, for X25519 that the point is
// not of low order, for X-Wing the ML-KEM encapsulation key check.
func CheckPublicKey(kemID uint16, publicKey []byte) error {
	switch kemID {
	case KEMX25519:
		pk, err := ecdh.X25519().NewPublicKey(publicKey)
		if err != nil {
			return ErrInvalidKey
		}
		// A low-order point makes every DH output all-zero, so NewSender
		// would refuse it; refuse it here too. X25519 clamps every scalar
		// to a multiple of the cofactor, so one fixed scalar (not a
		// multiple of either prime subgroup order) detects exactly the
		// low-order points, on the curve and on the twist.
		checker, err := x25519LowOrderChecker()
		if err != nil {
			return ErrInvalidKey
		}
		if _, err := checker.ECDH(pk); err != nil {
			return ErrInvalidKey
		}
		return nil
	case KEMXWing, KEMXWingDeployed:
		if len(publicKey) != xwing.PublicKeySize {
			return ErrInvalidKey
		}
		// The ML-KEM check alone, without unpacking the key: it refuses
		// what unpacking refuses (tested), at a fraction of the cost.
		if err := xwing.CheckEncapsulationKey(publicKey); err != nil {
			return ErrInvalidKey
		}
		return nil
	}
	return ErrUnsupportedKEM
}

// x25519LowOrderChecker is the fixed key CheckPublicKey multiplies by.
var x25519LowOrderChecker = sync.OnceValues(func() (*ecdh.PrivateKey, error) {
	k := sha256.Sum256([]byte("welcome pointers: X25519 low-order check"))
	return ecdh.X25519().NewPrivateKey(k[:])
})

type xwingKEM struct{}

func (xwingKEM) encap(dst, publicKey []byte, rand io.Reader) ([]byte, []byte, error) {
	if len(publicKey) != xwing.PublicKeySize {
		return nil, nil, ErrInvalidKey
	}
	var seed [xwingEncapSeedSize]byte // ML-KEM's message and the ephemeral X25519 secret
	defer clear(seed[:])
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, nil, err
	}
	out := slices.Grow(dst, xwing.CiphertextSize)
	ct := out[len(dst) : len(dst)+xwing.CiphertextSize]
	ss := make([]byte, xwing.SharedKeySize)
	if err := xwingEncapsulateTo(ct, ss, publicKey, seed[:]); err != nil {
		// The ML-KEM encapsulation key check failed.
		return nil, nil, ErrInvalidKey
	}
	return ss, out[:len(dst)+xwing.CiphertextSize], nil
}

func (xwingKEM) decap(privateKey, enc []byte) ([]byte, error) {
	if len(privateKey) != xwing.SeedSize {
		return nil, ErrInvalidKey
	}
	if len(enc) != xwing.CiphertextSize {
		return nil, ErrInvalidEncapsulation
	}
	// ML-KEM decapsulation never fails (implicit rejection): a wrong
	// ciphertext yields a wrong secret, which the AEAD then rejects.
	k, _, err := xwingNewPrivateKey(privateKey)
	if err != nil {
		return nil, ErrInvalidKey
	}
	defer k.clear()
	return k.decapsulate(enc)
}

// dhkemX25519 is DHKEM(X25519, HKDF-SHA256) from RFC 9180 section 4.1.
type dhkemX25519 struct{}

var kemSuiteX25519 = binary.BigEndian.AppendUint16([]byte("KEM"), KEMX25519)

func (dhkemX25519) extractAndExpand(dh, kemContext []byte) ([]byte, error) {
	prk := labeledExtract(kemSuiteX25519, nil, "eae_prk", dh)
	return labeledExpand(kemSuiteX25519, prk, "shared_secret", kemContext, 32)
}

// deriveKeyPairX25519 is RFC 9180 DeriveKeyPair for X25519; used for
// derandomized encapsulation in known-answer tests.
func deriveKeyPairX25519(ikm []byte) (*ecdh.PrivateKey, error) {
	prk := labeledExtract(kemSuiteX25519, nil, "dkp_prk", ikm)
	sk, err := labeledExpand(kemSuiteX25519, prk, "sk", nil, X25519KeySize)
	if err != nil {
		return nil, err
	}
	return ecdh.X25519().NewPrivateKey(sk)
}

// newX25519Key reads a 32-byte X25519 private key from rand.
//
// ecdh.X25519().GenerateKey is not used: since Go 1.26 it ignores its
// reader (unless GODEBUG=cryptocustomrand=1) and always uses crypto/rand,
// which would silently make the rand arguments of NewSender and
// GenerateKey meaningless for X25519 while they are honored for X-Wing.
func newX25519Key(rand io.Reader) (*ecdh.PrivateKey, error) {
	var sk [X25519KeySize]byte
	if _, err := io.ReadFull(rand, sk[:]); err != nil {
		return nil, err
	}
	return ecdh.X25519().NewPrivateKey(sk[:])
}

// x25519Ephemeral lets known-answer tests fix the ephemeral key.
var x25519Ephemeral func() (*ecdh.PrivateKey, error)

func (d dhkemX25519) encap(dst, publicKey []byte, rand io.Reader) ([]byte, []byte, error) {
	pkR, err := ecdh.X25519().NewPublicKey(publicKey)
	if err != nil {
		return nil, nil, ErrInvalidKey
	}
	var skE *ecdh.PrivateKey
	if x25519Ephemeral != nil {
		skE, err = x25519Ephemeral()
	} else {
		skE, err = newX25519Key(rand)
	}
	if err != nil {
		return nil, nil, err
	}
	dh, err := skE.ECDH(pkR)
	if err != nil {
		// All-zero output: a low-order public key.
		return nil, nil, ErrInvalidKey
	}
	enc := skE.PublicKey().Bytes()
	kemContext := append(append(make([]byte, 0, 64), enc...), publicKey...)
	ss, err := d.extractAndExpand(dh, kemContext)
	clear(dh)
	if err != nil {
		return nil, nil, err
	}
	return ss, append(dst, enc...), nil
}

func (d dhkemX25519) decap(privateKey, enc []byte) ([]byte, error) {
	// Sizes first: NewPrivateKey already does a scalar multiplication.
	if len(privateKey) != X25519KeySize {
		return nil, ErrInvalidKey
	}
	if len(enc) != X25519KeySize {
		return nil, ErrInvalidEncapsulation
	}
	skR, err := ecdh.X25519().NewPrivateKey(privateKey)
	if err != nil {
		return nil, ErrInvalidKey
	}
	pkE, err := ecdh.X25519().NewPublicKey(enc)
	if err != nil {
		return nil, ErrInvalidEncapsulation
	}
	dh, err := skR.ECDH(pkE)
	if err != nil {
		return nil, ErrOpen
	}
	defer clear(dh)
	kemContext := append(append(make([]byte, 0, 64), enc...), skR.PublicKey().Bytes()...)
	return d.extractAndExpand(dh, kemContext)
}

// EqualPublicKeys compares two public keys in constant time.
func EqualPublicKeys(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
