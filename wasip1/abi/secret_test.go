package abi

import (
	"bytes"
	"testing"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// A Secret field is zeroed in Go once encoded for the host; others are not.
func TestWriterClearsSecrets(t *testing.T) {
	secret, plain := bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 16)
	e := NewEncoder(0, 64)
	w := NewWriter(e)
	w.Bytes(ops.Field{Name: "key", Secret: true}, &secret)
	w.Bytes(ops.Field{Name: "id"}, &plain)
	if !bytes.Equal(secret, make([]byte, 16)) {
		t.Errorf("secret after writing: %x, want zeros", secret)
	}
	if !bytes.Equal(plain, bytes.Repeat([]byte{9}, 16)) {
		t.Errorf("plain field changed: %x", plain)
	}
	if !bytes.Contains(e.Bytes(), bytes.Repeat([]byte{7}, 16)) {
		t.Errorf("the encoded result lost the secret's bytes")
	}
}
