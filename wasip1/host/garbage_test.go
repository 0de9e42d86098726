package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/abi"
	"github.com/welcome-pointers/wasm/wasmtest/host"
)

// validRequests returns one well-formed request per operation export,
// built from a real invite, so garbage can be derived from them.
func validRequests(tb testing.TB, m *host.Module) map[string][]byte {
	tb.Helper()
	ctx := context.Background()
	rs := makeRecipients(tb, m, 3, 0, 1)
	welcome := makeWelcome(tb, 300)
	inv, err := m.SealInvite(ctx, welcome, 99, installations(rs), 0)
	if err != nil {
		tb.Fatal(err)
	}
	pointer, err := m.ToWelcomeMessage(ctx, inv.Messages[1].Message, 2, 3)
	if err != nil {
		tb.Fatal(err)
	}
	pointee, err := m.ToWelcomeMessage(ctx, inv.Messages[0].Message, 1, 3)
	if err != nil {
		tb.Fatal(err)
	}
	rec, err := m.OpenWelcome(ctx, pointer, keys(rs))
	if err != nil {
		tb.Fatal(err)
	}
	ff03, err := core.EncodeWrapperEncryption(rs[0].key.PublicKey, core.AlgorithmXWing)
	if err != nil {
		tb.Fatal(err)
	}
	enc := func(r interface{ Encode(*abi.Encoder) }) []byte {
		e := abi.NewEncoder(0, 0)
		r.Encode(e)
		return e.Bytes()
	}
	return map[string][]byte{
		abi.ExportGenerateKey: enc(&abi.GenerateKeyRequest{Algorithm: core.AlgorithmCurve25519}),
		abi.ExportInstallationFromExt: enc(&abi.InstallationFromExtensionsRequest{
			InstallationKey: []byte("id"), WrapperEncryption: ff03,
			PointeeAEADTypes: core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305}),
		}),
		abi.ExportSealInvite:       enc(&abi.SealInviteRequest{Welcome: welcome, Cursor: 5, Installations: installations(rs[:2])}),
		abi.ExportOpenWelcome:      enc(&abi.OpenWelcomeRequest{Form: abi.FormMessage, Message: pointer, Keys: keys(rs[:1])}),
		abi.ExportOpenPointee:      enc(&abi.OpenPointeeRequest{Form: abi.FormMessage, Pointer: rec.StoredPointer, FirstMessage: pointee}),
		abi.ExportInspect:          enc(&abi.InspectRequest{Kind: core.InspectAuto, Message: pointer}),
		abi.ExportToWelcomeMessage: enc(&abi.ToWelcomeMessageRequest{Input: inv.Messages[0].Message, ID: 1, CreatedNs: 2}),
	}
}

// garbage is a named bad request. mayPass marks requests that are
// well-formed with damaged contents, which the module may accept (a
// flipped bit in a Welcome is still a Welcome); all others must fail.
type garbage struct {
	name    string
	req     []byte
	mayPass bool
}

func garbageFor(valid []byte, rng *rand.Rand) []garbage {
	gs := []garbage{
		{name: "empty", req: nil},
		{name: "one zero byte", req: []byte{0}},
		{name: "one 0xff byte", req: []byte{0xff}},
		{name: "huge length prefix", req: []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}},
		{name: "all 0xff", req: bytes.Repeat([]byte{0xff}, 64)},
		{name: "trailing byte", req: append(bytes.Clone(valid), 0)},
	}
	for i := 0; i < 40; i++ {
		b := make([]byte, rng.IntN(2048))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		gs = append(gs, garbage{name: fmt.Sprintf("random %d bytes", len(b)), req: b})
	}
	// Every strict prefix of a valid request is truncated somewhere.
	for n := 1; n < len(valid); n++ {
		if n > 64 && n%53 != 0 && n != len(valid)-1 {
			continue
		}
		gs = append(gs, garbage{name: fmt.Sprintf("truncated to %d of %d", n, len(valid)), req: valid[:n]})
	}
	// Bit flips and random bytes inside a well-formed request.
	for i := 0; i < 30; i++ {
		b := bytes.Clone(valid)
		pos := rng.IntN(len(b))
		b[pos] ^= 1 << rng.IntN(8)
		gs = append(gs, garbage{name: fmt.Sprintf("bit flip at %d", pos), req: b, mayPass: true})
	}
	return gs
}

