//go:build js && wasm

package main

import (
	"encoding/hex"
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
)

// Caps on byte arguments, checked before anything is copied into Go.
const (
	maxInstallationKey = 1 << 10
	maxPublicKey       = 1 << 12
	maxExtension       = core.MaxExtensionSize
	maxStoredPointer   = core.MaxPointerSize
	maxTopic           = 1 << 10
	maxInstallations   = 100_000
	maxKeys            = 1 << 10
	maxAEADTypes       = core.MaxPointeeAEADTypes
	maxMaxMessageSize  = 1 << 30
)

// export is the shape of every exported function: the arguments in, a
// JS value (or anything js.ValueOf takes) or an error out.
type export func(args []js.Value) (any, error)

// funcs holds every js.Func the namespace owns. They live as long as
// the program (the namespace stays callable), so they are released only
// by releaseNamespace, which tests use.
var funcs []js.Func

// syncFunc wraps fn for JS. Errors, including recovered panics, come
// back as the returned value: an instance of the error class with a
// stable code, which the JS package throws (a Go callback cannot throw).
func syncFunc(fn export) js.Func {
	f := js.FuncOf(func(this js.Value, args []js.Value) any {
		v, err := runProtected(func() (any, error) { return fn(args) })
		if err != nil {
			return newJSError(err)
		}
		return v
	})
	funcs = append(funcs, f)
	return f
}

// asyncFunc wraps fn, which returns a Promise itself; a panic before the
// Promise exists becomes a rejected Promise.
func asyncFunc(fn export) js.Func {
	f := js.FuncOf(func(this js.Value, args []js.Value) any {
		v, err := runProtected(func() (any, error) { return fn(args) })
		if err != nil {
			return rejected(err)
		}
		return v
	})
	funcs = append(funcs, f)
	return f
}

// releaseNamespace frees every callback; the namespace is unusable after.
func releaseNamespace() {
	for _, f := range funcs {
		f.Release()
	}
	funcs = nil
}

// newNamespace builds the one object registered on globalThis.
func newNamespace() js.Value {
	ns := newObject()
	ns.Set("version", version)
	ns.Set("constants", constants())
	ns.Set("setErrorClass", syncFunc(setErrorClass))

	ns.Set("generateKey", syncFunc(generateKey))
	ns.Set("loadKey", syncFunc(loadKey))
	ns.Set("validatePublicKey", syncFunc(validatePublicKey))

	ns.Set("encodeWrapperEncryption", syncFunc(encodeWrapperEncryption))
	ns.Set("decodeWrapperEncryption", syncFunc(decodeWrapperEncryption))
	ns.Set("encodePointeeAeadTypes", syncFunc(encodePointeeAEADTypes))
	ns.Set("decodePointeeAeadTypes", syncFunc(decodePointeeAEADTypes))
	ns.Set("installationFromExtensions", syncFunc(installationFromExtensions))

	ns.Set("sealInvite", asyncFunc(sealInvite))
	ns.Set("sealDirect", syncFunc(sealDirect))
	ns.Set("checkInstallations", syncFunc(checkInstallations))
	ns.Set("sealPointee", syncFunc(sealPointee))
	ns.Set("sealPointers", asyncFunc(sealPointers))
	ns.Set("openWelcome", syncFunc(openWelcome))
	ns.Set("parsePointer", syncFunc(parsePointer))
	ns.Set("openPointee", syncFunc(openPointee))

	ns.Set("inspect", syncFunc(inspect))
	ns.Set("toWelcomeMessage", syncFunc(toWelcomeMessage))
	ns.Set("inputTopic", syncFunc(inputTopic))

	ns.Set("retry", retryNamespace())
	addNativeExports(ns)
	ns.Set("clearKeyCache", syncFunc(clearKeyCache))
	ns.Set("dispose", syncFunc(dispose))
	return ns
}

