package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/internal/testenv"
	"github.com/welcome-pointers/wasm/wasip1/abi"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// TestVersion checks the ABI version and the version stamped in at build.
func TestVersion(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	v, err := m.ABIVersion(ctx)
	if err != nil || v != abi.Version {
		t.Fatalf("ABIVersion = %d, %v; want %d", v, err, abi.Version)
	}
	s, err := m.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(testenv.ReactorEnv) == "" {
		root, err := testenv.ModuleRoot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := testenv.Version(root); s != want {
			t.Fatalf("Version = %q, want %q", s, want)
		}
	}
	t.Logf("module version %q, ABI %d, %s", s, v, reactorSource)
}

// TestFullFlow drives a whole invite through the exports: 5 installations
// get pointers and 2 direct welcomes (one X-Wing key without the 0xff04
// extension, one legacy CURVE25519 key), the node turns each published
// message into what a reader gets back, and every recipient opens its
// message, fetches the pointee and gets the Welcome and cursor. The
// native core cross-checks every message the module sealed.
func TestFullFlow(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 5, 1, 1)
	welcome := makeWelcome(t, 20_000)
	const cursor = 1_234_567_890_123

	for _, kem := range []core.KEMID{0, core.KEMXWing} {
		t.Run(fmt.Sprintf("kem=%#04x", uint16(kem)), func(t *testing.T) {
			inv, err := m.SealInvite(ctx, welcome, cursor, installations(rs), &core.SealOptions{KEMID: kem})
			if err != nil {
				t.Fatal(err)
			}
			if p, d := inv.Counts(); p != 5 || d != 2 {
				t.Fatalf("invite has %d pointers and %d direct welcomes, want 5 and 2", p, d)
			}
			if len(inv.Messages) != 8 || inv.Messages[0].Kind != core.KindPointee {
				t.Fatalf("invite has %d messages, first %v; want 8, the pointee first", len(inv.Messages), inv.Messages[0].Kind)
			}
			if len(inv.Destination) != core.DestinationSize || !bytes.Equal(inv.Messages[0].InstallationKey, inv.Destination) {
				t.Fatalf("destination %x, pointee addressed to %x", inv.Destination, inv.Messages[0].InstallationKey)
			}
			for i, msg := range inv.Messages[1:6] {
				if msg.Kind != core.KindPointer {
					t.Fatalf("message %d is %v, want the pointers right after the pointee", i+1, msg.Kind)
				}
			}

			// The node: ids in publishing order, the pointee first.
			delivered := map[string][]byte{}
			var pointee []byte
			for i, msg := range inv.Messages {
				wm, err := m.ToWelcomeMessage(ctx, msg.Message, uint64(100+i), uint64(1_700_000_000_000_000_000+i))
				if err != nil {
					t.Fatalf("message %d (%v): %v", i, msg.Kind, err)
				}
				if msg.Kind == core.KindPointee {
					pointee = wm
				} else {
					delivered[string(msg.InstallationKey)] = wm
				}
			}

			wantKEM := kem
			if wantKEM == 0 {
				wantKEM = core.KEMXWingDeployed
			}
			var stored []byte
			for i, r := range rs {
				msg := delivered[string(r.in.InstallationKey)]
				if msg == nil {
					t.Fatalf("no message for recipient %d", i)
				}
				// Each recipient holds only its own key; a recipient with
				// every key opens it too.
				for _, ks := range [][]host.Key{{r.key}, keys(rs)} {
					rec, err := m.OpenWelcome(ctx, msg, ks, nil)
					if err != nil {
						t.Fatalf("recipient %d: OpenWelcome: %v", i, err)
					}
					if !bytes.Equal(rec.InstallationKey, r.in.InstallationKey) || rec.ID == 0 || rec.CreatedNs == 0 {
						t.Fatalf("recipient %d: addressed to %q, id %d, created %d", i, rec.InstallationKey, rec.ID, rec.CreatedNs)
					}
					if r.capable {
						checkPointer(t, m, i, rec, inv.Destination, pointee, welcome, cursor, wantKEM)
						if stored == nil {
							stored = rec.Pointer.Marshal()
						} else if !bytes.Equal(stored, rec.Pointer.Marshal()) {
							t.Fatalf("recipient %d: pointers of one invite carry different plaintexts", i)
						}
					} else {
						if rec.Kind != core.KindDirect || !bytes.Equal(rec.Welcome, welcome) || !rec.HasCursor || rec.Cursor != cursor {
							t.Fatalf("recipient %d: direct welcome: kind %v, welcome ok %v, cursor %v %d", i, rec.Kind, bytes.Equal(rec.Welcome, welcome), rec.HasCursor, rec.Cursor)
						}
						want := wantKEM
						if r.in.WrapperAlgorithm == core.AlgorithmCurve25519 {
							want = 0
						}
						if rec.KEMID != want {
							t.Fatalf("recipient %d: opened with KEM id %#04x, want %#04x", i, uint16(rec.KEMID), uint16(want))
						}
					}
				}

				// The native core opens what the module sealed.
				nrec, err := core.OpenWelcome(msg, []*core.PrivateKey{nativeKey(t, r.key)}, nil)
				if err != nil {
					t.Fatalf("recipient %d: native OpenWelcome of the module's message: %v", i, err)
				}
				if r.capable {
					np, err := core.OpenPointee(nrec.Pointer, pointee, nil)
					if err != nil || !bytes.Equal(np.Welcome, welcome) || np.Cursor != cursor {
						t.Fatalf("recipient %d: native OpenPointee of the module's pointee: %v", i, err)
					}
				} else if !bytes.Equal(nrec.Welcome, welcome) || nrec.Cursor != cursor {
					t.Fatalf("recipient %d: native open of the module's direct welcome differs", i)
				}
			}

			// The published form opens too.
			ptr, err := m.ParsePointer(ctx, stored)
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.OpenPointee(ctx, ptr, inv.Messages[0].Message, inputForm)
			if err != nil || !bytes.Equal(p.Welcome, welcome) || p.Cursor != cursor {
				t.Fatalf("OpenPointee of the input form: %v", err)
			}
			rec, err := m.OpenWelcome(ctx, inv.Messages[1].Message, keys(rs), inputForm)
			if err != nil || rec.Kind != core.KindPointer || rec.ID != 0 {
				t.Fatalf("OpenWelcome of the input form: %v", err)
			}

			// Inspect names what it sees.
			v, err := m.Inspect(ctx, core.InspectAuto, delivered[string(rs[0].in.InstallationKey)])
			if err != nil {
				t.Fatal(err)
			}
			if v["kind"] != core.InspectWelcomeMessage || v["version"] != "welcome pointer" {
				t.Fatalf("Inspect of a pointer: kind %v, version %v", v["kind"], v["version"])
			}
			v, err = m.Inspect(ctx, core.InspectWelcomePointer, stored)
			if err != nil {
				t.Fatal(err)
			}
			if ptr, _ := v["welcomeV1Pointer"].(map[string]any); ptr["aeadType"] != "CHACHA20_POLY1305" {
				t.Fatalf("Inspect of a stored pointer: %v", v)
			}
		})
	}
}

