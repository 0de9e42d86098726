package host_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/wasip1/abi"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// switchable is a module's random source that a test points at a
// deterministic stream for one seal: the Go runtime inside reads some at
// start-up, which must not shift the stream.
type switchable struct {
	mu sync.Mutex
	r  io.Reader
}

func (s *switchable) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Read(p)
}

func (s *switchable) set(r io.Reader) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r = r
}

// seeded is a module, with the native KEM or without, whose random source
// the test sets.
type seeded struct {
	*host.Module
	rand *switchable
}

func newSeeded(tb testing.TB, nativeKEM bool) seeded {
	tb.Helper()
	ctx := context.Background()
	r := &switchable{r: rand.Reader}
	opts := []host.Option{host.WithCompilationCache(cache), host.WithRandSource(r)}
	if nativeKEM {
		opts = append(opts, host.WithNativeKEM())
	}
	m, err := host.New(ctx, reactorWasm, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close(ctx) })
	return seeded{m, r}
}

// seal is SealInvite with the module's randomness drawn from the stream
// of label.
func (s seeded) seal(welcome []byte, cursor uint64, ins []core.Installation, opts *core.SealOptions, label string) (*core.Invite, error) {
	s.rand.set(fixtures.Stream(label))
	defer s.rand.set(rand.Reader)
	return s.SealInvite(context.Background(), welcome, cursor, ins, opts)
}

