package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/abi"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// validRequests returns one well-formed request per operation export,
// built from a real invite, so garbage can be derived from them.
func validRequests(tb testing.TB, m *host.Module) map[string][]byte {
	tb.Helper()
	ctx := context.Background()
	rs := makeRecipients(tb, 3, 0, 1)
	welcome := makeWelcome(tb, 300)
	inv, err := m.SealInvite(ctx, welcome, 99, installations(rs), nil)
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
	rec, err := m.OpenWelcome(ctx, pointer, keys(rs), nil)
	if err != nil {
		tb.Fatal(err)
	}
	ff03, err := core.EncodeWrapperEncryption(rs[0].key.PublicKey, core.AlgorithmXWing)
	if err != nil {
		tb.Fatal(err)
	}
	ptr := rec.Pointer.Marshal()
	policy := core.DefaultRetryPolicy()
	now := time.Unix(1_750_000_000, 0)
	state := core.Pending{Attempts: 2, NextAttempt: now, ExpiresAt: now.Add(time.Hour)}
	reqs := map[string][]byte{}
	add := func(op ops.Op, req []byte) { reqs[op.Info().Export] = req }
	add(ops.GenerateKey, encode(ops.GenerateKey, core.AlgorithmCurve25519))
	add(ops.LoadKey, encode(ops.LoadKey, ops.Key{Algorithm: rs[0].key.Algorithm, PrivateKey: rs[0].key.PrivateKey}))
	add(ops.ValidatePublicKey, encode(ops.ValidatePublicKey, ops.PublicKeyArgs{Algorithm: core.AlgorithmXWing, PublicKey: rs[0].key.PublicKey}))
	add(ops.EncodeWrapperEncryption, encode(ops.EncodeWrapperEncryption, ops.PublicKeyArgs{Algorithm: core.AlgorithmXWing, PublicKey: rs[0].key.PublicKey}))
	add(ops.DecodeWrapperEncryption, encode(ops.DecodeWrapperEncryption, ff03))
	add(ops.EncodePointeeAEADTypes, encode(ops.EncodePointeeAEADTypes, []core.AEADType{core.AEADChaCha20Poly1305}))
	add(ops.DecodePointeeAEADTypes, encode(ops.DecodePointeeAEADTypes, fixtures.TypicalAEADTypes))
	add(ops.InstallationFromExtensions, encode(ops.InstallationFromExtensions, ops.KeyPackageFields{
		InstallationKey: []byte("id"), WrapperEncryption: ff03,
		PointeeAEADTypes: core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305}),
	}))
	add(ops.SealInvite, encode(ops.SealInvite, ops.SealArgs{Welcome: welcome, Cursor: 5, Installations: installations(rs[:2])}))
	add(ops.SealDirect, encode(ops.SealDirect, ops.SealDirectArgs{Welcome: welcome, Cursor: 5, Installation: rs[3].in}))
	add(ops.CheckInstallations, encode(ops.CheckInstallations, installations(rs)))
	add(ops.SealPointee, encode(ops.SealPointee, ops.SealPointeeArgs{Welcome: welcome, Cursor: 5}))
	add(ops.SealPointers, encode(ops.SealPointers, ops.SealPointersArgs{Pointer: ptr, Installations: installations(rs[:2])}))
	add(ops.CheckInvite, encode(ops.CheckInvite, ops.SealArgs{Welcome: welcome, Cursor: 5, Installations: installations(rs)}))
	add(ops.SealPointersEncapsulated, encode(ops.SealPointersEncapsulated, ops.EncapsulatedArgs{
		SealPointersArgs: ops.SealPointersArgs{Pointer: ptr, Installations: installations(rs[:2])},
		SharedSecrets:    make([]byte, 2*core.KEMSharedSecretSize), Ciphertexts: make([]byte, 2*core.XWingEncapsulationSize), Missing: []int{1},
	}))
	add(ops.OpenWelcome, encode(ops.OpenWelcome, ops.OpenWelcomeArgs{Message: pointer, Keys: []ops.Key{ops.Key(rs[0].key)}}))
	add(ops.ParsePointer, encode(ops.ParsePointer, ptr))
	add(ops.OpenPointee, encode(ops.OpenPointee, ops.OpenPointeeArgs{Pointer: ptr, FirstMessage: pointee}))
	add(ops.Inspect, encode(ops.Inspect, ops.InspectArgs{Kind: core.InspectAuto, Input: pointer}))
	add(ops.ToWelcomeMessage, encode(ops.ToWelcomeMessage, ops.PublishedArgs{Input: inv.Messages[0].Message, ID: 1, CreatedNs: 2}))
	add(ops.InputTopic, encode(ops.InputTopic, inv.Messages[0].Message))
	add(ops.DefaultRetryPolicy, encode(ops.DefaultRetryPolicy, ops.None{}))
	add(ops.RetryPolicy, encode(ops.RetryPolicy, policy))
	add(ops.NewPending, encode(ops.NewPending, ops.TimesArgs{Policy: policy, WelcomeTime: now, Now: now}))
	add(ops.Failed, encode(ops.Failed, ops.StateArgs{Policy: policy, State: state, Now: now}))
	add(ops.Check, encode(ops.Check, ops.StateArgs{Policy: policy, State: state, Now: now}))
	add(ops.IsDue, encode(ops.IsDue, ops.StateArgs{Policy: policy, State: state, Now: now}))
	add(ops.Delay, encode(ops.Delay, ops.CountArgs{Policy: policy, N: 3}))
	add(ops.QuickDelay, encode(ops.QuickDelay, ops.CountArgs{Policy: policy, N: 2, Jitter: time.Millisecond}))
	add(ops.QuickNext, encode(ops.QuickNext, ops.CountArgs{Policy: policy, N: 2, Elapsed: time.Second, Jitter: time.Millisecond}))
	add(ops.KeepUntil, encode(ops.KeepUntil, ops.TimesArgs{Policy: policy, WelcomeTime: now, Now: now}))
	add(ops.IsFinal, encode(ops.IsFinal, core.ErrNotPointee))
	for _, e := range requestExports() {
		if reqs[e] == nil {
			tb.Fatalf("no valid request for %s: add one here", e)
		}
	}
	return reqs
}

// encode is operation d's request for arguments a.
func encode[A, R any](d *ops.Def[A, R], a A) []byte {
	e := abi.NewEncoder(0, 0)
	d.Args(abi.NewWriter(e), &a)
	return e.Bytes()
}

// requestExports are the exports of every operation that takes a request.
func requestExports() []string {
	var es []string
	for _, op := range ops.Exported(ops.ABI) {
		if !op.Info().Plain {
			es = append(es, op.Info().Export)
		}
	}
	return es
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
		{name: "empty", req: nil, mayPass: len(valid) == 0},
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
	for i := 0; i < 30 && len(valid) > 0; i++ {
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
	for _, export := range requestExports() {
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

	for _, export := range requestExports() {
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
			if n == 0 && (c.ln == 0 || c.ln > 1<<31) {
				continue // an operation without arguments: the empty request is valid
			}
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
		if n == 0 {
			continue // in_len 0 reads no buffer
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
	rs := makeRecipients(t, 3, 0, 0)
	if _, err := m.SealInvite(ctx, makeWelcome(t, 100), 1, installations(rs), nil); err != nil {
		t.Fatal(err)
	}
}
