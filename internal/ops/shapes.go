package ops

import (
	"time"

	"github.com/welcome-pointers/wasm/core"
)

// The values several operations share, declared once.

// Caps on arguments, checked before anything is copied (JS) or allocated.
const (
	maxInstallationKey = 1 << 10
	maxPublicKey       = 1 << 12
	maxInstallations   = 100_000
	maxKeys            = 1 << 10
	maxMessages        = maxInstallations + 1
	maxEnum            = 1<<31 - 1
	// maxSizeOption bounds the maxMessageSize option.
	maxSizeOption = 1 << 30
	// Durations and times in JS: durations well inside time.Duration's
	// range (about 31 years), times in Date's (8.64e15 ms).
	maxDurationMs = 1e12
	maxTimeMs     = 8.64e15
)

// Limits are the caps on installations and keys, which the JS package
// keeps to when it packs them (constants.limits in JS).
var Limits = struct{ Installations, InstallationKey, PublicKey, PointeeAEADTypes, Keys int }{
	maxInstallations, maxInstallationKey, maxPublicKey, core.MaxPointeeAEADTypes, maxKeys,
}

// kindNames and formNames are the JS names of core.MessageKind and
// core.Form values, by number.
var (
	kindNames = []string{"", core.KindDirect.String(), core.KindPointee.String(), core.KindPointer.String()}
	formNames = []string{core.FormMessage.String(), core.FormInput.String()}
)

func algorithm(f Fields, fd Field, a *core.Algorithm) {
	fd.Bits, fd.Max = 32, maxEnum
	Uint(f, fd, a)
}

func aeadType(f Fields, t *core.AEADType) {
	Uint(f, Field{Bits: 32, Max: maxEnum}, t)
}

// Key is a private key as bytes, with its algorithm and, in results, its
// public key.
type Key struct {
	Algorithm  core.Algorithm
	PrivateKey []byte // secret
	PublicKey  []byte
}

// privateKey is a key as operations take it (its public key is not read).
func privateKey(f Fields, k *Key) {
	algorithm(f, Field{Name: "algorithm"}, &k.Algorithm)
	f.Bytes(Field{Name: "privateKey", Max: maxPublicKey}, &k.PrivateKey)
}

func key(f Fields, k *Key) {
	privateKey(f, k)
	f.Bytes(Field{Name: "publicKey"}, &k.PublicKey)
}

func newKey(k *core.PrivateKey) Key {
	return Key{Algorithm: k.Algorithm(), PrivateKey: k.Bytes(), PublicKey: k.PublicKey()}
}

// keyCache keeps the last private keys loaded (core.KeyCache): a caller
// passes a key's bytes with every call, and expanding an X-Wing key costs
// about as much as opening a message. clearKeyCache clears it.
var keyCache core.KeyCache

func installation(f Fields, in *core.Installation) {
	f.Bytes(Field{Name: "installationKey", Max: maxInstallationKey}, &in.InstallationKey)
	algorithm(f, Field{Name: "wrapperAlgorithm"}, &in.WrapperAlgorithm)
	f.Bytes(Field{Name: "wrapperPublicKey", Max: maxPublicKey}, &in.WrapperPublicKey)
	List(f, Field{Name: "pointeeAeadTypes", Max: core.MaxPointeeAEADTypes, Optional: true, Nullable: true}, &in.PointeeAEADTypes, aeadType)
}

func installations(f Fields, fd Field, ins *[]core.Installation) {
	if packed(f, fd, ins) {
		return
	}
	fd.Max = maxInstallations
	List(f, fd, ins, Objects(installation))
}

// keys is private keys as operations take them.
func keys(f Fields, fd Field, k *[]Key) {
	if packed(f, fd, k) {
		return
	}
	fd.Max = maxKeys
	List(f, fd, k, Objects(privateKey))
}

// messages is sealed messages, in order.
func messages(f Fields, m *[]core.OutgoingMessage) {
	if packed(f, Field{}, m) {
		return
	}
	List(f, Field{Max: maxMessages}, m, Objects(message))
}

func message(f Fields, m *core.OutgoingMessage) {
	Uint(f, Field{Name: "kind", Bits: 8, Names: kindNames}, &m.Kind)
	f.Bytes(Field{Name: "installationKey"}, &m.InstallationKey)
	f.Bytes(Field{Name: "message"}, &m.Message)
}

