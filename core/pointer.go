package core

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// Pointer sizes.
const (
	DestinationSize   = 32
	PointeeKeySize    = 32
	PointeeNonceSize  = 12
	decentralizedByte = 0x01

	// MaxPointerSize caps a pointer's stored form (a real one is 102
	// bytes): larger input is ErrTooLarge before it is parsed.
	MaxPointerSize = 4 << 10
)

// Pointer is a decrypted WelcomePointer: where the pointee is and how to
// open it. It holds a symmetric key: treat it as a secret.
type Pointer struct {
	// Destination is the pointee's topic on the v3 API (32 bytes).
	Destination []byte
	// AEADType is always AEADChaCha20Poly1305 in a valid pointer.
	AEADType AEADType
	// EncryptionKey opens the pointee (32 bytes).
	EncryptionKey []byte
	// DataNonce opens the pointee's data; WelcomeMetadataNonce its
	// metadata (12 bytes each, different from each other).
	DataNonce            []byte
	WelcomeMetadataNonce []byte
}

// ParsePointer decodes and checks a WelcomePointer protobuf: the form a
// pending pointer is stored in.
func ParsePointer(b []byte) (*Pointer, error) {
	if len(b) > MaxPointerSize {
		return nil, fmt.Errorf("%w: pointer of %d bytes exceeds %d", ErrTooLarge, len(b), MaxPointerSize)
	}
	wp, err := wire.ParseWelcomePointer(b)
	if err != nil {
		return nil, fmt.Errorf("%w: welcome pointer: %v", ErrMalformed, err)
	}
	p := &Pointer{
		Destination:          clone(wp.Destination),
		AEADType:             AEADType(wp.AEADType),
		EncryptionKey:        clone(wp.EncryptionKey),
		DataNonce:            clone(wp.DataNonce),
		WelcomeMetadataNonce: clone(wp.WelcomeMetadataNonce),
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Pointer) validate() error {
	switch {
	case p.AEADType != AEADChaCha20Poly1305:
		return fmt.Errorf("%w: pointee AEAD type %v", ErrUnsupported, p.AEADType)
	case len(p.Destination) != DestinationSize:
		return fmt.Errorf("%w: pointer destination must be %d bytes, got %d", ErrMalformed, DestinationSize, len(p.Destination))
	case len(p.EncryptionKey) != PointeeKeySize:
		return fmt.Errorf("%w: pointer key must be %d bytes, got %d", ErrMalformed, PointeeKeySize, len(p.EncryptionKey))
	case len(p.DataNonce) != PointeeNonceSize || len(p.WelcomeMetadataNonce) != PointeeNonceSize:
		return fmt.Errorf("%w: pointer nonces must be %d bytes", ErrMalformed, PointeeNonceSize)
	case bytes.Equal(p.DataNonce, p.WelcomeMetadataNonce):
		// Two messages under one key and nonce would leak both.
		return fmt.Errorf("%w: pointer reuses its nonce", ErrMalformed)
	}
	return nil
}

// Marshal encodes the pointer as a WelcomePointer protobuf, the form in
// which it is sealed and stored.
func (p *Pointer) Marshal() []byte {
	return wire.AppendWelcomePointer(nil, p.wire())
}

func (p *Pointer) wire() *wire.WelcomePointer {
	return &wire.WelcomePointer{
		Destination:          p.Destination,
		AEADType:             int32(p.AEADType),
		EncryptionKey:        p.EncryptionKey,
		DataNonce:            p.DataNonce,
		WelcomeMetadataNonce: p.WelcomeMetadataNonce,
	}
}

// ID is the pointer's identity: sha256 of its stored form. Duplicate
// pointers (the same invite received twice) share it.
func (p *Pointer) ID() [32]byte { return sha256.Sum256(p.Marshal()) }

// Topic is the pointee's topic on the v3 API: the destination itself.
func (p *Pointer) Topic() []byte { return clone(p.Destination) }

// DecentralizedTopic is the pointee's topic on the decentralized API:
// 0x01 || destination.
func (p *Pointer) DecentralizedTopic() []byte {
	return append([]byte{decentralizedByte}, p.Destination...)
}

// MatchesTopic reports whether topic names this pointer's pointee, in
// either the v3 or the decentralized form.
func (p *Pointer) MatchesTopic(topic []byte) bool {
	if len(topic) == DestinationSize+1 && topic[0] == decentralizedByte {
		topic = topic[1:]
	}
	return len(topic) == DestinationSize && subtle.ConstantTimeCompare(topic, p.Destination) == 1
}

// String hides the key and nonces.
func (p Pointer) String() string { return fmt.Sprintf("Pointer(destination=%x)", p.Destination) }

// GoString hides the key and nonces.
func (p Pointer) GoString() string { return p.String() }

// Format prints String for every verb: %x or %d of the struct would print
// the key. (Value receivers: a Pointer value prints so too.)
func (p Pointer) Format(f fmt.State, verb rune) { io.WriteString(f, p.String()) }
