package core

import (
	"fmt"
	"io"

	"github.com/welcome-pointers/wasm/core/internal/hpke"
)

// The KEM done by the caller: a browser's WebCrypto runs X-Wing
// (MLKEM768-X25519) natively, several times faster than WebAssembly, so
// the browser module hands it the encapsulations of an invite and the
// decapsulation of a message, while the HPKE key schedule, the AEAD and
// the framing stay here: the bytes are those of SealPointers and
// OpenWelcome. Opening in two steps is SealedWelcome (receive.go).

// KEMSharedSecretSize is the size of an Encapsulation's shared secret
// (its ciphertext is XWingEncapsulationSize).
const KEMSharedSecretSize = hpke.SharedSecretSize

// Encapsulation is one X-Wing (draft 06) encapsulation to an
// installation's public key, made by the caller. The shared secret is a
// secret: the core clears its copy once used, and so should the caller.
type Encapsulation struct {
	// SharedSecret is the 32-byte KEM shared secret.
	SharedSecret []byte
	// Ciphertext is the 1,120-byte encapsulation: the ML-KEM-768
	// ciphertext, then the ephemeral X25519 public key.
	Ciphertext []byte
}

// SealPointersEncapsulated is SealPointers with the X-Wing encapsulations
// made by the caller: encs[i] encapsulates to
// installations[i].WrapperPublicKey. An empty Encapsulation (both fields
// nil) leaves that installation to the core, which encapsulates as
// SealPointers does: a caller whose KEM refused a key gets the core's
// answer for it. The core still refuses every key SealPointers refuses,
// with the same error (the keys are checked before any encapsulation is
// used), so both ways seal the same installations. With the encapsulations
// SealPointers would make, the messages are byte for byte the same.
func SealPointersEncapsulated(ptr *Pointer, installations []Installation, encs []Encapsulation, opts *SealOptions) ([]OutgoingMessage, error) {
	if encs == nil {
		encs = []Encapsulation{}
	}
	return sealPointers(ptr, installations, encs, opts)
}

// checkEncapsulations checks encs against installations, after
// SealPointers' own checks (which refuse every key its encapsulation
// would): one per installation, of the right sizes.
func checkEncapsulations(encs []Encapsulation, installations []Installation) error {
	if encs == nil {
		return nil
	}
	if len(encs) != len(installations) {
		return fmt.Errorf("%w: %d encapsulations for %d installations", ErrInvalidArgument, len(encs), len(installations))
	}
	for i := range encs {
		e := &encs[i]
		if e.empty() {
			continue
		}
		if len(e.SharedSecret) != KEMSharedSecretSize || len(e.Ciphertext) != XWingEncapsulationSize {
			return fmt.Errorf("%w: encapsulation %d: a shared secret of %d bytes and a ciphertext of %d, want %d and %d",
				ErrInvalidArgument, i, len(e.SharedSecret), len(e.Ciphertext), KEMSharedSecretSize, XWingEncapsulationSize)
		}
	}
	return nil
}

func (e *Encapsulation) empty() bool { return e.SharedSecret == nil && e.Ciphertext == nil }

// encapsulationFor is the caller's encapsulation for installation i, or
// nil for the core to make one.
func encapsulationFor(encs []Encapsulation, i int) *Encapsulation {
	if encs == nil || encs[i].empty() {
		return nil
	}
	return &encs[i]
}

// newSender appends the ciphertext to dst and runs the key schedule on
// the shared secret, which it then clears (as NewSenderAppend does its
// own).
func (e *Encapsulation) newSender(dst []byte, kemID uint16) ([]byte, *hpke.Sender, error) {
	s, err := hpke.NewSenderFromSecret(kemID, e.SharedSecret, hpke.WelcomeInfo)
	clear(e.SharedSecret)
	if err != nil {
		return nil, nil, err
	}
	return append(dst, e.Ciphertext...), s, nil
}

// XWingSample returns a fresh random X-Wing key (its seed and public key)
// and an encapsulation to it, made by this build's X-Wing: throwaway
// values for a caller to check another X-Wing implementation against the
// core's (the same public key from the seed, the same secret from the
// ciphertext) before handing its encapsulations to
// SealPointersEncapsulated.
func XWingSample() (seed, publicKey []byte, enc Encapsulation, err error) {
	seed, publicKey, err = hpke.GenerateKey(hpke.KEMXWing, nil)
	if err != nil {
		return nil, nil, Encapsulation{}, err
	}
	enc.SharedSecret, enc.Ciphertext, err = hpke.XWingEncapsulate(publicKey, nil)
	return seed, publicKey, enc, err
}

// XWingEncapsulate encapsulates to an X-Wing public key with this build's
// X-Wing (circl's natively), drawing its 64 bytes of randomness from rand
// (nil: crypto/rand): an Encapsulation for a SealPointersEncapsulated run
// elsewhere, for example by a Go host in the WebAssembly module, which
// then seals what SealPointers would with the same randomness. A key that
// is not an X-Wing public key, or that the KEM refuses, is ErrInvalidKey;
// SealPointers refuses it the same way.
func XWingEncapsulate(publicKey []byte, rand io.Reader) (Encapsulation, error) {
	if err := checkKeyShape(AlgorithmXWing, publicKey); err != nil {
		return Encapsulation{}, err
	}
	ss, ct, err := hpke.XWingEncapsulate(publicKey, rand)
	if err != nil {
		return Encapsulation{}, hpkeSendError(err)
	}
	return Encapsulation{SharedSecret: ss, Ciphertext: ct}, nil
}
