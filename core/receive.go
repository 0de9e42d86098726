package core

import (
	"fmt"

	"github.com/welcome-pointers/wasm/core/internal/hpke"
	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// maxSealedPointerSize bounds a sealed pointer before any cryptography:
// a real one is about 1,240 bytes.
const maxSealedPointerSize = 64 << 10

// Received is an opened welcome message.
type Received struct {
	// Kind is KindDirect or KindPointer.
	Kind MessageKind
	// ID and CreatedNs come from the network (zero for the input form).
	ID, CreatedNs uint64
	// InstallationKey is the installation the message was addressed to.
	InstallationKey []byte
	// KEMID is the X-Wing suite id that opened the message (0 for CURVE25519).
	KEMID KEMID

	// Welcome and Cursor are set for a direct welcome. HasCursor is false
	// when the message carried no metadata.
	Welcome   []byte
	Cursor    uint64
	HasCursor bool

	// Pointer is set for a pointer: fetch the first message on
	// Pointer.Topic() and open it with OpenPointee.
	Pointer *Pointer
}

// OpenOptions tune opening. The zero value (or nil) is the default.
type OpenOptions struct {
	// MaxMessageSize refuses larger messages before any decryption; zero
	// means DefaultMaxMessageSize.
	MaxMessageSize int
}

func (o *OpenOptions) maxSize() int {
	if o == nil || o.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return o.MaxMessageSize
}

// OpenWelcome opens a welcome message as read back from the network (an
// encoded xmtp.mls.api.v1.WelcomeMessage) with whichever of keys it is
// addressed to.
func OpenWelcome(message []byte, keys []*PrivateKey, opts *OpenOptions) (*Received, error) {
	w, err := ParseWelcome(message, keys, opts)
	if err != nil {
		return nil, err
	}
	return w.Open(nil)
}

// OpenWelcomeInput opens a welcome message in the form it was published
// (an encoded xmtp.mls.api.v1.WelcomeMessageInput).
func OpenWelcomeInput(message []byte, keys []*PrivateKey, opts *OpenOptions) (*Received, error) {
	w, err := ParseWelcomeInput(message, keys, opts)
	if err != nil {
		return nil, err
	}
	return w.Open(nil)
}

// SealedWelcome is a welcome message parsed and matched to the key it is
// addressed to, not yet decrypted: OpenWelcome in two steps, so that the
// KEM decapsulation can be done between them by the caller (a browser's
// WebCrypto) while the key schedule, the AEAD and the parsing stay here.
type SealedWelcome struct {
	env       wire.Envelope
	key       *PrivateKey
	keyIndex  int
	kemOutput []byte
	ct        []byte
}

// ParseWelcome runs every check of OpenWelcome that comes before the
// decryption (with the same errors): the message is parsed, its key found
// among keys and its HPKE ciphertext's sizes checked.
func ParseWelcome(message []byte, keys []*PrivateKey, opts *OpenOptions) (*SealedWelcome, error) {
	env, err := parseEnvelope(message, opts, wire.ParseMessage, "welcome message")
	if err != nil {
		return nil, err
	}
	return addressed(env, keys)
}

// ParseWelcomeInput is ParseWelcome for the published form (an encoded
// WelcomeMessageInput).
func ParseWelcomeInput(message []byte, keys []*PrivateKey, opts *OpenOptions) (*SealedWelcome, error) {
	env, err := parseEnvelope(message, opts, wire.ParseInput, "welcome message input")
	if err != nil {
		return nil, err
	}
	return addressed(env, keys)
}

// KeyIndex is the index in keys of the key the message is addressed to.
func (w *SealedWelcome) KeyIndex() int { return w.keyIndex }

// Encapsulation is the message's X-Wing encapsulation (1,120 bytes) to
// decapsulate with the key at KeyIndex, or nil for a message wrapped with
// DHKEM(X25519), whose decapsulation the core keeps. The caller must not
// modify it.
func (w *SealedWelcome) Encapsulation() []byte {
	if w.key.alg != AlgorithmXWing {
		return nil
	}
	return w.kemOutput
}

// Open decrypts the message. sharedSecret is the X-Wing decapsulation of
// Encapsulation with the key at KeyIndex, done by the caller, or nil for
// the core to decapsulate (as OpenWelcome does); Open clears it once
// used. A wrong secret fails as a wrong ciphertext does: ErrDecrypt.
func (w *SealedWelcome) Open(sharedSecret []byte) (*Received, error) {
	if sharedSecret != nil && (w.Encapsulation() == nil || len(sharedSecret) != hpke.SharedSecretSize) {
		return nil, fmt.Errorf("%w: a KEM shared secret must be %d bytes, for an X-Wing message", ErrInvalidArgument, hpke.SharedSecretSize)
	}
	if w.env.Pointer != nil {
		return w.openPointer(sharedSecret)
	}
	return w.openDirect(sharedSecret)
}

// addressed finds the key env is addressed to and checks its HPKE
// ciphertext: everything before the decryption.
func addressed(env wire.Envelope, keys []*PrivateKey) (*SealedWelcome, error) {
	var alg Algorithm
	var pub, sealed []byte
	switch {
	case env.Pointer != nil:
		p := env.Pointer
		if alg = Algorithm(p.WrapperAlgorithm); alg != AlgorithmXWing {
			return nil, fmt.Errorf("%w: pointer wrapper algorithm %v", ErrUnsupported, alg)
		}
		if len(p.WelcomePointer) > maxSealedPointerSize {
			return nil, fmt.Errorf("%w: sealed pointer of %d bytes", ErrTooLarge, len(p.WelcomePointer))
		}
		pub, sealed = p.HpkePublicKey, p.WelcomePointer
	case env.V1 != nil:
		v := env.V1
		switch alg = Algorithm(v.WrapperAlgorithm); alg {
		case AlgorithmXWing, AlgorithmCurve25519:
		case AlgorithmSymmetricKey:
			return nil, fmt.Errorf("%w: this is a pointee; open it with OpenPointee", ErrUnsupported)
		default:
			return nil, fmt.Errorf("%w: wrapper algorithm %v", ErrUnsupported, alg)
		}
		pub, sealed = v.HpkePublicKey, v.Data
	default:
		return nil, fmt.Errorf("%w: no version", ErrMalformed)
	}
	if len(pub) == 0 {
		return nil, fmt.Errorf("%w: empty HPKE public key", ErrMalformed)
	}
	i := findKey(keys, alg, pub)
	if i < 0 {
		return nil, ErrNoMatchingKey
	}
	w := &SealedWelcome{env: env, key: keys[i], keyIndex: i}
	kemOutput, ct, err := wire.ParseHpkeCiphertext(sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: HPKE ciphertext: %v", ErrMalformed, err)
	}
	want := hpke.EncapsulationSize(kemCandidates(alg)[0])
	if len(kemOutput) != want {
		return nil, fmt.Errorf("%w: HPKE encapsulation must be %d bytes, got %d", ErrMalformed, want, len(kemOutput))
	}
	if len(ct) < hpke.TagSize {
		return nil, fmt.Errorf("%w: HPKE ciphertext shorter than its tag", ErrMalformed)
	}
	w.kemOutput, w.ct = kemOutput, ct
	return w, nil
}

// findKey returns the index of the key whose public key equals pub, or
// -1, comparing in constant time and looking at every key.
func findKey(keys []*PrivateKey, alg Algorithm, pub []byte) int {
	found := -1
	for i, k := range keys {
		if k != nil && k.alg == alg && len(k.pub) == len(pub) && hpke.EqualPublicKeys(k.pub, pub) && found < 0 {
			found = i
		}
	}
	return found
}

// kemCandidates lists the suite ids to try for a key, deployed first.
func kemCandidates(alg Algorithm) []uint16 {
	if alg == AlgorithmXWing {
		return []uint16{hpke.KEMXWingDeployed, hpke.KEMXWing}
	}
	return []uint16{hpke.KEMX25519}
}

// openHPKE opens the message's HPKE ciphertext with the KEM's shared
// secret, given or decapsulated here; on success the returned recipient
// context can open the following messages of the sequence.
func (w *SealedWelcome) openHPKE(given []byte) ([]byte, *hpke.Recipient, uint16, error) {
	ss := given
	if ss == nil {
		expanded, err := w.key.expand()
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%w: %v private key", ErrInvalidKey, w.key.alg)
		}
		if ss, err = expanded.Decapsulate(w.kemOutput); err != nil {
			return nil, nil, 0, ErrDecrypt
		}
	}
	defer clear(ss) // the KEM's shared secret: the key schedules have it
	// Both X-Wing suite ids share the KEM: decapsulate once, then try
	// each id's key schedule, the deployed one first.
	for _, id := range kemCandidates(w.key.alg) {
		r, err := hpke.NewRecipientFromSecret(id, ss, hpke.WelcomeInfo)
		if err != nil {
			continue
		}
		pt, err := r.Open(nil, w.ct)
		if err != nil {
			r.Clear()
			continue
		}
		return pt, r, id, nil
	}
	return nil, nil, 0, ErrDecrypt
}

