package core_test

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/cloudflare/circl/kem/xwing"

	"github.com/welcome-pointers/wasm/core"
)

// benchPool holds pointer-capable parties, generated once per test binary.
var benchPool []party

func benchParties(b *testing.B, n int) []party {
	b.Helper()
	if len(benchPool) < n {
		benchPool = append(benchPool, newParties(b, "bench "+strconv.Itoa(len(benchPool)), repeatCap(capable, n-len(benchPool))...)...)
	}
	return benchPool[:n]
}

// BenchmarkSealInvite seals a 2 KB welcome for n pointer-capable
// installations; ns/pointer is the cost per installation (n = 1 is below
// the threshold: one direct welcome, no pointer).
func BenchmarkSealInvite(b *testing.B) {
	welcome := testWelcome(2 << 10)
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ins := installations(benchParties(b, n))
			var inv *core.Invite
			for b.Loop() {
				var err error
				if inv, err = core.SealInvite(welcome, 1, ins, nil); err != nil {
					b.Fatal(err)
				}
			}
			if pointers, _ := inv.Counts(); pointers > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pointers), "ns/pointer")
			}
		})
	}
}

// BenchmarkXWingEncapsulate is the bare X-Wing encapsulation, the floor
// of the cost of a pointer: compare with ns/pointer of BenchmarkSealInvite.
func BenchmarkXWingEncapsulate(b *testing.B) {
	pk := benchParties(b, 1)[0].Key.PublicKey()
	for b.Loop() {
		if _, _, err := xwing.Encapsulate(pk, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenPointer is what a recipient of a pointer spends: one
// X-Wing decapsulation and a small AEAD open.
func BenchmarkOpenPointer(b *testing.B) {
	ps := benchParties(b, 3)
	inv, err := core.SealInvite(testWelcome(2<<10), 1, installations(ps), nil)
	if err != nil {
		b.Fatal(err)
	}
	msg := toMessage(b, inv.Messages[1].Message, 2)
	keys := []*core.PrivateKey{ps[0].Key}
	for b.Loop() {
		if _, err := core.OpenWelcome(msg, keys, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenPointee opens pointees of typical welcome sizes (a
// ratchet tree of a few hundred members).
func BenchmarkOpenPointee(b *testing.B) {
	ps := benchParties(b, 3)
	for _, size := range []int{100_000, 500_000} {
		b.Run(strconv.Itoa(size/1000)+"KB", func(b *testing.B) {
			inv, err := core.SealInvite(testWelcome(size), 1, installations(ps), nil)
			if err != nil {
				b.Fatal(err)
			}
			rec, err := core.OpenWelcome(inv.Messages[1].Message, []*core.PrivateKey{ps[0].Key}, inputForm)
			if err != nil {
				b.Fatal(err)
			}
			pointee := toMessage(b, inv.Messages[0].Message, 1)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := core.OpenPointee(rec.Pointer, pointee, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSealDirect500KB is the cost, per installation, of the
// pre-pointer way of sending a large welcome.
func BenchmarkSealDirect500KB(b *testing.B) {
	in := benchParties(b, 1)[0].Installation
	welcome := testWelcome(500_000)
	b.SetBytes(int64(len(welcome)))
	for b.Loop() {
		if _, err := core.SealDirect(welcome, 1, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealInvite1000Welcome500KB is the largest realistic invite.
// B-beyond-output/op is the memory allocated per invite beyond the bytes
// of the messages themselves: the sealing's own overhead.
func BenchmarkSealInvite1000Welcome500KB(b *testing.B) {
	ins := installations(benchParties(b, 1000))
	welcome := testWelcome(500_000)
	var inv *core.Invite
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		var err error
		if inv, err = core.SealInvite(welcome, 1, ins, nil); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perOp := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N)
	b.ReportMetric(perOp-float64(inv.Size()), "B-beyond-output/op")
	b.ReportMetric(float64(inv.Size()), "B-output/op")
}

// BenchmarkHostile is the time and memory spent on the inputs of issue 9,
// refused or opened. The bound on padding: "padded-pointer" opens (and
// refuses) a 25 MiB pointer message padded with empty oneof arms; its
// x-unpadded metric is its cost over that of opening the same pointer
// unpadded, measured in the same run, and must stay a small constant.
func BenchmarkHostile(b *testing.B) {
	f := newFixture(b)
	keys := f.keys()
	run := func(name string, fn func() error, want error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(); !errors.Is(err, want) {
					b.Fatalf("got %v, want %v", err, want)
				}
			}
		})
	}
	nested := nestedGroups(9000, false)
	nestedPointer := append(bytes.Clone(f.pointerMsg), nestedGroups(9000, true)...)
	run("nested-9000/OpenWelcome", func() error { _, err := core.OpenWelcome(nestedPointer, keys, nil); return err }, core.ErrMalformed)
	run("nested-9000/Inspect", func() error { _, err := core.Inspect(core.InspectAuto, nested); return err }, core.ErrMalformed)

	aead := packedAEADTypes(5, 25<<20)
	run("aead-types-25MiB/ParsePointeeAEADTypes", func() error { _, err := core.ParsePointeeAEADTypes(aead); return err }, core.ErrTooLarge)
	run("aead-types-25MiB/Inspect", func() error { _, err := core.Inspect(core.InspectAEADTypes, aead); return err }, core.ErrTooLarge)

	padded := paddedPointer(f.pointerMsg, core.DefaultMaxMessageSize)
	b.Run("padded-pointer-25MiB/OpenWelcome", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := core.OpenWelcome(padded, keys, nil); !errors.Is(err, core.ErrMalformed) {
				b.Fatal(err)
			}
		}
		padded := b.Elapsed()
		start := time.Now()
		for range b.N {
			if _, err := core.OpenWelcome(f.pointerMsg, keys, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(padded)/float64(time.Since(start)), "x-unpadded")
	})
	run("padded-pointer-25MiB/Inspect", func() error { _, err := core.Inspect(core.InspectAuto, padded); return err }, core.ErrMalformed)
	run("pointer/OpenWelcome", func() error { _, err := core.OpenWelcome(f.pointerMsg, keys, nil); return err }, nil)

	// A legitimate pointee of the largest size a default sender publishes.
	welcome := testWelcome(25<<20 - 200)
	inv, err := core.SealInvite(welcome, 1, installations(f.ps[:3]), nil)
	if err != nil {
		b.Fatal(err)
	}
	pointee := toMessage(b, inv.Messages[0].Message, 1)
	rec, err := core.OpenWelcome(toMessage(b, inv.Messages[1].Message, 2), keys, nil)
	if err != nil {
		b.Fatal(err)
	}
	run("pointee-25MiB/OpenPointee", func() error { _, err := core.OpenPointee(rec.Pointer, pointee, nil); return err }, nil)
}