func constants() js.Value {
	return js.ValueOf(map[string]any{
		"algorithm": map[string]any{
			"UNSPECIFIED":             int(core.AlgorithmUnspecified),
			"CURVE25519":              int(core.AlgorithmCurve25519),
			"XWING_MLKEM_768_DRAFT_6": int(core.AlgorithmXWing),
			"SYMMETRIC_KEY":           int(core.AlgorithmSymmetricKey),
		},
		"aeadType": map[string]any{
			"UNSPECIFIED":       int(core.AEADUnspecified),
			"CHACHA20_POLY1305": int(core.AEADChaCha20Poly1305),
		},
		"kemId": map[string]any{
			"XWING_DEPLOYED": int(core.KEMXWingDeployed),
			"XWING":          int(core.KEMXWing),
		},
		"extension": map[string]any{
			"WRAPPER_ENCRYPTION": core.ExtensionWrapperEncryption,
			"POINTEE_AEAD_TYPES": core.ExtensionPointeeAEADTypes,
		},
		"size": map[string]any{
			"XWING_PUBLIC_KEY":       core.XWingPublicKeySize,
			"XWING_PRIVATE_KEY":      core.XWingPrivateKeySize,
			"CURVE25519_PUBLIC_KEY":  core.Curve25519PublicKeySize,
			"CURVE25519_PRIVATE_KEY": core.Curve25519PrivateKeySize,
			"DESTINATION":            core.DestinationSize,
			"POINTEE_KEY":            core.PointeeKeySize,
			"POINTEE_NONCE":          core.PointeeNonceSize,
		},
		"minPointerInstallations": core.MinPointerInstallations,
		"defaultMaxMessageSize":   core.DefaultMaxMessageSize,
	})
}

// setErrorClass(cls): errors are built with new cls(code, message).
func setErrorClass(args []js.Value) (any, error) {
	cls := arg(args, 0)
	if kindOf(cls) != "function" {
		return nil, argError("error class must be a constructor, got %s", kindOf(cls))
	}
	errorClass = cls
	return nil, nil
}

// Keys.

func algorithmArg(v js.Value, name string) (core.Algorithm, error) {
	n, err := intArg(v, name, 0, 1<<31-1)
	return core.Algorithm(n), err
}

func keyToJS(k *core.PrivateKey) js.Value {
	o := newObject()
	o.Set("algorithm", int(k.Algorithm()))
	o.Set("privateKey", jsBytes(k.Bytes()))
	o.Set("publicKey", jsBytes(k.PublicKey()))
	return o
}

// generateKey(algorithm) -> {algorithm, privateKey, publicKey}
func generateKey(args []js.Value) (any, error) {
	alg, err := algorithmArg(arg(args, 0), "algorithm")
	if err != nil {
		return nil, err
	}
	k, err := core.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	return keyToJS(k), nil
}

func privateKeyArg(v js.Value, name string) (*core.PrivateKey, error) {
	o, err := objectArg(v, name)
	if err != nil {
		return nil, err
	}
	a, n, err := o.get("algorithm")
	if err != nil {
		return nil, err
	}
	alg, err := algorithmArg(a, n)
	if err != nil {
		return nil, err
	}
	p, n, err := o.get("privateKey")
	if err != nil {
		return nil, err
	}
	priv, err := bytesArg(p, n, maxPublicKey)
	if err != nil {
		return nil, err
	}
	return cachedPrivateKey(alg, priv)
}

// loadKey(algorithm, privateKey) -> {algorithm, privateKey, publicKey}
func loadKey(args []js.Value) (any, error) {
	alg, err := algorithmArg(arg(args, 0), "algorithm")
	if err != nil {
		return nil, err
	}
	priv, err := bytesArg(arg(args, 1), "privateKey", maxPublicKey)
	if err != nil {
		return nil, err
	}
	k, err := cachedPrivateKey(alg, priv)
	if err != nil {
		return nil, err
	}
	return keyToJS(k), nil
}

// validatePublicKey(algorithm, publicKey) -> undefined
func validatePublicKey(args []js.Value) (any, error) {
	alg, err := algorithmArg(arg(args, 0), "algorithm")
	if err != nil {
		return nil, err
	}
	pub, err := bytesArg(arg(args, 1), "publicKey", maxPublicKey)
	if err != nil {
		return nil, err
	}
	return nil, core.ValidatePublicKey(alg, pub)
}

// Key package extensions.

// encodeWrapperEncryption(publicKey, algorithm) -> Uint8Array (0xff03)
func encodeWrapperEncryption(args []js.Value) (any, error) {
	pub, err := bytesArg(arg(args, 0), "publicKey", maxPublicKey)
	if err != nil {
		return nil, err
	}
	alg, err := algorithmArg(arg(args, 1), "algorithm")
	if err != nil {
		return nil, err
	}
	b, err := core.EncodeWrapperEncryption(pub, alg)
	if err != nil {
		return nil, err
	}
	return jsBytes(b), nil
}

