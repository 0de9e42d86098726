package ops

import (
	"fmt"
	"strings"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
)

// Table is every operation of the module, in the order of the
// documentation. Each bridge exports exactly those it is in
// (Exported): all of them but most of the JS package's WebCrypto paths,
// which only the syscall/js bridge has (Info.Only).
var Table = []Op{
	GenerateKey, LoadKey, ValidatePublicKey,
	EncodeWrapperEncryption, DecodeWrapperEncryption, EncodePointeeAEADTypes, DecodePointeeAEADTypes, InstallationFromExtensions,
	SealInvite, SealDirect, CheckInstallations, SealPointee, SealPointers,
	OpenWelcome, ParsePointer, OpenPointee,
	Inspect, ToWelcomeMessage, InputTopic,
	DefaultRetryPolicy, RetryPolicy, NewPending, Failed, Check, IsDue, Delay, QuickDelay, QuickNext, KeepUntil, IsFinal,
	ClearKeyCache,
	KEMProbe, CheckInvite, SealPointersEncapsulated, OpenWelcomeKEM, OpenWelcomeDecapsulated,
	NewPointee, SealPointeeEncrypted, OpenPointeeParse,
}

// Define returns an operation: its Info, how its arguments and result
// are declared, and what it runs. Add it to Table to export it.
func Define[A, R any](info Info, args func(Fields, *A), result func(Fields, *R), run func(Env, *A, *R) error) *Def[A, R] {
	if info.Export == "" && info.In(ABI) {
		info.Export = ExportName(info.Name)
	}
	return &Def[A, R]{info: info, args: args, result: result, run: run}
}

// ExportName is the wasip1 export of an operation's JS name:
// retry.quickNext is wp_retry_quick_next.
func ExportName(name string) string {
	return "wp_" + ABIName(strings.ReplaceAll(name, ".", "_"))
}

// withDefaults sets the arguments' defaults, which JS keeps for what it
// leaves out.
func (d *Def[A, R]) withDefaults(init func(*A)) *Def[A, R] {
	d.init = init
	return d
}

// None is the arguments or result of an operation that has none.
type None struct{}

func none(Fields, *None) {}

// bytesResult is a result that is one byte string.
func bytesResult(f Fields, b *[]byte) { f.Bytes(Field{}, b) }

// Keys.

var GenerateKey = Define(Info{Name: "generateKey", Go: "Module.GenerateKey",
	Doc: "A new private key of an algorithm, as bytes the app stores, and its public key."},
	func(f Fields, a *core.Algorithm) { algorithm(f, Field{Name: "algorithm"}, a) },
	key,
	func(_ Env, a *core.Algorithm, r *Key) error {
		k, err := core.GenerateKey(*a)
		if err == nil {
			*r = newKey(k)
		}
		return err
	})

var LoadKey = Define(Info{Name: "loadKey", Go: "Module.LoadKey",
	Doc: "Loads a private key from its bytes (into the key cache) and derives its public key."},
	privateKeyArgs,
	key,
	func(_ Env, a *Key, r *Key) error {
		k, err := keyCache.Load(a.Algorithm, a.PrivateKey)
		if err == nil {
			*r = newKey(k)
		}
		return err
	})

func privateKeyArgs(f Fields, k *Key) {
	algorithm(f, Field{Name: "algorithm"}, &k.Algorithm)
	f.Bytes(Field{Name: "privateKey", Arg: 1, Max: maxPublicKey}, &k.PrivateKey)
}

// PublicKeyArgs is a public key and its algorithm.
type PublicKeyArgs struct {
	Algorithm core.Algorithm
	PublicKey []byte
}

var ValidatePublicKey = Define(Info{Name: "validatePublicKey", Go: "Module.ValidatePublicKey",
	Doc: "Fails unless a public key is valid for its algorithm."},
	func(f Fields, a *PublicKeyArgs) {
		algorithm(f, Field{Name: "algorithm"}, &a.Algorithm)
		f.Bytes(Field{Name: "publicKey", Arg: 1, Max: maxPublicKey}, &a.PublicKey)
	},
	none,
	func(_ Env, a *PublicKeyArgs, _ *None) error { return core.ValidatePublicKey(a.Algorithm, a.PublicKey) })

