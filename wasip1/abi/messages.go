package abi

import (
	"fmt"

	"github.com/welcome-pointers/wasm/core"
)

// The requests and results of the operation exports, with the layouts of
// ABI.md. Decoding is strict: a field that does not fit, a count that
// cannot fit, a boolean other than 0 or 1 or a trailing byte is an error
// (status Argument on the module side).

// GenerateKeyRequest is the request of wp_generate_key.
type GenerateKeyRequest struct {
	Algorithm core.Algorithm // u32
}

func (r *GenerateKeyRequest) Encode(e *Encoder) { e.U32(uint32(r.Algorithm)) }

func DecodeGenerateKeyRequest(b []byte) (r GenerateKeyRequest, err error) {
	d := NewDecoder(b)
	r.Algorithm = core.Algorithm(d.U32("algorithm"))
	return r, d.Finish()
}

// Key is a private key with its algorithm and, in results, its public key.
type Key struct {
	Algorithm  core.Algorithm // u32
	PrivateKey []byte         // bytes
	PublicKey  []byte         // bytes; results only
}

// KeyResult is the result of wp_generate_key: u32 algorithm, bytes
// private_key, bytes public_key.
func (k *Key) EncodeResult(e *Encoder) {
	e.U32(uint32(k.Algorithm))
	e.Blob(k.PrivateKey)
	e.Blob(k.PublicKey)
}

func DecodeKeyResult(b []byte) (k Key, err error) {
	d := NewDecoder(b)
	k.Algorithm = core.Algorithm(d.U32("algorithm"))
	k.PrivateKey = d.Blob("private_key")
	k.PublicKey = d.Blob("public_key")
	return k, d.Finish()
}

// InstallationFromExtensionsRequest is the request of
// wp_installation_from_extensions: four bytes fields, the last two empty
// when the key package lacks the extension.
type InstallationFromExtensionsRequest struct {
	InstallationKey   []byte
	InitKey           []byte
	WrapperEncryption []byte // 0xff03 payload
	PointeeAEADTypes  []byte // 0xff04 payload
}

func (r *InstallationFromExtensionsRequest) Encode(e *Encoder) {
	e.Blob(r.InstallationKey)
	e.Blob(r.InitKey)
	e.Blob(r.WrapperEncryption)
	e.Blob(r.PointeeAEADTypes)
}

func DecodeInstallationFromExtensionsRequest(b []byte) (r InstallationFromExtensionsRequest, err error) {
	d := NewDecoder(b)
	r.InstallationKey = d.Blob("installation_key")
	r.InitKey = d.Blob("init_key")
	r.WrapperEncryption = d.Blob("wrapper_encryption")
	r.PointeeAEADTypes = d.Blob("pointee_aead_types")
	return r, d.Finish()
}

// EncodeInstallation writes an installation: bytes installation_key, u32
// wrapper_algorithm, bytes wrapper_public_key, list<u32>
// pointee_aead_types.
func EncodeInstallation(e *Encoder, in *core.Installation) {
	e.Blob(in.InstallationKey)
	e.U32(uint32(in.WrapperAlgorithm))
	e.Blob(in.WrapperPublicKey)
	e.Count(len(in.PointeeAEADTypes))
	for _, t := range in.PointeeAEADTypes {
		e.U32(uint32(t))
	}
}

// minInstallationSize is the smallest encoded installation.
const minInstallationSize = 4 + 4 + 4 + 4

// DecodeInstallation reads an installation. An empty AEAD type list
// decodes to nil (the extension was absent).
func DecodeInstallation(d *Decoder, field string) core.Installation {
	var in core.Installation
	in.InstallationKey = d.Blob(field + ".installation_key")
	in.WrapperAlgorithm = core.Algorithm(d.U32(field + ".wrapper_algorithm"))
	in.WrapperPublicKey = d.Blob(field + ".wrapper_public_key")
	if n := d.Count(field+".pointee_aead_types", 4); n > 0 {
		in.PointeeAEADTypes = make([]core.AEADType, n)
		for i := range in.PointeeAEADTypes {
			in.PointeeAEADTypes[i] = core.AEADType(d.U32(field + ".pointee_aead_types[]"))
		}
	}
	return in
}

// InstallationResult is the result of wp_installation_from_extensions:
// an installation, then u8 pointer_capable.
type InstallationResult struct {
	Installation   core.Installation
	PointerCapable bool
}

func (r *InstallationResult) Encode(e *Encoder) {
	EncodeInstallation(e, &r.Installation)
	e.Bool(r.PointerCapable)
}

func DecodeInstallationResult(b []byte) (r InstallationResult, err error) {
	d := NewDecoder(b)
	r.Installation = DecodeInstallation(d, "installation")
	r.PointerCapable = d.Bool("pointer_capable")
	return r, d.Finish()
}