func publicID(id uint16) KEMID {
	if id == hpke.KEMX25519 {
		return 0
	}
	return KEMID(id)
}

func (w *SealedWelcome) openDirect(ss []byte) (*Received, error) {
	v := w.env.V1
	welcome, r, id, err := w.openHPKE(ss)
	if err != nil {
		return nil, err
	}
	defer r.Clear()
	rec := &Received{
		Kind: KindDirect, ID: v.ID, CreatedNs: v.CreatedNs,
		InstallationKey: clone(v.InstallationKey), KEMID: publicID(id), Welcome: welcome,
	}
	// Metadata is optional on direct welcomes, but when present it must
	// open with seal #1 of the same context, or the whole welcome fails.
	if len(v.WelcomeMetadata) > 0 {
		md, err := r.Open(nil, v.WelcomeMetadata)
		if err != nil {
			return nil, ErrDecrypt
		}
		if rec.Cursor, err = wire.ParseWelcomeMetadata(md); err != nil {
			return nil, fmt.Errorf("%w: welcome metadata: %v", ErrMalformed, err)
		}
		rec.HasCursor = true
	}
	return rec, nil
}

func (w *SealedWelcome) openPointer(ss []byte) (*Received, error) {
	p := w.env.Pointer
	plain, r, id, err := w.openHPKE(ss)
	if err != nil {
		return nil, err
	}
	r.Clear()
	defer clear(plain) // ParsePointer copies the key and nonces out
	ptr, err := ParsePointer(plain)
	if err != nil {
		return nil, err
	}
	return &Received{
		Kind: KindPointer, ID: p.ID, CreatedNs: p.CreatedNs,
		InstallationKey: clone(p.InstallationKey), KEMID: publicID(id), Pointer: ptr,
	}, nil
}

