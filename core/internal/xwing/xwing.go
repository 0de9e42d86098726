// Package xwing implements the X-Wing hybrid KEM
// (draft-connolly-cfrg-xwing-kem-06): ML-KEM-768 (from circl) and X25519
// (from core/internal/x25519, which is fast in WebAssembly), combined with
// SHA3-256.
//
// The byte formats are those of the draft and of circl's kem/xwing: a
// private key is a 32-byte seed, a public key is the ML-KEM-768
// encapsulation key followed by the X25519 public key (1216 bytes), a
// ciphertext is the ML-KEM-768 ciphertext followed by the ephemeral X25519
// public key (1120 bytes), and the shared secret is 32 bytes.
//
// Every function checks the lengths of its inputs and returns an error
// instead of panicking.
package xwing

import (
	"crypto/sha3"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/kem/mlkem/mlkem768"

	"github.com/welcome-pointers/wasm/core/internal/x25519"
)

const (
	// SeedSize is the size of a private key seed.
	SeedSize = 32
	// PrivateKeySize is the size of a private key (its seed).
	PrivateKeySize = SeedSize
	// PublicKeySize is the size of a public key.
	PublicKeySize = mlkem768.PublicKeySize + 32
	// CiphertextSize is the size of a ciphertext (encapsulation).
	CiphertextSize = mlkem768.CiphertextSize + 32
	// SharedKeySize is the size of the shared secret.
	SharedKeySize = 32
	// EncapsulationSeedSize is the size of the randomness Encapsulate
	// takes: 32 bytes for ML-KEM, then the 32-byte X25519 ephemeral secret.
	EncapsulationSeedSize = 64
)

// Errors. The size errors are returned before any cryptographic work.
var (
	ErrSeedSize       = errors.New("xwing: wrong seed size")
	ErrPrivateKeySize = errors.New("xwing: wrong private key size")
	ErrPublicKeySize  = errors.New("xwing: wrong public key size")
	ErrCiphertextSize = errors.New("xwing: wrong ciphertext size")
	// ErrPrivateKey reports an uninitialized PrivateKey.
	ErrPrivateKey = errors.New("xwing: uninitialized private key")
	// ErrPublicKey reports a public key that fails the ML-KEM-768
	// encapsulation key check (FIPS 203, section 7.2).
	ErrPublicKey = errors.New("xwing: invalid ML-KEM public key")
)