// SealInviteRequest is the request of wp_seal_invite.
type SealInviteRequest struct {
	Welcome        []byte     // bytes
	Cursor         uint64     // u64
	KEMID          core.KEMID // u16; 0 = the deployed 0x004D
	MaxMessageSize uint32     // u32; 0 = 25 MiB
	Installations  []core.Installation
}

func (r *SealInviteRequest) Encode(e *Encoder) {
	e.Blob(r.Welcome)
	e.U64(r.Cursor)
	e.U16(uint16(r.KEMID))
	e.U32(r.MaxMessageSize)
	e.Count(len(r.Installations))
	for i := range r.Installations {
		EncodeInstallation(e, &r.Installations[i])
	}
}

func DecodeSealInviteRequest(b []byte) (r SealInviteRequest, err error) {
	d := NewDecoder(b)
	r.Welcome = d.Blob("welcome")
	r.Cursor = d.U64("cursor")
	r.KEMID = core.KEMID(d.U16("kem_id"))
	r.MaxMessageSize = d.U32("max_message_size")
	n := d.Count("installations", minInstallationSize)
	if n > 0 {
		r.Installations = make([]core.Installation, n)
		for i := range r.Installations {
			r.Installations[i] = DecodeInstallation(d, fmt.Sprintf("installations[%d]", i))
		}
	}
	return r, d.Finish()
}

// EncodeInvite writes the result of wp_seal_invite: bytes destination
// (empty when no pointers are used), then list<message> where a message
// is u8 kind (1 direct, 2 pointee, 3 pointer), bytes installation_key,
// bytes message (an encoded WelcomeMessageInput), in publishing order.
func EncodeInvite(e *Encoder, inv *core.Invite) {
	e.Blob(inv.Destination)
	e.Count(len(inv.Messages))
	for _, m := range inv.Messages {
		e.U8(uint8(m.Kind))
		e.Blob(m.InstallationKey)
		e.Blob(m.Message)
	}
}

func DecodeInvite(b []byte) (*core.Invite, error) {
	d := NewDecoder(b)
	inv := &core.Invite{}
	if dest := d.Blob("destination"); len(dest) > 0 {
		inv.Destination = dest
	}
	n := d.Count("messages", 1+4+4)
	inv.Messages = make([]core.OutgoingMessage, 0, n)
	for i := 0; i < n; i++ {
		f := fmt.Sprintf("messages[%d]", i)
		m := core.OutgoingMessage{Kind: core.MessageKind(d.U8(f + ".kind"))}
		m.InstallationKey = d.Blob(f + ".installation_key")
		m.Message = d.Blob(f + ".message")
		inv.Messages = append(inv.Messages, m)
	}
	return inv, d.Finish()
}

// OpenWelcomeRequest is the request of wp_open_welcome.
type OpenWelcomeRequest struct {
	Form           uint8  // u8: FormMessage or FormInput
	Message        []byte // bytes
	MaxMessageSize uint32 // u32; 0 = 25 MiB
	Keys           []Key  // list<u32 algorithm, bytes private_key>
}

func (r *OpenWelcomeRequest) Encode(e *Encoder) {
	e.U8(r.Form)
	e.Blob(r.Message)
	e.U32(r.MaxMessageSize)
	e.Count(len(r.Keys))
	for _, k := range r.Keys {
		e.U32(uint32(k.Algorithm))
		e.Blob(k.PrivateKey)
	}
}

func DecodeOpenWelcomeRequest(b []byte) (r OpenWelcomeRequest, err error) {
	d := NewDecoder(b)
	r.Form = d.U8("form")
	r.Message = d.Blob("message")
	r.MaxMessageSize = d.U32("max_message_size")
	n := d.Count("keys", 8)
	r.Keys = make([]Key, n)
	for i := range r.Keys {
		r.Keys[i].Algorithm = core.Algorithm(d.U32(fmt.Sprintf("keys[%d].algorithm", i)))
		r.Keys[i].PrivateKey = d.Blob(fmt.Sprintf("keys[%d].private_key", i))
	}
	return r, d.Finish()
}

// Received is the result of wp_open_welcome. Every field is always
// present; those that do not apply to the kind are empty or zero.
type Received struct {
	Kind            core.MessageKind // u8: 1 direct, 3 pointer
	ID              uint64           // u64
	CreatedNs       uint64           // u64
	InstallationKey []byte           // bytes
	KEMID           core.KEMID       // u16; 0 for CURVE25519
	// Direct welcomes.
	Welcome   []byte // bytes
	HasCursor bool   // u8
	Cursor    uint64 // u64
	// Pointers: the stored form (a WelcomePointer protobuf, secret), then
	// its fields.
	Pointer              []byte        // bytes
	Destination          []byte        // bytes
	AEADType             core.AEADType // u32
	EncryptionKey        []byte        // bytes
	DataNonce            []byte        // bytes
	WelcomeMetadataNonce []byte        // bytes
}

