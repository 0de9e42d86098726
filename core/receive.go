package core

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

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

// Form says which protobuf a message to open is encoded as.
type Form uint8

const (
	// FormMessage is an xmtp.mls.api.v1.WelcomeMessage, as read back from
	// the network (with its id and created_ns): the default.
	FormMessage Form = 0
	// FormInput is an xmtp.mls.api.v1.WelcomeMessageInput, as published.
	FormInput Form = 1
)

func (f Form) String() string {
	switch f {
	case FormMessage:
		return "message"
	case FormInput:
		return "input"
	}
	return fmt.Sprintf("Form(%d)", uint8(f))
}

// OpenOptions tune opening. The zero value (or nil) is the default.
type OpenOptions struct {
	// MaxMessageSize refuses larger messages before any decryption; zero
	// means DefaultMaxMessageSize.
	MaxMessageSize int
	// Form is the encoding of the message to open: FormMessage (the
	// default) or FormInput.
	Form Form
}

func (o *OpenOptions) maxSize() int {
	if o == nil || o.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return o.MaxMessageSize
}

// OpenWelcome opens a welcome message with whichever of keys it is
// addressed to: as read back from the network (an encoded
// xmtp.mls.api.v1.WelcomeMessage), or as published with opts.Form
// FormInput (an encoded WelcomeMessageInput).
func OpenWelcome(message []byte, keys []*PrivateKey, opts *OpenOptions) (*Received, error) {
	env, err := parseEnvelope(message, opts, "welcome message", "welcome message input")
	if err != nil {
		return nil, err
	}
	return openEnvelope(env, keys)
}

func openEnvelope(env wire.Envelope, keys []*PrivateKey) (*Received, error) {
	if env.Pointer != nil {
		return openPointerMessage(env.Pointer, keys)
	}
	if env.V1 == nil {
		return nil, fmt.Errorf("%w: no version", ErrMalformed)
	}
	return openDirect(env.V1, keys)
}

