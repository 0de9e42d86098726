package core

import (
	"fmt"
	"slices"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// Key package extension types that carry what a sender needs.
const (
	// ExtensionWrapperEncryption (0xff03) carries WelcomeWrapperEncryption.
	ExtensionWrapperEncryption = 0xff03
	// ExtensionPointeeAEADTypes (0xff04) carries
	// WelcomePointeeEncryptionAeadTypesExtension.
	ExtensionPointeeAEADTypes = 0xff04

	// MaxExtensionSize caps an extension payload; larger ones are
	// ErrTooLarge before they are parsed. A real 0xff03 payload is 1,222
	// bytes, a 0xff04 one 3.
	MaxExtensionSize = 16 << 10
	// MaxPointeeAEADTypes caps the entries of a 0xff04 list: more is
	// ErrMalformed.
	MaxPointeeAEADTypes = wire.MaxAEADTypes
)

// Installation is a recipient of an invite, as read from its key package.
type Installation struct {
	// InstallationKey is the recipient's installation id. Required.
	InstallationKey []byte
	// WrapperPublicKey and WrapperAlgorithm are the key to HPKE-wrap to:
	// from the 0xff03 extension, or the key package's init key with
	// AlgorithmCurve25519 when the extension is absent.
	WrapperPublicKey []byte
	WrapperAlgorithm Algorithm
	// PointeeAEADTypes is the parsed 0xff04 extension; nil when absent or
	// empty.
	PointeeAEADTypes []AEADType
}

// PointerCapable reports whether the installation can receive a pointer:
// it supports ChaCha20-Poly1305 pointees and has an X-Wing key, the only
// algorithm pointers are wrapped with.
func (in *Installation) PointerCapable() bool {
	return in.WrapperAlgorithm == AlgorithmXWing && slices.Contains(in.PointeeAEADTypes, AEADChaCha20Poly1305)
}

// InstallationFromExtensions builds an Installation from the raw key
// package fields: the init key, and the 0xff03 and 0xff04 extension
// payloads (nil or empty when absent). The key to wrap to is validated
// here, so that a key package that offers no usable key is refused when it
// is read rather than when an invite is sealed.
func InstallationFromExtensions(installationKey, initKey, wrapperEncryption, pointeeAEADTypes []byte) (Installation, error) {
	in := Installation{InstallationKey: clone(installationKey)}
	if len(installationKey) == 0 {
		return in, fmt.Errorf("%w: empty installation key", ErrInvalidArgument)
	}
	if len(wrapperEncryption) > 0 {
		pub, alg, err := ParseWrapperEncryption(wrapperEncryption)
		if err != nil {
			return in, err
		}
		in.WrapperPublicKey, in.WrapperAlgorithm = pub, alg
	} else {
		if err := ValidatePublicKey(AlgorithmCurve25519, initKey); err != nil {
			return in, fmt.Errorf("init key (no 0xff03 extension): %w", err)
		}
		in.WrapperPublicKey, in.WrapperAlgorithm = clone(initKey), AlgorithmCurve25519
	}
	if len(pointeeAEADTypes) > 0 {
		types, err := ParsePointeeAEADTypes(pointeeAEADTypes)
		if err != nil {
			return in, err
		}
		in.PointeeAEADTypes = types
	}
	return in, nil
}

// EncodeWrapperEncryption encodes a 0xff03 payload.
func EncodeWrapperEncryption(publicKey []byte, alg Algorithm) ([]byte, error) {
	if err := ValidatePublicKey(alg, publicKey); err != nil {
		return nil, err
	}
	return wire.AppendWrapperEncryption(nil, publicKey, int32(alg)), nil
}

// ParseWrapperEncryption decodes a 0xff03 payload. The algorithm must be
// one this package can wrap to, and the key must pass ValidatePublicKey.
func ParseWrapperEncryption(payload []byte) (publicKey []byte, alg Algorithm, err error) {
	if err := checkExtensionSize(payload, "wrapper encryption"); err != nil {
		return nil, 0, err
	}
	pub, a, err := wire.ParseWrapperEncryption(payload)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: wrapper encryption extension: %v", ErrMalformed, err)
	}
	alg = Algorithm(a)
	if err := ValidatePublicKey(alg, pub); err != nil {
		return nil, 0, err
	}
	return clone(pub), alg, nil
}

// EncodePointeeAEADTypes encodes a 0xff04 payload.
func EncodePointeeAEADTypes(types []AEADType) []byte {
	raw := make([]int32, len(types))
	for i, t := range types {
		raw[i] = int32(t)
	}
	return wire.AppendAEADTypes(nil, raw)
}

// ParsePointeeAEADTypes decodes a 0xff04 payload of at most
// MaxExtensionSize bytes and MaxPointeeAEADTypes entries; nil for an
// empty list. Unknown values are kept (a newer client may list AEADs this
// package does not know).
func ParsePointeeAEADTypes(payload []byte) ([]AEADType, error) {
	if err := checkExtensionSize(payload, "pointee AEAD types"); err != nil {
		return nil, err
	}
	raw, err := wire.ParseAEADTypes(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: pointee AEAD types extension: %v", ErrMalformed, err)
	}
	if len(raw) == 0 {
		return nil, nil // as if absent: every build reports an empty list the same way
	}
	types := make([]AEADType, len(raw))
	for i, t := range raw {
		types[i] = AEADType(t)
	}
	return types, nil
}

func checkExtensionSize(payload []byte, what string) error {
	if len(payload) > MaxExtensionSize {
		return fmt.Errorf("%w: %s extension of %d bytes exceeds %d", ErrTooLarge, what, len(payload), MaxExtensionSize)
	}
	return nil
}
