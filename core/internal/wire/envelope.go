package wire

import "google.golang.org/protobuf/encoding/protowire"

// V1 is WelcomeMessageInput.V1 and WelcomeMessage.V1 (xmtp.mls.api.v1).
// ID and CreatedNs exist only in the WelcomeMessage form: AppendInput ignores
// them and ParseInput leaves them 0.
type V1 struct {
	ID, CreatedNs    uint64
	InstallationKey  []byte // recipient installation id, or the destination for a pointee
	Data             []byte // HpkeCiphertext, or the AEAD output for a pointee
	HpkePublicKey    []byte // empty only for a pointee
	WrapperAlgorithm int32  // WelcomeWrapperAlgorithm (Algorithm* constants)
	WelcomeMetadata  []byte // sealed WelcomeMetadata
}

// Pointer is WelcomeMessageInput.WelcomePointer and
// WelcomeMessage.WelcomePointer. ID and CreatedNs exist only in the
// WelcomeMessage form.
type Pointer struct {
	ID, CreatedNs    uint64
	InstallationKey  []byte
	WelcomePointer   []byte // HpkeCiphertext of a WelcomePointer protobuf
	HpkePublicKey    []byte
	WrapperAlgorithm int32 // WelcomePointerWrapperAlgorithm (2 = X-Wing)
}

// Envelope is the version oneof of WelcomeMessageInput and WelcomeMessage.
// After a successful parse exactly one of V1 and Pointer is non-nil. When
// encoding, V1 is written if non-nil, else Pointer if non-nil, else nothing
// (an envelope with no version, which no parser here accepts).
type Envelope struct {
	V1      *V1
	Pointer *Pointer
}

// Field numbers of the envelope (both messages).
const (
	envelopeV1      protowire.Number = 1
	envelopePointer protowire.Number = 2
)

// v1Layout gives the field numbers of a V1 form; 0 = not in this form.
type v1Layout struct {
	name                                      string
	id, createdNs, installationKey, data      protowire.Number
	hpkePublicKey, wrapperAlgorithm, metadata protowire.Number
}

// ptrLayout gives the field numbers of a WelcomePointer form; 0 = not in this form.
type ptrLayout struct {
	name                                           string
	id, createdNs, installationKey, welcomePointer protowire.Number
	hpkePublicKey, wrapperAlgorithm                protowire.Number
}

var (
	inputV1 = &v1Layout{name: "WelcomeMessageInput.V1",
		installationKey: 1, data: 2, hpkePublicKey: 3, wrapperAlgorithm: 4, metadata: 7}
	messageV1 = &v1Layout{name: "WelcomeMessage.V1",
		id: 1, createdNs: 2, installationKey: 3, data: 4, hpkePublicKey: 5, wrapperAlgorithm: 6, metadata: 7}
	inputPtr = &ptrLayout{name: "WelcomeMessageInput.WelcomePointer",
		installationKey: 1, welcomePointer: 2, hpkePublicKey: 3, wrapperAlgorithm: 4}
	messagePtr = &ptrLayout{name: "WelcomeMessage.WelcomePointer",
		id: 1, createdNs: 2, installationKey: 3, welcomePointer: 4, hpkePublicKey: 5, wrapperAlgorithm: 6}
)

// --- sizes ---

// lens are the lengths of a message's byte fields, so that it can be sized
// before the fields exist (a sender checks the size before encrypting).
type lens struct{ installationKey, payload, hpkePublicKey, metadata int }

func v1Lens(v *V1) lens {
	return lens{len(v.InstallationKey), len(v.Data), len(v.HpkePublicKey), len(v.WelcomeMetadata)}
}

func ptrLens(p *Pointer) lens {
	return lens{len(p.InstallationKey), len(p.WelcomePointer), len(p.HpkePublicKey), 0}
}

func (l *v1Layout) size(n lens, alg int32, id, createdNs uint64) int {
	s := sizeBytesLen(l.installationKey, n.installationKey) +
		sizeBytesLen(l.data, n.payload) +
		sizeBytesLen(l.hpkePublicKey, n.hpkePublicKey) +
		sizeEnumField(l.wrapperAlgorithm, alg) +
		sizeBytesLen(l.metadata, n.metadata)
	if l.id != 0 {
		s += sizeUint64Field(l.id, id) + sizeUint64Field(l.createdNs, createdNs)
	}
	return s
}

