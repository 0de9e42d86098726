// Package hpke implements the RFC 9180 base-mode HPKE used to wrap XMTP
// welcomes: HKDF-SHA256 and ChaCha20-Poly1305 over either DHKEM(X25519) or
// X-Wing.
//
// It exists because the deployed client puts KEM id 0x004D in the HPKE
// suite_id for X-Wing, which neither crypto/hpke nor circl/hpke accept.
// With KEM id 0x647a the construction is the standard one, and the tests
// use crypto/hpke as an oracle for it.
package hpke

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// KEM identifiers. KEMXWingDeployed is what deployed XMTP clients put in
// the suite_id; KEMXWing is the registered code point.
const (
	KEMX25519        uint16 = 0x0020
	KEMXWingDeployed uint16 = 0x004D
	KEMXWing         uint16 = 0x647a

	KDFHKDFSHA256        uint16 = 0x0001
	AEADChaCha20Poly1305 uint16 = 0x0003
)

const (
	modeBase  = 0x00
	keySize   = chacha20poly1305.KeySize
	nonceSize = chacha20poly1305.NonceSize
	hashSize  = sha256.Size
	// TagSize is the AEAD's authentication tag length.
	TagSize = chacha20poly1305.Overhead
)

// WelcomeInfo is the HPKE info for MLS welcomes: the TLS serialization of
// { label<V> = "MLS 1.0 MLS_WELCOME"; context<V> = "" }.
var WelcomeInfo = []byte("\x13MLS 1.0 MLS_WELCOME\x00")

var (
	// ErrOpen is the single error for every decryption failure.
	ErrOpen = errors.New("hpke: decryption failed")
	// ErrUnsupportedKEM is returned for a KEM id this package does not implement.
	ErrUnsupportedKEM = errors.New("hpke: unsupported KEM")
	// ErrInvalidKey is returned for a public or private key of the wrong
	// size or that fails validation.
	ErrInvalidKey = errors.New("hpke: invalid key")
	// ErrInvalidEncapsulation is returned for an encapsulated key of the
	// wrong size.
	ErrInvalidEncapsulation = errors.New("hpke: invalid encapsulated key")
	// ErrMessageLimit is returned when a context's sequence number is spent.
	ErrMessageLimit = errors.New("hpke: message limit reached")
)

func suiteID(kemID uint16) []byte {
	s := make([]byte, 0, 10)
	s = append(s, "HPKE"...)
	s = binary.BigEndian.AppendUint16(s, kemID)
	s = binary.BigEndian.AppendUint16(s, KDFHKDFSHA256)
	s = binary.BigEndian.AppendUint16(s, AEADChaCha20Poly1305)
	return s
}

// labeledExtract is RFC 9180 LabeledExtract over HKDF-SHA256.
func labeledExtract(suite []byte, salt []byte, label string, ikm []byte) []byte {
	labeled := make([]byte, 0, 7+len(suite)+len(label)+len(ikm))
	labeled = append(labeled, "HPKE-v1"...)
	labeled = append(labeled, suite...)
	labeled = append(labeled, label...)
	labeled = append(labeled, ikm...)
	prk, err := hkdf.Extract(sha256.New, labeled, salt)
	clear(labeled) // ikm may be a Diffie-Hellman output
	if err != nil {
		// hkdf.Extract fails only in FIPS mode for short keys; unreachable here.
		panic("hpke: " + err.Error())
	}
	return prk
}

// labeledExpand is RFC 9180 LabeledExpand over HKDF-SHA256.
func labeledExpand(suite []byte, prk []byte, label string, info []byte, length int) ([]byte, error) {
	// A negative length would make hkdf.Expand panic (make with a negative
	// capacity); HKDF-SHA256 itself caps the length at 255*32.
	if length < 0 || length > 0xffff {
		return nil, errors.New("hpke: invalid expand length")
	}
	labeled := make([]byte, 0, 2+7+len(suite)+len(label)+len(info))
	labeled = binary.BigEndian.AppendUint16(labeled, uint16(length))
	labeled = append(labeled, "HPKE-v1"...)
	labeled = append(labeled, suite...)
	labeled = append(labeled, label...)
	labeled = append(labeled, info...)
	return hkdf.Expand(sha256.New, prk, string(labeled), length)
}

