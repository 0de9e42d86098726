// Package xmtpnode holds what an XMTP node does with a published welcome
// message (docs/spec.md, section 3): its acceptance rules, the topic it
// delivers the message on, its deduplication key, and the
// xmtp.mls.api.v1.WelcomeMessage a reader gets back. The demo's node
// (web-demo/node) and relay, the bridges' toWelcomeMessage and inputTopic
// and the tests use it to stand in for the network; the core itself
// never needs it.
package xmtpnode

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// ToWelcomeMessage applies the node's acceptance rules to a published
// WelcomeMessageInput and returns the WelcomeMessage a reader gets back,
// with the given id and creation time. Errors wrap core.ErrTooLarge,
// core.ErrMalformed or core.ErrUnsupported.
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
	return bytes.Clone(topic), dedupKey, nil
}

// checkInput parses a WelcomeMessageInput and applies the node's
// acceptance rules (docs/spec.md, section 3).
func checkInput(input []byte) (wire.Envelope, error) {
	if len(input) > core.DefaultMaxMessageSize {
		return wire.Envelope{}, fmt.Errorf("%w: message of %d bytes exceeds %d", core.ErrTooLarge, len(input), core.DefaultMaxMessageSize)
	}
	env, err := wire.ParseInput(input)
	if err != nil {
		return env, fmt.Errorf("%w: welcome message input: %v", core.ErrMalformed, err)
	}
	if err := wire.CheckInput(env); errors.Is(err, wire.ErrWrapperAlgorithm) {
		return env, fmt.Errorf("%w: %v", core.ErrUnsupported, err)
	} else if err != nil {
		return env, fmt.Errorf("%w: %v", core.ErrMalformed, err)
	}
	return env, nil
}
