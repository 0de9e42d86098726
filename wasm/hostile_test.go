//go:build js && wasm

package main

import (
	"bytes"
	"strings"
	"syscall/js"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Hostile inputs through the exports (issue 9): nested groups, huge
// lists, hostile JS values and unknown options. Every one gives a typed
// error, and the module still works afterwards.

// jsEval evaluates a JS expression.
func jsEval(src string) js.Value {
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

// errorOf calls ns[path](args...) and returns its error (nil for a result);
// the rejection reason for an export that returns a Promise.
func errorOf(path string, args ...any) js.Value {
	v := callRaw(path, args...)
	if v.Type() == js.TypeObject && v.InstanceOf(js.Global().Get("Promise")) {
		_, reason := await(v)
		if reason.IsUndefined() {
			return js.Null()
		}
		return reason
	}
	if isErr(v) {
		return v
	}
	return js.Null()
}

// wantArgError checks that ns[path](args...) fails with code, naming want.
func wantError(t *testing.T, code, want, path string, args ...any) {
	t.Helper()
	e := errorOf(path, args...)
	if e.IsNull() {
		t.Fatalf("%s: want %s naming %q, got a result", path, code, want)
	}
	msg := e.Get("message").String()
	if got := e.Get("code").String(); got != code || !strings.Contains(msg, want) {
		t.Fatalf("%s: want %s naming %q, got %s: %s", path, code, want, got, msg)
	}
}

// party is a recipient made through the exports.
type jsParty struct{ key, installation js.Value }

func jsParties(t *testing.T, n int) []jsParty {
	t.Helper()
	ps := make([]jsParty, n)
	for i := range ps {
		k := call(t, "generateKey", 2)
		ps[i] = jsParty{k, call(t, "installationFromExtensions", js.ValueOf(map[string]any{
			"installationKey":   u8(byte(i+1), 0x99),
			"wrapperEncryption": call(t, "encodeWrapperEncryption", k.Get("publicKey"), 2),
			"pointeeAeadTypes":  call(t, "encodePointeeAeadTypes", js.ValueOf([]any{3})),
		}))}
	}
	return ps
}

func jsArrayOf(vs ...js.Value) js.Value {
	a := js.Global().Get("Array").New()
	for _, v := range vs {
		a.Call("push", v)
	}
	return a
}

// world is a sealed invite and its messages, as the tests need them.
type world struct {
	ps                            []jsParty
	installations                 js.Value
	welcome                       []byte
	pointerMsg, pointeeMsg, ptr   js.Value // ptr: openWelcome's pointer info
	pointerBytes, directMsg, ff03 js.Value
	pointerIn                     js.Value
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{ps: jsParties(t, 3), welcome: []byte("\x00\x01\x00\x03 hostile world")}
	var ins []js.Value
	for _, p := range w.ps {
		ins = append(ins, p.installation)
	}
	w.installations = jsArrayOf(ins...)
	inv, reason := await(call(t, "sealInvite", jsBytes(w.welcome), 7, w.installations))
	if !reason.IsUndefined() {
		t.Fatalf("sealInvite: %v", reason.Get("message"))
	}
	msgs := inv.Get("messages")
	w.pointeeMsg = call(t, "toWelcomeMessage", msgs.Index(0).Get("message"), 1, 1)
	w.pointerIn = msgs.Index(1).Get("message")
	w.pointerMsg = call(t, "toWelcomeMessage", w.pointerIn, 2, 2)
	w.ptr = call(t, "openWelcome", w.pointerMsg, w.keys()).Get("pointer")
	w.pointerBytes = w.ptr.Get("bytes")
	w.directMsg = call(t, "toWelcomeMessage", call(t, "sealDirect", jsBytes(w.welcome), 7, w.ps[0].installation), 3, 3)
	w.ff03 = call(t, "encodeWrapperEncryption", w.ps[0].key.Get("publicKey"), 2)
	return w
}

func (w *world) keys() js.Value {
	var ks []js.Value
	for _, p := range w.ps {
		ks = append(ks, p.key)
	}
	return jsArrayOf(ks...)
}

// stillWorks seals, opens a pointer and its pointee, and a direct welcome.
func (w *world) stillWorks(t *testing.T) {
	t.Helper()
	inv, reason := await(call(t, "sealInvite", jsBytes(w.welcome), 8, w.installations))
	if !reason.IsUndefined() {
		t.Fatalf("sealInvite after hostile input: %v", reason.Get("message"))
	}
	msgs := inv.Get("messages")
	pointee := call(t, "toWelcomeMessage", msgs.Index(0).Get("message"), 10, 10)
	r := call(t, "openWelcome", call(t, "toWelcomeMessage", msgs.Index(2).Get("message"), 11, 11), w.keys())
	got := call(t, "openPointee", r.Get("pointer").Get("bytes"), pointee)
	if !bytes.Equal(goBytes(got.Get("welcome")), w.welcome) || bigString(got.Get("cursor")) != "8" {
		t.Fatal("the pointee opened after hostile input differs")
	}
	d := call(t, "openWelcome", w.directMsg, w.keys())
	if !bytes.Equal(goBytes(d.Get("welcome")), w.welcome) {
		t.Fatal("the direct welcome opened after hostile input differs")
	}
}

// Issue 9, item 1: 9,000 nested start-group tags overflowed the JS stack
// ("Maximum call stack size exceeded", ERR_INTERNAL) and, after some
// hundreds of calls, killed the Go runtime.
func TestNestedGroups(t *testing.T) {
	w := newWorld(t)
	nested := jsBytes(bytes.Repeat([]byte{0x7b}, 9000))
	deep := append(bytes.Repeat([]byte{0x7b}, 9000), bytes.Repeat([]byte{0x7c}, 9000)...)
	pointerDeep := jsBytes(append(goBytes(w.pointerMsg), deep...))
	calls := []struct {
		code, path string
		args       []any
	}{
		{"ERR_MALFORMED", "inspect", []any{nested}},
		{"ERR_MALFORMED", "inputTopic", []any{nested}},
		{"ERR_MALFORMED", "toWelcomeMessage", []any{nested, 1, 2}},
		{"ERR_MALFORMED", "decodePointeeAeadTypes", []any{nested}},
		{"ERR_MALFORMED", "decodeWrapperEncryption", []any{nested}},
		{"ERR_TOO_LARGE", "parsePointer", []any{nested}},
		{"ERR_MALFORMED", "parsePointer", []any{jsBytes(bytes.Repeat([]byte{0x7b}, 4000))}},
		{"ERR_MALFORMED", "openWelcome", []any{pointerDeep, w.keys()}},
		{"ERR_MALFORMED", "openPointee", []any{w.pointerBytes, jsBytes(append(goBytes(w.pointeeMsg), deep...))}},
		{"ERR_MALFORMED", "inspect", []any{pointerDeep}},
	}
	for range 100 {
		for _, c := range calls {
			wantError(t, c.code, "", c.path, c.args...)
		}
	}
	w.stillWorks(t)
}

// Issue 9, item 2: inspect(bytes, 'pointee_aead_types') on a 25 MiB packed
// 0xff04 payload ran the module out of memory.
func TestHugeAEADTypes(t *testing.T) {
	w := newWorld(t)
	for _, v := range []byte{3, 5} {
		n := 25<<20 - 5
		payload := protowire.AppendVarint([]byte{0x0a}, uint64(n))
		big := jsBytes(append(payload, bytes.Repeat([]byte{v}, n)...))
		wantError(t, "ERR_TOO_LARGE", "", "inspect", big, "pointee_aead_types")
		wantError(t, "ERR_TOO_LARGE", "", "decodePointeeAeadTypes", big)
		list := append([]byte{0x0a, 0xf8, 0x7f}, bytes.Repeat([]byte{v}, 16376)...)
		wantError(t, "ERR_MALFORMED", "", "decodePointeeAeadTypes", jsBytes(list))
		wantError(t, "ERR_MALFORMED", "", "inspect", jsBytes(list), "pointee_aead_types")
	}
	w.stillWorks(t)
}

// hostileObjects are JS values standing for an object argument (built from
// a valid one, obj) that throw when read: a throwing getter on key, Proxy
// traps, a revoked Proxy.
func hostileObjects(obj js.Value, key string) map[string]js.Value {
	make := jsEval(`(obj, key) => ({
		getter: Object.defineProperty({ ...obj }, key, { get() { throw new Error('getter'); }, enumerable: true }),
		symbolThrow: Object.defineProperty({ ...obj }, key, { get() { throw Symbol('thrown'); }, enumerable: true }),
		getTrap: new Proxy(obj, { get() { throw new Error('get trap'); } }),
		ownKeysTrap: new Proxy(obj, { ownKeys() { throw new Error('ownKeys trap'); } }),
		protoTrap: new Proxy(obj, { getPrototypeOf() { throw new Error('getPrototypeOf trap'); } }),
		revoked: (() => { const r = Proxy.revocable(obj, {}); r.revoke(); return r.proxy; })(),
	})`).Invoke(obj, key)
	return entries(make)
}

// entries is the own enumerable properties of the JS object o.
func entries(o js.Value) map[string]js.Value {
	out := map[string]js.Value{}
	keys := js.Global().Get("Object").Call("keys", o)
	for i := range keys.Length() {
		k := keys.Index(i).String()
		out[k] = o.Get(k)
	}
	return out
}

// hostileBytes are JS values standing for a Uint8Array argument that must
// be refused: a detached buffer, a SharedArrayBuffer view, a typed array
// whose prototype is a Proxy that throws (at once, or only the second time
// it is asked), a Proxy of a Uint8Array, a revoked Proxy.
func hostileBytes(b js.Value) map[string]js.Value {
	make := jsEval(`(b) => {
		const detached = new Uint8Array(b);
		structuredClone(detached.buffer, { transfer: [detached.buffer] });
		const shared = new Uint8Array(new SharedArrayBuffer(b.length));
		shared.set(b);
		const protoTrap = new Uint8Array(b);
		Object.setPrototypeOf(protoTrap, new Proxy(Uint8Array.prototype, { getPrototypeOf() { throw new Error('proto'); } }));
		let asked = 0;
		const protoLater = new Uint8Array(b);
		Object.setPrototypeOf(protoLater, new Proxy(Uint8Array.prototype, {
			getPrototypeOf(t) { if (asked++ > 0) throw new Error('proto, later'); return Object.getPrototypeOf(t); },
		}));
		const r = Proxy.revocable(new Uint8Array(b), {}); r.revoke();
		return { detached, shared, protoTrap, protoLater, proxy: new Proxy(new Uint8Array(b), {}), revoked: r.proxy };
	}`).Invoke(b)
	return entries(make)
}

// wantSameAs checks that ns[path] gives for args what it gives for the
// valid arguments: a value whose prototype throws is still read (from its
// own properties or internal slots, which do not involve the prototype).
func wantSameAs(t *testing.T, path string, args, valid []any) {
	t.Helper()
	got, want := errorOf(path, args...), errorOf(path, valid...)
	code := func(e js.Value) string {
		if e.IsNull() {
			return "a result"
		}
		return e.Get("code").String()
	}
	if code(got) != code(want) {
		t.Fatalf("%s: got %s, want %s as for the plain value", path, code(got), code(want))
	}
}

// Issue 9, item 6: getters and Proxies that throw escaped as raw errors or
// ERR_INTERNAL; detached buffers read as empty; a typed array whose
// prototype throws killed the Go runtime. Every argument is read through
// one guarded path: ERR_ARGUMENT naming the argument.
func TestHostileValues(t *testing.T) {
	w := newWorld(t)
	obj := func(m map[string]any) js.Value { return js.ValueOf(m) }
	openOpts := obj(map[string]any{"form": "message", "maxMessageSize": 1 << 20})
	sealOpts := obj(map[string]any{"kemId": 0x4d, "maxMessageSize": 1 << 20})
	inst := w.ps[0].installation
	type argCase struct {
		path string
		args func(v js.Value) []any // the arguments with v in the hostile position
		name string                 // how the error names the argument
		key  string                 // a key the export reads from it
		obj  js.Value               // the valid value
	}
	objects := []argCase{
		{"openWelcome", func(v js.Value) []any { return []any{w.pointerMsg, w.keys(), v} }, "options", "form", openOpts},
		{"openWelcome", func(v js.Value) []any { return []any{w.pointerMsg, jsArrayOf(v)} }, "keys[0]", "privateKey", w.ps[0].key},
		{"openWelcome", func(v js.Value) []any { return []any{w.pointerMsg, v} }, "keys", "0", w.keys()},
		{"openPointee", func(v js.Value) []any { return []any{w.pointerBytes, w.pointeeMsg, v} }, "options", "form", openOpts},
		{"openPointee", func(v js.Value) []any { return []any{v, w.pointeeMsg} }, "pointer", "bytes", w.ptr},
		{"sealDirect", func(v js.Value) []any { return []any{u8(1), 1, inst, v} }, "options", "kemId", sealOpts},
		{"sealDirect", func(v js.Value) []any { return []any{u8(1), 1, v} }, "installation", "wrapperPublicKey", inst},
		{"sealInvite", func(v js.Value) []any { return []any{u8(1), 1, w.installations, v} }, "options", "kemId", sealOpts},
		{"sealInvite", func(v js.Value) []any { return []any{u8(1), 1, jsArrayOf(inst, v)} }, "installations[1]", "installationKey", w.ps[1].installation},
		{"sealPointers", func(v js.Value) []any { return []any{w.pointerBytes, w.installations, v} }, "options", "kemId", sealOpts},
		{"installationFromExtensions", func(v js.Value) []any { return []any{v} }, "fields", "wrapperEncryption",
			obj(map[string]any{"installationKey": u8(1), "wrapperEncryption": w.ff03})},
		{"retry.policy", func(v js.Value) []any { return []any{v} }, "policy", "backoff", obj(map[string]any{"backoff": 2})},
		{"retry.policy", func(v js.Value) []any { return []any{obj(map[string]any{"quick": v})} }, "policy.quick", "attempts", obj(map[string]any{"attempts": 2})},
		{"retry.failed", func(v js.Value) []any { return []any{js.Undefined(), v, 5} }, "state", "attempts",
			obj(map[string]any{"attempts": 1, "nextAttemptMs": 1, "expiresAtMs": 1e12})},
	}
	for _, c := range objects {
		for kind, v := range hostileObjects(c.obj, c.key) {
			if kind == "ownKeysTrap" && c.name != "options" && !strings.HasPrefix(c.name, "policy") {
				continue // only options objects list their keys
			}
			t.Run(c.path+"/"+c.name+"/"+kind, func(t *testing.T) {
				if kind == "protoTrap" {
					wantSameAs(t, c.path, c.args(v), c.args(c.obj))
					return
				}
				wantError(t, "ERR_ARGUMENT", c.name, c.path, c.args(v)...)
			})
		}
	}
	byteArgs := []argCase{
		{"openWelcome", func(v js.Value) []any { return []any{v, w.keys()} }, "message", "", w.pointerMsg},
		{"openPointee", func(v js.Value) []any { return []any{w.pointerBytes, v} }, "firstMessage", "", w.pointeeMsg},
		{"openPointee", func(v js.Value) []any { return []any{v, w.pointeeMsg} }, "pointer", "", w.pointerBytes},
		{"sealDirect", func(v js.Value) []any { return []any{v, 1, inst} }, "welcome", "", u8(1, 2, 3)},
		{"sealInvite", func(v js.Value) []any { return []any{v, 1, w.installations} }, "welcome", "", u8(1, 2, 3)},
		{"inspect", func(v js.Value) []any { return []any{v} }, "input", "", w.pointerMsg},
		{"parsePointer", func(v js.Value) []any { return []any{v} }, "pointer", "", w.pointerBytes},
		{"toWelcomeMessage", func(v js.Value) []any { return []any{v, 1, 2} }, "input", "", w.pointerIn},
		{"decodeWrapperEncryption", func(v js.Value) []any { return []any{v} }, "payload", "", w.ff03},
		{"validatePublicKey", func(v js.Value) []any { return []any{2, v} }, "publicKey", "", w.ps[0].key.Get("publicKey")},
		{"loadKey", func(v js.Value) []any { return []any{2, v} }, "privateKey", "", w.ps[0].key.Get("privateKey")},
		{"installationFromExtensions", func(v js.Value) []any {
			return []any{obj(map[string]any{"installationKey": u8(1), "wrapperEncryption": v})}
		}, "wrapperEncryption", "", w.ff03},
	}
	for _, c := range byteArgs {
		for kind, v := range hostileBytes(c.obj) {
			t.Run(c.path+"/"+c.name+"/"+kind, func(t *testing.T) {
				if strings.HasPrefix(kind, "proto") {
					wantSameAs(t, c.path, c.args(v), c.args(c.obj))
					return
				}
				wantError(t, "ERR_ARGUMENT", c.name, c.path, c.args(v)...)
			})
		}
	}
	w.stillWorks(t)
}

// Issue 9, item 7: unknown option keys were ignored ({kemID: 0x647a}
// sealed with 0x004D; {from: 'input'} failed later as ERR_MALFORMED).
func TestUnknownOptions(t *testing.T) {
	w := newWorld(t)
	opts := func(k string, v any) js.Value { return js.ValueOf(map[string]any{k: v}) }
	wantError(t, "ERR_ARGUMENT", `"from"`, "openWelcome", w.pointerMsg, w.keys(), opts("from", "input"))
	wantError(t, "ERR_ARGUMENT", `"from"`, "openPointee", w.pointerBytes, w.pointeeMsg, opts("from", "input"))
	wantError(t, "ERR_ARGUMENT", `"kemID"`, "sealDirect", u8(1), 1, w.ps[0].installation, opts("kemID", 0x647a))
	wantError(t, "ERR_ARGUMENT", `"kemID"`, "sealInvite", u8(1), 1, w.installations, opts("kemID", 0x647a))
	wantError(t, "ERR_ARGUMENT", `"workers"`, "sealPointee", u8(1), 1, opts("workers", 2))
	wantError(t, "ERR_ARGUMENT", `"kemID"`, "sealPointers", w.pointerBytes, w.installations, opts("kemID", 0x647a))
	wantError(t, "ERR_ARGUMENT", `"firstRetry"`, "retry.policy", opts("firstRetry", 5))
	wantError(t, "ERR_ARGUMENT", `"tries"`, "retry.policy", opts("quick", opts("tries", 5)))
	wantError(t, "ERR_ARGUMENT", `"firstRetry"`, "retry.delay", opts("firstRetry", 5), 1)
	// Known keys, explicitly undefined, are fine; so is the full policy
	// retry.policy returns.
	call(t, "openWelcome", w.pointerMsg, w.keys(), opts("form", js.Undefined()))
	call(t, "retry.policy", call(t, "retry.defaultPolicy"))
	w.stillWorks(t)
}