func (r *Received) Encode(e *Encoder) {
	e.U8(uint8(r.Kind))
	e.U64(r.ID)
	e.U64(r.CreatedNs)
	e.Blob(r.InstallationKey)
	e.U16(uint16(r.KEMID))
	e.Blob(r.Welcome)
	e.Bool(r.HasCursor)
	e.U64(r.Cursor)
	e.Blob(r.Pointer)
	e.Blob(r.Destination)
	e.U32(uint32(r.AEADType))
	e.Blob(r.EncryptionKey)
	e.Blob(r.DataNonce)
	e.Blob(r.WelcomeMetadataNonce)
}

func DecodeReceived(b []byte) (r Received, err error) {
	d := NewDecoder(b)
	r.Kind = core.MessageKind(d.U8("kind"))
	r.ID = d.U64("id")
	r.CreatedNs = d.U64("created_ns")
	r.InstallationKey = d.Blob("installation_key")
	r.KEMID = core.KEMID(d.U16("kem_id"))
	r.Welcome = d.Blob("welcome")
	r.HasCursor = d.Bool("has_cursor")
	r.Cursor = d.U64("cursor")
	r.Pointer = d.Blob("pointer")
	r.Destination = d.Blob("destination")
	r.AEADType = core.AEADType(d.U32("aead_type"))
	r.EncryptionKey = d.Blob("encryption_key")
	r.DataNonce = d.Blob("data_nonce")
	r.WelcomeMetadataNonce = d.Blob("welcome_metadata_nonce")
	return r, d.Finish()
}

// OpenPointeeRequest is the request of wp_open_pointee.
type OpenPointeeRequest struct {
	Form           uint8  // u8: FormMessage or FormInput
	Pointer        []byte // bytes: the stored form (WelcomePointer protobuf)
	FirstMessage   []byte // bytes: the first message on the pointer's topic
	MaxMessageSize uint32 // u32; 0 = 25 MiB
}

func (r *OpenPointeeRequest) Encode(e *Encoder) {
	e.U8(r.Form)
	e.Blob(r.Pointer)
	e.Blob(r.FirstMessage)
	e.U32(r.MaxMessageSize)
}

func DecodeOpenPointeeRequest(b []byte) (r OpenPointeeRequest, err error) {
	d := NewDecoder(b)
	r.Form = d.U8("form")
	r.Pointer = d.Blob("pointer")
	r.FirstMessage = d.Blob("first_message")
	r.MaxMessageSize = d.U32("max_message_size")
	return r, d.Finish()
}

// EncodePointee writes the result of wp_open_pointee: bytes welcome, u8
// has_cursor, u64 cursor.
func EncodePointee(e *Encoder, p *core.OpenedPointee) {
	e.Blob(p.Welcome)
	e.Bool(p.HasCursor)
	e.U64(p.Cursor)
}

func DecodePointee(b []byte) (*core.OpenedPointee, error) {
	d := NewDecoder(b)
	p := &core.OpenedPointee{}
	p.Welcome = d.Blob("welcome")
	p.HasCursor = d.Bool("has_cursor")
	p.Cursor = d.U64("cursor")
	return p, d.Finish()
}

// InspectRequest is the request of wp_inspect: str kind (one of the
// core.Inspect* names; empty means "auto"), bytes message. The result
// is str json.
type InspectRequest struct {
	Kind    string
	Message []byte
}

func (r *InspectRequest) Encode(e *Encoder) {
	e.String(r.Kind)
	e.Blob(r.Message)
}

func DecodeInspectRequest(b []byte) (r InspectRequest, err error) {
	d := NewDecoder(b)
	r.Kind = d.String("kind")
	r.Message = d.Blob("message")
	return r, d.Finish()
}

// ToWelcomeMessageRequest is the request of wp_to_welcome_message: bytes
// input (a WelcomeMessageInput), u64 id, u64 created_ns. The result is
// bytes message (the WelcomeMessage a reader gets back).
type ToWelcomeMessageRequest struct {
	Input     []byte
	ID        uint64
	CreatedNs uint64
}

func (r *ToWelcomeMessageRequest) Encode(e *Encoder) {
	e.Blob(r.Input)
	e.U64(r.ID)
	e.U64(r.CreatedNs)
}

func DecodeToWelcomeMessageRequest(b []byte) (r ToWelcomeMessageRequest, err error) {
	d := NewDecoder(b)
	r.Input = d.Blob("input")
	r.ID = d.U64("id")
	r.CreatedNs = d.U64("created_ns")
	return r, d.Finish()
}

// DecodeBlobResult reads a result that is a single bytes field.
func DecodeBlobResult(b []byte, field string) ([]byte, error) {
	d := NewDecoder(b)
	v := d.Blob(field)
	return v, d.Finish()
}

// DecodeStringResult reads a result that is a single str field.
func DecodeStringResult(b []byte, field string) (string, error) {
	d := NewDecoder(b)
	v := d.String(field)
	return v, d.Finish()
}