// findKey picks the key whose public key equals pub, comparing in
// constant time and looking at every key.
func findKey(keys []*PrivateKey, alg Algorithm, pub []byte) *PrivateKey {
	var found *PrivateKey
	for _, k := range keys {
		if k != nil && k.alg == alg && len(k.pub) == len(pub) && hpke.EqualPublicKeys(k.pub, pub) && found == nil {
			found = k
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

// openHPKE opens a TLS HpkeCiphertext; on success the returned recipient
// context can open the following messages of the sequence.
func openHPKE(k *PrivateKey, sealed []byte) ([]byte, *hpke.Recipient, uint16, error) {
	kemOutput, ct, err := wire.ParseHpkeCiphertext(sealed)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%w: HPKE ciphertext: %v", ErrMalformed, err)
	}
	want := hpke.EncapsulationSize(kemCandidates(k.alg)[0])
	if len(kemOutput) != want {
		return nil, nil, 0, fmt.Errorf("%w: HPKE encapsulation must be %d bytes, got %d", ErrMalformed, want, len(kemOutput))
	}
	if len(ct) < hpke.TagSize {
		return nil, nil, 0, fmt.Errorf("%w: HPKE ciphertext shorter than its tag", ErrMalformed)
	}
	expanded, err := k.expand()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%w: %v private key", ErrInvalidKey, k.alg)
	}
	// Both X-Wing suite ids share the KEM: decapsulate once, then try
	// each id's key schedule, the deployed one first.
	ss, err := expanded.Decapsulate(kemOutput)
	if err != nil {
		return nil, nil, 0, ErrDecrypt
	}
	defer clear(ss) // the KEM's shared secret: the key schedules have it
	for _, id := range kemCandidates(k.alg) {
		r, err := hpke.NewRecipientFromSecret(id, ss, hpke.WelcomeInfo)
		if err != nil {
			continue
		}
		pt, err := r.Open(nil, ct)
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

func openDirect(v *wire.V1, keys []*PrivateKey) (*Received, error) {
	alg := Algorithm(v.WrapperAlgorithm)
	switch alg {
	case AlgorithmXWing, AlgorithmCurve25519:
	case AlgorithmSymmetricKey:
		return nil, fmt.Errorf("%w: this is a pointee; open it with OpenPointee", ErrUnsupported)
	default:
		return nil, fmt.Errorf("%w: wrapper algorithm %v", ErrUnsupported, alg)
	}
	if len(v.HpkePublicKey) == 0 {
		return nil, fmt.Errorf("%w: empty HPKE public key", ErrMalformed)
	}
	k := findKey(keys, alg, v.HpkePublicKey)
	if k == nil {
		return nil, ErrNoMatchingKey
	}
	welcome, r, id, err := openHPKE(k, v.Data)
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

func openPointerMessage(p *wire.Pointer, keys []*PrivateKey) (*Received, error) {
	if alg := Algorithm(p.WrapperAlgorithm); alg != AlgorithmXWing {
		return nil, fmt.Errorf("%w: pointer wrapper algorithm %v", ErrUnsupported, alg)
	}
	if len(p.WelcomePointer) > maxSealedPointerSize {
		return nil, fmt.Errorf("%w: sealed pointer of %d bytes", ErrTooLarge, len(p.WelcomePointer))
	}
	if len(p.HpkePublicKey) == 0 {
		return nil, fmt.Errorf("%w: empty HPKE public key", ErrMalformed)
	}
	k := findKey(keys, AlgorithmXWing, p.HpkePublicKey)
	if k == nil {
		return nil, ErrNoMatchingKey
	}
	plain, r, id, err := openHPKE(k, p.WelcomePointer)
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
// (an encoded WelcomeMessage, or with opts.Form FormInput the published
// WelcomeMessageInput): never a later one, since anyone can publish
// there. Pointees over the size limit are refused before decryption.
// IsFinal tells the errors that retrying cannot fix from those worth
// retrying on the schedule.
func OpenPointee(ptr *Pointer, firstMessage []byte, opts *OpenOptions) (*OpenedPointee, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: nil pointer", ErrInvalidArgument)
	}
	if err := ptr.validate(); err != nil {
		return nil, err
	}
	if err := opts.checkForm(); err != nil {
		return nil, err
	}
	if len(firstMessage) == 0 {
		return nil, fmt.Errorf("%w: empty pointee message", ErrMalformed)
	}
	env, err := parseEnvelope(firstMessage, opts, "pointee", "pointee")
	if err != nil {
		return nil, err
	}
	return openPointeeV1(ptr, env)
}

func (o *OpenOptions) form() Form {
	if o == nil {
		return FormMessage
	}
	return o.Form
}

func (o *OpenOptions) checkForm() error {
	if f := o.form(); f != FormMessage && f != FormInput {
		return fmt.Errorf("%w: form %d (want FormMessage or FormInput)", ErrInvalidArgument, uint8(f))
	}
	return nil
}

// parseEnvelope refuses a message over the size limit before parsing it
// in opts' form (the network's or the published one); what names it in
// errors.
func parseEnvelope(message []byte, opts *OpenOptions, what, whatInput string) (wire.Envelope, error) {
	if err := opts.checkForm(); err != nil {
		return wire.Envelope{}, err
	}
	parse := wire.ParseMessage
	if opts.form() == FormInput {
		parse, what = wire.ParseInput, whatInput
	}
	if len(message) > opts.maxSize() {
		return wire.Envelope{}, fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrTooLarge, what, len(message), opts.maxSize())
	}
	env, err := parse(message)
	if err != nil {
		return env, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return env, nil
}

func openPointeeV1(ptr *Pointer, env wire.Envelope) (*OpenedPointee, error) {
	if env.Pointer != nil {
		return nil, fmt.Errorf("%w: the first message on the topic is a pointer", ErrNotPointee)
	}
	v := env.V1
	if v == nil {
		return nil, fmt.Errorf("%w: pointee: no version", ErrMalformed)
	}
	if Algorithm(v.WrapperAlgorithm) != AlgorithmSymmetricKey {
		return nil, fmt.Errorf("%w: wrapper algorithm %v", ErrNotPointee, Algorithm(v.WrapperAlgorithm))
	}
	if !bytes.Equal(v.InstallationKey, ptr.Destination) {
		return nil, fmt.Errorf("%w: its installation key is not the pointer's destination", ErrNotPointee)
	}
	// The deployed client rejects a pointee without metadata.
	if len(v.WelcomeMetadata) < chacha20poly1305.Overhead || len(v.Data) < chacha20poly1305.Overhead {
		return nil, fmt.Errorf("%w: pointee fields shorter than a tag", ErrMalformed)
	}
	aead, err := chacha20poly1305.New(ptr.EncryptionKey)
	if err != nil {
		return nil, ErrDecrypt
	}
	welcome, err := aead.Open(nil, ptr.DataNonce, v.Data, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	md, err := aead.Open(nil, ptr.WelcomeMetadataNonce, v.WelcomeMetadata, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	out := &OpenedPointee{Welcome: welcome}
	if len(md) > 0 {
		if out.Cursor, err = wire.ParseWelcomeMetadata(md); err != nil {
			return nil, fmt.Errorf("%w: pointee metadata: %v", ErrMalformed, err)
		}
		out.HasCursor = true
	}
	return out, nil
}
