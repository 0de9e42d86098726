package core

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// Kinds of message Inspect understands.
const (
	InspectAuto                = "auto"
	InspectWelcomeMessage      = "welcome_message"
	InspectWelcomeMessageInput = "welcome_message_input"
	InspectWelcomePointer      = "welcome_pointer"
	InspectHpkeCiphertext      = "hpke_ciphertext"
	InspectWrapperEncryption   = "wrapper_encryption"
	InspectAEADTypes           = "pointee_aead_types"
	InspectWelcomeMetadata     = "welcome_metadata"
)

// autoOrder is tried by InspectAuto, most specific first.
var autoOrder = []string{
	InspectHpkeCiphertext,
	InspectWelcomeMessage,
	InspectWelcomeMessageInput,
	InspectWelcomePointer,
}

// Inspect decodes b as the given kind of message into a JSON-friendly
// view: bytes as hex strings (secret fields included: the caller asked),
// enums by name. InspectAuto tries the welcome message forms, the sealed
// HPKE ciphertext and the pointer plaintext, and names the kind it found
// in the "kind" field. Nothing is decrypted.
func Inspect(kind string, b []byte) (map[string]any, error) {
	if max := InspectMaxSize(kind); len(b) > max {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrTooLarge, len(b), max)
	}
	if kind == InspectAuto || kind == "" {
		var firstErr error
		for _, k := range autoOrder {
			v, err := inspectKind(k, b)
			if err == nil {
				return v, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return nil, fmt.Errorf("%w: not a welcome message, welcome message input, sealed HPKE ciphertext or welcome pointer", ErrMalformed)
	}
	return inspectKind(kind, b)
}

// InspectMaxSize is the largest input Inspect reads as kind: larger input
// is ErrTooLarge before it is read.
func InspectMaxSize(kind string) int {
	switch kind {
	case InspectWrapperEncryption, InspectAEADTypes:
		return MaxExtensionSize
	case InspectWelcomePointer:
		return MaxPointerSize
	}
	return DefaultMaxMessageSize
}

func inspectKind(kind string, b []byte) (map[string]any, error) {
	out := map[string]any{"kind": kind, "size": len(b)}
	switch kind {
	case InspectWelcomeMessage, InspectWelcomeMessageInput:
		var env wire.Envelope
		var err error
		if kind == InspectWelcomeMessage {
			env, err = wire.ParseMessage(b)
		} else if env, err = wire.ParseInput(b); err == nil {
			// An input is shown as a node would take it.
			if err = wire.CheckInput(env); errors.Is(err, wire.ErrWrapperAlgorithm) {
				return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
			}
		}
		if err != nil {
			return nil, malformed(err)
		}
		if v := env.V1; v != nil {
			if !plausibleAlgorithm(v.WrapperAlgorithm) {
				return nil, fmt.Errorf("%w: unknown wrapper algorithm %d", ErrMalformed, v.WrapperAlgorithm)
			}
			m := map[string]any{
				"installationKey":  hexBytes(v.InstallationKey),
				"data":             describeBytes(v.Data),
				"hpkePublicKey":    describeBytes(v.HpkePublicKey),
				"wrapperAlgorithm": Algorithm(v.WrapperAlgorithm).String(),
				"welcomeMetadata":  describeBytes(v.WelcomeMetadata),
			}
			if kind == InspectWelcomeMessage {
				m["id"], m["createdNs"] = fmt.Sprint(v.ID), fmt.Sprint(v.CreatedNs)
			}
			if Algorithm(v.WrapperAlgorithm) == AlgorithmSymmetricKey {
				out["version"] = "v1 (pointee)"
			} else {
				out["version"] = "v1 (direct welcome)"
				if kem, ct, err := wire.ParseHpkeCiphertext(v.Data); err == nil {
					m["dataHpke"] = map[string]any{"kemOutputSize": len(kem), "ciphertextSize": len(ct)}
				}
			}
			out["v1"] = m
			return out, nil
		}
		p := env.Pointer
		if !plausibleAlgorithm(p.WrapperAlgorithm) {
			return nil, fmt.Errorf("%w: unknown wrapper algorithm %d", ErrMalformed, p.WrapperAlgorithm)
		}
		m := map[string]any{
			"installationKey":  hexBytes(p.InstallationKey),
			"welcomePointer":   describeBytes(p.WelcomePointer),
			"hpkePublicKey":    describeBytes(p.HpkePublicKey),
			"wrapperAlgorithm": Algorithm(p.WrapperAlgorithm).String(),
		}
		if kind == InspectWelcomeMessage {
			m["id"], m["createdNs"] = fmt.Sprint(p.ID), fmt.Sprint(p.CreatedNs)
		}
		out["version"] = "welcome pointer"
		out["welcomePointer"] = m
		return out, nil
	case InspectWelcomePointer:
		p, err := ParsePointer(b)
		if err != nil {
			return nil, err
		}
		out["welcomeV1Pointer"] = map[string]any{
			"destination":          hexBytes(p.Destination),
			"aeadType":             p.AEADType.String(),
			"encryptionKey":        hexBytes(p.EncryptionKey),
			"dataNonce":            hexBytes(p.DataNonce),
			"welcomeMetadataNonce": hexBytes(p.WelcomeMetadataNonce),
		}
		return out, nil
	case InspectHpkeCiphertext:
		kem, ct, err := wire.ParseHpkeCiphertext(b)
		if err != nil {
			return nil, malformed(err)
		}
		if len(kem) != XWingEncapsulationSize && len(kem) != Curve25519PublicKeySize {
			return nil, fmt.Errorf("%w: KEM output of %d bytes fits no KEM", ErrMalformed, len(kem))
		}
		alg := AlgorithmXWing
		if len(kem) == Curve25519PublicKeySize {
			alg = AlgorithmCurve25519
		}
		out["kemOutput"] = describeBytes(kem)
		out["ciphertext"] = describeBytes(ct)
		out["algorithm"] = alg.String()
		return out, nil
	case InspectWrapperEncryption:
		pub, alg, err := wire.ParseWrapperEncryption(b)
		if err != nil {
			return nil, malformed(err)
		}
		out["pubKey"] = describeBytes(pub)
		out["algorithm"] = Algorithm(alg).String()
		return out, nil
	case InspectAEADTypes:
		types, err := ParsePointeeAEADTypes(b)
		if err != nil {
			return nil, err
		}
		names := make([]any, len(types))
		for i, t := range types {
			names[i] = t.String()
		}
		out["supportedAeadTypes"] = names
		return out, nil
	case InspectWelcomeMetadata:
		c, err := wire.ParseWelcomeMetadata(b)
		if err != nil {
			return nil, malformed(err)
		}
		out["messageCursor"] = fmt.Sprint(c)
		return out, nil
	}
	return nil, fmt.Errorf("%w: unknown message kind %q", ErrInvalidArgument, kind)
}

// XWingEncapsulationSize is the size of an X-Wing HPKE kem_output.
const XWingEncapsulationSize = 1120

func plausibleAlgorithm(a int32) bool {
	return a >= int32(AlgorithmCurve25519) && a <= int32(AlgorithmSymmetricKey)
}

func malformed(err error) error {
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrTooLarge) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

func hexBytes(b []byte) string { return hex.EncodeToString(b) }

// describeBytes shows short fields whole and long ones by size and prefix.
func describeBytes(b []byte) map[string]any {
	const show = 64
	m := map[string]any{"size": len(b)}
	if len(b) <= show {
		m["hex"] = hex.EncodeToString(b)
	} else {
		m["hexPrefix"] = hex.EncodeToString(b[:show])
	}
	return m
}