// Key package extensions.

var EncodeWrapperEncryption = Define(Info{Name: "encodeWrapperEncryption", Go: "Module.EncodeWrapperEncryption",
	Doc: "The 0xff03 key package extension (WelcomeWrapperEncryption) for a public key."},
	func(f Fields, a *PublicKeyArgs) {
		f.Bytes(Field{Name: "publicKey", Max: maxPublicKey}, &a.PublicKey)
		algorithm(f, Field{Name: "algorithm", Arg: 1}, &a.Algorithm)
	},
	bytesResult,
	func(_ Env, a *PublicKeyArgs, r *[]byte) (err error) {
		*r, err = core.EncodeWrapperEncryption(a.PublicKey, a.Algorithm)
		return err
	})

var DecodeWrapperEncryption = Define(Info{Name: "decodeWrapperEncryption", Go: "Module.ParseWrapperEncryption",
	Doc: "Decodes a 0xff03 payload; the key is validated for its algorithm."},
	func(f Fields, b *[]byte) { f.Bytes(Field{Name: "payload", Max: core.MaxExtensionSize}, b) },
	func(f Fields, r *PublicKeyArgs) {
		f.Bytes(Field{Name: "publicKey"}, &r.PublicKey)
		algorithm(f, Field{Name: "algorithm"}, &r.Algorithm)
	},
	func(_ Env, b *[]byte, r *PublicKeyArgs) (err error) {
		r.PublicKey, r.Algorithm, err = core.ParseWrapperEncryption(*b)
		return err
	})

func aeadTypes(f Fields, fd Field, types *[]core.AEADType) {
	fd.Max = core.MaxPointeeAEADTypes
	List(f, fd, types, aeadType)
}

var EncodePointeeAEADTypes = Define(Info{Name: "encodePointeeAeadTypes", Go: "Module.EncodePointeeAEADTypes",
	Doc: "The 0xff04 key package extension (WelcomePointeeEncryptionAeadTypesExtension); only the types this package implements."},
	func(f Fields, t *[]core.AEADType) { aeadTypes(f, Field{Name: "types"}, t) },
	bytesResult,
	func(_ Env, t *[]core.AEADType, r *[]byte) error {
		for _, t := range *t {
			if t != core.AEADChaCha20Poly1305 {
				return fmt.Errorf("%w: pointee AEAD type %d", core.ErrUnsupported, t)
			}
		}
		*r = core.EncodePointeeAEADTypes(*t)
		return nil
	})

var DecodePointeeAEADTypes = Define(Info{Name: "decodePointeeAeadTypes", Go: "Module.ParsePointeeAEADTypes",
	Doc: "Decodes a 0xff04 payload; unknown values are kept."},
	func(f Fields, b *[]byte) { f.Bytes(Field{Name: "payload", Max: core.MaxExtensionSize}, b) },
	func(f Fields, t *[]core.AEADType) { aeadTypes(f, Field{}, t) },
	func(_ Env, b *[]byte, r *[]core.AEADType) (err error) {
		*r, err = core.ParsePointeeAEADTypes(*b)
		return err
	})

// KeyPackageFields is what a key package says of an installation; the
// extensions are nil (empty in the ABI) when it lacks them.
type KeyPackageFields struct {
	InstallationKey   []byte
	InitKey           []byte
	WrapperEncryption []byte // 0xff03 payload
	PointeeAEADTypes  []byte // 0xff04 payload
}

// InstallationResult is an installation and whether it takes pointers.
type InstallationResult struct {
	Installation   core.Installation
	PointerCapable bool
}

