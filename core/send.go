package core

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/welcome-pointers/wasm/core/internal/hpke"
	"github.com/welcome-pointers/wasm/core/internal/wire"
)

const (
	// MinPointerInstallations is the threshold rule: pointers are used
	// only when at least this many installations are pointer-capable.
	MinPointerInstallations = 3
	// DefaultMaxMessageSize is the network's payload cap (25 MiB).
	DefaultMaxMessageSize = 25 << 20
)

// MessageKind says what an outgoing or received message is.
type MessageKind int

const (
	// KindDirect is a WelcomeMessage V1 HPKE-wrapped to one installation.
	KindDirect MessageKind = iota + 1
	// KindPointee is the symmetric-key encrypted Welcome that pointers name.
	KindPointee
	// KindPointer is an HPKE-wrapped WelcomePointer for one installation.
	KindPointer
)

func (k MessageKind) String() string {
	switch k {
	case KindDirect:
		return "direct"
	case KindPointee:
		return "pointee"
	case KindPointer:
		return "pointer"
	}
	return fmt.Sprintf("MessageKind(%d)", int(k))
}

// OutgoingMessage is one encoded WelcomeMessageInput to publish.
type OutgoingMessage struct {
	Kind MessageKind
	// InstallationKey is the recipient's installation id, or the
	// destination for a pointee.
	InstallationKey []byte
	// Message is the encoded xmtp.mls.api.v1.WelcomeMessageInput.
	Message []byte
}

// Invite is everything to publish for one group addition, in order: the
// pointee first (when pointers are used), then one pointer per capable
// installation, then the direct welcomes.
type Invite struct {
	Messages []OutgoingMessage
	// Destination is the pointee's topic, or nil when no pointers are used.
	Destination []byte
}

// Counts returns how many pointers and direct welcomes the invite has.
func (inv *Invite) Counts() (pointers, direct int) {
	for _, m := range inv.Messages {
		switch m.Kind {
		case KindPointer:
			pointers++
		case KindDirect:
			direct++
		}
	}
	return pointers, direct
}

// Size is the total number of bytes to publish.
func (inv *Invite) Size() int {
	n := 0
	for _, m := range inv.Messages {
		n += len(m.Message)
	}
	return n
}

// SealOptions tune sealing. The zero value (or nil) is the deployed
// client's behavior.
type SealOptions struct {
	// KEMID is the X-Wing KEM id for the HPKE suite_id; zero means
	// KEMXWingDeployed (0x004D).
	KEMID KEMID
	// MaxMessageSize caps each message as receivers read it back (the
	// network's WelcomeMessage form, with the largest id and created_ns a
	// node can add), so that a receiver with the same limit accepts
	// whatever a sender publishes; zero means DefaultMaxMessageSize. It is
	// checked before any encryption.
	MaxMessageSize int
	// Progress, when set, is called after each installation is sealed.
	Progress func(done, total int)

	// rand replaces crypto/rand; set only by tests (export_test.go).
	rand io.Reader
}

func (o *SealOptions) kem() (uint16, error) {
	if o == nil || o.KEMID == 0 {
		return hpke.KEMXWingDeployed, nil
	}
	switch o.KEMID {
	case KEMXWingDeployed, KEMXWing:
		return uint16(o.KEMID), nil
	}
	return 0, fmt.Errorf("%w: X-Wing KEM id %#04x", ErrUnsupported, uint16(o.KEMID))
}

func (o *SealOptions) random() io.Reader {
	if o == nil || o.rand == nil {
		return rand.Reader
	}
	return o.rand
}

func (o *SealOptions) maxSize() int {
	if o == nil || o.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return o.MaxMessageSize
}

// wrapKEM is the HPKE KEM id to wrap to an installation with.
func wrapKEM(alg Algorithm, xwingID uint16) (uint16, error) {
	switch alg {
	case AlgorithmXWing:
		return xwingID, nil
	case AlgorithmCurve25519:
		return hpke.KEMX25519, nil
	}
	return 0, fmt.Errorf("%w: wrapper algorithm %v", ErrUnsupported, alg)
}

func checkInstallation(i int, in *Installation) error {
	if len(in.InstallationKey) == 0 {
		return fmt.Errorf("%w: installation %d: empty installation key", ErrInvalidArgument, i)
	}
	if err := ValidatePublicKey(in.WrapperAlgorithm, in.WrapperPublicKey); err != nil {
		return fmt.Errorf("installation %d: %w", i, err)
	}
	return nil
}

