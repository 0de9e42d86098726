package abi

import (
	"testing"

	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// BenchmarkReadSealArgs decodes sealInvite's request for 100
// installations, as the module does on every seal: the reading, not
// the crypto.
func BenchmarkReadSealArgs(b *testing.B) {
	parties, err := fixtures.Parties("abi-bench", fixtures.Repeat(fixtures.Capable, 100)...)
	if err != nil {
		b.Fatal(err)
	}
	a := ops.SealArgs{Welcome: fixtures.Welcome(1024), Cursor: 7, Installations: fixtures.Installations(parties)}
	e := NewEncoder(0, 1<<16)
	ops.SealInvite.Args(NewWriter(e), &a)
	req := e.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		var got ops.SealArgs
		r := NewReader(req)
		ops.SealInvite.Args(r, &got)
		if err := r.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}