var InstallationFromExtensions = Define(Info{Name: "installationFromExtensions", Go: "Module.InstallationFromExtensions",
	Doc: "An installation from its key package's installation key, init key and 0xff03 and 0xff04 payloads."},
	func(f Fields, a *KeyPackageFields) {
		f.Object(Field{Name: "fields"}, func(f Fields) {
			f.Bytes(Field{Name: "installationKey", Optional: true, Max: maxInstallationKey}, &a.InstallationKey)
			f.Bytes(Field{Name: "initKey", Optional: true, Max: maxPublicKey}, &a.InitKey)
			f.Bytes(Field{Name: "wrapperEncryption", Optional: true, Max: core.MaxExtensionSize}, &a.WrapperEncryption)
			f.Bytes(Field{Name: "pointeeAeadTypes", Optional: true, Max: core.MaxExtensionSize}, &a.PointeeAEADTypes)
		})
	},
	func(f Fields, r *InstallationResult) {
		installation(f, &r.Installation)
		f.Bool(Field{Name: "pointerCapable"}, &r.PointerCapable)
	},
	func(_ Env, a *KeyPackageFields, r *InstallationResult) (err error) {
		r.Installation, err = core.InstallationFromExtensions(a.InstallationKey, a.InitKey, a.WrapperEncryption, a.PointeeAEADTypes)
		r.PointerCapable = r.Installation.PointerCapable()
		return err
	})

// Sealing.

// SealArgs is what sealing a Welcome takes.
type SealArgs struct {
	Welcome       []byte
	Cursor        uint64
	Sealing       Sealing
	Installations []core.Installation
}

var SealInvite = Define(Info{Name: "sealInvite", Go: "Module.SealInvite", Async: true, Seal: true,
	Doc: "Seals a Welcome for installations: the pointee, a pointer per pointer-capable installation (when three or more are), direct welcomes for the others."},
	func(f Fields, a *SealArgs) {
		f.Bytes(Field{Name: "welcome", Max: a.Sealing.welcomeCap()}, &a.Welcome)
		Uint(f, Field{Name: "cursor", Arg: 1, Bits: 64}, &a.Cursor)
		sealing(f, &a.Sealing, 3)
		installations(f, Field{Name: "installations", Arg: 2}, &a.Installations)
	},
	invite,
	func(env Env, a *SealArgs, r *core.Invite) error {
		inv, err := core.SealInvite(a.Welcome, a.Cursor, a.Installations, a.Sealing.options(env))
		if err == nil {
			*r = *inv
		}
		return err
	})

// SealDirectArgs is what sealing a direct welcome takes.
type SealDirectArgs struct {
	Welcome      []byte
	Cursor       uint64
	Sealing      Sealing
	Installation core.Installation
}

var SealDirect = Define(Info{Name: "sealDirect", Go: "Module.SealDirect", Seal: true,
	Doc: "One direct welcome (a WelcomeMessageInput V1) for one installation."},
	func(f Fields, a *SealDirectArgs) {
		f.Bytes(Field{Name: "welcome", Max: a.Sealing.welcomeCap()}, &a.Welcome)
		Uint(f, Field{Name: "cursor", Arg: 1, Bits: 64}, &a.Cursor)
		sealing(f, &a.Sealing, 3)
		f.Object(Field{Name: "installation", Arg: 2}, func(f Fields) { installation(f, &a.Installation) })
	},
	bytesResult,
	func(env Env, a *SealDirectArgs, r *[]byte) (err error) {
		*r, err = core.SealDirect(a.Welcome, a.Cursor, a.Installation, a.Sealing.options(env))
		return err
	})

var CheckInstallations = Define(Info{Name: "checkInstallations", Go: "Module.CheckInstallations",
	Doc: "sealInvite's checks of installations, and which of them take pointers."},
	func(f Fields, ins *[]core.Installation) { installations(f, Field{Name: "installations"}, ins) },
	func(f Fields, capable *[]bool) {
		List(f, Field{Max: maxInstallations}, capable, func(f Fields, b *bool) { f.Bool(Field{}, b) })
	},
	func(_ Env, ins *[]core.Installation, r *[]bool) (err error) {
		*r, err = core.CheckInstallations(*ins)
		return err
	})

// SealPointeeArgs is what sealing a pointee takes.
type SealPointeeArgs struct {
	Welcome []byte
	Cursor  uint64
	Sealing Sealing
}

// SealedPointee is the pointee message and the stored form of its pointer
// (a secret: it holds the pointee's key).
type SealedPointee struct {
	Message core.OutgoingMessage
	Pointer []byte
}