// SealInvite seals welcome (a TLS-serialized MLS Welcome) with its message
// cursor for the given installations. Pointers are used when at least
// MinPointerInstallations are pointer-capable; all others get direct
// welcomes. Nothing is returned unless every installation was sealed.
func SealInvite(welcome []byte, cursor uint64, installations []Installation, opts *SealOptions) (*Invite, error) {
	xwingID, err := opts.kem()
	if err != nil {
		return nil, err
	}
	isCapable, err := CheckInvite(len(welcome), cursor, installations, opts)
	if err != nil {
		return nil, err
	}
	capable := 0
	for _, ok := range isCapable {
		if ok {
			capable++
		}
	}
	usePointers := capable >= MinPointerInstallations
	rnd := opts.random()
	maxSize := opts.maxSize()

	inv := &Invite{Messages: make([]OutgoingMessage, 0, len(installations)+1)}
	var pointerPlain []byte
	if usePointers {
		pointee, ptr, err := sealPointee(welcome, cursor, rnd, maxSize)
		if err != nil {
			return nil, err
		}
		inv.Destination = clone(ptr.Destination)
		inv.Messages = append(inv.Messages, OutgoingMessage{Kind: KindPointee, InstallationKey: clone(ptr.Destination), Message: pointee})
		pointerPlain = ptr.Marshal()
	}
	done := 0
	progress := func() {
		done++
		if opts != nil && opts.Progress != nil {
			opts.Progress(done, len(installations))
		}
	}
	// Pointers first, then direct welcomes, so the pointee and its
	// pointers are published together.
	if usePointers {
		for i := range installations {
			in := &installations[i]
			if !in.PointerCapable() {
				continue
			}
			msg, err := sealPointer(pointerPlain, in, xwingID, nil, rnd, maxSize)
			if err != nil {
				return nil, fmt.Errorf("installation %d: %w", i, err)
			}
			inv.Messages = append(inv.Messages, OutgoingMessage{Kind: KindPointer, InstallationKey: clone(in.InstallationKey), Message: msg})
			progress()
		}
	}
	for i := range installations {
		in := &installations[i]
		if usePointers && in.PointerCapable() {
			continue
		}
		msg, err := sealDirect(welcome, cursor, in, xwingID, rnd, maxSize)
		if err != nil {
			return nil, fmt.Errorf("installation %d: %w", i, err)
		}
		inv.Messages = append(inv.Messages, OutgoingMessage{Kind: KindDirect, InstallationKey: clone(in.InstallationKey), Message: msg})
		progress()
	}
	return inv, nil
}

// SealDirect wraps welcome and its cursor into a WelcomeMessageInput V1
// for one installation, HPKE-sealed to its wrapper key.
func SealDirect(welcome []byte, cursor uint64, in Installation, opts *SealOptions) ([]byte, error) {
	xwingID, err := opts.kem()
	if err != nil {
		return nil, err
	}
	if len(welcome) == 0 {
		return nil, fmt.Errorf("%w: empty welcome", ErrInvalidArgument)
	}
	if err := checkInstallation(0, &in); err != nil {
		return nil, err
	}
	return sealDirect(welcome, cursor, &in, xwingID, opts.random(), opts.maxSize())
}

func sealDirect(welcome []byte, cursor uint64, in *Installation, xwingID uint16, rnd io.Reader, maxSize int) ([]byte, error) {
	if err := checkDirectSize(len(welcome), cursor, in, xwingID, maxSize); err != nil {
		return nil, err
	}
	kemID, _ := wrapKEM(in.WrapperAlgorithm, xwingID)
	data, sender, err := sealHPKE(kemID, in.WrapperPublicKey, nil, welcome, rnd)
	if err != nil {
		return nil, err
	}
	defer sender.Clear()
	// seal #1: the metadata, as raw AEAD output.
	metadata, err := sender.Seal(nil, nil, wire.AppendWelcomeMetadata(nil, cursor))
	if err != nil {
		return nil, err
	}
	v1 := directV1(in)
	v1.Data, v1.WelcomeMetadata = data, metadata
	return wire.AppendInput(make([]byte, 0, wire.InputSizeV1(v1)), wire.Envelope{V1: v1}), nil
}