func checkPointer(t *testing.T, m *host.Module, i int, rec *core.Received, dest, pointee, welcome []byte, cursor uint64, kem core.KEMID) {
	t.Helper()
	ctx := context.Background()
	if rec.Kind != core.KindPointer || rec.Pointer == nil {
		t.Fatalf("recipient %d: got %v, want a pointer", i, rec.Kind)
	}
	if rec.KEMID != kem {
		t.Fatalf("recipient %d: opened with KEM id %#04x, want %#04x", i, uint16(rec.KEMID), uint16(kem))
	}
	if !bytes.Equal(rec.Pointer.Topic(), dest) || !rec.Pointer.MatchesTopic(append([]byte{1}, dest...)) {
		t.Fatalf("recipient %d: pointer topic %x, want %x", i, rec.Pointer.Topic(), dest)
	}
	p, err := m.OpenPointee(ctx, rec.Pointer, pointee, nil)
	if err != nil {
		t.Fatalf("recipient %d: OpenPointee: %v", i, err)
	}
	if !bytes.Equal(p.Welcome, welcome) || !p.HasCursor || p.Cursor != cursor {
		t.Fatalf("recipient %d: pointee: welcome ok %v, cursor %v %d", i, bytes.Equal(p.Welcome, welcome), p.HasCursor, p.Cursor)
	}
}