var SealPointee = Define(Info{Name: "sealPointee", Go: "Module.SealPointee", Seal: true,
	Doc: "Encrypts a Welcome as a pointee under a fresh pointer, to seal for installations with sealPointers."},
	func(f Fields, a *SealPointeeArgs) {
		f.Bytes(Field{Name: "welcome", Max: a.Sealing.welcomeCap()}, &a.Welcome)
		Uint(f, Field{Name: "cursor", Arg: 1, Bits: 64}, &a.Cursor)
		sealing(f, &a.Sealing, 2)
	},
	func(f Fields, r *SealedPointee) {
		message(f, &r.Message)
		f.Bytes(Field{Name: "pointer", Secret: true}, &r.Pointer)
	},
	func(env Env, a *SealPointeeArgs, r *SealedPointee) error {
		m, ptr, err := core.SealPointee(a.Welcome, a.Cursor, a.Sealing.options(env))
		if err == nil {
			*r = SealedPointee{Message: m, Pointer: ptr.Marshal()}
		}
		return err
	})

// SealPointersArgs is what sealing a pointer for installations takes.
type SealPointersArgs struct {
	Pointer       []byte // its stored form
	Sealing       Sealing
	Installations []core.Installation
}

var SealPointers = Define(Info{Name: "sealPointers", Go: "Module.SealPointers", Async: true, Seal: true,
	Doc: "Seals a pointer for pointer-capable installations: one pointer message each, in order."},
	func(f Fields, a *SealPointersArgs) {
		pointerArg(f, 0, &a.Pointer)
		sealing(f, &a.Sealing, 2)
		installations(f, Field{Name: "installations", Arg: 1}, &a.Installations)
	},
	messages,
	func(env Env, a *SealPointersArgs, r *[]core.OutgoingMessage) error {
		ptr, err := core.ParsePointer(a.Pointer)
		if err != nil {
			return err
		}
		*r, err = core.SealPointers(ptr, a.Installations, a.Sealing.options(env))
		return err
	})

// Opening.

// OpenWelcomeArgs is what opening a welcome message takes.
type OpenWelcomeArgs struct {
	Options core.OpenOptions
	Message []byte
	Keys    []Key
}

func form(f Fields, o *core.OpenOptions, arg int) {
	Uint(f, Field{Name: "form", Arg: arg, Option: true, Optional: true, Bits: 8, Names: formNames}, &o.Form)
}

func maxMessageSize(f Fields, o *core.OpenOptions, arg int) {
	Uint(f, Field{Name: "maxMessageSize", Arg: arg, Option: true, Optional: true, Bits: 32, Min: 1, Max: maxSizeOption}, &o.MaxMessageSize)
}

var OpenWelcome = Define(Info{Name: "openWelcome", Go: "Module.OpenWelcome",
	Doc: "Opens a welcome message (a direct welcome or a pointer) with whichever of the keys it is addressed to."},
	openWelcomeArgs,
	received,
	func(_ Env, a *OpenWelcomeArgs, r *core.Received) error {
		keys, err := a.loadKeys()
		if err != nil {
			return err
		}
		rec, err := core.OpenWelcome(a.Message, keys, &a.Options)
		if err == nil {
			*r = *rec
		}
		return err
	})

// loadKeys loads the keys through the key cache.
func (a *OpenWelcomeArgs) loadKeys() ([]*core.PrivateKey, error) {
	keys := make([]*core.PrivateKey, len(a.Keys))
	for i, k := range a.Keys {
		var err error
		if keys[i], err = keyCache.Load(k.Algorithm, k.PrivateKey); err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
	}
	return keys, nil
}

var ParsePointer = Define(Info{Name: "parsePointer", Go: "Module.ParsePointer",
	Doc: "Checks a pointer's stored form and describes it."},
	func(f Fields, b *[]byte) { pointerArg(f, 0, b) },
	pointerInfo,
	func(_ Env, b *[]byte, r *PointerInfo) error {
		p, err := core.ParsePointer(*b)
		if err == nil {
			*r = newPointerInfo(p)
		}
		return err
	})

// OpenPointeeArgs is what opening a pointee takes.
type OpenPointeeArgs struct {
	Options      core.OpenOptions
	Pointer      []byte // its stored form
	FirstMessage []byte
}

