package hpke

import (
	"crypto/ecdh"
	"fmt"
	"io"
)

// PrivateKey is a recipient key expanded once, so that opening many
// messages does not derive the key from its seed each time (for X-Wing
// that derivation costs as much as a decapsulation).
type PrivateKey struct {
	kemID uint16
	pub   []byte
	xwing xwingPrivateKey
	x     *ecdh.PrivateKey
}

// NewPrivateKey expands a private key for kemID (an X-Wing key is its
// 32-byte seed; both X-Wing ids give the same key).
func NewPrivateKey(kemID uint16, privateKey []byte) (*PrivateKey, error) {
	switch kemID {
	case KEMX25519:
		if len(privateKey) != X25519KeySize {
			return nil, ErrInvalidKey
		}
		sk, err := ecdh.X25519().NewPrivateKey(privateKey)
		if err != nil {
			return nil, ErrInvalidKey
		}
		return &PrivateKey{kemID: kemID, x: sk, pub: sk.PublicKey().Bytes()}, nil
	case KEMXWing, KEMXWingDeployed:
		if len(privateKey) != XWingPrivateKeySize {
			return nil, ErrInvalidKey
		}
		sk, pub, err := xwingNewPrivateKey(privateKey)
		if err != nil {
			return nil, ErrInvalidKey
		}
		return &PrivateKey{kemID: KEMXWingDeployed, xwing: sk, pub: pub}, nil
	}
	return nil, ErrUnsupportedKEM
}

// Clear zeroes what it can of the key: the X-Wing seed, X25519 secret
// and ML-KEM rejection secret (see xwing.PrivateKey.Clear). The X25519
// KEM's key belongs to crypto/ecdh, which offers no way to clear it: it
// is dropped for the garbage collector. Decapsulate fails after.
func (k *PrivateKey) Clear() {
	k.xwing.clear()
	k.xwing = xwingPrivateKey{}
	k.x = nil
}

// String never prints the secret.
func (k PrivateKey) String() string { return fmt.Sprintf("hpke.PrivateKey(KEM %#04x)", k.kemID) }

// GoString never prints the secret.
func (k PrivateKey) GoString() string { return k.String() }

// Format prints String for every verb.
func (k PrivateKey) Format(f fmt.State, verb rune) { io.WriteString(f, k.String()) }

// PublicKey returns the key's public key; the caller must not modify it.
func (k *PrivateKey) PublicKey() []byte { return k.pub }

// Decapsulate recovers the KEM shared secret from enc. X-Wing never fails
// here for a well-sized enc (implicit rejection): a wrong enc gives a
// wrong secret, which the AEAD then rejects.
func (k *PrivateKey) Decapsulate(enc []byte) ([]byte, error) {
	if k.x != nil {
		if len(enc) != X25519KeySize {
			return nil, ErrInvalidEncapsulation
		}
		pkE, err := ecdh.X25519().NewPublicKey(enc)
		if err != nil {
			return nil, ErrInvalidEncapsulation
		}
		dh, err := k.x.ECDH(pkE)
		if err != nil {
			return nil, ErrOpen
		}
		defer clear(dh)
		kemContext := append(append(make([]byte, 0, 64), enc...), k.pub...)
		return dhkemX25519{}.extractAndExpand(dh, kemContext)
	}
	if len(enc) != XWingEncapsulationSize {
		return nil, ErrInvalidEncapsulation
	}
	ss, err := k.xwing.decapsulate(enc)
	if err != nil {
		return nil, ErrInvalidEncapsulation
	}
	return ss, nil
}

// NewRecipientFromSecret builds a recipient context from a shared secret
// that Decapsulate returned. Both X-Wing suite ids share the KEM, so a
// receiver decapsulates once and tries each id's key schedule.
func NewRecipientFromSecret(kemID uint16, sharedSecret, info []byte) (*Recipient, error) {
	if _, err := kemFor(kemID); err != nil {
		return nil, err
	}
	c, err := keySchedule(kemID, sharedSecret, info)
	if err != nil {
		return nil, err
	}
	return &Recipient{c: c, suite: suiteID(kemID)}, nil
}