// TestGarbageOnEveryExport feeds every operation export empty, random,
// truncated and bit-flipped requests. Each must come back as a result
// block with an error status (never a trap, never an ABI breach), and the
// module must keep working.
func TestGarbageOnEveryExport(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	valid := validRequests(t, m)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, export := range abi.RequestExports {
		t.Run(export, func(t *testing.T) {
			if _, err := m.Call(ctx, export, valid[export]); err != nil {
				t.Fatalf("the valid request fails: %v", err)
			}
			codes := map[abi.Code]int{}
			for _, g := range garbageFor(valid[export], rng) {
				_, err := m.Call(ctx, export, g.req)
				var ae *abi.Error
				switch {
				case err == nil && g.mayPass:
					codes[abi.OK]++
				case err == nil:
					t.Fatalf("%s: %s: accepted", export, g.name)
				case errors.As(err, &ae) && ae.Code != abi.OK && ae.Code != abi.Internal:
					if ae.Export != export || ae.Code.Sentinel() == nil || !errors.Is(err, ae.Code.Sentinel()) {
						t.Fatalf("%s: %s: error %v does not name the export or wrap its sentinel", export, g.name, err)
					}
					codes[ae.Code]++
				default:
					t.Fatalf("%s: %s: %v (%T)", export, g.name, err, err)
				}
			}
			if _, err := m.Call(ctx, export, valid[export]); err != nil {
				t.Fatalf("the valid request fails after the garbage: %v", err)
			}
			t.Logf("status counts: %v", codes)
		})
	}
}

// TestBadPointers hands every export pointers and lengths that are not a
// live wp_alloc buffer. Each must answer with status ARGUMENT in a proper
// result block; wp_free and wp_alloc must refuse garbage with a status
// or 0, never a trap.
func TestBadPointers(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	valid := validRequests(t, m)

	alloc := func(n uint64) uint32 {
		p, err := m.RawCall(ctx, abi.ExportAlloc, n)
		if err != nil {
			t.Fatal(err)
		}
		return uint32(p)
	}
	free := func(p uint32) abi.Code {
		st, err := m.RawCall(ctx, abi.ExportFree, uint64(p))
		if err != nil {
			t.Fatal(err)
		}
		return abi.Code(st)
	}

	for _, export := range abi.RequestExports {
		buf := alloc(uint64(len(valid[export])))
		if buf == 0 || !m.WriteMemory(buf, valid[export]) {
			t.Fatalf("wp_alloc(%d) = %#x", len(valid[export]), buf)
		}
		n := uint64(len(valid[export]))
		cases := []struct {
			name    string
			ptr, ln uint64
		}{
			{"never allocated", 8, 16},
			{"past the end of memory", 0xfffffff0, 64},
			{"length past the buffer", uint64(buf), n + 1},
			{"length 2^32-1", uint64(buf), 0xffffffff},
			{"middle of the buffer", uint64(buf) + 1, n - 1},
			{"no request at all", 0, 0},
		}
		for _, c := range cases {
			res, err := m.RawCall(ctx, export, c.ptr, c.ln)
			if err != nil {
				t.Fatalf("%s(%s): %v", export, c.name, err)
			}
			_, err = m.TakeResult(ctx, export, uint32(res))
			var ae *abi.Error
			if !errors.As(err, &ae) || ae.Code != abi.Argument {
				t.Fatalf("%s(%s): got %v, want status ARGUMENT", export, c.name, err)
			}
		}
		// The buffer is still live and holds the request.
		res, err := m.RawCall(ctx, export, uint64(buf), n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.TakeResult(ctx, export, uint32(res)); err != nil {
			t.Fatalf("%s: the valid request after the bad pointers: %v", export, err)
		}
		if st := free(buf); st != abi.OK {
			t.Fatalf("wp_free(%#x) = %v", buf, st)
		}
		if st := free(buf); st != abi.Argument {
			t.Fatalf("double wp_free(%#x) = %v, want ARGUMENT", buf, st)
		}
		// A freed buffer is no longer a request.
		res, err = m.RawCall(ctx, export, uint64(buf), n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.TakeResult(ctx, export, uint32(res)); !errors.Is(err, core.ErrInvalidArgument) {
			t.Fatalf("%s on a freed buffer: %v, want ARGUMENT", export, err)
		}
	}

	for _, p := range []uint32{1, 8, 0x10000, 0xfffffff0, 0xffffffff} {
		if st := free(p); st != abi.Argument {
			t.Fatalf("wp_free(%#x) = %v, want ARGUMENT", p, st)
		}
	}
	if st := free(0); st != abi.OK {
		t.Fatalf("wp_free(0) = %v, want OK", st)
	}
	for _, n := range []uint64{abi.MaxAlloc + 1, 0xffffffff} {
		if p := alloc(n); p != 0 {
			t.Fatalf("wp_alloc(%d) = %#x, want 0", n, p)
		}
	}
	if p := alloc(0); p == 0 || free(p) != abi.OK {
		t.Fatalf("wp_alloc(0) = %#x, want a freeable buffer", p)
	}

	if n, err := m.LiveBlocks(ctx); err != nil || n != 0 {
		t.Fatalf("%d blocks still allocated (%v)", n, err)
	}
	// Still fully usable.
	rs := makeRecipients(t, m, 3, 0, 0)
	if _, err := m.SealInvite(ctx, makeWelcome(t, 100), 1, installations(rs), 0); err != nil {
		t.Fatal(err)
	}
}