func openPointeeArgs(f Fields, a *OpenPointeeArgs) {
	form(f, &a.Options, 2)
	pointerArg(f, 0, &a.Pointer)
	f.Bytes(Field{Name: "firstMessage", Arg: 1, Max: capOf(a.Options.MaxMessageSize)}, &a.FirstMessage)
	maxMessageSize(f, &a.Options, 2)
}

var OpenPointee = Define(Info{Name: "openPointee", Go: "Module.OpenPointee",
	Doc: "Opens the pointee a pointer names: the FIRST message on the pointer's topic, never a later one."},
	openPointeeArgs,
	pointee,
	func(_ Env, a *OpenPointeeArgs, r *core.OpenedPointee) error {
		ptr, err := core.ParsePointer(a.Pointer)
		if err != nil {
			return err
		}
		p, err := core.OpenPointee(ptr, a.FirstMessage, &a.Options)
		if err == nil {
			*r = *p
		}
		return err
	})

// Inspection and the network's stand-ins.

// InspectArgs is what inspecting takes: a kind (one of the core.Inspect*
// names; "auto" or empty tries them) and the bytes.
type InspectArgs struct {
	Kind  string
	Input []byte
}

var Inspect = Define(Info{Name: "inspect", Go: "Module.Inspect",
	Doc: "A JSON-friendly view of any of the wire messages; nothing is decrypted."},
	func(f Fields, a *InspectArgs) {
		f.String(Field{Name: "kind", Arg: 1, Optional: true, Max: 64}, &a.Kind)
		f.Bytes(Field{Name: "input", Max: int64(core.InspectMaxSize(a.Kind))}, &a.Input)
	},
	func(f Fields, r *map[string]any) { f.JSON(Field{}, r) },
	func(_ Env, a *InspectArgs, r *map[string]any) (err error) {
		*r, err = core.Inspect(a.Kind, a.Input)
		return err
	}).withDefaults(func(a *InspectArgs) { a.Kind = core.InspectAuto })

// PublishedArgs is a published message as a node receives it, with the id
// and time the node gives it.
type PublishedArgs struct {
	Input     []byte
	ID        uint64
	CreatedNs uint64
}

var ToWelcomeMessage = Define(Info{Name: "toWelcomeMessage", Go: "Module.ToWelcomeMessage",
	Doc: "What a node returns for a published WelcomeMessageInput (core/xmtpnode)."},
	func(f Fields, a *PublishedArgs) {
		f.Bytes(Field{Name: "input", Max: core.DefaultMaxMessageSize}, &a.Input)
		Uint(f, Field{Name: "id", Arg: 1, Bits: 64}, &a.ID)
		Uint(f, Field{Name: "createdNs", Arg: 2, Bits: 64}, &a.CreatedNs)
	},
	bytesResult,
	func(_ Env, a *PublishedArgs, r *[]byte) (err error) {
		*r, err = xmtpnode.ToWelcomeMessage(a.Input, a.ID, a.CreatedNs)
		return err
	})

// Topic is where a node delivers a published message, and its
// deduplication key.
type Topic struct {
	Topic    []byte
	DedupKey []byte
}

var InputTopic = Define(Info{Name: "inputTopic", Go: "Module.InputTopic",
	Doc: "The topic a published message goes to, and the node's deduplication key (core/xmtpnode)."},
	func(f Fields, b *[]byte) { f.Bytes(Field{Name: "input", Max: core.DefaultMaxMessageSize}, b) },
	func(f Fields, r *Topic) {
		f.Bytes(Field{Name: "topic"}, &r.Topic)
		f.Bytes(Field{Name: "dedupKey"}, &r.DedupKey)
	},
	func(_ Env, b *[]byte, r *Topic) error {
		topic, key, err := xmtpnode.InputTopic(*b)
		if err == nil {
			*r = Topic{Topic: topic, DedupKey: key[:]}
		}
		return err
	})

// The retry schedule (core.RetryPolicy): every operation takes the
// policy, complete; retry.policy completes and validates one. In JS the
// policy the module returned is read once and remembered.

func policyArg(f Fields, p *core.RetryPolicy) { policy(f, Field{Name: "policy", Optional: true}, p) }

