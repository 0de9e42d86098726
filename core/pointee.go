package core

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// SealedPointee is a pointee parsed and checked against its pointer, not
// yet decrypted: OpenPointee in two steps, so that the caller can decrypt
// the Welcome, the bulk of the bytes, with its own ChaCha20-Poly1305 (a
// browser's WebCrypto is several times faster than WebAssembly), while
// the checks, the metadata and the cursor stay here.
type SealedPointee struct {
	ptr *Pointer
	v   *wire.V1
}

// ParsePointee runs every check of OpenPointee that comes before the
// decryption, with its errors.
func ParsePointee(ptr *Pointer, firstMessage []byte, opts *OpenOptions) (*SealedPointee, error) {
	return parsePointee(ptr, firstMessage, opts, wire.ParseMessage)
}

// ParsePointeeInput is ParsePointee for the published form.
func ParsePointeeInput(ptr *Pointer, firstMessage []byte, opts *OpenOptions) (*SealedPointee, error) {
	return parsePointee(ptr, firstMessage, opts, wire.ParseInput)
}

func parsePointee(ptr *Pointer, firstMessage []byte, opts *OpenOptions, parse func([]byte) (wire.Envelope, error)) (*SealedPointee, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: nil pointer", ErrInvalidArgument)
	}
	if err := ptr.validate(); err != nil {
		return nil, err
	}
	if len(firstMessage) == 0 {
		return nil, fmt.Errorf("%w: empty pointee message", ErrMalformed)
	}
	env, err := parseEnvelope(firstMessage, opts, parse, "pointee")
	if err != nil {
		return nil, err
	}
	if env.Pointer != nil {
		return nil, fmt.Errorf("%w: the first message on the topic is a pointer", ErrNotPointee)
	}
	v := env.V1
	if v == nil {
		return nil, fmt.Errorf("%w: pointee: no version", ErrMalformed)
	}
	if Algorithm(v.WrapperAlgorithm) != AlgorithmSymmetricKey {
		return nil, fmt.Errorf("%w: wrapper algorithm %v", ErrNotPointee, Algorithm(v.WrapperAlgorithm))
	}
	if !bytes.Equal(v.InstallationKey, ptr.Destination) {
		return nil, fmt.Errorf("%w: its installation key is not the pointer's destination", ErrNotPointee)
	}
	// The deployed client rejects a pointee without metadata.
	if len(v.WelcomeMetadata) < chacha20poly1305.Overhead || len(v.Data) < chacha20poly1305.Overhead {
		return nil, fmt.Errorf("%w: pointee fields shorter than a tag", ErrMalformed)
	}
	return &SealedPointee{ptr: ptr, v: v}, nil
}

// EncryptedWelcome is the pointee's encrypted Welcome (with its tag), to
// open with the pointer's EncryptionKey and DataNonce; the caller must
// not modify it.
func (p *SealedPointee) EncryptedWelcome() []byte { return p.v.Data }

// OpenDecrypted opens the pointee with its Welcome decrypted by the
// caller from EncryptedWelcome (authenticated by its tag: a caller whose
// decryption failed must not call this, but OpenDecrypted(nil), which
// decrypts here). The metadata is decrypted here. With the caller's
// Welcome correct, the result and the errors are OpenPointee's.
func (p *SealedPointee) OpenDecrypted(welcome []byte) (*OpenedPointee, error) {
	return p.open(welcome)
}

func (p *SealedPointee) open(welcome []byte) (*OpenedPointee, error) {
	if welcome == nil {
		aead, err := chacha20poly1305.New(p.ptr.EncryptionKey)
		if err != nil {
			return nil, ErrDecrypt
		}
		if welcome, err = aead.Open(nil, p.ptr.DataNonce, p.v.Data, nil); err != nil {
			return nil, ErrDecrypt
		}
	}
	out := &OpenedPointee{Welcome: welcome}
	var err error
	if out.Cursor, out.HasCursor, err = p.Cursor(); err != nil {
		return nil, err
	}
	return out, nil
}

// Cursor decrypts the pointee's metadata: its message cursor, and false
// when the metadata was empty (cursor 0).
func (p *SealedPointee) Cursor() (cursor uint64, hasCursor bool, err error) {
	aead, err := chacha20poly1305.New(p.ptr.EncryptionKey)
	if err != nil {
		return 0, false, ErrDecrypt
	}
	md, err := aead.Open(nil, p.ptr.WelcomeMetadataNonce, p.v.WelcomeMetadata, nil)
	if err != nil {
		return 0, false, ErrDecrypt
	}
	if len(md) == 0 {
		return 0, false, nil
	}
	if cursor, err = wire.ParseWelcomeMetadata(md); err != nil {
		return 0, false, fmt.Errorf("%w: pointee metadata: %v", ErrMalformed, err)
	}
	return cursor, true, nil
}

// NewPointee draws the pointer of a new pointee for a Welcome of
// welcomeLen bytes, after SealPointee's checks: for a caller that
// encrypts the Welcome itself (SealPointeeEncrypted). The pointer holds
// the pointee's key: keep it secret.
func NewPointee(welcomeLen int, cursor uint64, opts *SealOptions) (*Pointer, error) {
	if _, err := opts.kem(); err != nil {
		return nil, err
	}
	if welcomeLen <= 0 {
		return nil, fmt.Errorf("%w: empty welcome", ErrInvalidArgument)
	}
	if err := checkPointeeSize(welcomeLen, cursor, opts.maxSize()); err != nil {
		return nil, err
	}
	return newPointer(opts.random())
}

// SealPointeeEncrypted is SealPointee with the Welcome encrypted by the
// caller: encryptedWelcome is its ChaCha20-Poly1305 encryption (with the
// tag) under ptr's EncryptionKey and DataNonce, without associated data.
// The metadata is encrypted and the message framed here: with the
// caller's encryption right, the bytes are those SealPointee makes with
// the same pointer.
func SealPointeeEncrypted(ptr *Pointer, encryptedWelcome []byte, cursor uint64, opts *SealOptions) (OutgoingMessage, error) {
	if _, err := opts.kem(); err != nil {
		return OutgoingMessage{}, err
	}
	if ptr == nil {
		return OutgoingMessage{}, fmt.Errorf("%w: no pointer", ErrInvalidArgument)
	}
	if err := ptr.validate(); err != nil {
		return OutgoingMessage{}, err
	}
	if len(encryptedWelcome) <= chacha20poly1305.Overhead {
		return OutgoingMessage{}, fmt.Errorf("%w: an encrypted welcome of %d bytes", ErrInvalidArgument, len(encryptedWelcome))
	}
	if err := checkPointeeSize(len(encryptedWelcome)-chacha20poly1305.Overhead, cursor, opts.maxSize()); err != nil {
		return OutgoingMessage{}, err
	}
	msg, err := framePointee(ptr, encryptedWelcome, cursor)
	if err != nil {
		return OutgoingMessage{}, err
	}
	return OutgoingMessage{Kind: KindPointee, InstallationKey: clone(ptr.Destination), Message: msg}, nil
}
