package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// Result is what an operation gave for a case: an error code
// ("ERR_MALFORMED"...), or "ok" and a digest of the value (see View).
// Builds agree when their Results are equal.
type Result string

// Err is the Result of an error: the code of the error it wraps
// (ops.CodeOf), or "untyped: ..." (which no build may give).
func Err(err error) Result {
	if c := ops.CodeOf(err); c.Err != nil && errors.Is(err, c.Err) {
		return Result(c.Name)
	}
	return Result("untyped: " + err.Error())
}

// OK is the Result of a value, given as its View: "ok" and the first 16
// hex digits of the sha256 of the View's JSON (keys sorted, no spaces;
// the JS test computes the same).
func OK(view map[string]any) Result {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(view); err != nil {
		return Result("untyped: " + err.Error())
	}
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return Result("ok " + hex.EncodeToString(sum[:8]))
}

// Views: what of each operation's value the builds compare. Bytes are
// hex, 64-bit numbers decimal strings, other numbers numbers.

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// ReceivedView is the view of what openWelcome returns; pointer is the
// stored form, nil for a direct welcome.
func ReceivedView(kind core.MessageKind, id, createdNs uint64, installationKey []byte, kemID core.KEMID, welcome []byte, cursor uint64, hasCursor bool, pointer []byte) map[string]any {
	v := map[string]any{
		"kind": kind.String(), "id": u64(id), "createdNs": u64(createdNs),
		"installationKey": hex.EncodeToString(installationKey), "kemId": int(kemID),
	}
	if kind == core.KindDirect {
		v["welcome"], v["cursor"], v["hasCursor"] = hex.EncodeToString(welcome), u64(cursor), hasCursor
	} else {
		v["pointer"] = hex.EncodeToString(pointer)
	}
	return v
}

// PointeeView is the view of what openPointee returns.
func PointeeView(p *core.OpenedPointee) map[string]any {
	return map[string]any{"welcome": hex.EncodeToString(p.Welcome), "cursor": u64(p.Cursor), "hasCursor": p.HasCursor}
}

// InstallationView is the view of what installationFromExtensions returns.
func InstallationView(in core.Installation) map[string]any {
	var types any
	if in.PointeeAEADTypes != nil {
		types = typesView(in.PointeeAEADTypes)
	}
	return map[string]any{
		"installationKey": hex.EncodeToString(in.InstallationKey), "wrapperPublicKey": hex.EncodeToString(in.WrapperPublicKey),
		"wrapperAlgorithm": int(in.WrapperAlgorithm), "pointeeAeadTypes": types, "pointerCapable": in.PointerCapable(),
	}
}

func typesView(ts []core.AEADType) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = int(t)
	}
	return out
}

// BytesView is the view of an operation that returns bytes.
func BytesView(b []byte) map[string]any { return map[string]any{"bytes": hex.EncodeToString(b)} }

// Done is the view of an operation that returns nothing (or a value the
// builds cannot compare, like a sealed message).
var Done = map[string]any{}

// The fixed arguments of the operations, besides the case's bytes.
var (
	// InstallationKey is the installation key of installationFromExtensions
	// and sealToKey.
	InstallationKey = []byte{0x1d, 0xff}
	// TypicalAEADTypes is the 0xff04 payload every released client sends.
	TypicalAEADTypes = []byte{0x0a, 0x01, 0x03}
	// SealedWelcome is what sealToKey seals.
	SealedWelcome = []byte("\x00\x01\x00\x03 sealed to a key")
)

const (
	// ToWelcomeMessage's id and created_ns.
	MessageID, MessageCreatedNs = 7, 8
)

// Extensions returns the initKey, wrapperEncryption and pointeeAeadTypes
// of installationFromExtensions for a case of that kind.
func (f *Fixture) Extensions(c Case) (initKey, ff03, ff04 []byte) {
	switch c.Kind {
	case "initKey":
		return c.Data, nil, TypicalAEADTypes
	case "wrapperEncryption":
		return nil, c.Data, TypicalAEADTypes
	default:
		return nil, f.WrapperEncryption, c.Data
	}
}

