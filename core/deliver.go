package core

import (
	"crypto/sha256"
	"fmt"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// ToWelcomeMessage does what a network node does with a published
// WelcomeMessageInput: it applies the node's acceptance rules and returns
// the WelcomeMessage a reader gets back, with the given id and creation
// time. Relays and tests use it to stand in for the network.
func ToWelcomeMessage(input []byte, id, createdNs uint64) ([]byte, error) {
	env, err := checkInput(input)
	if err != nil {
		return nil, err
	}
	if env.V1 != nil {
		env.V1.ID, env.V1.CreatedNs = id, createdNs
	} else {
		env.Pointer.ID, env.Pointer.CreatedNs = id, createdNs
	}
	return wire.AppendMessage(make([]byte, 0, len(input)+24), env), nil
}

// InputTopic returns the topic a published WelcomeMessageInput is
// delivered on (its installation key) and the node's deduplication key,
// sha256(installation_key || data), after the node's acceptance rules.
func InputTopic(input []byte) (topic []byte, dedupKey [32]byte, err error) {
	env, err := checkInput(input)
	if err != nil {
		return nil, dedupKey, err
	}
	h := sha256.New()
	if env.V1 != nil {
		topic = env.V1.InstallationKey
		h.Write(env.V1.InstallationKey)
		h.Write(env.V1.Data)
	} else {
		topic = env.Pointer.InstallationKey
		h.Write(env.Pointer.InstallationKey)
		h.Write(env.Pointer.WelcomePointer)
	}
	h.Sum(dedupKey[:0])
	return clone(topic), dedupKey, nil
}

// checkInput parses a WelcomeMessageInput and applies the node-side
// acceptance rules (spec section 3).
func checkInput(input []byte) (wire.Envelope, error) {
	if len(input) > DefaultMaxMessageSize {
		return wire.Envelope{}, fmt.Errorf("%w: message of %d bytes exceeds %d", ErrTooLarge, len(input), DefaultMaxMessageSize)
	}
	env, err := wire.ParseInput(input)
	if err != nil {
		return env, fmt.Errorf("%w: welcome message input: %v", ErrMalformed, err)
	}
	if v := env.V1; v != nil {
		switch {
		case len(v.InstallationKey) == 0 || len(v.Data) == 0:
			return env, fmt.Errorf("%w: V1 needs an installation key and data", ErrMalformed)
		case len(v.HpkePublicKey) == 0 && Algorithm(v.WrapperAlgorithm) != AlgorithmSymmetricKey:
			return env, fmt.Errorf("%w: V1 without an HPKE public key must be a pointee", ErrMalformed)
		}
		return env, nil
	}
	p := env.Pointer
	switch {
	case len(p.InstallationKey) == 0 || len(p.WelcomePointer) == 0 || len(p.HpkePublicKey) == 0:
		return env, fmt.Errorf("%w: pointer needs an installation key, a sealed pointer and an HPKE public key", ErrMalformed)
	case Algorithm(p.WrapperAlgorithm) != AlgorithmXWing:
		return env, fmt.Errorf("%w: pointer wrapper algorithm %v", ErrUnsupported, Algorithm(p.WrapperAlgorithm))
	}
	return env, nil
}