// OpenedPointee is the Welcome a pointee carried.
type OpenedPointee struct {
	Welcome []byte
	// Cursor is the message cursor; HasCursor is false when the pointee's
	// metadata plaintext was empty (cursor 0).
	Cursor    uint64
	HasCursor bool
}

// OpenPointee opens the pointee that ptr names. firstMessage must be the
// first message on the pointer's topic, as read back from the network
// (an encoded WelcomeMessage): never a later one, since anyone can
// publish there. Pointees over the size limit are refused before
// decryption. ErrNotPointee and ErrDecrypt are final; only a missing
// message is worth retrying.
func OpenPointee(ptr *Pointer, firstMessage []byte, opts *OpenOptions) (*OpenedPointee, error) {
	return openPointee(ptr, firstMessage, opts, wire.ParseMessage)
}

// OpenPointeeInput is OpenPointee for a pointee in its published form
// (an encoded WelcomeMessageInput).
func OpenPointeeInput(ptr *Pointer, firstMessage []byte, opts *OpenOptions) (*OpenedPointee, error) {
	return openPointee(ptr, firstMessage, opts, wire.ParseInput)
}

// parseEnvelope refuses a message over the size limit before parsing it
// with parse (the network's or the published form).
func parseEnvelope(message []byte, opts *OpenOptions, parse func([]byte) (wire.Envelope, error), what string) (wire.Envelope, error) {
	if len(message) > opts.maxSize() {
		return wire.Envelope{}, fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrTooLarge, what, len(message), opts.maxSize())
	}
	env, err := parse(message)
	if err != nil {
		return env, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return env, nil
}

func openPointee(ptr *Pointer, firstMessage []byte, opts *OpenOptions, parse func([]byte) (wire.Envelope, error)) (*OpenedPointee, error) {
	p, err := parsePointee(ptr, firstMessage, opts, parse)
	if err != nil {
		return nil, err
	}
	return p.open(nil)
}
