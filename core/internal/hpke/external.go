package hpke

import (
	"io"

	"github.com/welcome-pointers/wasm/core/internal/xwing"
)

// NewSenderFromSecret builds a sender context from a KEM shared secret
// produced outside this package (an X-Wing encapsulation done by a
// browser's WebCrypto): the key schedule is NewSender's, so a sender
// holding the same secret seals the same bytes. The encapsulated key is
// the caller's to send.
func NewSenderFromSecret(kemID uint16, sharedSecret, info []byte) (*Sender, error) {
	if _, err := kemFor(kemID); err != nil {
		return nil, err
	}
	if len(sharedSecret) != SharedSecretSize {
		return nil, ErrInvalidEncapsulation
	}
	c, err := keySchedule(kemID, sharedSecret, info)
	if err != nil {
		return nil, err
	}
	return &Sender{c: c, suite: suiteID(kemID)}, nil
}

// SharedSecretSize is the KEM shared secret length of both KEMs.
const SharedSecretSize = xwing.SharedKeySize

// XWingEncapsulate encapsulates to an X-Wing public key with this build's
// X-Wing, drawing the 64 bytes of randomness from rand (nil:
// crypto/rand), and returns the shared secret and the ciphertext.
func XWingEncapsulate(publicKey []byte, rand io.Reader) (sharedSecret, ciphertext []byte, err error) {
	if rand == nil {
		rand = defaultRand
	}
	return xwingKEM{}.encap(nil, publicKey, rand)
}