// decodeWrapperEncryption(payload) -> {publicKey, algorithm}
func decodeWrapperEncryption(args []js.Value) (any, error) {
	b, err := bytesArg(arg(args, 0), "payload", maxExtension)
	if err != nil {
		return nil, err
	}
	pub, alg, err := core.ParseWrapperEncryption(b)
	if err != nil {
		return nil, err
	}
	o := newObject()
	o.Set("publicKey", jsBytes(pub))
	o.Set("algorithm", int(alg))
	return o, nil
}

func aeadTypesArg(v js.Value, name string) ([]core.AEADType, error) {
	n, err := arrayArg(v, name, maxAEADTypes)
	if err != nil {
		return nil, err
	}
	types := make([]core.AEADType, n)
	for i := range n {
		e, en, err := index(v, i, name)
		if err != nil {
			return nil, err
		}
		t, err := intArg(e, en, 0, 1<<31-1)
		if err != nil {
			return nil, err
		}
		types[i] = core.AEADType(t)
	}
	return types, nil
}

// encodePointeeAeadTypes(types) -> Uint8Array (0xff04). Only types this
// package implements may be advertised.
func encodePointeeAEADTypes(args []js.Value) (any, error) {
	types, err := aeadTypesArg(arg(args, 0), "types")
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		if t != core.AEADChaCha20Poly1305 {
			return nil, unsupported("pointee AEAD type %d", int(t))
		}
	}
	return jsBytes(core.EncodePointeeAEADTypes(types)), nil
}

// decodePointeeAeadTypes(payload) -> number[]; unknown values are kept.
func decodePointeeAEADTypes(args []js.Value) (any, error) {
	b, err := bytesArg(arg(args, 0), "payload", maxExtension)
	if err != nil {
		return nil, err
	}
	types, err := core.ParsePointeeAEADTypes(b)
	if err != nil {
		return nil, err
	}
	return jsArray(types, func(t core.AEADType) any { return int(t) }), nil
}

// installationFromExtensions({installationKey, initKey, wrapperEncryption,
// pointeeAeadTypes}) -> Installation
func installationFromExtensions(args []js.Value) (any, error) {
	o, err := objectArg(arg(args, 0), "key package fields")
	if err != nil {
		return nil, err
	}
	fields := [4]struct {
		name string
		max  int
		b    []byte
	}{{"installationKey", maxInstallationKey, nil}, {"initKey", maxPublicKey, nil}, {"wrapperEncryption", maxExtension, nil}, {"pointeeAeadTypes", maxExtension, nil}}
	for i := range fields {
		f := &fields[i]
		e, n, err := o.get(f.name)
		if err != nil {
			return nil, err
		}
		if f.b, err = optBytesArg(e, n, f.max); err != nil {
			return nil, err
		}
	}
	in, err := core.InstallationFromExtensions(fields[0].b, fields[1].b, fields[2].b, fields[3].b)
	if err != nil {
		return nil, err
	}
	return installationToJS(&in), nil
}

func installationToJS(in *core.Installation) js.Value {
	o := newObject()
	o.Set("installationKey", jsBytes(in.InstallationKey))
	o.Set("wrapperPublicKey", jsBytes(in.WrapperPublicKey))
	o.Set("wrapperAlgorithm", int(in.WrapperAlgorithm))
	if in.PointeeAEADTypes == nil {
		o.Set("pointeeAeadTypes", js.Null())
	} else {
		o.Set("pointeeAeadTypes", jsArray(in.PointeeAEADTypes, func(t core.AEADType) any { return int(t) }))
	}
	o.Set("pointerCapable", in.PointerCapable())
	return o
}

func installationArg(v js.Value, name string) (core.Installation, error) {
	var in core.Installation
	o, err := objectArg(v, name)
	if err != nil {
		return in, err
	}
	e, n, err := o.get("installationKey")
	if err != nil {
		return in, err
	}
	if in.InstallationKey, err = bytesArg(e, n, maxInstallationKey); err != nil {
		return in, err
	}
	if e, n, err = o.get("wrapperPublicKey"); err != nil {
		return in, err
	}
	if in.WrapperPublicKey, err = bytesArg(e, n, maxPublicKey); err != nil {
		return in, err
	}
	if e, n, err = o.get("wrapperAlgorithm"); err != nil {
		return in, err
	}
	if in.WrapperAlgorithm, err = algorithmArg(e, n); err != nil {
		return in, err
	}
	if e, n, err = o.get("pointeeAeadTypes"); err != nil {
		return in, err
	}
	if !isMissing(e) {
		if in.PointeeAEADTypes, err = aeadTypesArg(e, n); err != nil {
			return in, err
		}
	}
	return in, nil
}

