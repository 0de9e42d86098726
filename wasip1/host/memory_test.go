package host_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// memoryCalls is how many operation calls TestMemoryBounded makes.
const memoryCalls = 10_000

// memorySlack is how much the module's memory may still grow between call
// 1,000 and call 10,000: room for the Go heap to settle, far below the
// growth a leak of one request or result per call would show (each
// sealed invite alone is over 7 KB).
const memorySlack = 4 << 20

// TestMemoryBounded makes 10,000 operation calls (seals, opens, pointees,
// inspections, node deliveries and garbage on every export) and checks
// that the module's memory stops growing: wasm memory never shrinks, so
// a request, a result block or a pinned buffer that is never freed would
// show as steady growth.
func TestMemoryBounded(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 3, 0, 1)
	welcome := makeWelcome(t, 4096)
	inv, err := m.SealInvite(ctx, welcome, 42, installations(rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	pointee, err := m.ToWelcomeMessage(ctx, inv.Messages[0].Message, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	pointer, err := m.ToWelcomeMessage(ctx, inv.Messages[1].Message, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := m.ToWelcomeMessage(ctx, inv.Messages[4].Message, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.OpenWelcome(ctx, pointer, keys(rs[:1]), nil)
	if err != nil {
		t.Fatal(err)
	}
	valid := validRequests(t, m)
	rng := rand.New(rand.NewPCG(3, 4))
	garbageReqs := map[string][]garbage{}
	for _, e := range requestExports() {
		garbageReqs[e] = garbageFor(valid[e], rng)
	}

	start := time.Now()
	initial := m.MemorySize()
	var at1000 uint32
	counts := map[string]int{}
	for i := 1; i <= memoryCalls; i++ {
		var err error
		switch i % 10 {
		case 0:
			_, err = m.SealInvite(ctx, welcome, uint64(i), installations(rs), nil)
			counts["seal"]++
		case 1:
			_, err = m.OpenWelcome(ctx, pointer, keys(rs[:1]), nil)
			counts["open pointer"]++
		case 2:
			_, err = m.OpenWelcome(ctx, direct, keys(rs[3:]), nil)
			counts["open direct"]++
		case 3, 4:
			_, err = m.OpenPointee(ctx, rec.Pointer, pointee, nil)
			counts["open pointee"]++
		case 5:
			_, err = m.Inspect(ctx, "", pointer)
			counts["inspect"]++
		case 6:
			_, err = m.ToWelcomeMessage(ctx, inv.Messages[2].Message, uint64(i), 1)
			counts["deliver"]++
		default:
			exports := requestExports()
			e := exports[rng.IntN(len(exports))]
			gs := garbageReqs[e]
			g := gs[rng.IntN(len(gs))]
			_, err = m.Call(ctx, e, g.req)
			var ae *abi.Error
			if err != nil && errors.As(err, &ae) && ae.Code != abi.Internal {
				err = nil
			} else if err == nil && !g.mayPass {
				err = errors.New(e + ": garbage accepted: " + g.name)
			}
			counts["garbage"]++
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if i == 1000 {
			at1000 = m.MemorySize()
		}
	}
	final := m.MemorySize()
	t.Logf("%d calls %v in %v; memory: %d KiB after instantiation and setup, %d KiB after 1,000 calls, %d KiB after %d (growth %+d KiB)",
		memoryCalls, counts, time.Since(start).Round(time.Millisecond), initial>>10, at1000>>10, final>>10, memoryCalls, (int64(final)-int64(at1000))>>10)
	if final > at1000+memorySlack {
		t.Fatalf("memory grew from %d KiB after 1,000 calls to %d KiB after %d: a leak", at1000>>10, final>>10, memoryCalls)
	}
	// Every request buffer and result block was freed.
	if n, err := m.LiveBlocks(ctx); err != nil || n != 0 {
		t.Fatalf("after %d calls: %d blocks still allocated (%v)", memoryCalls, n, err)
	}
	// The module still gives right answers.
	p, err := m.OpenPointee(ctx, rec.Pointer, pointee, nil)
	if err != nil || p.Cursor != 42 || !p.HasCursor {
		t.Fatalf("after %d calls: %v", memoryCalls, err)
	}
}