func invite(f Fields, inv *core.Invite) {
	if packed(f, Field{}, inv) {
		return
	}
	f.Bytes(Field{Name: "destination", Nullable: true}, &inv.Destination)
	List(f, Field{Name: "messages", Max: maxMessages}, &inv.Messages, Objects(message))
	pointers, direct := inv.Counts()
	size := inv.Size()
	Uint(f, Field{Name: "pointers", Bits: 32, Only: JS}, &pointers)
	Uint(f, Field{Name: "direct", Bits: 32, Only: JS}, &direct)
	Uint(f, Field{Name: "size", Bits: 53, Only: JS}, &size)
}

// Sealing is the options of every seal operation. In JS they are members
// of the options object at position arg.
type Sealing struct {
	KEMID          core.KEMID
	MaxMessageSize int
}

func sealing(f Fields, s *Sealing, arg int) {
	Uint(f, Field{Name: "kemId", Arg: arg, Option: true, Optional: true, Bits: 16}, &s.KEMID)
	Uint(f, Field{Name: "maxMessageSize", Arg: arg, Option: true, Optional: true, Bits: 32, Min: 1, Max: maxSizeOption}, &s.MaxMessageSize)
}

func (s *Sealing) options(env Env) *core.SealOptions {
	return &core.SealOptions{KEMID: s.KEMID, MaxMessageSize: s.MaxMessageSize, Progress: env.Progress, Context: env.Context}
}

// welcomeCap is what a welcome argument may weigh: the size limit.
func (s *Sealing) welcomeCap() int64 { return capOf(s.MaxMessageSize) }

func capOf(maxMessageSize int) int64 {
	if maxMessageSize > 0 {
		return int64(maxMessageSize)
	}
	return core.DefaultMaxMessageSize
}

// PointerInfo is a pointer as results show it: its stored form (a
// WelcomePointer protobuf: it holds the pointee's key) and a view without
// its secrets.
type PointerInfo struct {
	Bytes              []byte
	ID                 []byte
	Destination        []byte
	Topic              []byte
	DecentralizedTopic []byte
	AEADType           core.AEADType
}

func newPointerInfo(p *core.Pointer) PointerInfo {
	if p == nil {
		return PointerInfo{}
	}
	id := p.ID()
	return PointerInfo{
		Bytes: p.Marshal(), ID: id[:], Destination: p.Topic(), Topic: p.Topic(),
		DecentralizedTopic: p.DecentralizedTopic(), AEADType: p.AEADType,
	}
}

func pointerInfo(f Fields, p *PointerInfo) {
	f.Bytes(Field{Name: "bytes", Secret: true}, &p.Bytes)
	f.Bytes(Field{Name: "id", Hex: true}, &p.ID)
	f.Bytes(Field{Name: "destination", Hex: true}, &p.Destination)
	f.Bytes(Field{Name: "topic"}, &p.Topic)
	f.Bytes(Field{Name: "decentralizedTopic"}, &p.DecentralizedTopic)
	Uint(f, Field{Name: "aeadType", Bits: 32}, &p.AEADType)
}

// pointerArg is a pointer's stored form; in JS its PointerInfo is taken
// too.
func pointerArg(f Fields, arg int, b *[]byte) {
	f.Bytes(Field{Name: "pointer", Arg: arg, Max: core.MaxPointerSize, OrMember: "bytes"}, b)
}