// Sealing.

type sealArgs struct {
	opts     core.SealOptions
	progress js.Value
	signal   js.Value
}

// sealOptionKeys are the options of every seal export.
var sealOptionKeys = []string{"kemId", "maxMessageSize", "onProgress", "signal"}

func sealOptionsArg(v js.Value) (*sealArgs, error) {
	s := &sealArgs{progress: js.Undefined(), signal: js.Undefined()}
	o, ok, err := optObjectArg(v, "options")
	if err != nil || !ok {
		return s, err
	}
	if err := o.only(sealOptionKeys...); err != nil {
		return nil, err
	}
	e, n, err := o.get("kemId")
	if err != nil {
		return nil, err
	}
	kem, err := optIntArg(e, n, 0, 0xffff, 0)
	if err != nil {
		return nil, err
	}
	s.opts.KEMID = core.KEMID(kem)
	if e, n, err = o.get("maxMessageSize"); err != nil {
		return nil, err
	}
	if s.opts.MaxMessageSize, err = optIntArg(e, n, 1, maxMaxMessageSize, 0); err != nil {
		return nil, err
	}
	if e, n, err = o.get("onProgress"); err != nil {
		return nil, err
	}
	if s.progress, _, err = optFuncArg(e, n); err != nil {
		return nil, err
	}
	if e, n, err = o.get("signal"); err != nil {
		return nil, err
	}
	if !isMissing(e) {
		if _, err := objectArg(e, n); err != nil {
			return nil, err
		}
		s.signal = e
	}
	return s, nil
}

func (s *sealArgs) maxSize() int {
	if s.opts.MaxMessageSize > 0 {
		return s.opts.MaxMessageSize
	}
	return core.DefaultMaxMessageSize
}

// aborted reports whether options.signal is aborted.
func (s *sealArgs) aborted() bool {
	if s.signal.IsUndefined() {
		return false
	}
	a, err := member(s.signal, "aborted", "options.signal.aborted")
	return err == nil && a.Truthy()
}

var errAborted = &bridgeError{code: codeAborted, msg: "welcome pointers: sealing aborted"}

// report calls options.onProgress, ignoring what it throws.
func (s *sealArgs) report(done, total int) {
	if s.progress.IsUndefined() {
		return
	}
	protect(func() { s.progress.Invoke(done, total) })
}

// yieldOnProgress makes sealing hand the thread back to the event loop
// whenever the yielder's slice is spent: it reports progress then, and
// checks options.signal.
func (s *sealArgs) yieldOnProgress(y *yielder) {
	s.opts.Progress = func(done, total int) {
		if done < total && !y.due() {
			return
		}
		s.report(done, total)
		if done < total {
			y.yield()
			if s.aborted() {
				// Unwinds the seal; runProtected turns it into ERR_ABORTED.
				panic(errAborted)
			}
		}
	}
}

func installationsArg(v js.Value) ([]core.Installation, error) {
	if isPacked(v) {
		return packedInstallations(v)
	}
	n, err := arrayArg(v, "installations", maxInstallations)
	if err != nil {
		return nil, err
	}
	ins := make([]core.Installation, n)
	for i := range n {
		e, en, err := index(v, i, "installations")
		if err != nil {
			return nil, err
		}
		if ins[i], err = installationArg(e, en); err != nil {
			return nil, err
		}
	}
	return ins, nil
}

