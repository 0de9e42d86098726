package main

import (
	"crypto/hpke"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/fixtures"
)

// Hosts and metrics of the timing tables.
const (
	hostNative   = "native"
	hostNode     = "node"
	hostNodePool = "node-pool"
	hostChromium = "chromium"
	// The native path: the browser's WebCrypto X-Wing and ChaCha20-Poly1305.
	hostChromiumNative = "chromium-webcrypto"
	hostChromiumPool   = "chromium-webcrypto-pool"
	hostWazero         = "wazero"
	// wazero with host.WithNativeKEM: the X-Wing encapsulations in the Go host.
	hostWazeroNativeKEM = "wazero-native-kem"
	peerGo              = "go-hpke"
	peerNode            = "node-hpke"

	mInvite       = "invite"
	mSeal         = "seal_per_pointer"
	mOpen         = "open_pointer"
	mOpenFromSeed = "open_pointer_from_seed"
	mPointee      = "open_pointee"
	mKeygen       = "generate_key"

	// What WebCrypto costs alone (the floor of the native path), and what
	// Node's WebCrypto has.
	mWebCryptoEncaps = "webcrypto_encapsulate"
	mWebCryptoDecaps = "webcrypto_decapsulate"
	mWebCryptoX25519 = "webcrypto_x25519"
)

// welcomeInfo is the HPKE info of every welcome seal (spec section 2).
var welcomeInfo = append([]byte{0x13}, append([]byte("MLS 1.0 MLS_WELCOME"), 0x00)...)

func (r *report) put(host, metric string, t *timing) {
	if r.timings == nil {
		r.timings = map[string]map[string]*timing{}
	}
	if r.timings[host] == nil {
		r.timings[host] = map[string]*timing{}
	}
	r.timings[host][metric] = t
}

func (r *report) get(host, metric string) *timing {
	return r.timings[host][metric]
}

