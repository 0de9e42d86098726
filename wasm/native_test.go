//go:build js && wasm

package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"syscall/js"
	"testing"

	circl "github.com/cloudflare/circl/kem/xwing"
	"golang.org/x/crypto/chacha20poly1305"
)

// The native KEM path's exports, with circl's X-Wing standing in for the
// browser's WebCrypto (which Node lacks): the JS package's Chromium tests
// run them with the real one.

// encapsulationsFor encapsulates to each installation's key (the missing
// ones excepted), packed as sealPointersEncapsulated takes them.
func encapsulationsFor(t *testing.T, installations js.Value, missing ...int) (js.Value, []byte) {
	t.Helper()
	n := installations.Length()
	secrets, cts := make([]byte, 0, 32*n), make([]byte, 0, 1120*n)
	for i := range n {
		ss, ct, err := circl.Encapsulate(goBytes(installations.Index(i).Get("wrapperPublicKey")), nil)
		if err != nil {
			t.Fatal(err)
		}
		secrets, cts = append(secrets, ss...), append(cts, ct...)
	}
	ms := js.Global().Get("Array").New()
	for _, m := range missing {
		ms.Call("push", m)
	}
	return js.ValueOf(map[string]any{"sharedSecrets": jsBytes(secrets), "ciphertexts": jsBytes(cts), "missing": ms}), cts
}

func TestKEMProbe(t *testing.T) {
	a, b := call(t, "kemProbe"), call(t, "kemProbe")
	seed := goBytes(a.Get("seed"))
	_, pk := circl.DeriveKeyPairPacked(seed)
	if !bytes.Equal(goBytes(a.Get("publicKey")), pk) || !bytes.Equal(circl.Decapsulate(goBytes(a.Get("ciphertext")), seed), goBytes(a.Get("sharedSecret"))) {
		t.Fatal("kemProbe's values are not an X-Wing key and an encapsulation to it")
	}
	if bytes.Equal(seed, goBytes(b.Get("seed"))) {
		t.Fatal("kemProbe repeats its key")
	}
}

// sealPointersEncapsulated seals what sealPointers seals, with the
// encapsulations given (a missing one made by the module), and each
// message carries its encapsulation; openWelcomeKEM and
// openWelcomeDecapsulated open them as openWelcome does.
func TestNativeSealAndOpenThroughJS(t *testing.T) {
	w := newWorld(t)
	pe := call(t, "sealPointee", jsBytes(w.welcome), 5)
	pointee := call(t, "toWelcomeMessage", pe.Get("message"), 1, 1)
	encs, cts := encapsulationsFor(t, w.installations, 1)
	msgs, reason := await(call(t, "sealPointersEncapsulated", pe.Get("pointer"), w.installations, encs, js.ValueOf(map[string]any{"kemId": 0x647a})))
	if !reason.IsUndefined() {
		t.Fatalf("sealPointersEncapsulated: %v", reason.Get("message"))
	}
	if msgs.Length() != 3 {
		t.Fatalf("%d messages", msgs.Length())
	}
	for i := range 3 {
		in := msgs.Index(i).Get("message")
		has := bytes.Contains(goBytes(in), cts[1120*i:1120*(i+1)])
		if has == (i == 1) {
			t.Fatalf("message %d carries the given encapsulation: %v", i, has)
		}
		msg := call(t, "toWelcomeMessage", in, i+2, 2)
		want := call(t, "openWelcome", msg, w.keys())
		found := call(t, "openWelcomeKEM", msg, w.keys())
		if found.Get("keyIndex").Int() != i || found.Get("encapsulation").Length() != 1120 || len(found.Get("keyId").String()) != 64 {
			t.Fatalf("openWelcomeKEM: key %d, encapsulation %v", found.Get("keyIndex").Int(), found.Get("encapsulation"))
		}
		ss := circl.Decapsulate(goBytes(found.Get("encapsulation")), goBytes(w.ps[i].key.Get("privateKey")))
		got := call(t, "openWelcomeDecapsulated", msg, w.keys(), js.Undefined(), jsBytes(ss))
		if got.Get("kemId").Int() != 0x647a || got.Get("pointer").Get("id").String() != want.Get("pointer").Get("id").String() {
			t.Fatalf("message %d opens differently in two steps", i)
		}
		op := call(t, "openPointee", got.Get("pointer"), pointee)
		if !bytes.Equal(goBytes(op.Get("welcome")), w.welcome) {
			t.Fatal("the pointee does not open")
		}
		// The same key gives the same id; a wrong secret is ERR_DECRYPT.
		if call(t, "openWelcomeKEM", msg, jsArrayOf(w.ps[i].key)).Get("keyId").String() != found.Get("keyId").String() {
			t.Fatal("keyId differs for the same key")
		}
		wantCode(t, "ERR_DECRYPT", "openWelcomeDecapsulated", msg, w.keys(), js.Undefined(), jsBytes(make([]byte, 32)))
	}
	// A direct welcome wrapped with DHKEM(X25519) has nothing to decapsulate outside.
	curve := call(t, "generateKey", 1)
	cin := call(t, "installationFromExtensions", js.ValueOf(map[string]any{"installationKey": u8(9), "initKey": curve.Get("publicKey")}))
	cmsg := call(t, "toWelcomeMessage", call(t, "sealDirect", jsBytes(w.welcome), 1, cin), 9, 9)
	found := call(t, "openWelcomeKEM", cmsg, jsArrayOf(w.ps[0].key, curve))
	if found.Get("keyIndex").Int() != 1 || !found.Get("encapsulation").IsNull() || !found.Get("keyId").IsNull() {
		t.Fatal("openWelcomeKEM of a CURVE25519 welcome")
	}
	wantCode(t, "ERR_ARGUMENT", "openWelcomeDecapsulated", cmsg, jsArrayOf(curve), js.Undefined(), jsBytes(make([]byte, 32)))
	// Errors before the decapsulation are openWelcome's.
	for _, args := range [][]any{
		{u8(1, 2, 3), w.keys()},
		{w.pointerMsg, jsArrayOf(curve)},
		{w.pointeeMsg, w.keys()},
		{w.pointerIn, w.keys()},
		{w.pointerMsg, w.keys(), js.ValueOf(map[string]any{"form": "input"})},
		{w.pointerMsg, w.keys(), js.ValueOf(map[string]any{"from": "input"})},
	} {
		a, b := callRaw("openWelcome", args...), callRaw("openWelcomeKEM", args...)
		withSecret := append(append(append([]any{}, args...), make([]any, 3-len(args))...)[:3], u8(make([]byte, 32)...))
		for i, a := range withSecret {
			if a == nil {
				withSecret[i] = js.Undefined()
			}
		}
		c := callRaw("openWelcomeDecapsulated", withSecret...)
		if !isErr(a) || !isErr(b) || !isErr(c) || a.Get("message").String() != b.Get("message").String() || a.Get("message").String() != c.Get("message").String() {
			t.Fatalf("openWelcome: %v; openWelcomeKEM: %v; openWelcomeDecapsulated: %v", a.Get("message"), b.Get("message"), c.Get("message"))
		}
	}
	w.stillWorks(t)
}