// Sizes are checked before anything is encrypted: checkSize compares the
// size a receiver reads back (the network form, wire.ReadBackSize*) with
// the sender's limit, so that whatever a sender publishes a receiver with
// the same limit accepts. The check*Size functions size each kind of
// message from the lengths alone.

func checkSize(what string, readBack, maxSize int) error {
	if readBack > maxSize {
		return fmt.Errorf("%w: %s of %d bytes (as read back) exceeds %d", ErrTooLarge, what, readBack, maxSize)
	}
	return nil
}

// directV1 is a direct welcome's V1 without its sealed fields.
func directV1(in *Installation) *wire.V1 {
	return &wire.V1{InstallationKey: in.InstallationKey, HpkePublicKey: in.WrapperPublicKey, WrapperAlgorithm: int32(in.WrapperAlgorithm)}
}

func checkDirectSize(welcomeLen int, cursor uint64, in *Installation, xwingID uint16, maxSize int) error {
	kemID, err := wrapKEM(in.WrapperAlgorithm, xwingID)
	if err != nil {
		return err
	}
	dataLen, err := hpkeCiphertextSize(kemID, welcomeLen)
	if err != nil {
		return err
	}
	metadataLen := wire.SizeWelcomeMetadata(cursor) + hpke.TagSize
	return checkSize("direct welcome", wire.ReadBackSizeV1(directV1(in), dataLen, metadataLen), maxSize)
}

func checkPointeeSize(welcomeLen int, cursor uint64, maxSize int) error {
	const overhead = chacha20poly1305.Overhead
	v1 := &wire.V1{InstallationKey: make([]byte, DestinationSize), WrapperAlgorithm: int32(AlgorithmSymmetricKey)}
	return checkSize("pointee", wire.ReadBackSizeV1(v1, welcomeLen+overhead, wire.SizeWelcomeMetadata(cursor)+overhead), maxSize)
}

// pointerPlainSize is the size of every valid pointer's plaintext.
var pointerPlainSize = len((&Pointer{
	Destination: make([]byte, DestinationSize), AEADType: AEADChaCha20Poly1305, EncryptionKey: make([]byte, PointeeKeySize),
	DataNonce: make([]byte, PointeeNonceSize), WelcomeMetadataNonce: make([]byte, PointeeNonceSize),
}).Marshal())

func pointerMessage(in *Installation) *wire.Pointer {
	return &wire.Pointer{InstallationKey: in.InstallationKey, HpkePublicKey: in.WrapperPublicKey, WrapperAlgorithm: int32(AlgorithmXWing)}
}

func checkPointerSize(plainLen int, in *Installation, xwingID uint16, maxSize int) error {
	sealedLen, err := hpkeCiphertextSize(xwingID, plainLen)
	if err != nil {
		return err
	}
	return checkSize("pointer", wire.ReadBackSizePointer(pointerMessage(in), sealedLen), maxSize)
}

// hpkeCiphertextSize is the size of sealHPKE's output for a plaintext of
// n bytes, or ErrTooLarge when MLS lengths cannot frame it.
func hpkeCiphertextSize(kemID uint16, n int) (int, error) {
	encLen, ctLen := hpke.EncapsulationSize(kemID), n+hpke.TagSize
	if n < 0 || ctLen >= wire.MaxVarint {
		return 0, fmt.Errorf("%w: a plaintext of %d bytes does not fit an HPKE ciphertext (MLS lengths stop below 2^30)", ErrTooLarge, n)
	}
	return wire.HpkeCiphertextSize(encLen, ctLen), nil
}

func newPointer(rnd io.Reader) (*Pointer, error) {
	buf := make([]byte, DestinationSize+PointeeKeySize+2*PointeeNonceSize)
	if _, err := io.ReadFull(rnd, buf); err != nil {
		return nil, fmt.Errorf("welcome pointers: reading randomness: %w", err)
	}
	p := &Pointer{
		Destination:          buf[:32:32],
		AEADType:             AEADChaCha20Poly1305,
		EncryptionKey:        buf[32:64:64],
		DataNonce:            buf[64:76:76],
		WelcomeMetadataNonce: buf[76:88:88],
	}
	// Redraw a nonce equal to the other one. With a real CSPRNG this
	// never loops; a broken reader (constant output) must not hang.
	for tries := 0; bytes.Equal(p.DataNonce, p.WelcomeMetadataNonce); tries++ {
		if tries == 8 {
			return nil, errors.New("welcome pointers: reading randomness: the source repeats itself")
		}
		if _, err := io.ReadFull(rnd, p.WelcomeMetadataNonce); err != nil {
			return nil, fmt.Errorf("welcome pointers: reading randomness: %w", err)
		}
	}
	return p, nil
}