func (l *ptrLayout) size(n lens, alg int32, id, createdNs uint64) int {
	s := sizeBytesLen(l.installationKey, n.installationKey) +
		sizeBytesLen(l.welcomePointer, n.payload) +
		sizeBytesLen(l.hpkePublicKey, n.hpkePublicKey) +
		sizeEnumField(l.wrapperAlgorithm, alg)
	if l.id != 0 {
		s += sizeUint64Field(l.id, id) + sizeUint64Field(l.createdNs, createdNs)
	}
	return s
}

// InputSizeV1 is the exact size of AppendInput(nil, Envelope{V1: v})
// (0 for a nil v).
func InputSizeV1(v *V1) int {
	if v == nil {
		return 0
	}
	return sizeMessageField(envelopeV1, inputV1.size(v1Lens(v), v.WrapperAlgorithm, 0, 0))
}

// InputSizePointer is the exact size of AppendInput(nil, Envelope{Pointer: p})
// (0 for a nil p).
func InputSizePointer(p *Pointer) int {
	if p == nil {
		return 0
	}
	return sizeMessageField(envelopePointer, inputPtr.size(ptrLens(p), p.WrapperAlgorithm, 0, 0))
}

// The largest id and created_ns a node can assign take ten varint bytes.
const maxUint64 = 1<<64 - 1

// ReadBackSizeV1 is the largest size the WelcomeMessage a node returns for
// the input AppendInput(nil, Envelope{V1: v}) can have, whatever id and
// created_ns it assigns: the size a receiver checks. dataLen and
// metadataLen stand for the lengths of v.Data and v.WelcomeMetadata, which
// a sender does not have before it encrypts.
func ReadBackSizeV1(v *V1, dataLen, metadataLen int) int {
	n := v1Lens(v)
	n.payload, n.metadata = dataLen, metadataLen
	return sizeMessageField(envelopeV1, messageV1.size(n, v.WrapperAlgorithm, maxUint64, maxUint64))
}

// ReadBackSizePointer is ReadBackSizeV1 for a pointer message, with
// welcomePointerLen standing for the length of p.WelcomePointer.
func ReadBackSizePointer(p *Pointer, welcomePointerLen int) int {
	n := ptrLens(p)
	n.payload = welcomePointerLen
	return sizeMessageField(envelopePointer, messagePtr.size(n, p.WrapperAlgorithm, maxUint64, maxUint64))
}

// --- encoding ---

func (l *v1Layout) append(b []byte, v *V1) []byte {
	b = appendMessageHeader(b, envelopeV1, l.size(v1Lens(v), v.WrapperAlgorithm, v.ID, v.CreatedNs))
	if l.id != 0 {
		b = appendUint64Field(b, l.id, v.ID)
		b = appendUint64Field(b, l.createdNs, v.CreatedNs)
	}
	b = appendBytesField(b, l.installationKey, v.InstallationKey)
	b = appendBytesField(b, l.data, v.Data)
	b = appendBytesField(b, l.hpkePublicKey, v.HpkePublicKey)
	b = appendEnumField(b, l.wrapperAlgorithm, v.WrapperAlgorithm)
	return appendBytesField(b, l.metadata, v.WelcomeMetadata)
}

func (l *ptrLayout) append(b []byte, p *Pointer) []byte {
	b = appendMessageHeader(b, envelopePointer, l.size(ptrLens(p), p.WrapperAlgorithm, p.ID, p.CreatedNs))
	if l.id != 0 {
		b = appendUint64Field(b, l.id, p.ID)
		b = appendUint64Field(b, l.createdNs, p.CreatedNs)
	}
	b = appendBytesField(b, l.installationKey, p.InstallationKey)
	b = appendBytesField(b, l.welcomePointer, p.WelcomePointer)
	b = appendBytesField(b, l.hpkePublicKey, p.HpkePublicKey)
	return appendEnumField(b, l.wrapperAlgorithm, p.WrapperAlgorithm)
}

func appendEnvelope(b []byte, e Envelope, lv *v1Layout, lp *ptrLayout) []byte {
	switch {
	case e.V1 != nil:
		return lv.append(b, e.V1)
	case e.Pointer != nil:
		return lp.append(b, e.Pointer)
	}
	return b
}