// context is the shared state of a sender or recipient context.
type context struct {
	aead      cipher.AEAD
	baseNonce [nonceSize]byte
	seq       uint64
	// The exporter secret is derived on first use: sealing a pointer never
	// exports, and skipping it saves an HMAC per pointer.
	suite, secret, ksc []byte
	exporterSecret     []byte
	// kept for known-answer tests
	key []byte
}

// kscCache holds key_schedule_context = mode || psk_id_hash || info_hash
// per suite and info: both hashes are constant for a sender of many
// pointers (the info is always the MLS welcome label).
var kscCache sync.Map // string(suite)+string(info) -> []byte

func keyScheduleContext(suite, info []byte) []byte {
	cacheable := len(info) <= 64
	var k string
	if cacheable {
		k = string(suite) + string(info)
		if v, ok := kscCache.Load(k); ok {
			return v.([]byte)
		}
	}
	pskIDHash := labeledExtract(suite, nil, "psk_id_hash", nil)
	infoHash := labeledExtract(suite, nil, "info_hash", info)
	ksc := make([]byte, 0, 1+2*hashSize)
	ksc = append(ksc, modeBase)
	ksc = append(ksc, pskIDHash...)
	ksc = append(ksc, infoHash...)
	if cacheable {
		kscCache.Store(k, ksc)
	}
	return ksc
}

func keySchedule(kemID uint16, sharedSecret, info []byte) (*context, error) {
	suite := suiteID(kemID)
	ksc := keyScheduleContext(suite, info)
	secret := labeledExtract(suite, sharedSecret, "secret", nil)

	key, err := labeledExpand(suite, secret, "key", ksc, keySize)
	if err != nil {
		return nil, err
	}
	baseNonce, err := labeledExpand(suite, secret, "base_nonce", ksc, nonceSize)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	c := &context{aead: aead, suite: suite, secret: secret, ksc: ksc, key: key}
	copy(c.baseNonce[:], baseNonce)
	clear(baseNonce)
	return c, nil
}

// clear zeroes the context's secrets: the key, the base nonce, the
// HPKE secret and the exporter secret. The AEAD's own copy of the key
// (inside x/crypto's ChaCha20-Poly1305) cannot be reached: the AEAD is
// dropped for the garbage collector. The context refuses to work after.
func (c *context) clear() {
	clear(c.key)
	clear(c.baseNonce[:])
	clear(c.secret)
	clear(c.exporterSecret)
	c.aead, c.key, c.secret, c.exporterSecret = nil, nil, nil, nil
}

// errCleared is returned by a context used after Clear.
var errCleared = errors.New("hpke: context used after Clear")

// exporter returns the exporter secret, deriving it on first use.
func (c *context) exporter() ([]byte, error) {
	if c.aead == nil {
		return nil, errCleared
	}
	if c.exporterSecret == nil {
		exp, err := labeledExpand(c.suite, c.secret, "exp", c.ksc, hashSize)
		if err != nil {
			return nil, err
		}
		c.exporterSecret = exp
	}
	return c.exporterSecret, nil
}

func (c *context) nextNonce() ([nonceSize]byte, error) {
	// The sequence number is 96 bits in RFC 9180; 2^64-1 messages is far
	// beyond what any welcome needs, so a uint64 that refuses to wrap is enough.
	if c.seq == ^uint64(0) {
		return [nonceSize]byte{}, ErrMessageLimit
	}
	n := c.baseNonce
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], c.seq)
	for i := range s {
		n[nonceSize-8+i] ^= s[i]
	}
	c.seq++
	return n, nil
}

// Sender is an HPKE sender context: it seals messages in sequence.
type Sender struct {
	c     *context
	suite []byte
}

// Recipient is an HPKE recipient context: it opens messages in sequence.
type Recipient struct {
	c     *context
	suite []byte
}

// Seal encrypts plaintext with the next nonce of the sequence and appends
// the result to dst.
func (s *Sender) Seal(dst, aad, plaintext []byte) ([]byte, error) {
	if s.c.aead == nil {
		return nil, errCleared
	}
	n, err := s.c.nextNonce()
	if err != nil {
		return nil, err
	}
	return s.c.aead.Seal(dst, n[:], plaintext, aad), nil
}