// label is the X-Wing combiner label, "\.//^\".
const label = `\.//^\`

// combiner returns SHA3-256(ssM || ssX || ctX || pkX || label).
func combiner(ssM, ssX, ctX, pkX *[32]byte) [SharedKeySize]byte {
	var buf [4*32 + len(label)]byte
	copy(buf[0:32], ssM[:])
	copy(buf[32:64], ssX[:])
	copy(buf[64:96], ctX[:])
	copy(buf[96:128], pkX[:])
	copy(buf[128:], label)
	// A Digest of our own rather than sha3.Sum256: the state absorbs the
	// shares as they are, and Reset can clear it; Sum256's stays on a
	// stack frame of the standard library.
	h := sha3.New256()
	h.Write(buf[:])
	clear(buf[:64]) // the two shares
	var ss [SharedKeySize]byte
	h.Sum(ss[:0])
	h.Reset()
	return ss
}

// PublicKey is a parsed X-Wing public key: the ML-KEM-768 key is unpacked
// (its matrix expanded and its hash computed) once, so encapsulating to
// the same key again skips that work.
//
// The zero PublicKey is not usable (its methods return ErrPublicKey); get
// one from ParsePublicKey.
type PublicKey struct {
	m  mlkem768.PublicKey
	x  [32]byte
	ok bool
}

// ParsePublicKey parses and checks a 1216-byte public key.
func ParsePublicKey(pk []byte) (*PublicKey, error) {
	var p PublicKey
	if err := p.SetBytes(pk); err != nil {
		return nil, err
	}
	return &p, nil
}

// SetBytes parses and checks a 1216-byte public key into p, reusing its
// memory (a parsed key is about 7 KB; a sender of many pointers reuses one).
// On error p is left unusable.
func (p *PublicKey) SetBytes(pk []byte) error {
	p.ok = false
	if len(pk) != PublicKeySize {
		return ErrPublicKeySize
	}
	if err := p.m.Unpack(pk[:mlkem768.PublicKeySize]); err != nil {
		return ErrPublicKey
	}
	copy(p.x[:], pk[mlkem768.PublicKeySize:])
	p.ok = true
	return nil
}

// CheckPublicKey reports whether pk has the right size and passes the
// ML-KEM-768 encapsulation key check. The X25519 part is not checked (as
// in the draft): any 32 bytes are accepted.
func CheckPublicKey(pk []byte) error {
	_, err := ParsePublicKey(pk)
	return err
}

// Bytes returns the 1216-byte encoding of pk.
func (pk *PublicKey) Bytes() []byte {
	if pk == nil || !pk.ok {
		return nil
	}
	b := make([]byte, PublicKeySize)
	pk.m.Pack(b[:mlkem768.PublicKeySize])
	copy(b[mlkem768.PublicKeySize:], pk.x[:])
	return b
}

// Encapsulate returns a shared secret and its 1120-byte ciphertext for
// pk, derandomized by the 64-byte seed (ML-KEM's 32-byte message first,
// then the X25519 ephemeral secret).
func (pk *PublicKey) Encapsulate(seed []byte) (ss, ct []byte, err error) {
	ct = make([]byte, CiphertextSize)
	ss = make([]byte, SharedKeySize)
	if err := pk.EncapsulateTo(ct, ss, seed); err != nil {
		return nil, nil, err
	}
	return ss, ct, nil
}

// EncapsulateTo is Encapsulate writing into ct (1120 bytes) and ss (32
// bytes), so a caller can place the ciphertext in its output directly.
func (pk *PublicKey) EncapsulateTo(ct, ss, seed []byte) error {
	if pk == nil || !pk.ok {
		return ErrPublicKey
	}
	if len(seed) != EncapsulationSeedSize {
		return ErrSeedSize
	}
	if len(ct) != CiphertextSize || len(ss) != SharedKeySize {
		return ErrCiphertextSize
	}
	var ssM, ekX, ctX, ssX [32]byte
	pk.m.EncapsulateTo(ct[:mlkem768.CiphertextSize], ssM[:], seed[:32])

	copy(ekX[:], seed[32:])
	x25519.ScalarBaseMult(&ctX, &ekX)
	// A low-order pk.x gives an all-zero ssX; like the draft (and circl)
	// this is not rejected: ssX is only one input of the combiner.
	x25519.X25519(&ssX, &ekX, &pk.x)
	copy(ct[mlkem768.CiphertextSize:], ctX[:])

	k := combiner(&ssM, &ssX, &ctX, &pk.x)
	copy(ss, k[:])
	clear(ssM[:])
	clear(ekX[:])
	clear(ssX[:])
	clear(k[:])
	return nil
}

// Encapsulate parses pk (1216 bytes) and encapsulates to it; see
// PublicKey.Encapsulate. It returns ErrPublicKey if pk fails the ML-KEM
// encapsulation key check.
func Encapsulate(pk []byte, seed []byte) (ss, ct []byte, err error) {
	// Sizes first, before the costly unpacking.
	if len(pk) != PublicKeySize {
		return nil, nil, ErrPublicKeySize
	}
	if len(seed) != EncapsulationSeedSize {
		return nil, nil, ErrSeedSize
	}
	p, err := ParsePublicKey(pk)
	if err != nil {
		return nil, nil, err
	}
	return p.Encapsulate(seed)
}

// PrivateKey is an expanded X-Wing private key: the ML-KEM-768 key pair
// and the X25519 key pair derived from the seed. Expanding costs about as
// much as an ML-KEM key generation, so a receiver that decapsulates often
// should keep one.
//
// The zero PrivateKey is not usable (its methods fail); get one from
// NewPrivateKey.
type PrivateKey struct {
	seed [SeedSize]byte
	m    *mlkem768.PrivateKey
	mpk  *mlkem768.PublicKey
	x    [32]byte // X25519 secret
	xpk  [32]byte // X25519 public key
}

// NewPrivateKey expands a 32-byte private key seed.
func NewPrivateKey(seed []byte) (*PrivateKey, error) {
	if len(seed) != SeedSize {
		return nil, ErrPrivateKeySize
	}
	var sk PrivateKey
	copy(sk.seed[:], seed)

	// (ML-KEM seed d || z, X25519 secret) = SHAKE256(seed, 96).
	var expanded [mlkem768.KeySeedSize + 32]byte
	h := sha3.NewSHAKE256()
	h.Write(seed)
	h.Read(expanded[:])
	h.Reset() // its state is the seed's

	sk.mpk, sk.m = mlkem768.NewKeyFromSeed(expanded[:mlkem768.KeySeedSize])
	copy(sk.x[:], expanded[mlkem768.KeySeedSize:])
	clear(expanded[:])
	x25519.ScalarBaseMult(&sk.xpk, &sk.x)
	return &sk, nil
}

// Clear zeroes the key's secrets as far as it can: the seed, the X25519
// secret and the ML-KEM implicit-rejection secret z. The ML-KEM secret
// vector inside circl's key cannot be reached; it is dropped for the
// garbage collector. The key is unusable after (its methods fail).
func (sk *PrivateKey) Clear() {
	if sk == nil {
		return
	}
	clear(sk.seed[:])
	clear(sk.x[:])
	if sk.m != nil {
		*sk.m = mlkem768.PrivateKey{}
	}
	sk.m, sk.mpk = nil, nil
}

// String never prints the secret.
func (PrivateKey) String() string { return "xwing.PrivateKey(redacted)" }

// GoString never prints the secret.
func (sk PrivateKey) GoString() string { return sk.String() }

// Format prints String for every verb: %x, %d or %+v of the struct would
// print the seed. (Value receivers: a PrivateKey value prints so too.)
func (sk PrivateKey) Format(f fmt.State, verb rune) { io.WriteString(f, sk.String()) }

// Seed returns the 32-byte private key seed.
func (sk *PrivateKey) Seed() []byte {
	if sk == nil || sk.m == nil {
		return nil
	}
	s := sk.seed
	return s[:]
}

// PublicKeyBytes returns the 1216-byte public key of sk.
func (sk *PrivateKey) PublicKeyBytes() []byte {
	if sk == nil || sk.mpk == nil {
		return nil
	}
	b := make([]byte, PublicKeySize)
	sk.mpk.Pack(b[:mlkem768.PublicKeySize])
	copy(b[mlkem768.PublicKeySize:], sk.xpk[:])
	return b
}

// Decapsulate returns the shared secret in a 1120-byte ciphertext. It
// fails only on a wrong ciphertext size: like ML-KEM, a ciphertext that
// was not made for this key (or was altered) gives an unrelated secret
// (implicit rejection), not an error.
func (sk *PrivateKey) Decapsulate(ct []byte) ([]byte, error) {
	if sk == nil || sk.m == nil {
		return nil, ErrPrivateKey
	}
	if len(ct) != CiphertextSize {
		return nil, ErrCiphertextSize
	}
	var ssM, ctX, ssX [32]byte
	sk.m.DecapsulateTo(ssM[:], ct[:mlkem768.CiphertextSize])
	copy(ctX[:], ct[mlkem768.CiphertextSize:])
	x25519.X25519(&ssX, &sk.x, &ctX)
	k := combiner(&ssM, &ssX, &ctX, &sk.xpk)
	clear(ssM[:])
	clear(ssX[:])
	ss := make([]byte, SharedKeySize)
	copy(ss, k[:])
	clear(k[:])
	return ss, nil
}

// DeriveKeyPair returns the private key (the seed itself) and the
// 1216-byte public key for a 32-byte seed.
func DeriveKeyPair(seed []byte) (sk, pk []byte, err error) {
	k, err := NewPrivateKey(seed)
	if err != nil {
		return nil, nil, ErrSeedSize
	}
	defer k.Clear()
	return k.Seed(), k.PublicKeyBytes(), nil
}

// Decapsulate returns the shared secret in ct (1120 bytes) for the private
// key seed sk (32 bytes). See PrivateKey.Decapsulate.
func Decapsulate(ct, sk []byte) (ss []byte, err error) {
	// Sizes first, before the costly key expansion.
	if len(ct) != CiphertextSize {
		return nil, ErrCiphertextSize
	}
	if len(sk) != PrivateKeySize {
		return nil, ErrPrivateKeySize
	}
	k, err := NewPrivateKey(sk)
	if err != nil {
		return nil, err
	}
	defer k.Clear()
	return k.Decapsulate(ct)
}