// checkInvite says what sealInvite says, and which installations are capable.
func TestCheckInviteThroughJS(t *testing.T) {
	w := newWorld(t)
	mixed := jsArrayOf(w.ps[0].installation, call(t, "installationFromExtensions", js.ValueOf(map[string]any{
		"installationKey":   u8(7),
		"wrapperEncryption": w.ff03,
	})))
	got := call(t, "checkInvite", jsBytes(w.welcome), 1, mixed)
	if got.Length() != 2 || !got.Index(0).Bool() || got.Index(1).Bool() {
		t.Fatal("checkInvite's capable flags")
	}
	dup := jsArrayOf(w.ps[0].installation, w.ps[0].installation)
	bad := jsArrayOf(w.ps[0].installation, js.ValueOf(map[string]any{
		"installationKey": u8(2), "wrapperAlgorithm": 2, "pointeeAeadTypes": js.ValueOf([]any{3}),
		"wrapperPublicKey": jsBytes(bytes.Repeat([]byte{0xff}, 1216)),
	}))
	for i, args := range [][]any{
		{u8(), 1, w.installations},
		{jsBytes(make([]byte, 2000)), 1, w.installations, js.ValueOf(map[string]any{"maxMessageSize": 1000})},
		{u8(1), 1, w.installations, js.ValueOf(map[string]any{"maxMessageSize": 2000})},
		{u8(1), 1, dup},
		{u8(1), 1, bad},
		{u8(1), -1, w.installations},
		{u8(1), 1, js.Global().Get("Array").New()},
		{u8(1), 1, w.installations, js.ValueOf(map[string]any{"kemId": 7})},
		{u8(1), 1, w.installations, js.ValueOf(map[string]any{"workers": 2})},
		{"welcome", 1, w.installations},
	} {
		_, want := await(callRaw("sealInvite", args...))
		c := callRaw("checkInvite", args...)
		if want.IsUndefined() || !isErr(c) || c.Get("message").String() != want.Get("message").String() || c.Get("code").String() != want.Get("code").String() {
			t.Fatalf("case %d: checkInvite %v, sealInvite %v", i, c.Get("message"), want.Get("message"))
		}
	}
}