// Open decrypts ciphertext with the next nonce of the sequence. Every
// failure is ErrOpen. The sequence advances only on success, as in RFC 9180.
func (r *Recipient) Open(aad, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < TagSize || r.c.aead == nil {
		return nil, ErrOpen
	}
	n := r.c.baseNonce
	if r.c.seq == ^uint64(0) {
		return nil, ErrOpen
	}
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], r.c.seq)
	for i := range s {
		n[nonceSize-8+i] ^= s[i]
	}
	pt, err := r.c.aead.Open(nil, n[:], ciphertext, aad)
	if err != nil {
		return nil, ErrOpen
	}
	r.c.seq++
	return pt, nil
}

// Clear zeroes the context's secrets once it is no longer needed (see
// SECURITY.md for what cannot be reached). Seal and Export fail after.
func (s *Sender) Clear() { s.c.clear() }

// Clear zeroes the context's secrets once it is no longer needed. Open
// and Export fail after.
func (r *Recipient) Clear() { r.c.clear() }

// String never prints the context's secrets.
func (s Sender) String() string { return "hpke.Sender(" + suiteName(s.suite) + ")" }

// GoString never prints the context's secrets.
func (s Sender) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Sender) Format(f fmt.State, verb rune) { io.WriteString(f, s.String()) }

// String never prints the context's secrets.
func (r Recipient) String() string { return "hpke.Recipient(" + suiteName(r.suite) + ")" }

// GoString never prints the context's secrets.
func (r Recipient) GoString() string { return r.String() }

// Format prints String for every verb.
func (r Recipient) Format(f fmt.State, verb rune) { io.WriteString(f, r.String()) }

func suiteName(suite []byte) string {
	if len(suite) != 10 {
		return "?"
	}
	return fmt.Sprintf("KEM %#04x", binary.BigEndian.Uint16(suite[4:6]))
}

// Export derives a secret from the context (RFC 9180 section 5.3).
// length must be between 0 and 255*32.
func (s *Sender) Export(exporterContext []byte, length int) ([]byte, error) {
	exp, err := s.c.exporter()
	if err != nil {
		return nil, err
	}
	return labeledExpand(s.suite, exp, "sec", exporterContext, length)
}

// Export derives a secret from the context (RFC 9180 section 5.3).
// length must be between 0 and 255*32.
func (r *Recipient) Export(exporterContext []byte, length int) ([]byte, error) {
	exp, err := r.c.exporter()
	if err != nil {
		return nil, err
	}
	return labeledExpand(r.suite, exp, "sec", exporterContext, length)
}

// NewSender encapsulates to publicKey and returns the encapsulated key
// and a sender context. rand supplies the KEM's randomness (32 bytes for
// X25519, 64 for X-Wing); nil means crypto/rand.
func NewSender(kemID uint16, publicKey, info []byte, rand io.Reader) (enc []byte, s *Sender, err error) {
	return NewSenderAppend(nil, kemID, publicKey, info, rand)
}

// NewSenderAppend is NewSender appending the encapsulated key to dst, so
// a caller can build its output in one buffer.
func NewSenderAppend(dst []byte, kemID uint16, publicKey, info []byte, rand io.Reader) (dstWithEnc []byte, s *Sender, err error) {
	k, err := kemFor(kemID)
	if err != nil {
		return nil, nil, err
	}
	if rand == nil {
		rand = defaultRand
	}
	ss, enc, err := k.encap(dst, publicKey, rand)
	if err != nil {
		return nil, nil, err
	}
	c, err := keySchedule(kemID, ss, info)
	clear(ss)
	if err != nil {
		return nil, nil, err
	}
	return enc, &Sender{c: c, suite: suiteID(kemID)}, nil
}

// NewRecipient decapsulates enc with privateKey and returns a recipient
// context. Sizes are checked before any cryptography runs.
func NewRecipient(kemID uint16, privateKey, enc, info []byte) (*Recipient, error) {
	k, err := kemFor(kemID)
	if err != nil {
		return nil, err
	}
	ss, err := k.decap(privateKey, enc)
	if err != nil {
		return nil, err
	}
	c, err := keySchedule(kemID, ss, info)
	clear(ss)
	if err != nil {
		return nil, err
	}
	return &Recipient{c: c, suite: suiteID(kemID)}, nil
}

var defaultRand io.Reader = rand.Reader
