package wire

import (
	"errors"
	"fmt"
)

// ErrWrapperAlgorithm marks the one acceptance rule whose breach is an
// unsupported algorithm rather than a malformed message: a pointer
// wrapped with anything but X-Wing.
var ErrWrapperAlgorithm = errors.New("pointer wrapper algorithm is not X-Wing")

// CheckInput applies a node's acceptance rules (docs/spec.md, section 3)
// to a parsed WelcomeMessageInput: what core.Inspect checks of an input
// and what package xmtpnode refuses to store. An error wraps
// ErrWrapperAlgorithm, or says what is missing.
func CheckInput(env Envelope) error {
	if v := env.V1; v != nil {
		switch {
		case len(v.InstallationKey) == 0 || len(v.Data) == 0:
			return errors.New("V1 needs an installation key and data")
		case len(v.HpkePublicKey) == 0 && v.WrapperAlgorithm != AlgorithmSymmetricKey:
			return errors.New("V1 without an HPKE public key must be a pointee")
		}
		return nil
	}
	p := env.Pointer
	switch {
	case p == nil:
		return errors.New("no version")
	case len(p.InstallationKey) == 0 || len(p.WelcomePointer) == 0 || len(p.HpkePublicKey) == 0:
		return errors.New("pointer needs an installation key, a sealed pointer and an HPKE public key")
	case p.WrapperAlgorithm != AlgorithmXWing:
		return fmt.Errorf("%w: %d", ErrWrapperAlgorithm, p.WrapperAlgorithm)
	}
	return nil
}
