//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// These tests run the bridge inside the Go runtime under Node:
//
//	GOOS=js GOARCH=wasm PATH="$(go env GOROOT)/lib/wasm:$PATH" go test ./wasm/...
//
// They call the exports through JS (ns.Call), as the JS package does.

var ns js.Value

func TestMain(m *testing.M) {
	debugStacks = false
	ns = newNamespace()
	js.Global().Set("__welcomePointersTest", ns)
	code := m.Run()
	releaseNamespace()
	js.Global().Delete("__welcomePointersTest")
	if code != 0 {
		panic(fmt.Sprintf("tests failed with code %d", code))
	}
}

func u8(b ...byte) js.Value { return jsBytes(b) }

func isErr(v js.Value) bool {
	return v.Type() == js.TypeObject && v.InstanceOf(js.Global().Get("Error"))
}

// call invokes ns[path](args...) and fails the test on an error result.
func call(t *testing.T, path string, args ...any) js.Value {
	t.Helper()
	v := callRaw(path, args...)
	if isErr(v) {
		t.Fatalf("%s: %s: %s", path, v.Get("code").String(), v.Get("message").String())
	}
	return v
}

func callRaw(path string, args ...any) js.Value {
	target := ns
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		target = target.Get(p)
	}
	return target.Call(parts[len(parts)-1], args...)
}

// wantCode checks that ns[path](args...) returned an error with code.
func wantCode(t *testing.T, code, path string, args ...any) {
	t.Helper()
	v := callRaw(path, args...)
	if !isErr(v) {
		t.Fatalf("%s: want %s, got a result", path, code)
	}
	if got := v.Get("code").String(); got != code {
		t.Fatalf("%s: want %s, got %s (%s)", path, code, got, v.Get("message").String())
	}
}

// await blocks until p settles; the Go scheduler hands the thread back to
// JS meanwhile.
func await(p js.Value) (value, reason js.Value) {
	ch := make(chan [2]js.Value, 1)
	ok := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- [2]js.Value{args[0], js.Undefined()}
		return nil
	})
	fail := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- [2]js.Value{js.Undefined(), args[0]}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-ch
	return r[0], r[1]
}