// measureNative runs node/suite.mjs's workload on the core, natively.
func measureNative(c *config, rep *report) error {
	w := rep.work
	// Keys, timed in chunks like the suite does; the invites go to the
	// fixtures' parties.
	keygen, err := timeKeygen(w, func() error { _, err := core.GenerateKey(core.AlgorithmXWing); return err })
	if err != nil {
		return err
	}
	rep.put(hostNative, mKeygen, fromSamples(keygen, w.Keys))
	ps, err := makeParties(w.Keys)
	if err != nil {
		return err
	}
	small := fixtures.Welcome(1024)

	// A whole invite.
	welcome := fixtures.Welcome(w.InviteWelcome)
	if err := measureInvite(rep, hostNative, func() (*core.Invite, error) {
		return core.SealInvite(welcome, 12345, ps.capable[:w.InviteN], nil)
	}); err != nil {
		return err
	}

	// Per-pointer seal.
	var sealed *core.Invite
	t, err := measure(w.Runs, func() (int, error) {
		var err error
		sealed, err = core.SealInvite(small, 7, ps.capable[:w.SealN], nil)
		return w.SealN, err
	})
	if err != nil {
		return err
	}
	rep.put(hostNative, mSeal, t)

	// Opening pointers.
	var msgs [][]byte
	for i, m := range sealed.Messages {
		if m.Kind == core.KindPointer {
			wm, err := xmtpnode.ToWelcomeMessage(m.Message, uint64(i+1), 1)
			if err != nil {
				return err
			}
			msgs = append(msgs, wm)
		}
	}
	if len(msgs) == 0 {
		return fmt.Errorf("no pointers in an invite of %d", w.SealN)
	}
	t, err = measure(w.Runs, func() (int, error) {
		for range w.OpenReps {
			r, err := core.OpenWelcome(msgs[0], ps.keys[:1], nil)
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
	rep.put(hostNative, mOpen, t)
	if m := min(16, len(msgs)); m > 8 {
		seeds := make([][]byte, m)
		for i := range m {
			seeds[i] = ps.keys[i].Bytes()
		}
		t, err = measure(w.Runs, func() (int, error) {
			for i := range w.OpenReps {
				k, err := core.NewPrivateKey(core.AlgorithmXWing, seeds[i%m])
				if err != nil {
					return 0, err
				}
				if _, err := core.OpenWelcome(msgs[i%m], []*core.PrivateKey{k}, nil); err != nil {
					return 0, err
				}
			}
			return w.OpenReps, nil
		})
		if err != nil {
			return err
		}
		rep.put(hostNative, mOpenFromSeed, t)
	}

	// Opening a pointee.
	pw := fixtures.Welcome(w.PointeeWelcome)
	inv, err := core.SealInvite(pw, 99, ps.capable[:3], nil)
	if err != nil {
		return err
	}
	pointee, err := xmtpnode.ToWelcomeMessage(inv.Messages[0].Message, 1, 1)
	if err != nil {
		return err
	}
	rec, err := core.OpenWelcome(inv.Messages[1].Message, ps.keys[:1], &core.OpenOptions{Form: core.FormInput})
	if err != nil {
		return err
	}
	t, err = measure(w.Runs, func() (int, error) {
		for range w.PointeeReps {
			p, err := core.OpenPointee(rec.Pointer, pointee, nil)
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
	rep.put(hostNative, mPointee, t)

	return measureNativeMemory(rep, welcome, ps.capable[:w.InviteN])
}

// nativeMemory is the Go heap during one invite.
type nativeMemory struct {
	TotalAlloc uint64 // bytes allocated during the invite
	PeakInuse  uint64 // highest HeapInuse seen (sampled every ms)
	PeakAlloc  uint64 // highest HeapAlloc seen
	BaseAlloc  uint64 // HeapAlloc before (after a GC)
	Output     int    // bytes of the invite's messages
	Samples    int
	Runs       int
}

func measureNativeMemory(rep *report, welcome []byte, ins []core.Installation) error {
	var all []nativeMemory
	for range rep.work.Runs {
		m, err := nativeInviteMemory(welcome, ins)
		if err != nil {
			return err
		}
		all = append(all, m)
	}
	// Median by peak HeapInuse.
	slices.SortFunc(all, func(a, b nativeMemory) int { return int(int64(a.PeakInuse) - int64(b.PeakInuse)) })
	m := all[len(all)/2]
	m.Runs = len(all)
	rep.nativeMem = &m
	return nil
}

func nativeInviteMemory(welcome []byte, ins []core.Installation) (nativeMemory, error) {
	var m nativeMemory
	runtime.GC()
	var before, s runtime.MemStats
	runtime.ReadMemStats(&before)
	m.BaseAlloc = before.HeapAlloc
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	sample := func() {
		runtime.ReadMemStats(&s)
		mu.Lock()
		m.PeakInuse = max(m.PeakInuse, s.HeapInuse)
		m.PeakAlloc = max(m.PeakAlloc, s.HeapAlloc)
		m.Samples++
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	inv, err := core.SealInvite(welcome, 12345, ins, nil)
	close(stop)
	wg.Wait()
	if err != nil {
		return m, err
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	m.PeakInuse = max(m.PeakInuse, after.HeapInuse)
	m.PeakAlloc = max(m.PeakAlloc, after.HeapAlloc)
	m.TotalAlloc = after.TotalAlloc - before.TotalAlloc
	m.Output = inv.Size()
	runtime.KeepAlive(inv)
	return m, nil
}

// pointerPlaintextSize is the size of a WelcomePointer protobuf, what a
// pointer seals, measured on one the core made.
func pointerPlaintextSize() (int, error) {
	ps, err := makeParties(3)
	if err != nil {
		return 0, err
	}
	inv, err := core.SealInvite([]byte{0, 1, 0, 3}, 1, ps.capable, nil)
	if err != nil {
		return 0, err
	}
	rec, err := core.OpenWelcome(inv.Messages[1].Message, ps.keys[:1], &core.OpenOptions{Form: core.FormInput})
	if err != nil {
		return 0, err
	}
	return len(rec.Pointer.Marshal()), nil
}

// measureGoPeer times Go's crypto/hpke with MLKEM768X25519 (X-Wing,
// KEM id 0x647a), HKDF-SHA256 and ChaCha20-Poly1305: one HPKE seal and
// open of a WelcomePointer-sized plaintext, what a pointer costs without
// the framing.
func measureGoPeer(c *config, rep *report) error {
	n, err := pointerPlaintextSize()
	if err != nil {
		return err
	}
	rep.pointerPlaintext = n
	kem := hpke.MLKEM768X25519()
	sk, err := kem.GenerateKey()
	if err != nil {
		return err
	}
	pk := sk.PublicKey()
	kdf, aead := hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
	pt := fixtures.Welcome(n)
	var ct []byte
	reps := rep.work.PeerReps
	t, err := measure(rep.work.Runs, func() (int, error) {
		for range reps {
			var err error
			if ct, err = hpke.Seal(pk, kdf, aead, welcomeInfo, pt); err != nil {
				return 0, err
			}
		}
		return reps, nil
	})
	if err != nil {
		return err
	}
	rep.put(peerGo, mSeal, t)
	t, err = measure(rep.work.Runs, func() (int, error) {
		for range reps {
			got, err := hpke.Open(sk, kdf, aead, welcomeInfo, ct)
			if err != nil {
				return 0, err
			}
			if len(got) != len(pt) {
				return 0, fmt.Errorf("crypto/hpke opened %d bytes, want %d", len(got), len(pt))
			}
		}
		return reps, nil
	})
	if err != nil {
		return err
	}
	rep.put(peerGo, mOpen, t)
	return nil
}

// timeKeygen times w.Keys key generations in w.Runs chunks: the time per
// key of each chunk.
func timeKeygen(w workload, gen func() error) ([]float64, error) {
	var samples []float64
	chunk := (w.Keys + w.Runs - 1) / w.Runs
	for done := 0; done < w.Keys; {
		want := min(chunk, w.Keys-done)
		start := time.Now()
		for range want {
			if err := gen(); err != nil {
				return nil, err
			}
		}
		samples = append(samples, float64(time.Since(start).Nanoseconds())/float64(want))
		done += want
	}
	return samples, nil
}

// measureInvite times seal, a whole invite of the workload's InviteN
// pointer-capable installations, as host's mInvite.
func measureInvite(rep *report, host string, seal func() (*core.Invite, error)) error {
	w := rep.work
	t, err := measure(w.Runs, func() (int, error) {
		inv, err := seal()
		if err == nil && w.InviteN >= 3 && len(inv.Messages) != w.InviteN+1 {
			err = fmt.Errorf("invite of %d messages", len(inv.Messages))
		}
		return 1, err
	})
	if err != nil {
		return err
	}
	t.N = w.InviteN
	rep.put(host, mInvite, t)
	return nil
}
