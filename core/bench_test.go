package core_test

import (
	"runtime"
	"strconv"
	"testing"

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
	pk := benchParties(b, 1)[0].key.PublicKey()
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
	keys := []*core.PrivateKey{ps[0].key}
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
			rec, err := core.OpenWelcomeInput(inv.Messages[1].Message, []*core.PrivateKey{ps[0].key}, nil)
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
	in := benchParties(b, 1)[0].in
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