// The encapsulations argument: one secret and one ciphertext per
// installation, missing indices in range, nothing else.
func TestEncapsulationsArgument(t *testing.T) {
	w := newWorld(t)
	pe := call(t, "sealPointee", jsBytes(w.welcome), 5)
	good, _ := encapsulationsFor(t, w.installations)
	with := func(key string, v any) js.Value {
		o := js.Global().Get("Object").Call("assign", js.Global().Get("Object").New(), good)
		o.Set(key, v)
		return o
	}
	for i, c := range []struct {
		encs js.Value
		code string
		name string
	}{
		{js.Undefined(), "ERR_ARGUMENT", "encapsulations"},
		{js.ValueOf(5), "ERR_ARGUMENT", "encapsulations"},
		{with("sharedSecrets", u8(1, 2)), "ERR_ARGUMENT", "shared secrets"},
		{with("ciphertexts", jsBytes(make([]byte, 1120*2))), "ERR_ARGUMENT", "ciphertexts"},
		{with("ciphertexts", jsBytes(make([]byte, 1120*4))), "ERR_TOO_LARGE", "ciphertexts"},
		{with("sharedSecrets", "bytes"), "ERR_ARGUMENT", "sharedSecrets"},
		{with("missing", js.ValueOf([]any{3})), "ERR_ARGUMENT", "missing"},
		{with("missing", js.ValueOf([]any{-1})), "ERR_ARGUMENT", "missing"},
		{with("missing", js.ValueOf([]any{0, 1, 2, 0})), "ERR_ARGUMENT", "missing"},
		{with("missing", js.ValueOf("0")), "ERR_ARGUMENT", "missing"},
		{with("extra", 1), "ERR_ARGUMENT", `"extra"`},
	} {
		_, reason := await(callRaw("sealPointersEncapsulated", pe.Get("pointer"), w.installations, c.encs))
		if reason.IsUndefined() || reason.Get("code").String() != c.code || !bytes.Contains([]byte(reason.Get("message").String()), []byte(c.name)) {
			t.Fatalf("case %d: want %s naming %s, got %v", i, c.code, c.name, reason.Get("message"))
		}
	}
	// Every one missing: the module encapsulates them all.
	msgs, reason := await(callRaw("sealPointersEncapsulated", pe.Get("pointer"), w.installations, with("missing", js.ValueOf([]any{0, 1, 2}))))
	if !reason.IsUndefined() || msgs.Length() != 3 {
		t.Fatalf("all missing: %v", reason)
	}
	for kind, v := range hostileObjects(good, "sharedSecrets") {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			if kind == "protoTrap" {
				return // read the same
			}
			_, reason := await(callRaw("sealPointersEncapsulated", pe.Get("pointer"), w.installations, v))
			if reason.IsUndefined() || reason.Get("code").String() != "ERR_ARGUMENT" {
				t.Fatalf("%s: %v", kind, reason)
			}
		})
	}
	w.stillWorks(t)
}

// openPointeeParse locates the encrypted Welcome in the message (which
// the caller decrypts with the key and nonce given) and opens the
// metadata; newPointee and sealPointeeEncrypted seal what openPointee opens.
func TestPointeeThroughJS(t *testing.T) {
	w := newWorld(t)
	for _, input := range []bool{false, true} {
		msg, opts := w.pointeeMsg, js.Undefined()
		if input {
			pe := call(t, "sealPointee", jsBytes(w.welcome), 0)
			w2 := call(t, "parsePointer", pe.Get("pointer"))
			msg, opts = pe.Get("message"), js.ValueOf(map[string]any{"form": "input"})
			w.ptr = w2
		}
		b := goBytes(call(t, "openPointeeParse", w.ptr.Get("bytes"), msg, opts))
		offset, n := binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint32(b[4:8])
		aead, _ := chacha20poly1305.New(b[8:40])
		welcome, err := aead.Open(nil, b[40:52], goBytes(msg)[offset:offset+n], nil)
		if err != nil || !bytes.Equal(welcome, w.welcome) || b[52] != 1 {
			t.Fatalf("input %v: the encrypted welcome at %d (%d bytes) does not open: %v", input, offset, n, err)
		}
		if cursor, has := binary.LittleEndian.Uint64(b[53:61]), b[61]; (input && (cursor != 0 || has != 0)) || (!input && (cursor != 7 || has != 1)) {
			t.Fatalf("input %v: cursor %d, %d", input, cursor, has)
		}
	}
	// A pointee whose Welcome is encrypted outside.
	fresh := call(t, "newPointee", len(w.welcome), 12)
	aead, _ := chacha20poly1305.New(goBytes(fresh.Get("key")))
	m := call(t, "sealPointeeEncrypted", fresh.Get("pointer"), jsBytes(aead.Seal(nil, goBytes(fresh.Get("dataNonce")), w.welcome, nil)), 12)
	got := call(t, "openPointee", fresh.Get("pointer"), m.Get("message"), js.ValueOf(map[string]any{"form": "input"}))
	if !bytes.Equal(goBytes(got.Get("welcome")), w.welcome) || bigString(got.Get("cursor")) != "12" || m.Get("kind").String() != "pointee" {
		t.Fatal("the pointee sealed around an outside encryption does not open")
	}
	wantCode(t, "ERR_ARGUMENT", "sealPointeeEncrypted", fresh.Get("pointer"), u8(1, 2), 12)
	wantCode(t, "ERR_TOO_LARGE", "newPointee", 2000, 1, js.ValueOf(map[string]any{"maxMessageSize": 1000}))
	wantCode(t, "ERR_NOT_POINTEE", "openPointeeParse", w.ptr.Get("bytes"), w.pointerMsg)
	w.stillWorks(t)
}
