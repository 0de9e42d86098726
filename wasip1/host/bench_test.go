package host_test

import (
	"context"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// The benchmarks time the per-pointer cost through the wazero host (the
// request copied in, the reactor's work, the result copied out) next to
// the same work in native Go, for `make bench`:
//
//	go test -run '^$' -bench 'Host|Native' -benchtime 2s ./wasip1/host
//
// SealPerPointer seals an invite to benchPointers pointer-capable
// installations with a 1 KiB Welcome (HostNativeKEM: with WithNativeKEM)
// and reports ns/pointer (the
// invite's time over its pointers; the one pointee encryption of 1 KiB
// is part of it). OpenPointer opens one delivered pointer message with
// the recipient's key (X-Wing decapsulation; through the host this
// includes loading the key from its 32-byte seed, as every open call
// does). OpenPointee opens the pointee with the opened pointer.

const benchPointers = 10

type benchFixture struct {
	keys    []host.Key
	ins     []core.Installation
	welcome []byte
	pointer []byte        // a delivered pointer message for keys[0]
	pointee []byte        // the delivered pointee
	ptr     *core.Pointer // the opened pointer
}

func newBenchFixture(b *testing.B, m *host.Module) *benchFixture {
	b.Helper()
	ctx := context.Background()
	rs := makeRecipients(b, benchPointers, 0, 0)
	f := &benchFixture{keys: keys(rs), ins: installations(rs), welcome: makeWelcome(b, 1024)}
	inv, err := m.SealInvite(ctx, f.welcome, 1, f.ins, nil)
	if err != nil {
		b.Fatal(err)
	}
	if f.pointee, err = m.ToWelcomeMessage(ctx, inv.Messages[0].Message, 1, 1); err != nil {
		b.Fatal(err)
	}
	if f.pointer, err = m.ToWelcomeMessage(ctx, inv.Messages[1].Message, 2, 1); err != nil {
		b.Fatal(err)
	}
	rec, err := m.OpenWelcome(ctx, f.pointer, f.keys[:1], nil)
	if err != nil {
		b.Fatal(err)
	}
	f.ptr = rec.Pointer
	return f
}

func reportPerPointer(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPointers), "ns/pointer")
}

func BenchmarkHostSealPerPointer(b *testing.B) { benchHostSeal(b, newModule(b)) }

// With WithNativeKEM: the X-Wing encapsulations in the host.
func BenchmarkHostNativeKEMSealPerPointer(b *testing.B) {
	ctx := context.Background()
	m, err := host.New(ctx, reactorWasm, host.WithCompilationCache(cache), host.WithNativeKEM())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close(ctx)
	benchHostSeal(b, m)
}

func benchHostSeal(b *testing.B, m *host.Module) {
	ctx := context.Background()
	f := newBenchFixture(b, m)
	b.ResetTimer()
	for range b.N {
		if _, err := m.SealInvite(ctx, f.welcome, 1, f.ins, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportPerPointer(b)
}

func BenchmarkNativeSealPerPointer(b *testing.B) {
	m := newModule(b)
	f := newBenchFixture(b, m)
	b.ResetTimer()
	for range b.N {
		if _, err := core.SealInvite(f.welcome, 1, f.ins, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportPerPointer(b)
}

func BenchmarkHostOpenPointer(b *testing.B) {
	ctx := context.Background()
	m := newModule(b)
	f := newBenchFixture(b, m)
	b.ResetTimer()
	for range b.N {
		if _, err := m.OpenWelcome(ctx, f.pointer, f.keys[:1], nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNativeOpenPointer(b *testing.B) {
	m := newModule(b)
	f := newBenchFixture(b, m)
	key := nativeKey(b, f.keys[0])
	b.ResetTimer()
	for range b.N {
		if _, err := core.OpenWelcome(f.pointer, []*core.PrivateKey{key}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHostOpenPointee(b *testing.B) {
	ctx := context.Background()
	m := newModule(b)
	f := newBenchFixture(b, m)
	b.ResetTimer()
	for range b.N {
		if _, err := m.OpenPointee(ctx, f.ptr, f.pointee, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNativeOpenPointee(b *testing.B) {
	m := newModule(b)
	f := newBenchFixture(b, m)
	b.ResetTimer()
	for range b.N {
		if _, err := core.OpenPointee(f.ptr, f.pointee, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNativeOpenPointerWithKeyLoad is the native counterpart of
// BenchmarkHostOpenPointer: the key is loaded from its seed on every open,
// as the module does.
func BenchmarkNativeOpenPointerWithKeyLoad(b *testing.B) {
	m := newModule(b)
	f := newBenchFixture(b, m)
	b.ResetTimer()
	for range b.N {
		key, err := core.NewPrivateKey(f.keys[0].Algorithm, f.keys[0].PrivateKey)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := core.OpenWelcome(f.pointer, []*core.PrivateKey{key}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew is what loading the module costs: compiling it (cold), or
// taking the compiled code from a compilation cache (WithCacheDir: the
// second process that loads the module).
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		opts func(dir string) []host.Option
	}{
		{"cold", func(string) []host.Option { return nil }},
		{"cached", func(dir string) []host.Option { return []host.Option{host.WithCacheDir(dir)} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			warm, err := host.New(ctx, reactorWasm, bc.opts(dir)...)
			if err != nil {
				b.Fatal(err)
			}
			warm.Close(ctx)
			b.ResetTimer()
			for range b.N {
				m, err := host.New(ctx, reactorWasm, bc.opts(dir)...)
				if err != nil {
					b.Fatal(err)
				}
				m.Close(ctx)
			}
		})
	}
}
