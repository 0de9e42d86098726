package abi

import (
	"slices"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// A request cut anywhere fails naming the field it was cut in, with its
// path through objects and list elements (the names are built only then).
func TestReaderErrorNames(t *testing.T) {
	parties, err := fixtures.Parties("abi-names", fixtures.Repeat(fixtures.Capable, 3)...)
	if err != nil {
		t.Fatal(err)
	}
	a := ops.SealArgs{Welcome: fixtures.Welcome(64), Cursor: 7, Installations: fixtures.Installations(parties)}
	e := NewEncoder(0, 1<<14)
	ops.SealInvite.Args(NewWriter(e), &a)
	req := e.Bytes()
	var names []string
	for n := range len(req) {
		r := NewReader(req[:n])
		var got ops.SealArgs
		ops.SealInvite.Args(r, &got)
		err := r.Finish()
		if err == nil {
			t.Fatalf("a request cut to %d of %d bytes was read", n, len(req))
		}
		name, _, _ := strings.Cut(err.Error(), ": ")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, want := range []string{
		"welcome length", "welcome", "cursor",
		"installations count",
		"installations[0].installation_key length",
		"installations[2].wrapper_public_key",
		"installations[1].pointee_aead_types count",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("no error names %q; the names: %q", want, names)
		}
	}
}