// Run gives c's Result in the native core. A panic is a Result no build
// may give.
func (f *Fixture) Run(c Case) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Result(fmt.Sprintf("panic: %v", p))
		}
	}()
	view, err := f.run(c)
	if err != nil {
		return Err(err)
	}
	return OK(view)
}

func (f *Fixture) run(c Case) (map[string]any, error) {
	var form *core.OpenOptions
	if c.Kind == "input" {
		form = &core.OpenOptions{Form: core.FormInput}
	}
	switch c.Op {
	case OpenWelcome:
		r, err := core.OpenWelcome(c.Data, f.loaded, form)
		if err != nil {
			return nil, err
		}
		var ptr []byte
		if r.Pointer != nil {
			ptr = r.Pointer.Marshal()
		}
		return ReceivedView(r.Kind, r.ID, r.CreatedNs, r.InstallationKey, r.KEMID, r.Welcome, r.Cursor, r.HasCursor, ptr), nil
	case OpenPointee:
		p, err := core.OpenPointee(f.ptr, c.Data, form)
		if err != nil {
			return nil, err
		}
		return PointeeView(p), nil
	case OpenPointeeStored:
		ptr, err := core.ParsePointer(c.Data)
		if err != nil {
			return nil, err
		}
		p, err := core.OpenPointee(ptr, f.PointeeMessage, nil)
		if err != nil {
			return nil, err
		}
		return PointeeView(p), nil
	case ParsePointer:
		p, err := core.ParsePointer(c.Data)
		if err != nil {
			return nil, err
		}
		return BytesView(p.Marshal()), nil
	case Inspect:
		return core.Inspect(c.Kind, c.Data)
	case ToWelcomeMessage:
		b, err := xmtpnode.ToWelcomeMessage(c.Data, MessageID, MessageCreatedNs)
		if err != nil {
			return nil, err
		}
		return BytesView(b), nil
	case InputTopic:
		topic, key, err := xmtpnode.InputTopic(c.Data)
		if err != nil {
			return nil, err
		}
		return map[string]any{"topic": hex.EncodeToString(topic), "dedupKey": hex.EncodeToString(key[:])}, nil
	case DecodeWrapperEncryption:
		pub, alg, err := core.ParseWrapperEncryption(c.Data)
		if err != nil {
			return nil, err
		}
		return map[string]any{"publicKey": hex.EncodeToString(pub), "algorithm": int(alg)}, nil
	case DecodePointeeAEADTypes:
		types, err := core.ParsePointeeAEADTypes(c.Data)
		if err != nil {
			return nil, err
		}
		return map[string]any{"types": typesView(types)}, nil
	case InstallationFromExtensions:
		initKey, ff03, ff04 := f.Extensions(c)
		in, err := core.InstallationFromExtensions(InstallationKey, initKey, ff03, ff04)
		if err != nil {
			return nil, err
		}
		return InstallationView(in), nil
	case ValidatePublicKey:
		alg, _ := strconv.Atoi(c.Kind)
		return Done, core.ValidatePublicKey(core.Algorithm(alg), c.Data)
	case SealToKey:
		_, err := core.SealDirect(SealedWelcome, 1, f.SealTo(c.Data), nil)
		return Done, err
	}
	return nil, fmt.Errorf("corpus: unknown operation %q", c.Op)
}

// SealTo is the installation sealToKey seals to.
func (f *Fixture) SealTo(key []byte) core.Installation {
	return core.Installation{InstallationKey: InstallationKey, WrapperPublicKey: key, WrapperAlgorithm: core.AlgorithmXWing}
}

// Loaded returns the fixture's private keys, loaded.
func (f *Fixture) Loaded() []*core.PrivateKey { return f.loaded }