func policyResult(f Fields, p *core.RetryPolicy) { policy(f, Field{}, p) }

func defaultPolicy(p *core.RetryPolicy) { *p = core.DefaultRetryPolicy() }

var DefaultRetryPolicy = Define(Info{Name: "retry.defaultPolicy", Go: "Module.DefaultRetryPolicy",
	Doc: "The deployed client's retry schedule."},
	none,
	policyResult,
	func(_ Env, _ *None, r *core.RetryPolicy) error {
		*r = core.DefaultRetryPolicy()
		return nil
	})

var RetryPolicy = Define(Info{Name: "retry.policy", Go: "Schedule.Validate",
	Doc: "A complete and valid retry policy: the defaults with the given fields, validated."},
	policyArg,
	policyResult,
	func(_ Env, a *core.RetryPolicy, r *core.RetryPolicy) error {
		*r = *a
		return a.Validate()
	}).withDefaults(defaultPolicy)

// TimesArgs is a policy and two times.
type TimesArgs struct {
	Policy      core.RetryPolicy
	WelcomeTime time.Time
	Now         time.Time
}

func timesArgs(f Fields, a *TimesArgs) {
	policyArg(f, &a.Policy)
	f.Time(Field{Name: "welcomeTimeMs", Arg: 1, Min: -maxTimeMs, Max: maxTimeMs}, &a.WelcomeTime)
	f.Time(Field{Name: "nowMs", Arg: 2, Min: -maxTimeMs, Max: maxTimeMs}, &a.Now)
}

var NewPending = Define(Info{Name: "retry.newPending", Go: "Schedule.NewPending",
	Doc: "Schedules a pointer whose quick phase failed; drop is ERR_EXPIRED when the welcome is too old to keep."},
	timesArgs,
	pending,
	func(_ Env, a *TimesArgs, r *Pending) error {
		r.Pending, r.Drop = a.Policy.NewPending(a.WelcomeTime, a.Now)
		return nil
	}).withDefaults(func(a *TimesArgs) { defaultPolicy(&a.Policy) })

// StateArgs is a policy, a pending pointer's state and the time.
type StateArgs struct {
	Policy core.RetryPolicy
	State  core.Pending
	Now    time.Time
}

func stateArgs(f Fields, a *StateArgs) {
	policyArg(f, &a.Policy)
	pendingState(f, Field{Name: "state", Arg: 1}, &a.State)
	f.Time(Field{Name: "nowMs", Arg: 2, Min: -maxTimeMs, Max: maxTimeMs}, &a.Now)
}

func stateDefaults(a *StateArgs) { defaultPolicy(&a.Policy) }

var Failed = Define(Info{Name: "retry.failed", Go: "Schedule.Failed",
	Doc: "Records a failed deferred attempt: the next state, and why the pointer must be dropped now, if it must."},
	stateArgs,
	pending,
	func(_ Env, a *StateArgs, r *Pending) error {
		r.Pending, r.Drop = a.Policy.Failed(a.State, a.Now)
		return nil
	}).withDefaults(stateDefaults)

var Check = Define(Info{Name: "retry.check", Go: "Schedule.Check",
	Doc: "ERR_EXPIRED or ERR_ATTEMPTS_EXHAUSTED for a pending pointer that must be dropped, or none."},
	stateArgs,
	func(f Fields, r *error) { f.Error(Field{Nullable: true}, r) },
	func(_ Env, a *StateArgs, r *error) error {
		*r = a.Policy.Check(a.State, a.Now)
		return nil
	}).withDefaults(stateDefaults)

var IsDue = Define(Info{Name: "retry.isDue", Go: "Schedule.IsDue",
	Doc: "Whether a deferred attempt should run now."},
	stateArgs,
	func(f Fields, r *bool) { f.Bool(Field{}, r) },
	func(_ Env, a *StateArgs, r *bool) error {
		*r = a.Policy.IsDue(a.State, a.Now)
		return nil
	}).withDefaults(stateDefaults)

// CountArgs is a policy and a number of attempts, with the jitter to add
// where the schedule takes one.
type CountArgs struct {
	Policy  core.RetryPolicy
	N       int
	Elapsed time.Duration
	Jitter  time.Duration
}

