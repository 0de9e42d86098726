package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// wazeroStartup is New (compile without a cache, instantiate, _initialize)
// and the first call; Cached is New with a warm in-memory compilation
// cache (a second module in the same process).
type wazeroStartup struct {
	New, FirstCall, Cached *timing
}

// measureWazero runs node/suite.mjs's workload on the wasip1 reactor
// through wasip1/host (wazero's compiler, no compilation cache).
func measureWazero(c *config, rep *report) error {
	ctx := context.Background()
	wasm, err := os.ReadFile(filepath.Join(c.root, host.DefaultArtifact))
	if err != nil {
		return fmt.Errorf("%w (build it with ./build.sh wasip1)", err)
	}
	w := rep.work

	// Start-up: a fresh runtime each time, so compilation is included.
	st := &wazeroStartup{New: &timing{N: 1}, FirstCall: &timing{N: 1}}
	var m *host.Module
	for i := range min(w.Runs, 3) {
		if m != nil {
			m.Close(ctx)
		}
		start := time.Now()
		if m, err = host.New(ctx, wasm, host.WithOutput(io.Discard, os.Stderr)); err != nil {
			return err
		}
		d := time.Since(start)
		start = time.Now()
		if _, err := m.Version(ctx); err != nil {
			return err
		}
		st.New.Samples = append(st.New.Samples, float64(d.Nanoseconds()))
		st.FirstCall.Samples = append(st.FirstCall.Samples, float64(time.Since(start).Nanoseconds()))
		_ = i
	}
	defer m.Close(ctx)
	// With a compilation cache: the first module fills it, the next ones
	// only instantiate.
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	st.Cached = &timing{N: 1}
	for i := range min(w.Runs, 3) + 1 {
		start := time.Now()
		cm, err := host.New(ctx, wasm, host.WithOutput(io.Discard, os.Stderr), host.WithCompilationCache(cache))
		if err != nil {
			return err
		}
		if i > 0 {
			st.Cached.Samples = append(st.Cached.Samples, float64(time.Since(start).Nanoseconds()))
		}
		cm.Close(ctx)
	}
	rep.wazeroStartup = st
	mem := &wasmMemory{AfterInit: uint64(m.MemorySize())}

	// Keys, made by the module and timed as natively; the invites go to
	// the fixtures' parties.
	keygen, err := timeKeygen(w, func() error { _, err := m.GenerateKey(ctx, core.AlgorithmXWing); return err })
	if err != nil {
		return err
	}
	ps, err := makeParties(w.Keys)
	if err != nil {
		return err
	}
	ins := ps.capable
	keys := make([]host.Key, len(ps.keys))
	for i, k := range ps.keys {
		keys[i] = host.Key{Algorithm: k.Algorithm(), PrivateKey: k.Bytes(), PublicKey: k.PublicKey()}
	}
	rep.put(hostWazero, mKeygen, fromSamples(keygen, w.Keys))
	mem.AfterKeys = uint64(m.MemorySize())

	welcome := fixtures.Welcome(w.InviteWelcome)
	first := true
	if err := measureInvite(rep, hostWazero, func() (*core.Invite, error) {
		inv, err := m.SealInvite(ctx, welcome, 12345, ins[:w.InviteN], nil)
		if first {
			mem.AfterInvite = uint64(m.MemorySize())
			first = false
		}
		return inv, err
	}); err != nil {
		return err
	}

	small := fixtures.Welcome(1024)
	var sealed *core.Invite
	t, err := measure(w.Runs, func() (int, error) {
		var err error
		sealed, err = m.SealInvite(ctx, small, 7, ins[:w.SealN], nil)
		return w.SealN, err
	})
	if err != nil {
		return err
	}
	rep.put(hostWazero, mSeal, t)

	// The same seals with the X-Wing encapsulations in the host
	// (host.WithNativeKEM), on a module of their own.
	nm, err := host.New(ctx, wasm, host.WithOutput(io.Discard, os.Stderr), host.WithCompilationCache(cache), host.WithNativeKEM())
	if err != nil {
		return err
	}
	defer nm.Close(ctx)
	t, err = measure(w.Runs, func() (int, error) {
		_, err := nm.SealInvite(ctx, small, 7, ins[:w.SealN], nil)
		return w.SealN, err
	})
	if err != nil {
		return err
	}
	rep.put(hostWazeroNativeKEM, mSeal, t)
	if err := measureInvite(rep, hostWazeroNativeKEM, func() (*core.Invite, error) {
		return nm.SealInvite(ctx, welcome, 12345, ins[:w.InviteN], nil)
	}); err != nil {
		return err
	}

	var msgs [][]byte
	for i, msg := range sealed.Messages {
		if msg.Kind == core.KindPointer {
			wm, err := xmtpnode.ToWelcomeMessage(msg.Message, uint64(i+1), 1)
			if err != nil {
				return err
			}
			msgs = append(msgs, wm)
		}
	}
	if len(msgs) == 0 {
		return fmt.Errorf("no pointers in an invite of %d", w.SealN)
	}
	// The reactor's ABI passes the private key (its seed) with every
	// call: each open derives the public key first.
	nk := min(16, len(msgs))
	t, err = measure(w.Runs, func() (int, error) {
		for i := range w.OpenReps {
			r, err := m.OpenWelcome(ctx, msgs[i%nk], []host.Key{keys[i%nk]}, nil)
			if err != nil {
				return 0, err
			}
			if r.Kind != core.KindPointer {
				return 0, fmt.Errorf("opened a %v", r.Kind)
			}
		}
		return w.OpenReps, nil
	})
	if err != nil {
		return err
	}
	rep.put(hostWazero, mOpenFromSeed, t)

	pw := fixtures.Welcome(w.PointeeWelcome)
	inv, err := m.SealInvite(ctx, pw, 99, ins[:3], nil)
	if err != nil {
		return err
	}
	pointee, err := xmtpnode.ToWelcomeMessage(inv.Messages[0].Message, 1, 1)
	if err != nil {
		return err
	}
	ptr, err := xmtpnode.ToWelcomeMessage(inv.Messages[1].Message, 2, 1)
	if err != nil {
		return err
	}
	rec, err := m.OpenWelcome(ctx, ptr, keys[:1], nil)
	if err != nil {
		return err
	}
	t, err = measure(w.Runs, func() (int, error) {
		for range w.PointeeReps {
			p, err := m.OpenPointee(ctx, rec.Pointer, pointee, nil)
			if err != nil {
				return 0, err
			}
			if len(p.Welcome) != len(pw) || p.Cursor != 99 {
				return 0, fmt.Errorf("the pointee opened to the wrong Welcome")
			}
		}
		return w.PointeeReps, nil
	})
	if err != nil {
		return err
	}
	rep.put(hostWazero, mPointee, t)
	mem.End = uint64(m.MemorySize())
	rep.setMemory(hostWazero, mem)
	return nil
}

// wasmMemory is a module's WebAssembly memory size at points of the
// suite (it only grows), and the JS heap where there is one.
type wasmMemory struct {
	AfterInit, AfterKeys, AfterInvite, End uint64
	JSHeapAfterInvite                      uint64
}

func (r *report) setMemory(host string, m *wasmMemory) {
	if r.wasmMem == nil {
		r.wasmMem = map[string]*wasmMemory{}
	}
	r.wasmMem[host] = m
}
