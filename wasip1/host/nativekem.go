package host

import (
	"context"
	"fmt"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// The native KEM. An X-Wing encapsulation (ML-KEM-768 and X25519) is
// most of a pointer's cost and what WebAssembly does worst: without
// 64-bit multiplies or SIMD, wazero runs the module's X-Wing several
// times slower than native Go runs circl's. The host is native Go, so
// with WithNativeKEM it makes the encapsulations itself, with the core's
// X-Wing (core.XWingEncapsulate: circl's, as the native core seals), and
// the module does the rest of each pointer (the HPKE key schedule, the
// AEAD, the framing) with core.SealPointersEncapsulated: the same bytes,
// as the browser's WebCrypto path does in the JS package.

// WithNativeKEM makes SealInvite run the X-Wing encapsulations of an
// invite's pointers natively in the host rather than in the module, a
// few times faster. The invite is the same: the module runs SealInvite's
// checks first (Module.CheckInvite, with its errors), seals the pointee,
// then each pointer around the host's encapsulation
// (Module.SealPointersEncapsulated); direct welcomes (and so every
// CURVE25519 installation, and every invite with fewer than three
// pointer-capable installations) are sealed in the module as without the
// option. The encapsulations draw from the module's random source
// (crypto/rand), in SealInvite's order. Constant time then comes from the
// native library, as it does natively; the shared secrets are zeroed in
// the host and in the module once used, and the pointer (which holds the
// pointee's key) passes through the host's memory.
func WithNativeKEM() Option {
	return func(cf *config) { cf.nativeKEM = true }
}

// nativeKEMBatch is how many pointers one wp_seal_pointers_encapsulated
// call seals: a request of about 2.5 kB each, far below wp_alloc's cap,
// and few secrets held at once.
const nativeKEMBatch = 256

// sealInviteNativeKEM is SealInvite with the X-Wing encapsulations in the
// host (WithNativeKEM).
func (m *Module) sealInviteNativeKEM(ctx context.Context, welcome []byte, cursor uint64, installations []core.Installation, opts *core.SealOptions) (*core.Invite, error) {
	capable, err := m.CheckInvite(ctx, welcome, cursor, installations, opts)
	if err != nil {
		return nil, err
	}
	if len(capable) != len(installations) {
		return nil, &ProtocolError{Export: ops.CheckInvite.Info().Export, Msg: fmt.Sprintf("%d answers for %d installations", len(capable), len(installations))}
	}
	var pointers, directs []core.Installation
	var directIndex []int
	for i, ok := range capable {
		if ok {
			pointers = append(pointers, installations[i])
		} else {
			directs = append(directs, installations[i])
			directIndex = append(directIndex, i)
		}
	}
	if len(pointers) < core.MinPointerInstallations {
		// No pointers: nothing for the KEM to do here.
		return m.sealInvite(ctx, welcome, cursor, installations, opts)
	}

	sealed, err := run(ctx, m, ops.SealPointee, ops.SealPointeeArgs{Welcome: welcome, Cursor: cursor, Sealing: sealing(opts)})
	if err != nil {
		return nil, err
	}
	pointer := sealed.Pointer // its stored form: a secret
	defer clear(pointer)
	inv := &core.Invite{
		Destination: append([]byte(nil), sealed.Message.InstallationKey...),
		Messages:    make([]core.OutgoingMessage, 0, len(installations)+1),
	}
	inv.Messages = append(inv.Messages, sealed.Message)
	for start := 0; start < len(pointers); start += nativeKEMBatch {
		batch := pointers[start:min(start+nativeKEMBatch, len(pointers))]
		msgs, err := m.sealPointersEncapsulated(ctx, pointer, batch, m.encapsulate(batch), opts)
		if err != nil {
			return nil, err
		}
		if len(msgs) != len(batch) {
			return nil, &ProtocolError{Export: ops.SealPointersEncapsulated.Info().Export, Msg: fmt.Sprintf("%d messages for %d installations", len(msgs), len(batch))}
		}
		inv.Messages = append(inv.Messages, msgs...)
	}
	for j, in := range directs {
		msg, err := m.SealDirect(ctx, welcome, cursor, in, opts)
		if err != nil {
			return nil, fmt.Errorf("installation %d: %w", directIndex[j], err)
		}
		inv.Messages = append(inv.Messages, core.OutgoingMessage{Kind: core.KindDirect, InstallationKey: append([]byte(nil), in.InstallationKey...), Message: msg})
	}
	return inv, nil
}

// encapsulate makes an encapsulation to each installation's X-Wing key,
// natively, from the module's random source. A key the KEM refuses (the
// module's checks have refused every bad key already) is left empty: the
// module then encapsulates to it itself and answers for it as without
// the option.
func (m *Module) encapsulate(installations []core.Installation) []core.Encapsulation {
	encs := make([]core.Encapsulation, len(installations))
	for i := range installations {
		if e, err := core.XWingEncapsulate(installations[i].WrapperPublicKey, m.rand); err == nil {
			encs[i] = e
		}
	}
	return encs
}

// SealPointersEncapsulated seals ptr for pointer-capable installations
// with the X-Wing encapsulations made by the caller, as
// core.SealPointersEncapsulated: encs[i] encapsulates to
// installations[i].WrapperPublicKey (core.XWingEncapsulate makes them);
// an empty one leaves that installation to the module. The shared
// secrets are zeroed once sent, in encs too.
func (m *Module) SealPointersEncapsulated(ctx context.Context, ptr *core.Pointer, installations []core.Installation, encs []core.Encapsulation, opts *core.SealOptions) ([]core.OutgoingMessage, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: no pointer", core.ErrInvalidArgument)
	}
	pointer := ptr.Marshal()
	defer clear(pointer)
	return m.sealPointersEncapsulated(ctx, pointer, installations, encs, opts)
}

// sealPointersEncapsulated is SealPointersEncapsulated with the pointer's
// stored form. The shared secrets are laid end to end, as the ABI takes
// them, and zeroed with encs once sent.
func (m *Module) sealPointersEncapsulated(ctx context.Context, pointer []byte, installations []core.Installation, encs []core.Encapsulation, opts *core.SealOptions) ([]core.OutgoingMessage, error) {
	defer func() {
		for i := range encs {
			clear(encs[i].SharedSecret)
		}
	}()
	a := ops.EncapsulatedArgs{
		SealPointersArgs: ops.SealPointersArgs{Pointer: pointer, Sealing: sealing(opts), Installations: installations},
		SharedSecrets:    make([]byte, len(encs)*core.KEMSharedSecretSize), // zeroed by the Writer once encoded
		Ciphertexts:      make([]byte, len(encs)*core.XWingEncapsulationSize),
	}
	for i, e := range encs {
		if e.SharedSecret == nil && e.Ciphertext == nil {
			a.Missing = append(a.Missing, i)
			continue
		}
		if len(e.SharedSecret) != core.KEMSharedSecretSize || len(e.Ciphertext) != core.XWingEncapsulationSize {
			clear(a.SharedSecrets)
			return nil, fmt.Errorf("%w: encapsulation %d: a shared secret of %d bytes and a ciphertext of %d, want %d and %d",
				core.ErrInvalidArgument, i, len(e.SharedSecret), len(e.Ciphertext), core.KEMSharedSecretSize, core.XWingEncapsulationSize)
		}
		copy(a.SharedSecrets[i*core.KEMSharedSecretSize:], e.SharedSecret)
		copy(a.Ciphertexts[i*core.XWingEncapsulationSize:], e.Ciphertext)
	}
	return run(ctx, m, ops.SealPointersEncapsulated, a)
}