// sealInvite(welcome, cursor, installations, options) -> Promise<Invite>
//
// Arguments are checked and copied before the Promise is returned, so
// the caller may reuse its buffers at once. Sealing runs in a goroutine
// that yields to the event loop every few milliseconds; at each yield it
// reports progress and checks options.signal.
func sealInvite(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 3))
	if err != nil {
		return rejected(err), nil
	}
	welcome, err := bytesArg(arg(args, 0), "welcome", s.maxSize())
	if err != nil {
		return rejected(err), nil
	}
	cursor, err := uint64Arg(arg(args, 1), "cursor")
	if err != nil {
		return rejected(err), nil
	}
	packed := isPacked(arg(args, 2))
	ins, err := installationsArg(arg(args, 2))
	if err != nil {
		return rejected(err), nil
	}
	if s.aborted() {
		return rejected(errAborted), nil
	}
	y := newYielder()
	s.yieldOnProgress(y)
	return newPromise(y, func() (any, error) {
		inv, err := core.SealInvite(welcome, cursor, ins, &s.opts)
		if err != nil {
			return nil, err
		}
		if packed {
			return packMessages(inv.Destination, inv.Messages), nil
		}
		return inviteToJS(inv), nil
	}), nil
}

func inviteToJS(inv *core.Invite) js.Value {
	o := newObject()
	o.Set("destination", jsBytesOrNull(inv.Destination))
	o.Set("messages", jsArray(inv.Messages, func(m core.OutgoingMessage) any { return messageToJS(m) }))
	p, d := inv.Counts()
	o.Set("pointers", p)
	o.Set("direct", d)
	o.Set("size", inv.Size())
	return o
}

// sealDirect(welcome, cursor, installation, options) -> Uint8Array
func sealDirect(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 3))
	if err != nil {
		return nil, err
	}
	welcome, err := bytesArg(arg(args, 0), "welcome", s.maxSize())
	if err != nil {
		return nil, err
	}
	cursor, err := uint64Arg(arg(args, 1), "cursor")
	if err != nil {
		return nil, err
	}
	in, err := installationArg(arg(args, 2), "installation")
	if err != nil {
		return nil, err
	}
	b, err := core.SealDirect(welcome, cursor, in, &s.opts)
	if err != nil {
		return nil, err
	}
	return jsBytes(b), nil
}

// Opening.

type openArgs struct {
	input bool
	opts  core.OpenOptions
}

func openOptionsArg(v js.Value) (*openArgs, error) {
	o := &openArgs{}
	obj, ok, err := optObjectArg(v, "options")
	if err != nil || !ok {
		return o, err
	}
	if err := obj.only("form", "maxMessageSize"); err != nil {
		return nil, err
	}
	e, n, err := obj.get("form")
	if err != nil {
		return nil, err
	}
	form, err := optStringArg(e, n, 16, "message")
	if err != nil {
		return nil, err
	}
	switch form {
	case "message":
	case "input":
		o.input = true
	default:
		return nil, argError(`options.form must be "message" or "input", got %q`, form)
	}
	if e, n, err = obj.get("maxMessageSize"); err != nil {
		return nil, err
	}
	if o.opts.MaxMessageSize, err = optIntArg(e, n, 1, maxMaxMessageSize, 0); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *openArgs) maxSize() int {
	if o.opts.MaxMessageSize > 0 {
		return o.opts.MaxMessageSize
	}
	return core.DefaultMaxMessageSize
}

