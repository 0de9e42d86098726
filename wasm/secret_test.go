//go:build js && wasm

package main

import (
	"bytes"
	"syscall/js"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// Results that hold key material are zeroed in Go once copied to JS, so
// they do not wait in the module's memory for the garbage collector.
func TestSecretResultsCleared(t *testing.T) {
	jsCopy := func(v js.Value) []byte {
		b := make([]byte, v.Get("length").Int())
		js.CopyBytesToGo(b, v)
		return b
	}
	zero := func(b []byte) bool { return len(b) > 0 && bytes.Count(b, []byte{0}) == len(b) }

	t.Run("newPointee", func(t *testing.T) {
		ptr, err := core.NewPointee(100, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := ops.NewPointer{Pointer: ptr.Marshal(), Key: ptr.EncryptionKey, DataNonce: ptr.DataNonce}
		wantKey, wantPointer := bytes.Clone(r.Key), bytes.Clone(r.Pointer)
		w := newWriter(false)
		ops.NewPointee.Result(w, &r)
		v := w.result()
		if !zero(r.Key) || !zero(r.Pointer) {
			t.Errorf("Go copies after writing: key %x, pointer %x; want zeros", r.Key, r.Pointer)
		}
		if got := jsCopy(v.Get("key")); !bytes.Equal(got, wantKey) {
			t.Errorf("JS key %x, want %x", got, wantKey)
		}
		if got := jsCopy(v.Get("pointer")); !bytes.Equal(got, wantPointer) {
			t.Errorf("JS pointer %x, want %x", got, wantPointer)
		}
	})
	t.Run("openPointeeParse", func(t *testing.T) {
		r := bytes.Repeat([]byte{0xa5}, 62)
		w := newWriter(false)
		ops.OpenPointeeParse.Result(w, &r)
		if !zero(r) {
			t.Errorf("Go copy after writing: %x; want zeros", r)
		}
		if got := jsCopy(w.result()); !bytes.Equal(got, bytes.Repeat([]byte{0xa5}, 62)) {
			t.Errorf("JS copy %x", got)
		}
	})
}
