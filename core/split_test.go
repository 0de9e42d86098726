package core_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
)

// splitInvite seals an invite the way parallel callers do: the pointee,
// the pointers in chunks, then the direct welcomes.
func splitInvite(t *testing.T, welcome []byte, cursor uint64, ins []core.Installation, chunk int, opts *core.SealOptions) *core.Invite {
	t.Helper()
	capable, err := core.CheckInstallations(ins)
	if err != nil {
		t.Fatal(err)
	}
	pointee, ptr, err := core.SealPointee(welcome, cursor, opts)
	if err != nil {
		t.Fatal(err)
	}
	inv := &core.Invite{Destination: bytes.Clone(ptr.Destination), Messages: []core.OutgoingMessage{pointee}}
	var capIns, direct []core.Installation
	for i, in := range ins {
		if capable[i] {
			capIns = append(capIns, in)
		} else {
			direct = append(direct, in)
		}
	}
	for len(capIns) > 0 {
		n := min(chunk, len(capIns))
		msgs, err := core.SealPointers(ptr, capIns[:n], opts)
		if err != nil {
			t.Fatal(err)
		}
		inv.Messages = append(inv.Messages, msgs...)
		capIns = capIns[n:]
	}
	for _, in := range direct {
		b, err := core.SealDirect(welcome, cursor, in, opts)
		if err != nil {
			t.Fatal(err)
		}
		inv.Messages = append(inv.Messages, core.OutgoingMessage{Kind: core.KindDirect, InstallationKey: bytes.Clone(in.InstallationKey), Message: b})
	}
	return inv
}

// TestSplitMatchesSealInvite: with the same randomness the split path
// gives SealInvite's bytes, and every message opens.
func TestSplitMatchesSealInvite(t *testing.T) {
	caps := append(repeatCap(capable, 7), curve, xwingNoAEADs)
	caps = append([]capability{xwingNo3}, caps...)
	ps := newParties(t, "split", caps...)
	ins := installations(ps)
	welcome := testWelcome(3000)
	want, err := core.SealInvite(welcome, 42, ins, deterministic("split seal"))
	if err != nil {
		t.Fatal(err)
	}
	got := splitInvite(t, welcome, 42, ins, 3, deterministic("split seal"))
	if len(got.Messages) != len(want.Messages) || !bytes.Equal(got.Destination, want.Destination) {
		t.Fatalf("split invite has %d messages, SealInvite %d", len(got.Messages), len(want.Messages))
	}
	for i := range want.Messages {
		w, g := want.Messages[i], got.Messages[i]
		if w.Kind != g.Kind || !bytes.Equal(w.InstallationKey, g.InstallationKey) || !bytes.Equal(w.Message, g.Message) {
			t.Fatalf("message %d differs (%v vs %v)", i, g.Kind, w.Kind)
		}
	}
	gp, gd := got.Counts()
	if gp != 7 || gd != 3 {
		t.Fatalf("counts %d pointers, %d direct", gp, gd)
	}

	// Random sealing: every recipient opens its message and the pointee.
	got = splitInvite(t, welcome, 42, ins, 2, nil)
	net := newNetwork(t)
	net.publishInvite(got)
	stranger := newParties(t, "split stranger", capable)[0].Key
	for _, p := range ps {
		o := net.receive(p, stranger)
		if !bytes.Equal(o.welcome, welcome) || o.cursor != 42 {
			t.Fatalf("%v recipient opens another welcome or cursor %d", p.Capability, o.cursor)
		}
		if wantKind := map[bool]core.MessageKind{true: core.KindPointer, false: core.KindDirect}[p.Capability == capable]; o.rec.Kind != wantKind {
			t.Fatalf("%v recipient got a %v", p.Capability, o.rec.Kind)
		}
	}
}