// The golden invite (core/testdata), sealed through the module with the
// module's randomness drawn from the golden stream: every byte as the
// native core seals it, with the native KEM and without.
func TestNativeKEMGoldenInvite(t *testing.T) {
	const seed = "welcome pointers golden invite v1"
	b, err := os.ReadFile("../../core/testdata/golden-invite.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Destination string `json:"destination"`
		Messages    []struct {
			Kind            string `json:"kind"`
			InstallationKey string `json:"installation_key"`
			SHA256          string `json:"sha256"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	ps, err := fixtures.Parties(seed+" keys", fixtures.Capable, fixtures.Capable, fixtures.Capable, fixtures.Curve)
	if err != nil {
		t.Fatal(err)
	}
	welcome := append([]byte{0x00, 0x01, 0x00, 0x03}, bytes.Repeat([]byte("golden welcome "), 64)...)
	for _, native := range []bool{false, true} {
		t.Run(fmt.Sprintf("nativeKEM=%v", native), func(t *testing.T) {
			inv, err := newSeeded(t, native).seal(welcome, 42, fixtures.Installations(ps), nil, seed+" seal")
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Messages) != len(golden.Messages) || hex.EncodeToString(inv.Destination) != golden.Destination {
				t.Fatalf("%d messages to %x, golden has %d to %s", len(inv.Messages), inv.Destination, len(golden.Messages), golden.Destination)
			}
			for i, m := range inv.Messages {
				sum := sha256.Sum256(m.Message)
				w := golden.Messages[i]
				if m.Kind.String() != w.Kind || hex.EncodeToString(m.InstallationKey) != w.InstallationKey || hex.EncodeToString(sum[:]) != w.SHA256 {
					t.Errorf("message %d (%v) differs from the golden invite's", i, m.Kind)
				}
			}
		})
	}
}

// An invite sealed with the native KEM is byte for byte the invite the
// module seals alone with the same randomness, for every mix of
// installations (more pointers than one call of the module takes, both
// X-Wing KEM ids, too few pointer-capable installations for pointers),
// and every installation opens its message, natively and through the
// module.
func TestNativeKEMSameInvite(t *testing.T) {
	ctx := context.Background()
	plain, native := newSeeded(t, false), newSeeded(t, true)
	cases := []struct {
		capable, xwingOnly, curve int
		kem                       core.KEMID
	}{
		{3, 0, 0, 0},
		{5, 1, 1, 0},
		{4, 1, 1, core.KEMXWing},
		{2, 1, 1, 0},
		{300, 1, 1, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d-capable/%d-xwing-only/%d-curve/kem=%#04x", c.capable, c.xwingOnly, c.curve, uint16(c.kem)), func(t *testing.T) {
			rs := makeRecipients(t, c.capable, c.xwingOnly, c.curve)
			welcome := makeWelcome(t, 5000)
			const cursor = 77
			opts := &core.SealOptions{KEMID: c.kem}
			label := fmt.Sprintf("native kem %v", c)
			want, err := plain.seal(welcome, cursor, installations(rs), opts, label)
			if err != nil {
				t.Fatal(err)
			}
			got, err := native.seal(welcome, cursor, installations(rs), opts, label)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Destination, want.Destination) || len(got.Messages) != len(want.Messages) {
				t.Fatalf("%d messages to %x, without the native KEM %d to %x", len(got.Messages), got.Destination, len(want.Messages), want.Destination)
			}
			for i, m := range got.Messages {
				w := want.Messages[i]
				if m.Kind != w.Kind || !bytes.Equal(m.InstallationKey, w.InstallationKey) || !bytes.Equal(m.Message, w.Message) {
					t.Fatalf("message %d (%v) differs from the module's own", i, m.Kind)
				}
			}
			if p, _ := got.Counts(); (p > 0) != (c.capable >= core.MinPointerInstallations) {
				t.Fatalf("%d pointers for %d pointer-capable installations", p, c.capable)
			}
			openEverywhere(t, native.Module, rs, got, welcome, cursor)

			// With crypto/rand, the native KEM's invite opens too.
			inv, err := native.SealInvite(ctx, welcome, cursor, installations(rs), opts)
			if err != nil {
				t.Fatal(err)
			}
			openEverywhere(t, native.Module, rs, inv, welcome, cursor)
		})
	}
}

// openEverywhere opens each installation's message of inv, and the
// pointee for a pointer, natively and through m.
func openEverywhere(t *testing.T, m *host.Module, rs []recipient, inv *core.Invite, welcome []byte, cursor uint64) {
	t.Helper()
	ctx := context.Background()
	byKey := map[string][]byte{}
	var pointee []byte
	for i, msg := range inv.Messages {
		wm, err := xmtpnode.ToWelcomeMessage(msg.Message, uint64(i+1), fixtures.CreatedNs(uint64(i+1)))
		if err != nil {
			t.Fatalf("message %d (%v): %v", i, msg.Kind, err)
		}
		if msg.Kind == core.KindPointee {
			pointee = wm
		} else {
			byKey[string(msg.InstallationKey)] = wm
		}
	}
	for i, r := range rs {
		msg := byKey[string(r.in.InstallationKey)]
		if msg == nil {
			t.Fatalf("no message for installation %d", i)
		}
		nrec, err := core.OpenWelcome(msg, []*core.PrivateKey{nativeKey(t, r.key)}, nil)
		if err != nil {
			t.Fatalf("installation %d: native OpenWelcome: %v", i, err)
		}
		mrec, err := m.OpenWelcome(ctx, msg, []host.Key{r.key}, nil)
		if err != nil {
			t.Fatalf("installation %d: OpenWelcome through the module: %v", i, err)
		}
		if nrec.Kind != mrec.Kind {
			t.Fatalf("installation %d: %v natively, %v through the module", i, nrec.Kind, mrec.Kind)
		}
		if nrec.Kind == core.KindDirect {
			if !bytes.Equal(nrec.Welcome, welcome) || !bytes.Equal(mrec.Welcome, welcome) || nrec.Cursor != cursor || mrec.Cursor != cursor {
				t.Fatalf("installation %d: the direct welcome opens to another Welcome or cursor", i)
			}
			continue
		}
		np, err := core.OpenPointee(nrec.Pointer, pointee, nil)
		if err != nil || !bytes.Equal(np.Welcome, welcome) || np.Cursor != cursor {
			t.Fatalf("installation %d: native OpenPointee: %v", i, err)
		}
		mp, err := m.OpenPointee(ctx, mrec.Pointer, pointee, nil)
		if err != nil || !bytes.Equal(mp.Welcome, welcome) || mp.Cursor != cursor {
			t.Fatalf("installation %d: OpenPointee through the module: %v", i, err)
		}
	}
}

// Whatever SealInvite refuses (bad keys of pointer-capable installations
// first), it refuses with the native KEM with the same code and message,
// which are the native core's.
func TestNativeKEMSameErrors(t *testing.T) {
	ctx := context.Background()
	plain, native := newModule(t), newSeeded(t, true)
	rs := makeRecipients(t, 4, 1, 1)
	welcome := makeWelcome(t, 2000)
	good := rs[1].in.WrapperPublicKey
	withKey := func(pub []byte) []core.Installation {
		ins := installations(rs)
		ins[1].WrapperPublicKey = pub
		return ins
	}
	lowOrder := append(bytes.Clone(good[:len(good)-32]), 1)
	lowOrder = append(lowOrder, make([]byte, 31)...)
	bigCoefficient := bytes.Clone(good)
	bigCoefficient[0], bigCoefficient[1] = 0xff, bigCoefficient[1]|0x0f // 4095 >= q
	dup := installations(rs)
	dup[3].InstallationKey = dup[0].InstallationKey
	cases := []struct {
		name    string
		welcome []byte
		ins     []core.Installation
		opts    *core.SealOptions
	}{
		{"low-order X25519 half", welcome, withKey(lowOrder), nil},
		{"ML-KEM coefficient >= q", welcome, withKey(bigCoefficient), nil},
		{"zero ML-KEM half", welcome, withKey(append(make([]byte, len(good)-32), good[len(good)-32:]...)), nil},
		{"short key", welcome, withKey(good[:len(good)-1]), nil},
		{"no key", welcome, withKey(nil), nil},
		{"installation key twice", welcome, dup, nil},
		{"no installations", welcome, nil, nil},
		{"empty welcome", nil, installations(rs), nil},
		{"unknown KEM id", welcome, installations(rs), &core.SealOptions{KEMID: 0x1234}},
		{"pointers over the size limit", welcome, installations(rs), &core.SealOptions{MaxMessageSize: 2400}},
		{"welcome over the size limit", makeWelcome(t, 3000), installations(rs), &core.SealOptions{MaxMessageSize: 2900}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, nerr := core.SealInvite(c.welcome, 1, c.ins, c.opts)
			_, perr := plain.SealInvite(ctx, c.welcome, 1, c.ins, c.opts)
			_, kerr := native.SealInvite(ctx, c.welcome, 1, c.ins, c.opts)
			if nerr == nil || perr == nil || kerr == nil {
				t.Fatalf("errors: native core %v, module %v, with the native KEM %v", nerr, perr, kerr)
			}
			var pe, ke *abi.Error
			if !errors.As(perr, &pe) || !errors.As(kerr, &ke) {
				t.Fatalf("not the module's errors: %v, %v", perr, kerr)
			}
			if ke.Code != pe.Code || ke.Message != pe.Message {
				t.Fatalf("with the native KEM: %v (%q)\nwithout: %v (%q)", ke.Code, ke.Message, pe.Code, pe.Message)
			}
			if pe.Message != nerr.Error() || !errors.Is(kerr, pe.Code.Sentinel()) || !errors.Is(nerr, pe.Code.Sentinel()) {
				t.Fatalf("the module says %q (%v), the native core %q", pe.Message, pe.Code, nerr)
			}
		})
	}
}

// SealPointersEncapsulated with the core's encapsulations seals what the
// core does with them, leaves an empty one to the module, and zeroes the
// caller's shared secrets.
func TestSealPointersEncapsulated(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 4, 0, 0)
	ins := installations(rs)
	_, ptr, err := core.SealPointee(makeWelcome(t, 500), 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	encapsulate := func(label string) []core.Encapsulation {
		r := fixtures.Stream(label)
		encs := make([]core.Encapsulation, len(ins))
		for i, in := range ins {
			if encs[i], err = core.XWingEncapsulate(in.WrapperPublicKey, r); err != nil {
				t.Fatal(err)
			}
		}
		return encs
	}
	want, err := core.SealPointersEncapsulated(ptr, ins, encapsulate("host encapsulated"), nil)
	if err != nil {
		t.Fatal(err)
	}
	encs := encapsulate("host encapsulated")
	got, err := m.SealPointersEncapsulated(ctx, ptr, ins, encs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if !bytes.Equal(got[i].Message, want[i].Message) || !bytes.Equal(got[i].InstallationKey, want[i].InstallationKey) {
			t.Fatalf("pointer %d differs from the native core's", i)
		}
	}
	for i, e := range encs {
		if !bytes.Equal(e.SharedSecret, make([]byte, core.KEMSharedSecretSize)) {
			t.Errorf("encapsulation %d: the shared secret was not zeroed", i)
		}
	}

	// One left to the module; it opens like the others.
	encs = encapsulate("host encapsulated, one missing")
	encs[2] = core.Encapsulation{}
	got, err = m.SealPointersEncapsulated(ctx, ptr, ins, encs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, msg := range got {
		wm, err := xmtpnode.ToWelcomeMessage(msg.Message, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := core.OpenWelcome(wm, []*core.PrivateKey{nativeKey(t, rs[i].key)}, nil)
		if err != nil || !bytes.Equal(rec.Pointer.Marshal(), ptr.Marshal()) {
			t.Fatalf("pointer %d does not open to the pointer: %v", i, err)
		}
	}

	// Encapsulations that do not fit are refused, before any call.
	encs = encapsulate("host encapsulated, bad")
	encs[1].Ciphertext = encs[1].Ciphertext[:10]
	if _, err := m.SealPointersEncapsulated(ctx, ptr, ins, encs, nil); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("a short ciphertext: %v, want ErrInvalidArgument", err)
	}
	if _, err := m.SealPointersEncapsulated(ctx, ptr, ins, encapsulate("host encapsulated, few")[:3], nil); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("3 encapsulations for 4 installations: %v, want ErrInvalidArgument", err)
	}
	if _, err := m.SealPointersEncapsulated(ctx, nil, ins, nil, nil); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("no pointer: %v, want ErrInvalidArgument", err)
	}
}