// received is an opened welcome. The ABI has every field, empty where it
// does not apply, and a pointer's stored form and fields; JS leaves out
// what does not apply and shows a pointer as a PointerInfo.
func received(f Fields, r *core.Received) {
	if packed(f, Field{}, r) {
		return
	}
	notDirect := r.Kind != core.KindDirect
	Uint(f, Field{Name: "kind", Bits: 8, Names: kindNames}, &r.Kind)
	Uint(f, Field{Name: "id", Bits: 64}, &r.ID)
	Uint(f, Field{Name: "createdNs", Bits: 64}, &r.CreatedNs)
	f.Bytes(Field{Name: "installationKey"}, &r.InstallationKey)
	Uint(f, Field{Name: "kemId", Bits: 16}, &r.KEMID)
	f.Bytes(Field{Name: "welcome", Omit: notDirect}, &r.Welcome)
	f.Bool(Field{Name: "hasCursor", Omit: notDirect}, &r.HasCursor)
	Uint(f, Field{Name: "cursor", Bits: 64, Omit: notDirect}, &r.Cursor)
	var p core.Pointer
	var stored []byte
	if r.Pointer != nil {
		p, stored = *r.Pointer, r.Pointer.Marshal()
	}
	f.Bytes(Field{Name: "pointer", Only: ABI, Secret: true}, &stored)
	f.Bytes(Field{Name: "destination", Only: ABI}, &p.Destination)
	Uint(f, Field{Name: "aeadType", Bits: 32, Only: ABI}, &p.AEADType)
	f.Bytes(Field{Name: "encryptionKey", Only: ABI}, &p.EncryptionKey)
	f.Bytes(Field{Name: "dataNonce", Only: ABI}, &p.DataNonce)
	f.Bytes(Field{Name: "welcomeMetadataNonce", Only: ABI}, &p.WelcomeMetadataNonce)
	info := newPointerInfo(r.Pointer)
	f.Object(Field{Name: "pointer", Only: JS, Omit: r.Pointer == nil}, func(f Fields) { pointerInfo(f, &info) })
	if r.Pointer == nil && len(stored) > 0 && f.Err() == nil {
		// Read back (a Go host): the stored form is the pointer.
		r.Pointer, _ = core.ParsePointer(stored)
	}
}

func pointee(f Fields, p *core.OpenedPointee) {
	f.Bytes(Field{Name: "welcome"}, &p.Welcome)
	f.Bool(Field{Name: "hasCursor"}, &p.HasCursor)
	Uint(f, Field{Name: "cursor", Bits: 64}, &p.Cursor)
}

// policy is a retry policy. In JS every member is optional (a partial
// policy keeps the defaults of the others), and the complete policy the
// module returns is remembered, so that passing it back reads nothing.
func policy(f Fields, fd Field, p *core.RetryPolicy) {
	fd.Strict, fd.Memo = true, true
	f.Object(fd, func(f Fields) {
		duration(f, "firstRetryMs", &p.FirstRetry)
		f.Float(Field{Name: "backoff", Optional: true, Min: 1, Max: 1e6}, &p.Backoff)
		duration(f, "maxDelayMs", &p.MaxDelay)
		duration(f, "expiryMs", &p.Expiry)
		Uint(f, Field{Name: "maxAttempts", Optional: true, Bits: 32, Max: maxEnum}, &p.MaxAttempts)
		f.Object(Field{Name: "quick", Optional: true, Strict: true}, func(f Fields) {
			q := &p.Quick
			Uint(f, Field{Name: "attempts", Optional: true, Bits: 32, Max: maxEnum}, &q.Attempts)
			duration(f, "initialMs", &q.Initial)
			f.Float(Field{Name: "factor", Optional: true, Min: 1, Max: 1e6}, &q.Factor)
			duration(f, "jitterMs", &q.Jitter)
			duration(f, "perTryMs", &q.PerTry)
			duration(f, "totalMs", &q.Total)
		})
	})
}

// duration is a policy's duration: optional in JS, where it is
// milliseconds.
func duration(f Fields, name string, d *time.Duration) {
	f.Duration(Field{Name: name, Optional: true, Max: maxDurationMs}, d)
}

// Pending is a pending pointer's schedule state; in results, Drop is why
// it must be dropped now (core.ErrExpired, core.ErrAttemptsExhausted), or
// nil.
type Pending struct {
	core.Pending
	Drop error
}

func pendingState(f Fields, fd Field, s *core.Pending) {
	f.Object(fd, func(f Fields) {
		Uint(f, Field{Name: "attempts", Bits: 32, Max: maxEnum}, &s.Attempts)
		f.Time(Field{Name: "nextAttemptMs", Min: -maxTimeMs, Max: maxTimeMs}, &s.NextAttempt)
		f.Time(Field{Name: "expiresAtMs", Min: -maxTimeMs, Max: maxTimeMs}, &s.ExpiresAt)
	})
}

func pending(f Fields, s *Pending) {
	Uint(f, Field{Name: "attempts", Bits: 32}, &s.Attempts)
	f.Time(Field{Name: "nextAttemptMs"}, &s.NextAttempt)
	f.Time(Field{Name: "expiresAtMs"}, &s.ExpiresAt)
	f.Error(Field{Name: "drop", Nullable: true}, &s.Drop)
}