func TestSealPointersRejects(t *testing.T) {
	ps := newParties(t, "split rejects", capable, capable, curve, xwingNoAEADs)
	_, ptr, err := core.SealPointee(testWelcome(100), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins := installations(ps)
	t.Run("empty list", func(t *testing.T) {
		_, err := core.SealPointers(ptr, nil, nil)
		checkErr(t, err, core.ErrInvalidArgument)
	})
	for _, i := range []int{2, 3} {
		t.Run("not capable "+ps[i].Capability.String(), func(t *testing.T) {
			_, err := core.SealPointers(ptr, []core.Installation{ins[0], ins[i]}, nil)
			checkErr(t, err, core.ErrInvalidArgument)
		})
	}
	t.Run("duplicate", func(t *testing.T) {
		_, err := core.SealPointers(ptr, []core.Installation{ins[0], ins[1], ins[0]}, nil)
		checkErr(t, err, core.ErrInvalidArgument)
	})
	t.Run("bad key", func(t *testing.T) {
		bad := ins[1]
		bad.WrapperPublicKey = bad.WrapperPublicKey[:100]
		_, err := core.SealPointers(ptr, []core.Installation{ins[0], bad}, nil)
		checkErr(t, err, core.ErrInvalidKey)
	})
	t.Run("invalid pointer", func(t *testing.T) {
		for name, edit := range map[string]func(p *core.Pointer){
			"nil":          nil,
			"aead":         func(p *core.Pointer) { p.AEADType = 9 },
			"destination":  func(p *core.Pointer) { p.Destination = p.Destination[:31] },
			"key":          func(p *core.Pointer) { p.EncryptionKey = nil },
			"nonce":        func(p *core.Pointer) { p.DataNonce = p.DataNonce[:11] },
			"nonce reused": func(p *core.Pointer) { p.WelcomeMetadataNonce = p.DataNonce },
		} {
			var p *core.Pointer
			if edit != nil {
				c := *ptr
				edit(&c)
				p = &c
			}
			_, err := core.SealPointers(p, ins[:2], nil)
			if err == nil || !(errors.Is(err, core.ErrMalformed) || errors.Is(err, core.ErrUnsupported) || errors.Is(err, core.ErrInvalidArgument)) {
				t.Fatalf("%s: %v", name, err)
			}
		}
	})
	t.Run("kem", func(t *testing.T) {
		_, err := core.SealPointers(ptr, ins[:2], &core.SealOptions{KEMID: 7})
		checkErr(t, err, core.ErrUnsupported)
		_, _, err = core.SealPointee(testWelcome(10), 1, &core.SealOptions{KEMID: 7})
		checkErr(t, err, core.ErrUnsupported)
	})
	t.Run("pointee", func(t *testing.T) {
		_, _, err := core.SealPointee(nil, 1, nil)
		checkErr(t, err, core.ErrInvalidArgument)
		_, _, err = core.SealPointee(testWelcome(100), 1, &core.SealOptions{MaxMessageSize: 50})
		checkErr(t, err, core.ErrTooLarge)
	})
	t.Run("progress", func(t *testing.T) {
		var calls [][2]int
		msgs, err := core.SealPointers(ptr, ins[:2], &core.SealOptions{Progress: func(d, n int) { calls = append(calls, [2]int{d, n}) }})
		if err != nil || len(msgs) != 2 || len(calls) != 2 || calls[1] != [2]int{2, 2} {
			t.Fatalf("%v %d %v", err, len(msgs), calls)
		}
	})
	t.Run("check installations", func(t *testing.T) {
		c, err := core.CheckInstallations(ins)
		if err != nil || len(c) != 4 || !c[0] || !c[1] || c[2] || c[3] {
			t.Fatalf("%v %v", c, err)
		}
		_, err = core.CheckInstallations(nil)
		checkErr(t, err, core.ErrInvalidArgument)
	})
}

// TestSealStops: a done SealOptions.Context stops every sealing function
// before the next installation, with an error wrapping its Err.
func TestSealStops(t *testing.T) {
	ps := newParties(t, "stop", append(repeatCap(capable, 6), curve, curve)...)
	ins := installations(ps)
	welcome := testWelcome(500)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	_, ptr, err := core.SealPointee(welcome, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, seal := range map[string]func(*core.SealOptions) error{
		"SealInvite":   func(o *core.SealOptions) error { _, err := core.SealInvite(welcome, 1, ins, o); return err },
		"SealPointers": func(o *core.SealOptions) error { _, err := core.SealPointers(ptr, ins[:6], o); return err },
		"SealDirect":   func(o *core.SealOptions) error { _, err := core.SealDirect(welcome, 1, ins[7], o); return err },
	} {
		t.Run(name+"/done before", func(t *testing.T) {
			if err := seal(&core.SealOptions{Context: done}); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want one wrapping context.Canceled", err)
			}
		})
	}
	for name, seal := range map[string]func(*core.SealOptions) error{
		"SealInvite":   func(o *core.SealOptions) error { _, err := core.SealInvite(welcome, 1, ins, o); return err },
		"SealPointers": func(o *core.SealOptions) error { _, err := core.SealPointers(ptr, ins[:6], o); return err },
	} {
		t.Run(name+"/cancelled during", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sealed := 0
			opts := &core.SealOptions{Context: ctx, Progress: func(done, total int) {
				sealed = done
				if done == 2 {
					cancel()
				}
			}}
			if err := seal(opts); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want one wrapping context.Canceled", err)
			}
			if sealed != 2 {
				t.Fatalf("%d installations sealed, want 2: the seal went on after its context was cancelled", sealed)
			}
		})
	}
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
		defer cancel()
		if _, err := core.SealInvite(welcome, 1, ins, &core.SealOptions{Context: ctx}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want one wrapping context.DeadlineExceeded", err)
		}
	})
}

// TestOpenForm: an OpenOptions.Form that is neither form is refused.
func TestOpenForm(t *testing.T) {
	f := newFixture(t)
	bad := &core.OpenOptions{Form: 2}
	if _, err := core.OpenWelcome(f.pointerMsg, f.keys(), bad); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("OpenWelcome with form 2: %v, want ErrInvalidArgument", err)
	}
	if _, err := core.OpenPointee(f.pointer, f.pointeeMsg, bad); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("OpenPointee with form 2: %v, want ErrInvalidArgument", err)
	}
	if got := core.FormInput.String() + " " + core.FormMessage.String() + " " + core.Form(7).String(); got != "input message Form(7)" {
		t.Errorf("Form strings = %q", got)
	}
}