func countDefaults(a *CountArgs) { defaultPolicy(&a.Policy) }

func durationResult(f Fields, d *time.Duration) { f.Duration(Field{}, d) }

var Delay = Define(Info{Name: "retry.delay", Go: "Schedule.Delay",
	Doc: "The wait after a number of failed deferred attempts."},
	func(f Fields, a *CountArgs) {
		policyArg(f, &a.Policy)
		Uint(f, Field{Name: "attempts", Arg: 1, Bits: 32, Max: maxEnum}, &a.N)
	},
	durationResult,
	func(_ Env, a *CountArgs, r *time.Duration) error {
		*r = a.Policy.Delay(a.N)
		return nil
	}).withDefaults(countDefaults)

func jitter(f Fields, a *CountArgs, arg int) {
	f.Duration(Field{Name: "jitterMs", Arg: arg, Max: maxDurationMs}, &a.Jitter)
}

var QuickDelay = Define(Info{Name: "retry.quickDelay", Go: "Schedule.QuickDelay",
	Doc: "The wait before quick try number attempt (0 for the first), with the caller's jitter."},
	func(f Fields, a *CountArgs) {
		policyArg(f, &a.Policy)
		Uint(f, Field{Name: "attempt", Arg: 1, Bits: 32, Max: maxEnum}, &a.N)
		jitter(f, a, 2)
	},
	durationResult,
	func(_ Env, a *CountArgs, r *time.Duration) error {
		*r = a.Policy.Quick.QuickDelay(a.N, a.Jitter)
		return nil
	}).withDefaults(countDefaults)

// QuickPlan is the quick phase's next step: the wait before the next try,
// or More false when the phase is over.
type QuickPlan struct {
	More bool
	Wait time.Duration
}

var QuickNext = Define(Info{Name: "retry.quickNext", Go: "Schedule.QuickNext",
	Doc: "After a number of quick tries, the first of which started elapsed ago: the wait before the next, or none when the quick phase is over."},
	func(f Fields, a *CountArgs) {
		policyArg(f, &a.Policy)
		Uint(f, Field{Name: "tries", Arg: 1, Bits: 32, Max: maxEnum}, &a.N)
		f.Duration(Field{Name: "elapsedMs", Arg: 2, Max: maxDurationMs}, &a.Elapsed)
		jitter(f, a, 3)
	},
	func(f Fields, r *QuickPlan) {
		f.Bool(Field{Name: "more"}, &r.More)
		f.Duration(Field{Name: "waitMs"}, &r.Wait)
	},
	func(_ Env, a *CountArgs, r *QuickPlan) error {
		r.Wait, r.More = a.Policy.Quick.Next(a.N, a.Elapsed, a.Jitter)
		return nil
	}).withDefaults(countDefaults)

var KeepUntil = Define(Info{Name: "retry.keepUntil", Go: "Schedule.KeepUntil",
	Doc: "How long to remember a settled pointer so that a duplicate of it collapses."},
	timesArgs,
	func(f Fields, r *time.Time) { f.Time(Field{}, r) },
	func(_ Env, a *TimesArgs, r *time.Time) error {
		*r = a.Policy.KeepUntil(a.WelcomeTime, a.Now)
		return nil
	}).withDefaults(func(a *TimesArgs) { defaultPolicy(&a.Policy) })

var IsFinal = Define(Info{Name: "isFinal", Go: "Module.IsFinal",
	Doc: "Whether a pending pointer's failure is final: retrying cannot help (core.IsFinal)."},
	func(f Fields, err *error) { f.Error(Field{Name: "code"}, err) },
	func(f Fields, r *bool) { f.Bool(Field{}, r) },
	func(_ Env, err *error, r *bool) error {
		*r = core.IsFinal(*err)
		return nil
	})

// The key cache.

var ClearKeyCache = Define(Info{Name: "clearKeyCache", Go: "Module.ClearKeyCache", Plain: true,
	Doc: "Zeroes and forgets the private keys the module keeps loaded (its last 8)."},
	none,
	none,
	func(Env, *None, *None) error {
		keyCache.Clear()
		return nil
	})