// TestNativeToModule opens, through the module, an invite the native core
// sealed, with cursor 0 (a pointee whose metadata is a bare tag).
func TestNativeToModule(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 3, 0, 1)
	welcome := makeWelcome(t, 3000)
	inv, err := core.SealInvite(welcome, 0, installations(rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	pointee, err := xmtpnode.ToWelcomeMessage(inv.Messages[0].Message, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, msg := range inv.Messages[1:] {
		wm, err := xmtpnode.ToWelcomeMessage(msg.Message, uint64(i+2), 1)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := m.OpenWelcome(ctx, wm, keys(rs), nil)
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		switch rec.Kind {
		case core.KindPointer:
			p, err := m.OpenPointee(ctx, rec.Pointer, pointee, nil)
			if err != nil || !bytes.Equal(p.Welcome, welcome) || p.HasCursor || p.Cursor != 0 {
				t.Fatalf("message %d: pointee: %v (cursor %v %d)", i+1, err, p != nil && p.HasCursor, 0)
			}
		case core.KindDirect:
			if !bytes.Equal(rec.Welcome, welcome) || rec.Cursor != 0 {
				t.Fatalf("message %d: direct welcome differs", i+1)
			}
		}
	}
}

// TestErrorsWrapSentinels checks that every kind of failure comes back as
// an *abi.Error naming the export, whose code maps to the core sentinel.
func TestErrorsWrapSentinels(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 3, 0, 0)
	other := makeRecipients(t, 1, 0, 0)
	welcome := makeWelcome(t, 500)
	inv, err := m.SealInvite(ctx, welcome, 7, installations(rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	pointee, err := m.ToWelcomeMessage(ctx, inv.Messages[0].Message, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	pointerMsg, err := m.ToWelcomeMessage(ctx, inv.Messages[1].Message, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.OpenWelcome(ctx, pointerMsg, keys(rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(pointee)
	tampered[len(tampered)-1] ^= 1

	cases := []struct {
		name   string
		export string
		want   error
		code   abi.Code
		run    func() error
	}{
		{"garbage message", ops.OpenWelcome.Info().Export, core.ErrMalformed, abi.Malformed, func() error {
			_, err := m.OpenWelcome(ctx, []byte("not a protobuf \xff\xff\xff"), keys(rs), nil)
			return err
		}},
		{"tampered pointee", ops.OpenPointee.Info().Export, core.ErrDecrypt, abi.Decrypt, func() error {
			_, err := m.OpenPointee(ctx, rec.Pointer, tampered, nil)
			return err
		}},
		{"someone else's pointer", ops.OpenWelcome.Info().Export, core.ErrNoMatchingKey, abi.NoMatchingKey, func() error {
			_, err := m.OpenWelcome(ctx, pointerMsg, keys(other), nil)
			return err
		}},
		{"unknown algorithm", ops.GenerateKey.Info().Export, core.ErrUnsupported, abi.Unsupported, func() error {
			_, err := m.GenerateKey(ctx, core.Algorithm(9))
			return err
		}},
		{"pointer as pointee", ops.OpenPointee.Info().Export, core.ErrNotPointee, abi.NotPointee, func() error {
			_, err := m.OpenPointee(ctx, rec.Pointer, pointerMsg, nil)
			return err
		}},
		{"message over 25 MiB", ops.OpenWelcome.Info().Export, core.ErrTooLarge, abi.TooLarge, func() error {
			_, err := m.OpenWelcome(ctx, make([]byte, core.DefaultMaxMessageSize+1), keys(rs), nil)
			return err
		}},
		{"short private key", ops.OpenWelcome.Info().Export, core.ErrInvalidKey, abi.InvalidKey, func() error {
			_, err := m.OpenWelcome(ctx, pointerMsg, []host.Key{{Algorithm: core.AlgorithmXWing, PrivateKey: []byte{1, 2, 3}}}, nil)
			return err
		}},
		{"no installations", ops.SealInvite.Info().Export, core.ErrInvalidArgument, abi.Argument, func() error {
			_, err := m.SealInvite(ctx, welcome, 0, nil, nil)
			return err
		}},
		{"unknown inspect kind", ops.Inspect.Info().Export, core.ErrInvalidArgument, abi.Argument, func() error {
			_, err := m.Inspect(ctx, "no such kind", pointee)
			return err
		}},
		{"node rejects a pointer without key", ops.ToWelcomeMessage.Info().Export, core.ErrMalformed, abi.Malformed, func() error {
			_, err := m.ToWelcomeMessage(ctx, []byte{0x12, 0x00}, 1, 1)
			return err
		}},
		{"bad 0xff03 payload", ops.InstallationFromExtensions.Info().Export, core.ErrMalformed, abi.Malformed, func() error {
			_, err := m.InstallationFromExtensions(ctx, []byte("id"), nil, []byte{0xff}, nil)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			var ae *abi.Error
			if !errors.As(err, &ae) {
				t.Fatalf("got %v (%T), want an *abi.Error", err, err)
			}
			if ae.Export != c.export || ae.Code != c.code || !errors.Is(err, c.want) {
				t.Fatalf("got %v from %s (code %v), want %v from %s", err, ae.Export, ae.Code, c.want, c.export)
			}
			// Decryption failures carry no detail.
			if c.code == abi.Decrypt && ae.Message != core.ErrDecrypt.Error() {
				t.Fatalf("decryption failure with detail: %q", ae.Message)
			}
		})
	}
	// Still usable.
	if _, err := m.OpenPointee(ctx, rec.Pointer, pointee, nil); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentUse: calls from several goroutines are serialized.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 3, 0, 0)
	welcome := makeWelcome(t, 1000)
	inv, err := m.SealInvite(ctx, welcome, 3, installations(rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	pointee, err := m.ToWelcomeMessage(ctx, inv.Messages[0].Message, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.OpenWelcome(ctx, inv.Messages[1].Message, keys(rs), inputForm)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for range 25 {
				p, err := m.OpenPointee(ctx, rec.Pointer, pointee, nil)
				if err == nil && !bytes.Equal(p.Welcome, welcome) {
					err = errors.New("wrong welcome")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := m.LiveBlocks(ctx); err != nil || n != 0 {
		t.Fatalf("%d blocks still allocated (%v)", n, err)
	}
}
