package abi

import (
	"bytes"
	"testing"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// A Secret field is zeroed in Go once encoded, and the Writer says the
// encoding holds one (a Go host then zeroes its request); others are not.
func TestWriterClearsSecrets(t *testing.T) {
	secret, plain := bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 16)
	e := NewEncoder(0, 64)
	w := NewWriter(e)
	w.Bytes(ops.Field{Name: "id"}, &plain)
	if w.Secret() {
		t.Error("Secret() before a secret field was written")
	}
	w.Bytes(ops.Field{Name: "key", Secret: true}, &secret)
	if !w.Secret() {
		t.Error("Secret() false after a secret field: the host would not zero its request")
	}
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