// AppendInput appends e encoded as an xmtp.mls.api.v1.WelcomeMessageInput.
// With a buffer of capacity len(b)+InputSizeV1/InputSizePointer it does not
// allocate.
func AppendInput(b []byte, e Envelope) []byte {
	return appendEnvelope(b, e, inputV1, inputPtr)
}

// AppendMessage appends e encoded as an xmtp.mls.api.v1.WelcomeMessage
// (with id and created_ns).
func AppendMessage(b []byte, e Envelope) []byte {
	return appendEnvelope(b, e, messageV1, messagePtr)
}

// --- parsing ---

func (l *v1Layout) spec(num protowire.Number) (protowire.Type, bool) {
	switch num {
	case l.installationKey, l.data, l.hpkePublicKey, l.metadata:
		return protowire.BytesType, true
	case l.id, l.createdNs, l.wrapperAlgorithm:
		return protowire.VarintType, true
	}
	return 0, false
}

// parse merges the message b into v (proto merge semantics).
func (l *v1Layout) parse(b []byte, v *V1) error {
	return forEachField(b, l.name, 2, l.spec, func(f field) error {
		switch f.num {
		case l.id:
			v.ID = f.v
		case l.createdNs:
			v.CreatedNs = f.v
		case l.installationKey:
			v.InstallationKey = f.b
		case l.data:
			v.Data = f.b
		case l.hpkePublicKey:
			v.HpkePublicKey = f.b
		case l.wrapperAlgorithm:
			v.WrapperAlgorithm = int32(f.v)
		case l.metadata:
			v.WelcomeMetadata = f.b
		}
		return nil
	})
}

func (l *ptrLayout) spec(num protowire.Number) (protowire.Type, bool) {
	switch num {
	case l.installationKey, l.welcomePointer, l.hpkePublicKey:
		return protowire.BytesType, true
	case l.id, l.createdNs, l.wrapperAlgorithm:
		return protowire.VarintType, true
	}
	return 0, false
}

func (l *ptrLayout) parse(b []byte, p *Pointer) error {
	return forEachField(b, l.name, 2, l.spec, func(f field) error {
		switch f.num {
		case l.id:
			p.ID = f.v
		case l.createdNs:
			p.CreatedNs = f.v
		case l.installationKey:
			p.InstallationKey = f.b
		case l.welcomePointer:
			p.WelcomePointer = f.b
		case l.hpkePublicKey:
			p.HpkePublicKey = f.b
		case l.wrapperAlgorithm:
			p.WrapperAlgorithm = int32(f.v)
		}
		return nil
	})
}

func envelopeSpec(num protowire.Number) (protowire.Type, bool) {
	return protowire.BytesType, num == envelopeV1 || num == envelopePointer
}

func parseEnvelope(b []byte, name string, lv *v1Layout, lp *ptrLayout) (Envelope, error) {
	var e Envelope
	err := forEachField(b, name, 1, envelopeSpec, func(f field) error {
		// The last arm present wins; the same arm present again is merged
		// into the previous one, as the Go runtime does.
		if f.num == envelopeV1 {
			if e.V1 == nil {
				e.V1 = new(V1)
			}
			e.Pointer = nil
			return lv.parse(f.b, e.V1)
		}
		if e.Pointer == nil {
			e.Pointer = new(Pointer)
		}
		e.V1 = nil
		return lp.parse(f.b, e.Pointer)
	})
	if err != nil {
		return Envelope{}, err
	}
	if e.V1 == nil && e.Pointer == nil {
		return Envelope{}, malformed("%s: no version", name)
	}
	return e, nil
}

// ParseInput parses an xmtp.mls.api.v1.WelcomeMessageInput. Byte fields
// alias b.
func ParseInput(b []byte) (Envelope, error) {
	return parseEnvelope(b, "WelcomeMessageInput", inputV1, inputPtr)
}

// ParseMessage parses an xmtp.mls.api.v1.WelcomeMessage. Byte fields alias b.
func ParseMessage(b []byte) (Envelope, error) {
	return parseEnvelope(b, "WelcomeMessage", messageV1, messagePtr)
}
