package host

import (
	"context"
	"fmt"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// The operations, one method each (ops.Table; a test checks that none is
// missing). Each encodes its arguments as the table declares them, calls
// the export, and decodes the result the same way.

// run calls operation d with arguments a. A request that holds a secret
// (a Secret field, which the Writer zeroes at its source) is zeroed once
// sent.
func run[A, R any](ctx context.Context, m *Module, d *ops.Def[A, R], a A) (R, error) {
	var r R
	e := abi.NewEncoder(0, 64)
	w := abi.NewWriter(e)
	d.Args(w, &a)
	out, err := m.Call(ctx, d.Info().Export, e.Bytes())
	if w.Secret() {
		clear(e.Bytes())
	}
	if err != nil {
		return r, err
	}
	in := abi.NewReader(out)
	d.Result(in, &r)
	if err := in.Finish(); err != nil {
		return r, &ProtocolError{Export: d.Info().Export, Msg: "result does not decode: " + err.Error()}
	}
	return r, nil
}

// Key is a private key with its algorithm and public key, as GenerateKey
// returns it and OpenWelcome takes it (PublicKey is not sent). The
// private key is the app's to store, as it stores its MLS keys.
type Key struct {
	Algorithm  core.Algorithm
	PrivateKey []byte
	PublicKey  []byte
}

func fromOps(k ops.Key) Key { return Key(k) }

// GenerateKey returns a new key for alg (core.AlgorithmXWing or
// core.AlgorithmCurve25519), drawn inside the module from the host's
// crypto/rand.
func (m *Module) GenerateKey(ctx context.Context, alg core.Algorithm) (Key, error) {
	k, err := run(ctx, m, ops.GenerateKey, alg)
	return fromOps(k), err
}

// LoadKey loads a private key from its bytes into the module's key cache
// and returns it with its public key.
func (m *Module) LoadKey(ctx context.Context, alg core.Algorithm, privateKey []byte) (Key, error) {
	k, err := run(ctx, m, ops.LoadKey, ops.Key{Algorithm: alg, PrivateKey: privateKey})
	return fromOps(k), err
}

// ValidatePublicKey fails unless pub is a valid public key for alg, as
// core.ValidatePublicKey.
func (m *Module) ValidatePublicKey(ctx context.Context, alg core.Algorithm, pub []byte) error {
	_, err := run(ctx, m, ops.ValidatePublicKey, ops.PublicKeyArgs{Algorithm: alg, PublicKey: pub})
	return err
}

// ClearKeyCache calls wp_clear_key_cache: the module zeroes and forgets
// the private keys it keeps expanded. Call it at logout.
func (m *Module) ClearKeyCache(ctx context.Context) error {
	export := ops.ClearKeyCache.Info().Export
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.callLocked(ctx, export)
	if err != nil {
		return err
	}
	if st != uint64(abi.OK) {
		return &ProtocolError{Export: export, Msg: "returned " + abi.Code(st).String()}
	}
	return nil
}

// EncodeWrapperEncryption is the 0xff03 key package extension for a
// public key, as core.EncodeWrapperEncryption.
func (m *Module) EncodeWrapperEncryption(ctx context.Context, publicKey []byte, alg core.Algorithm) ([]byte, error) {
	return run(ctx, m, ops.EncodeWrapperEncryption, ops.PublicKeyArgs{Algorithm: alg, PublicKey: publicKey})
}

// ParseWrapperEncryption decodes a 0xff03 payload, as
// core.ParseWrapperEncryption.
func (m *Module) ParseWrapperEncryption(ctx context.Context, payload []byte) (publicKey []byte, alg core.Algorithm, err error) {
	r, err := run(ctx, m, ops.DecodeWrapperEncryption, payload)
	return r.PublicKey, r.Algorithm, err
}

// EncodePointeeAEADTypes is the 0xff04 key package extension; only the
// types the module implements are accepted.
func (m *Module) EncodePointeeAEADTypes(ctx context.Context, types []core.AEADType) ([]byte, error) {
	return run(ctx, m, ops.EncodePointeeAEADTypes, types)
}

// ParsePointeeAEADTypes decodes a 0xff04 payload, as
// core.ParsePointeeAEADTypes.
func (m *Module) ParsePointeeAEADTypes(ctx context.Context, payload []byte) ([]core.AEADType, error) {
	return run(ctx, m, ops.DecodePointeeAEADTypes, payload)
}

// InstallationFromExtensions builds an installation from its key package
// fields: the init key and the 0xff03 and 0xff04 extension payloads (nil
// when absent), as core.InstallationFromExtensions.
func (m *Module) InstallationFromExtensions(ctx context.Context, installationKey, initKey, wrapperEncryption, pointeeAEADTypes []byte) (core.Installation, error) {
	r, err := run(ctx, m, ops.InstallationFromExtensions, ops.KeyPackageFields{
		InstallationKey: installationKey, InitKey: initKey,
		WrapperEncryption: wrapperEncryption, PointeeAEADTypes: pointeeAEADTypes,
	})
	if err == nil && r.Installation.PointerCapable() != r.PointerCapable {
		return core.Installation{}, &ProtocolError{Export: ops.InstallationFromExtensions.Info().Export, Msg: "pointer_capable disagrees with the installation's fields"}
	}
	return r.Installation, err
}

// sealing is the options the module takes; Progress and Context are not
// (the module seals in one call: use ctx, which stops the call).
func sealing(opts *core.SealOptions) ops.Sealing {
	if opts == nil {
		return ops.Sealing{}
	}
	return ops.Sealing{KEMID: opts.KEMID, MaxMessageSize: opts.MaxMessageSize}
}

// SealInvite seals welcome and its message cursor for the installations,
// as core.SealInvite: pointers when at least three installations can
// take them, direct welcomes for the others. Of opts, KEMID and
// MaxMessageSize are used. With WithNativeKEM, the pointers' X-Wing
// encapsulations run natively in the host (nativekem.go).
func (m *Module) SealInvite(ctx context.Context, welcome []byte, cursor uint64, installations []core.Installation, opts *core.SealOptions) (*core.Invite, error) {
	if m.nativeKEM {
		return m.sealInviteNativeKEM(ctx, welcome, cursor, installations, opts)
	}
	return m.sealInvite(ctx, welcome, cursor, installations, opts)
}

// sealInvite seals the whole invite in the module.
func (m *Module) sealInvite(ctx context.Context, welcome []byte, cursor uint64, installations []core.Installation, opts *core.SealOptions) (*core.Invite, error) {
	inv, err := run(ctx, m, ops.SealInvite, ops.SealArgs{Welcome: welcome, Cursor: cursor, Sealing: sealing(opts), Installations: installations})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// SealDirect is one direct welcome for one installation, as
// core.SealDirect.
func (m *Module) SealDirect(ctx context.Context, welcome []byte, cursor uint64, in core.Installation, opts *core.SealOptions) ([]byte, error) {
	return run(ctx, m, ops.SealDirect, ops.SealDirectArgs{Welcome: welcome, Cursor: cursor, Sealing: sealing(opts), Installation: in})
}

// CheckInvite runs every check of SealInvite, with its errors, and
// reports which installations take pointers, as core.CheckInvite (which
// takes the Welcome's length: the module reads the Welcome as SealInvite
// does).
func (m *Module) CheckInvite(ctx context.Context, welcome []byte, cursor uint64, installations []core.Installation, opts *core.SealOptions) ([]bool, error) {
	return run(ctx, m, ops.CheckInvite, ops.SealArgs{Welcome: welcome, Cursor: cursor, Sealing: sealing(opts), Installations: installations})
}

// CheckInstallations runs SealInvite's checks on installations and
// reports which take pointers, as core.CheckInstallations.
func (m *Module) CheckInstallations(ctx context.Context, installations []core.Installation) ([]bool, error) {
	return run(ctx, m, ops.CheckInstallations, installations)
}

// SealPointee encrypts welcome under a fresh pointer, as
// core.SealPointee: the pointee message and the pointer to seal for each
// installation with SealPointers (a secret: it holds the pointee's key).
func (m *Module) SealPointee(ctx context.Context, welcome []byte, cursor uint64, opts *core.SealOptions) (core.OutgoingMessage, *core.Pointer, error) {
	r, err := run(ctx, m, ops.SealPointee, ops.SealPointeeArgs{Welcome: welcome, Cursor: cursor, Sealing: sealing(opts)})
	if err != nil {
		return core.OutgoingMessage{}, nil, err
	}
	ptr, err := core.ParsePointer(r.Pointer)
	if err != nil {
		return core.OutgoingMessage{}, nil, &ProtocolError{Export: ops.SealPointee.Info().Export, Msg: "the pointer does not parse: " + err.Error()}
	}
	return r.Message, ptr, nil
}

// SealPointers seals ptr for pointer-capable installations, as
// core.SealPointers.
func (m *Module) SealPointers(ctx context.Context, ptr *core.Pointer, installations []core.Installation, opts *core.SealOptions) ([]core.OutgoingMessage, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: no pointer", core.ErrInvalidArgument)
	}
	return run(ctx, m, ops.SealPointers, ops.SealPointersArgs{Pointer: ptr.Marshal(), Sealing: sealing(opts), Installations: installations})
}

// OpenWelcome opens a welcome message with whichever of keys it is
// addressed to, as core.OpenWelcome (opts.Form says which form it is in).
// The module loads the keys from their bytes into its key cache.
func (m *Module) OpenWelcome(ctx context.Context, message []byte, keys []Key, opts *core.OpenOptions) (*core.Received, error) {
	a := ops.OpenWelcomeArgs{Message: message, Keys: make([]ops.Key, len(keys))}
	if opts != nil {
		a.Options = *opts
	}
	for i, k := range keys {
		a.Keys[i] = ops.Key(k)
	}
	r, err := run(ctx, m, ops.OpenWelcome, a)
	if err != nil {
		return nil, err
	}
	if (r.Kind == core.KindPointer) != (r.Pointer != nil) || r.Kind != core.KindPointer && r.Kind != core.KindDirect {
		return nil, &ProtocolError{Export: ops.OpenWelcome.Info().Export, Msg: fmt.Sprintf("result of kind %v with pointer %v", r.Kind, r.Pointer != nil)}
	}
	return &r, nil
}

// ParsePointer checks a pointer's stored form (Pointer.Marshal), as
// core.ParsePointer.
func (m *Module) ParsePointer(ctx context.Context, b []byte) (*core.Pointer, error) {
	info, err := run(ctx, m, ops.ParsePointer, b)
	if err != nil {
		return nil, err
	}
	p, err := core.ParsePointer(info.Bytes)
	if err != nil {
		return nil, &ProtocolError{Export: ops.ParsePointer.Info().Export, Msg: "the pointer does not parse: " + err.Error()}
	}
	return p, nil
}

// OpenPointee opens the pointee that ptr names, as core.OpenPointee:
// firstMessage is the first message on the pointer's topic (never a
// later one), in the form opts.Form says.
func (m *Module) OpenPointee(ctx context.Context, ptr *core.Pointer, firstMessage []byte, opts *core.OpenOptions) (*core.OpenedPointee, error) {
	if ptr == nil {
		return nil, fmt.Errorf("%w: nil pointer", core.ErrInvalidArgument)
	}
	a := ops.OpenPointeeArgs{Pointer: ptr.Marshal(), FirstMessage: firstMessage}
	if opts != nil {
		a.Options = *opts
	}
	p, err := run(ctx, m, ops.OpenPointee, a)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// IsFinal reports whether the module holds err final for a pending
// pointer (core.IsFinal), err being one of its codes' errors.
func (m *Module) IsFinal(ctx context.Context, err error) (bool, error) {
	return run(ctx, m, ops.IsFinal, err)
}

// Inspect decodes message as the given kind (a core.Inspect* name, or ""
// for auto) into the JSON view core.Inspect gives.
func (m *Module) Inspect(ctx context.Context, kind string, message []byte) (map[string]any, error) {
	return run(ctx, m, ops.Inspect, ops.InspectArgs{Kind: kind, Input: message})
}

// ToWelcomeMessage does what a node does with a published message
// (xmtpnode.ToWelcomeMessage): it checks the node's acceptance rules and
// returns the WelcomeMessage a reader gets back, with the given id and
// creation time.
func (m *Module) ToWelcomeMessage(ctx context.Context, input []byte, id, createdNs uint64) ([]byte, error) {
	return run(ctx, m, ops.ToWelcomeMessage, ops.PublishedArgs{Input: input, ID: id, CreatedNs: createdNs})
}

// InputTopic returns the topic a node delivers a published message on and
// its deduplication key (xmtpnode.InputTopic).
func (m *Module) InputTopic(ctx context.Context, input []byte) (topic []byte, dedupKey [32]byte, err error) {
	r, err := run(ctx, m, ops.InputTopic, input)
	if err != nil {
		return nil, dedupKey, err
	}
	if len(r.DedupKey) != len(dedupKey) {
		return nil, dedupKey, &ProtocolError{Export: ops.InputTopic.Info().Export, Msg: fmt.Sprintf("dedup key of %d bytes", len(r.DedupKey))}
	}
	copy(dedupKey[:], r.DedupKey)
	return r.Topic, dedupKey, nil
}

// DefaultRetryPolicy returns the module's core.DefaultRetryPolicy.
func (m *Module) DefaultRetryPolicy(ctx context.Context) (core.RetryPolicy, error) {
	return run(ctx, m, ops.DefaultRetryPolicy, ops.None{})
}

// Schedule is a retry policy whose decisions the module makes: the
// methods of core.RetryPolicy (and of its QuickRetry), with a context.
type Schedule struct {
	m      *Module
	policy core.RetryPolicy
}

// Schedule returns the schedule of policy p. It calls nothing: Validate
// asks the module whether p is valid.
func (m *Module) Schedule(p core.RetryPolicy) *Schedule { return &Schedule{m: m, policy: p} }

// Validate reports a policy that could retry forever or not at all, as
// core.RetryPolicy.Validate.
func (s *Schedule) Validate(ctx context.Context) error {
	_, err := run(ctx, s.m, ops.RetryPolicy, s.policy)
	return err
}

// NewPending schedules a pointer whose quick phase failed at now; the
// error is core.ErrExpired when the welcome is too old to keep.
func (s *Schedule) NewPending(ctx context.Context, welcomeTime, now time.Time) (core.Pending, error) {
	r, err := run(ctx, s.m, ops.NewPending, ops.TimesArgs{Policy: s.policy, WelcomeTime: welcomeTime, Now: now})
	if err != nil {
		return core.Pending{}, err
	}
	return r.Pending, r.Drop
}

// Failed records a deferred attempt that failed at now: the next state,
// and core.ErrExpired or core.ErrAttemptsExhausted when the pointer must
// be dropped.
func (s *Schedule) Failed(ctx context.Context, state core.Pending, now time.Time) (core.Pending, error) {
	r, err := run(ctx, s.m, ops.Failed, ops.StateArgs{Policy: s.policy, State: state, Now: now})
	if err != nil {
		return core.Pending{}, err
	}
	return r.Pending, r.Drop
}

// Check reports core.ErrExpired or core.ErrAttemptsExhausted for a
// pending pointer that must be dropped, and nil for one that may still be
// tried.
func (s *Schedule) Check(ctx context.Context, state core.Pending, now time.Time) error {
	drop, err := run(ctx, s.m, ops.Check, ops.StateArgs{Policy: s.policy, State: state, Now: now})
	if err != nil {
		return err
	}
	return drop
}

// IsDue reports whether a deferred attempt should run at now.
func (s *Schedule) IsDue(ctx context.Context, state core.Pending, now time.Time) (bool, error) {
	return run(ctx, s.m, ops.IsDue, ops.StateArgs{Policy: s.policy, State: state, Now: now})
}

// Delay is the wait after the given number of failed deferred attempts.
func (s *Schedule) Delay(ctx context.Context, attempts int) (time.Duration, error) {
	return run(ctx, s.m, ops.Delay, ops.CountArgs{Policy: s.policy, N: attempts})
}

// QuickDelay is the wait before quick try number attempt, with jitter.
func (s *Schedule) QuickDelay(ctx context.Context, attempt int, jitter time.Duration) (time.Duration, error) {
	return run(ctx, s.m, ops.QuickDelay, ops.CountArgs{Policy: s.policy, N: attempt, Jitter: jitter})
}

// QuickNext plans the quick phase, as core.QuickRetry.Next: the wait
// before the next try, or false when the phase is over.
func (s *Schedule) QuickNext(ctx context.Context, tries int, elapsed, jitter time.Duration) (time.Duration, bool, error) {
	r, err := run(ctx, s.m, ops.QuickNext, ops.CountArgs{Policy: s.policy, N: tries, Elapsed: elapsed, Jitter: jitter})
	return r.Wait, r.More, err
}

// KeepUntil is how long to remember a pointer settled at now.
func (s *Schedule) KeepUntil(ctx context.Context, welcomeTime, now time.Time) (time.Time, error) {
	return run(ctx, s.m, ops.KeepUntil, ops.TimesArgs{Policy: s.policy, WelcomeTime: welcomeTime, Now: now})
}