func sealPointee(welcome []byte, cursor uint64, rnd io.Reader, maxSize int) ([]byte, *Pointer, error) {
	if err := checkPointeeSize(len(welcome), cursor, maxSize); err != nil {
		return nil, nil, err
	}
	p, err := newPointer(rnd)
	if err != nil {
		return nil, nil, err
	}
	aead, err := chacha20poly1305.New(p.EncryptionKey)
	if err != nil {
		return nil, nil, err
	}
	msg, err := framePointee(p, aead.Seal(nil, p.DataNonce, welcome, nil), cursor)
	return msg, p, err
}

// framePointee encrypts the metadata and frames the pointee around its
// encrypted Welcome.
func framePointee(p *Pointer, encryptedWelcome []byte, cursor uint64) ([]byte, error) {
	aead, err := chacha20poly1305.New(p.EncryptionKey)
	if err != nil {
		return nil, err
	}
	// The metadata is always encrypted on a pointee, even for cursor 0:
	// the deployed client rejects a pointee without it.
	v1 := &wire.V1{
		InstallationKey:  p.Destination,
		Data:             encryptedWelcome,
		WrapperAlgorithm: int32(AlgorithmSymmetricKey),
		WelcomeMetadata:  aead.Seal(nil, p.WelcomeMetadataNonce, wire.AppendWelcomeMetadata(nil, cursor), nil),
	}
	return wire.AppendInput(make([]byte, 0, wire.InputSizeV1(v1)), wire.Envelope{V1: v1}), nil
}

// sealPointer seals the pointer for one installation, encapsulating to
// its key, or with enc when the caller encapsulated (encap.go).
func sealPointer(pointerPlain []byte, in *Installation, xwingID uint16, enc *Encapsulation, rnd io.Reader, maxSize int) ([]byte, error) {
	if err := checkPointerSize(len(pointerPlain), in, xwingID, maxSize); err != nil {
		return nil, err
	}
	sealed, sender, err := sealHPKE(xwingID, in.WrapperPublicKey, enc, pointerPlain, rnd)
	if err != nil {
		return nil, err
	}
	sender.Clear()
	ptr := pointerMessage(in)
	ptr.WelcomePointer = sealed
	return wire.AppendInput(make([]byte, 0, wire.InputSizePointer(ptr)), wire.Envelope{Pointer: ptr}), nil
}

// sealHPKE is HPKE seal #0 of plaintext to publicKey, serialized as a TLS
// HpkeCiphertext built in place (header, enc, header, ciphertext) in one
// buffer. The sender context is returned for the following seals. enc,
// when not nil, is an encapsulation to publicKey the caller made.
func sealHPKE(kemID uint16, publicKey []byte, enc *Encapsulation, plaintext []byte, rnd io.Reader) ([]byte, *hpke.Sender, error) {
	size, err := hpkeCiphertextSize(kemID, len(plaintext))
	if err != nil {
		return nil, nil, err
	}
	encLen, ctLen := hpke.EncapsulationSize(kemID), len(plaintext)+hpke.TagSize
	out := wire.AppendVarint(make([]byte, 0, size), encLen)
	var sender *hpke.Sender
	if enc == nil {
		out, sender, err = hpke.NewSenderAppend(out, kemID, publicKey, hpke.WelcomeInfo, rnd)
	} else {
		out, sender, err = enc.newSender(out, kemID)
	}
	if err != nil {
		return nil, nil, hpkeSendError(err)
	}
	out = wire.AppendVarint(out, ctLen)
	if out, err = sender.Seal(out, nil, plaintext); err != nil {
		sender.Clear()
		return nil, nil, err
	}
	return out, sender, nil
}

func hpkeSendError(err error) error {
	switch err {
	case hpke.ErrInvalidKey:
		return fmt.Errorf("%w: recipient public key fails validation", ErrInvalidKey)
	case hpke.ErrUnsupportedKEM:
		return ErrUnsupported
	}
	return fmt.Errorf("welcome pointers: sealing: %w", err)
}