func goBytes(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func TestNamespaceName(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, defaultNamespace},
		{[]string{"js"}, defaultNamespace},
		{[]string{"js", "--namespace=__wp_1"}, "__wp_1"},
		{[]string{"js", "--namespace=$x"}, "$x"},
		{[]string{"js", "--namespace=1bad"}, defaultNamespace},
		{[]string{"js", "--namespace=a.b"}, defaultNamespace},
		{[]string{"js", "--namespace="}, defaultNamespace},
		{[]string{"js", "--namespace=" + strings.Repeat("a", 129)}, defaultNamespace},
	} {
		if got := namespaceName(c.args); got != c.want {
			t.Errorf("namespaceName(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
	}{
		{core.ErrMalformed, "ERR_MALFORMED"},
		{core.ErrDecrypt, "ERR_DECRYPT"},
		{core.ErrNoMatchingKey, "ERR_NO_MATCHING_KEY"},
		{core.ErrUnsupported, "ERR_UNSUPPORTED"},
		{core.ErrNotPointee, "ERR_NOT_POINTEE"},
		{core.ErrTooLarge, "ERR_TOO_LARGE"},
		{core.ErrInvalidKey, "ERR_INVALID_KEY"},
		{core.ErrInvalidArgument, "ERR_ARGUMENT"},
		{core.ErrExpired, "ERR_EXPIRED"},
		{core.ErrAttemptsExhausted, "ERR_ATTEMPTS_EXHAUSTED"},
		{fmt.Errorf("installation 3: %w", fmt.Errorf("%w: detail", core.ErrInvalidKey)), "ERR_INVALID_KEY"},
		{argError("x"), "ERR_ARGUMENT"},
		{tooLarge("x", 2, 1), "ERR_TOO_LARGE"},
		{errAborted, "ERR_ABORTED"},
		{errors.New("something else"), "ERR_INTERNAL"},
	} {
		if got := errorCode(c.err); got != c.code {
			t.Errorf("errorCode(%v) = %s, want %s", c.err, got, c.code)
		}
		e := newJSError(c.err)
		if !isErr(e) || e.Get("code").String() != c.code || e.Get("message").String() != c.err.Error() {
			t.Errorf("newJSError(%v) = %v", c.err, e)
		}
	}
	// The detail is the message without what the code says.
	for err, want := range map[error]string{
		fmt.Errorf("installation 3: %w", fmt.Errorf("%w: low order", core.ErrInvalidKey)): "installation 3: low order",
		core.ErrDecrypt: "",
		argError("options.kemId must be a number"): "options.kemId must be a number",
		errAborted: "sealing stopped",
	} {
		if got := newJSError(err).Get("detail").String(); got != want {
			t.Errorf("detail of %q = %q, want %q", err, got, want)
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	f := syncFunc(func(args []js.Value) (any, error) { panic("boom") })
	v := f.Invoke()
	if !isErr(v) || v.Get("code").String() != "ERR_INTERNAL" || !strings.Contains(v.Get("message").String(), "boom") {
		t.Fatalf("panic gave %v", v)
	}
	// A nil dereference inside an export, too.
	g := syncFunc(func(args []js.Value) (any, error) {
		var k *core.PrivateKey
		return k.PublicKey(), nil
	})
	if v := g.Invoke(); v.Get("code").String() != "ERR_INTERNAL" {
		t.Fatalf("nil dereference gave %v", v)
	}
	// An async export that panics rejects.
	h := asyncFunc(func(args []js.Value) (any, error) { panic("async boom") })
	if _, reason := await(h.Invoke()); reason.Get("code").String() != "ERR_INTERNAL" {
		t.Fatalf("async panic gave %v", reason)
	}
	// The runtime is still alive.
	call(t, "generateKey", 2)
}

func TestKindOf(t *testing.T) {
	g := js.Global()
	for _, c := range []struct {
		v    js.Value
		want string
	}{
		{js.Undefined(), "undefined"},
		{js.Null(), "null"},
		{js.ValueOf(true), "boolean"},
		{js.ValueOf(1.5), "number"},
		{js.ValueOf("s"), "string"},
		{g.Get("BigInt").Invoke(5), "bigint"},
		{g.Get("Symbol").Invoke("s"), "symbol"},
		{g.Get("Object"), "function"},
		{u8(1, 2), "Uint8Array"},
		{g.Get("Uint8ClampedArray").New(2), "Uint8ClampedArray"},
		{g.Get("Int16Array").New(2), "Int16Array"},
		{g.Get("ArrayBuffer").New(2), "object"},
		{g.Get("Array").New(2), "array"},
		{newObject(), "object"},
		{g.Get("Proxy").New(g.Get("Uint8Array").New(2), newObject()), "object"},
	} {
		if got := kindOf(c.v); got != c.want {
			t.Errorf("kindOf(%v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestConversions(t *testing.T) {
	b, err := bytesArg(u8(1, 2, 3), "b", 3)
	if err != nil || string(b) != "\x01\x02\x03" {
		t.Fatalf("bytesArg = %v, %v", b, err)
	}
	if _, err := bytesArg(u8(1, 2, 3), "b", 2); errorCode(err) != "ERR_TOO_LARGE" {
		t.Fatalf("over the cap: %v", err)
	}
	if _, err := bytesArg(js.Global().Get("Uint8ClampedArray").New(2), "b", 9); errorCode(err) != "ERR_ARGUMENT" {
		t.Fatalf("Uint8ClampedArray: %v", err)
	}
	if buf := js.Global().Get("Buffer"); buf.Truthy() {
		if b, err := bytesArg(buf.Call("from", "hi"), "b", 9); err != nil || string(b) != "hi" {
			t.Fatalf("Buffer: %q %v", b, err)
		}
	}
	big := js.Global().Get("BigInt")
	for _, c := range []struct {
		v    js.Value
		want uint64
		code string
	}{
		{js.ValueOf(42), 42, ""},
		{js.ValueOf(maxSafeInteger), maxSafeInteger, ""},
		{js.ValueOf(maxSafeInteger + 1.0), 0, "ERR_ARGUMENT"},
		{js.ValueOf(-1), 0, "ERR_ARGUMENT"},
		{js.ValueOf(1.5), 0, "ERR_ARGUMENT"},
		{big.Invoke("18446744073709551615"), 1<<64 - 1, ""},
		{big.Invoke("18446744073709551616"), 0, "ERR_ARGUMENT"},
		{big.Invoke(-1), 0, "ERR_ARGUMENT"},
		{js.ValueOf("123"), 123, ""},
		{js.ValueOf("0x10"), 0, "ERR_ARGUMENT"},
		{js.Null(), 0, "ERR_ARGUMENT"},
	} {
		got, err := uint64Arg(c.v, "n")
		if c.code == "" && (err != nil || got != c.want) {
			t.Errorf("uint64Arg(%v) = %d, %v; want %d", c.v, got, err, c.want)
		}
		if c.code != "" && errorCode(err) != c.code {
			t.Errorf("uint64Arg(%v): want %s, got %v", c.v, c.code, err)
		}
	}
	if v := jsBigInt(1<<64 - 1); bigString(v) != "18446744073709551615" {
		t.Fatalf("jsBigInt = %v", v)
	}
	for _, f := range []float64{0, -5, 1e300} {
		if _, err := intArg(js.ValueOf(f), "n", 1, 10); errorCode(err) != "ERR_ARGUMENT" {
			t.Errorf("intArg(%v): %v", f, err)
		}
	}
	nan := js.Global().Get("NaN")
	if _, err := numberArg(nan, "n", 0, 1); errorCode(err) != "ERR_ARGUMENT" {
		t.Errorf("NaN: %v", err)
	}
}

// The sender -> recipient flow through the exports, as the JS package uses them.
func TestSealAndOpenThroughJS(t *testing.T) {
	var keys []js.Value
	installations := js.Global().Get("Array").New()
	for i := range 3 {
		k := call(t, "generateKey", 2)
		keys = append(keys, k)
		in := call(t, "installationFromExtensions", js.ValueOf(map[string]any{
			"installationKey":   u8(byte(i + 1)),
			"wrapperEncryption": call(t, "encodeWrapperEncryption", k.Get("publicKey"), 2),
			"pointeeAeadTypes":  call(t, "encodePointeeAeadTypes", js.ValueOf([]any{3})),
		}))
		if !in.Get("pointerCapable").Bool() {
			t.Fatal("installation not pointer-capable")
		}
		installations.Call("push", in)
	}
	var progress [][2]int
	onProgress := js.FuncOf(func(this js.Value, args []js.Value) any {
		progress = append(progress, [2]int{args[0].Int(), args[1].Int()})
		return nil
	})
	defer onProgress.Release()
	welcome := []byte("\x00\x01\x00\x03 a welcome")
	p := call(t, "sealInvite", jsBytes(welcome), js.Global().Get("BigInt").Invoke("77"), installations,
		js.ValueOf(map[string]any{"onProgress": onProgress}))
	if !p.InstanceOf(promiseClass) {
		t.Fatal("sealInvite did not return a Promise")
	}
	inv, reason := await(p)
	if !reason.IsUndefined() {
		t.Fatalf("sealInvite rejected: %v", reason.Get("message"))
	}
	if len(progress) == 0 || progress[len(progress)-1] != [2]int{3, 3} {
		t.Fatalf("progress = %v", progress)
	}
	msgs := inv.Get("messages")
	if msgs.Length() != 4 || msgs.Index(0).Get("kind").String() != "pointee" || inv.Get("pointers").Int() != 3 {
		t.Fatalf("invite: %d messages", msgs.Length())
	}
	pointee := call(t, "toWelcomeMessage", msgs.Index(0).Get("message"), 1, 2)
	for i := 1; i < 4; i++ {
		m := call(t, "toWelcomeMessage", msgs.Index(i).Get("message"), i+1, 3)
		r := call(t, "openWelcome", m, js.ValueOf([]any{keys[i-1]}))
		if r.Get("kind").String() != "pointer" || r.Get("kemId").Int() != 0x004d {
			t.Fatalf("opened %v", r.Get("kind"))
		}
		if bigString(r.Get("id")) != fmt.Sprint(i+1) {
			t.Fatalf("id = %v", r.Get("id"))
		}
		ptr := r.Get("pointer")
		if len(ptr.Get("id").String()) != 64 || ptr.Get("bytes").Length() == 0 {
			t.Fatal("pointer view incomplete")
		}
		w := call(t, "openPointee", ptr.Get("bytes"), pointee)
		if string(goBytes(w.Get("welcome"))) != string(welcome) || bigString(w.Get("cursor")) != "77" {
			t.Fatal("pointee content differs")
		}
	}
	// Errors come back as values with codes.
	wantCode(t, "ERR_NO_MATCHING_KEY", "openWelcome", call(t, "toWelcomeMessage", msgs.Index(1).Get("message"), 1, 1),
		js.ValueOf([]any{call(t, "generateKey", 2)}))
	wantCode(t, "ERR_NOT_POINTEE", "openPointee", call(t, "parsePointer",
		call(t, "openWelcome", call(t, "toWelcomeMessage", msgs.Index(1).Get("message"), 1, 1), js.ValueOf([]any{keys[0]})).Get("pointer").Get("bytes")).Get("bytes"),
		call(t, "toWelcomeMessage", msgs.Index(2).Get("message"), 1, 1))
}

func TestArgumentErrors(t *testing.T) {
	wantCode(t, "ERR_ARGUMENT", "generateKey")
	wantCode(t, "ERR_ARGUMENT", "generateKey", "2")
	wantCode(t, "ERR_UNSUPPORTED", "generateKey", 3)
	wantCode(t, "ERR_INVALID_KEY", "loadKey", 2, u8(1, 2, 3))
	wantCode(t, "ERR_ARGUMENT", "loadKey", 2, js.Global().Get("Array").New())
	wantCode(t, "ERR_MALFORMED", "openWelcome", u8(0xff), js.Global().Get("Array").New())
	wantCode(t, "ERR_ARGUMENT", "openWelcome", u8(0xff), js.Null())
	wantCode(t, "ERR_ARGUMENT", "openWelcome", u8(0xff), js.Global().Get("Array").New(), js.ValueOf(map[string]any{"form": "xml"}))
	wantCode(t, "ERR_MALFORMED", "parsePointer", u8(1, 2, 3))
	wantCode(t, "ERR_ARGUMENT", "inspect", u8(1), "nope")
	wantCode(t, "ERR_MALFORMED", "inspect", u8(1, 2, 3))
	wantCode(t, "ERR_ARGUMENT", "setErrorClass", 5)
	wantCode(t, "ERR_ARGUMENT", "retry.policy", js.ValueOf(map[string]any{"maxAttempts": -1}))
	wantCode(t, "ERR_ARGUMENT", "retry.policy", js.ValueOf(map[string]any{"firstRetryMs": 1e13}))
	wantCode(t, "ERR_ARGUMENT", "retry.newPending", js.Undefined(), "now", 0)
	_, reason := await(callRaw("sealInvite", u8(1), 0, js.Global().Get("Array").New()))
	if reason.Get("code").String() != "ERR_ARGUMENT" {
		t.Fatalf("sealInvite with no installations: %v", reason)
	}
	_, reason = await(callRaw("sealInvite", "welcome", 0, js.Global().Get("Array").New()))
	if reason.Get("code").String() != "ERR_ARGUMENT" {
		t.Fatalf("sealInvite with a string welcome: %v", reason)
	}
}

func TestCustomErrorClass(t *testing.T) {
	defer func() { errorClass = js.Undefined() }()
	// class E extends Error { constructor(code, message) { super(message); this.code = code } }
	// built without eval: a constructor made of Reflect.construct.
	cls := js.FuncOf(func(this js.Value, args []js.Value) any {
		e := js.Global().Get("Reflect").Call("construct", js.Global().Get("Error"), js.ValueOf([]any{args[1]}))
		e.Set("code", args[0])
		e.Set("custom", true)
		return e
	})
	defer cls.Release()
	call(t, "setErrorClass", cls)
	v := callRaw("generateKey", 9)
	if !v.Get("custom").Truthy() || v.Get("code").String() != "ERR_UNSUPPORTED" {
		t.Fatalf("custom error class not used: %v", v)
	}
}

func TestRetrySchedule(t *testing.T) {
	p := call(t, "retry.defaultPolicy")
	if p.Get("firstRetryMs").Float() != 300_000 || p.Get("quick").Get("attempts").Int() != 5 {
		t.Fatalf("default policy: %v", p)
	}
	if !js.Global().Get("Object").Call("isFrozen", p).Bool() {
		t.Fatal("the policy the module returned is not frozen")
	}
	now := float64(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	s := call(t, "retry.newPending", js.Undefined(), now, now)
	if s.Get("nextAttemptMs").Float() != now+300_000 || !s.Get("drop").IsNull() {
		t.Fatalf("newPending: %v", s)
	}
	small := js.ValueOf(map[string]any{"maxAttempts": 2})
	s = call(t, "retry.failed", small, s, now)
	s = call(t, "retry.failed", small, s, now)
	if s.Get("drop").String() != "ERR_ATTEMPTS_EXHAUSTED" {
		t.Fatalf("after 2 failures: %v", s.Get("drop"))
	}
	if d := call(t, "retry.check", js.Undefined(), s, now+72*3600*1000); d.String() != "ERR_EXPIRED" {
		t.Fatalf("check after expiry: %v", d)
	}
	if call(t, "retry.isDue", js.Undefined(), s, now).Bool() {
		t.Fatal("due too early")
	}
	q := call(t, "retry.quickNext", p, 1, 0, 0)
	if !q.Get("more").Bool() || q.Get("waitMs").Float() != 50 {
		t.Fatalf("quickNext: %v", q)
	}
	if call(t, "retry.keepUntil", p, now, now).Float() != now+72*3600*1000 {
		t.Fatal("keepUntil")
	}
	if !call(t, "isFinal", "ERR_NOT_POINTEE").Bool() || call(t, "isFinal", "ERR_MALFORMED").Bool() || call(t, "isFinal", "ERR_FETCH").Bool() {
		t.Fatal("isFinal")
	}
	wantCode(t, "ERR_ARGUMENT", "isFinal", "ERR_NOPE")
}

// TestPolicyReadOnce: a policy the module returned is frozen and
// remembered, and passing it back is answered from what is remembered;
// a policy the caller built is read on every call.
func TestPolicyReadOnce(t *testing.T) {
	p := call(t, "retry.policy", js.ValueOf(map[string]any{"maxAttempts": 7}))
	known := func(v js.Value) bool {
		for _, o := range memo.objects {
			if o.Equal(v) {
				return true
			}
		}
		return false
	}
	if !known(p) {
		t.Fatal("the policy the module returned is not remembered")
	}
	now := 1e12
	state := js.ValueOf(map[string]any{"attempts": 6, "nextAttemptMs": now, "expiresAtMs": now + 1e9})
	if d := call(t, "retry.failed", p, state, now).Get("drop"); d.String() != "ERR_ATTEMPTS_EXHAUSTED" {
		t.Fatalf("remembered policy: drop %v", d)
	}
	p.Set("maxAttempts", 100) // frozen: ignored
	if p.Get("maxAttempts").Int() != 7 {
		t.Fatal("the remembered policy changed")
	}
	reads := jsEval(`{ n: 0 }`)
	handler := jsEval(`(reads) => ({ get(t, k) { if (k === 'maxAttempts') reads.n++; return t[k]; } })`).Invoke(reads)
	counted := js.Global().Get("Proxy").New(js.ValueOf(map[string]any{"maxAttempts": 7}), handler)
	for range 3 {
		call(t, "retry.failed", counted, state, now)
	}
	if n := reads.Get("n").Int(); n != 3 {
		t.Fatalf("a caller's policy was read %d times in 3 calls", n)
	}
	forget()
	if d := call(t, "retry.failed", p, state, now).Get("drop"); d.String() != "ERR_ATTEMPTS_EXHAUSTED" {
		t.Fatalf("a forgotten policy is read again: drop %v", d)
	}
}

func TestNoLeakedGoroutinesOrFuncs(t *testing.T) {
	// A yielder releases its callback and closes its ports.
	y := newYielder()
	y.yield()
	y.release()
	y.release() // idempotent
}

// bigString is String(v); v.Call panics on a BigInt in syscall/js.
func bigString(v js.Value) string { return stringFunc.Invoke(v).String() }

func TestKeyCache(t *testing.T) {
	k := call(t, "generateKey", 2)
	a := call(t, "loadKey", 2, k.Get("privateKey"))
	if string(goBytes(a.Get("publicKey"))) != string(goBytes(k.Get("publicKey"))) {
		t.Fatal("loadKey derives another public key")
	}
	call(t, "clearKeyCache")
	// Loaded again after the cache was cleared.
	b := call(t, "loadKey", 2, k.Get("privateKey"))
	if string(goBytes(b.Get("publicKey"))) != string(goBytes(k.Get("publicKey"))) {
		t.Fatal("loadKey after clearKeyCache")
	}
	wantCode(t, "ERR_INVALID_KEY", "loadKey", 2, u8(1))
}

// TestEveryOperationExported: the namespace has a function for every
// operation of the table, and lists them.
func TestEveryOperationExported(t *testing.T) {
	names := ns.Get("operations")
	exported := ops.Exported(ops.JS)
	if names.Length() != len(exported) {
		t.Fatalf("operations lists %d names, the table gives this bridge %d", names.Length(), len(exported))
	}
	for i, op := range exported {
		target := ns
		path := strings.Split(op.Info().Name, ".")
		for _, p := range path[:len(path)-1] {
			target = target.Get(p)
		}
		if target.Get(path[len(path)-1]).Type() != js.TypeFunction {
			t.Errorf("the namespace lacks %s", op.Info().Name)
		}
		if names.Index(i).String() != op.Info().Name {
			t.Errorf("operations[%d] = %s", i, names.Index(i).String())
		}
	}
}

// The split path: sealPointee, then sealPointers, open like sealInvite's.
func TestSplitSealThroughJS(t *testing.T) {
	var keys []js.Value
	installations := js.Global().Get("Array").New()
	for i := range 3 {
		k := call(t, "generateKey", 2)
		keys = append(keys, k)
		installations.Call("push", call(t, "installationFromExtensions", js.ValueOf(map[string]any{
			"installationKey":   u8(byte(i + 1)),
			"wrapperEncryption": call(t, "encodeWrapperEncryption", k.Get("publicKey"), 2),
			"pointeeAeadTypes":  call(t, "encodePointeeAeadTypes", js.ValueOf([]any{3})),
		})))
	}
	capable := call(t, "checkInstallations", installations)
	if capable.Length() != 3 || !capable.Index(2).Bool() {
		t.Fatal("checkInstallations")
	}
	welcome := []byte("\x00\x01\x00\x03 a split welcome")
	pe := call(t, "sealPointee", jsBytes(welcome), 9)
	if pe.Get("kind").String() != "pointee" || pe.Get("installationKey").Length() != 32 {
		t.Fatal("sealPointee result")
	}
	msgs, reason := await(call(t, "sealPointers", pe.Get("pointer"), installations))
	if !reason.IsUndefined() {
		t.Fatalf("sealPointers rejected: %v", reason.Get("message"))
	}
	pointee := call(t, "toWelcomeMessage", pe.Get("message"), 1, 2)
	for i := range 3 {
		r := call(t, "openWelcome", call(t, "toWelcomeMessage", msgs.Index(i).Get("message"), i+2, 3), js.ValueOf([]any{keys[i]}))
		w := call(t, "openPointee", r.Get("pointer").Get("bytes"), pointee)
		if string(goBytes(w.Get("welcome"))) != string(welcome) || bigString(w.Get("cursor")) != "9" {
			t.Fatal("pointee content differs")
		}
	}
	wantCode(t, "ERR_ARGUMENT", "checkInstallations", js.Global().Get("Array").New())
	wantCode(t, "ERR_ARGUMENT", "sealPointee", u8(), 0)
	wantCode(t, "ERR_UNSUPPORTED", "sealPointee", u8(1), 0, js.ValueOf(map[string]any{"kemId": 7}))
	for _, c := range []struct {
		code string
		args []any
	}{
		{"ERR_MALFORMED", []any{u8(1, 2, 3), installations}},
		{"ERR_ARGUMENT", []any{pe.Get("pointer"), js.Global().Get("Array").New()}},
		{"ERR_ARGUMENT", []any{pe.Get("pointer"), 5}},
	} {
		if _, reason := await(callRaw("sealPointers", c.args...)); reason.Get("code").String() != c.code {
			t.Fatalf("sealPointers: want %s, got %v", c.code, reason.Get("code"))
		}
	}
}