func keysArg(v js.Value) ([]*core.PrivateKey, error) {
	if isPacked(v) {
		return packedKeys(v)
	}
	n, err := arrayArg(v, "keys", maxKeys)
	if err != nil {
		return nil, err
	}
	keys := make([]*core.PrivateKey, n)
	for i := range n {
		e, en, err := index(v, i, "keys")
		if err != nil {
			return nil, err
		}
		if keys[i], err = privateKeyArg(e, en); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// openWelcome(message, keys, options) -> Received
func openWelcome(args []js.Value) (any, error) {
	o, err := openOptionsArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	msg, err := bytesArg(arg(args, 0), "message", o.maxSize())
	if err != nil {
		return nil, err
	}
	keys, err := keysArg(arg(args, 1))
	if err != nil {
		return nil, err
	}
	var r *core.Received
	if o.input {
		r, err = core.OpenWelcomeInput(msg, keys, &o.opts)
	} else {
		r, err = core.OpenWelcome(msg, keys, &o.opts)
	}
	if err != nil {
		return nil, err
	}
	if isPacked(arg(args, 1)) {
		return packReceived(r), nil
	}
	return receivedToJS(r), nil
}

func receivedToJS(r *core.Received) js.Value {
	o := newObject()
	o.Set("kind", r.Kind.String())
	o.Set("id", jsBigInt(r.ID))
	o.Set("createdNs", jsBigInt(r.CreatedNs))
	o.Set("installationKey", jsBytes(r.InstallationKey))
	o.Set("kemId", int(r.KEMID))
	if r.Kind == core.KindDirect {
		o.Set("welcome", jsBytes(r.Welcome))
		o.Set("cursor", jsBigInt(r.Cursor))
		o.Set("hasCursor", r.HasCursor)
	}
	if r.Pointer != nil {
		o.Set("pointer", pointerToJS(r.Pointer))
	}
	return o
}

// pointerToJS is the pointer's stored form plus a view without secrets.
func pointerToJS(p *core.Pointer) js.Value {
	id := p.ID()
	o := newObject()
	o.Set("bytes", jsBytes(p.Marshal()))
	o.Set("id", hex.EncodeToString(id[:]))
	o.Set("destination", hex.EncodeToString(p.Destination))
	o.Set("topic", jsBytes(p.Topic()))
	o.Set("decentralizedTopic", jsBytes(p.DecentralizedTopic()))
	o.Set("aeadType", int(p.AEADType))
	return o
}

// pointerArg reads a pointer's stored form: its bytes, or the pointer
// info openWelcome returned (whose bytes field holds them).
func pointerArg(v js.Value, name string) (*core.Pointer, error) {
	if kindOf(v) == "object" {
		o, _ := objectArg(v, name)
		var err error
		if v, name, err = o.get("bytes"); err != nil {
			return nil, err
		}
	}
	b, err := bytesArg(v, name, maxStoredPointer)
	if err != nil {
		return nil, err
	}
	return core.ParsePointer(b)
}

// parsePointer(bytes) -> PointerInfo; checks a stored pointer.
func parsePointer(args []js.Value) (any, error) {
	p, err := pointerArg(arg(args, 0), "pointer")
	if err != nil {
		return nil, err
	}
	return pointerToJS(p), nil
}

// openPointee(pointer, firstMessage, options) -> {welcome, cursor, hasCursor}
func openPointee(args []js.Value) (any, error) {
	p, err := pointerArg(arg(args, 0), "pointer")
	if err != nil {
		return nil, err
	}
	o, err := openOptionsArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	msg, err := bytesArg(arg(args, 1), "firstMessage", o.maxSize())
	if err != nil {
		return nil, err
	}
	var w *core.OpenedPointee
	if o.input {
		w, err = core.OpenPointeeInput(p, msg, &o.opts)
	} else {
		w, err = core.OpenPointee(p, msg, &o.opts)
	}
	if err != nil {
		return nil, err
	}
	out := newObject()
	out.Set("welcome", jsBytes(w.Welcome))
	out.Set("cursor", jsBigInt(w.Cursor))
	out.Set("hasCursor", w.HasCursor)
	return out, nil
}

// Inspection and network stand-ins.

// inspect(bytes, kind) -> JSON-friendly view
func inspect(args []js.Value) (any, error) {
	kind, err := optStringArg(arg(args, 1), "kind", 64, core.InspectAuto)
	if err != nil {
		return nil, err
	}
	b, err := bytesArg(arg(args, 0), "bytes", core.InspectMaxSize(kind))
	if err != nil {
		return nil, err
	}
	v, err := core.Inspect(kind, b)
	if err != nil {
		return nil, err
	}
	return js.ValueOf(v), nil
}

// toWelcomeMessage(input, id, createdNs) -> Uint8Array: what a node
// returns for a published WelcomeMessageInput.
func toWelcomeMessage(args []js.Value) (any, error) {
	in, err := bytesArg(arg(args, 0), "input", core.DefaultMaxMessageSize)
	if err != nil {
		return nil, err
	}
	id, err := uint64Arg(arg(args, 1), "id")
	if err != nil {
		return nil, err
	}
	created, err := uint64Arg(arg(args, 2), "createdNs")
	if err != nil {
		return nil, err
	}
	b, err := core.ToWelcomeMessage(in, id, created)
	if err != nil {
		return nil, err
	}
	return jsBytes(b), nil
}

// inputTopic(input) -> {topic, dedupKey}
func inputTopic(args []js.Value) (any, error) {
	in, err := bytesArg(arg(args, 0), "input", core.DefaultMaxMessageSize)
	if err != nil {
		return nil, err
	}
	topic, key, err := core.InputTopic(in)
	if err != nil {
		return nil, err
	}
	o := newObject()
	o.Set("topic", jsBytes(topic))
	o.Set("dedupKey", jsBytes(key[:]))
	return o, nil
}
