package host_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// The inputs of issue 9 through the wasip1 reactor: each gives the same
// sentinel as the native core, the module never traps, and it still seals
// and opens afterwards.

// hostileWorld is an invite sealed and read back through the module.
type hostileWorld struct {
	m                                 *host.Module
	rs                                []recipient
	pointerIn, pointerMsg, pointeeMsg []byte
	ptr                               *core.Pointer
}

func newHostileWorld(t *testing.T) *hostileWorld {
	t.Helper()
	ctx := context.Background()
	w := &hostileWorld{m: newModule(t), rs: nil}
	w.rs = makeRecipients(t, 3, 0, 1)
	inv, err := w.m.SealInvite(ctx, makeWelcome(t, 500), 3, installations(w.rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.pointerIn = inv.Messages[1].Message
	w.pointerMsg = w.toMessage(t, w.pointerIn, 2)
	w.pointeeMsg = w.toMessage(t, inv.Messages[0].Message, 1)
	rec, err := w.m.OpenWelcome(ctx, w.pointerMsg, keys(w.rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.ptr = rec.Pointer
	return w
}

func (w *hostileWorld) toMessage(t *testing.T, input []byte, id uint64) []byte {
	t.Helper()
	msg, err := w.m.ToWelcomeMessage(context.Background(), input, id, id)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// stillWorks seals an invite and opens every message of it, the pointee too.
func (w *hostileWorld) stillWorks(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	welcome := makeWelcome(t, 700)
	inv, err := w.m.SealInvite(ctx, welcome, 9, installations(w.rs), nil)
	if err != nil {
		t.Fatalf("sealing after hostile input: %v", err)
	}
	pointee := w.toMessage(t, inv.Messages[0].Message, 100)
	for i, msg := range inv.Messages[1:] {
		rec, err := w.m.OpenWelcome(ctx, w.toMessage(t, msg.Message, uint64(101+i)), keys(w.rs), nil)
		if err != nil {
			t.Fatalf("opening after hostile input: %v", err)
		}
		got := rec.Welcome
		if rec.Pointer != nil {
			p, err := w.m.OpenPointee(ctx, rec.Pointer, pointee, nil)
			if err != nil {
				t.Fatalf("opening the pointee after hostile input: %v", err)
			}
			got = p.Welcome
		}
		if !bytes.Equal(got, welcome) {
			t.Fatal("a different welcome after hostile input")
		}
	}
}

func wantSentinel(t *testing.T, what string, err, want error) {
	t.Helper()
	var trap *host.TrapError
	if errors.As(err, &trap) {
		t.Fatalf("%s: the module trapped: %v", what, err)
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func nestedGroups(depth int, balanced bool) []byte {
	b := bytes.Repeat([]byte{0x7b}, depth)
	if balanced {
		b = append(b, bytes.Repeat([]byte{0x7c}, depth)...)
	}
	return b
}

// Issue 9, item 1: nested groups; a pointer message with a 9,000-deep
// group appended was opened.
func TestHostileNestedGroups(t *testing.T) {
	w := newHostileWorld(t)
	ctx := context.Background()
	nested := nestedGroups(9000, false)
	deep := nestedGroups(9000, true)
	for _, kind := range []string{core.InspectAuto, core.InspectWelcomeMessage, core.InspectWelcomeMetadata} {
		_, err := w.m.Inspect(ctx, kind, nested)
		wantSentinel(t, "Inspect "+kind, err, core.ErrMalformed)
	}
	_, err := w.m.Inspect(ctx, core.InspectWelcomePointer, nested[:core.MaxPointerSize])
	wantSentinel(t, "Inspect welcome_pointer", err, core.ErrMalformed)
	_, err = w.m.ToWelcomeMessage(ctx, nested, 1, 2)
	wantSentinel(t, "ToWelcomeMessage", err, core.ErrMalformed)
	_, err = w.m.InstallationFromExtensions(ctx, []byte("id"), nil, nested, nil)
	wantSentinel(t, "InstallationFromExtensions", err, core.ErrMalformed)
	_, err = w.m.OpenWelcome(ctx, append(bytes.Clone(w.pointerMsg), deep...), keys(w.rs), nil)
	wantSentinel(t, "OpenWelcome", err, core.ErrMalformed)
	_, err = w.m.OpenPointee(ctx, w.ptr, append(bytes.Clone(w.pointeeMsg), deep...), nil)
	wantSentinel(t, "OpenPointee", err, core.ErrMalformed)
	w.stillWorks(t)
}

// Issue 9, item 2: a 25 MiB 0xff04 payload trapped the reactor after 75 s
// at 3.6 GiB.
func TestHostileAEADTypes(t *testing.T) {
	w := newHostileWorld(t)
	ctx := context.Background()
	for _, v := range []byte{3, 5} {
		n := 25<<20 - 6
		payload := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), bytes.Repeat([]byte{v}, n))
		_, err := w.m.Inspect(ctx, core.InspectAEADTypes, payload)
		wantSentinel(t, "Inspect", err, core.ErrTooLarge)
		_, err = w.m.InstallationFromExtensions(ctx, []byte("id"), w.rs[3].key.PublicKey, nil, payload)
		wantSentinel(t, "InstallationFromExtensions", err, core.ErrTooLarge)
		list := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), bytes.Repeat([]byte{v}, 65))
		_, err = w.m.Inspect(ctx, core.InspectAEADTypes, list)
		wantSentinel(t, "Inspect 65 types", err, core.ErrMalformed)
	}
	w.stillWorks(t)
}

// Issue 9, items 3 and 4: sizes are checked before anything is encrypted
// (the reactor's requests stop at 64 MiB, below the 2^30 that made the
// core panic), and a default sender never publishes what a default
// receiver refuses: a 26,214,318-byte Welcome was sealed into a pointee
// that every receiver refused once read back.
func TestHostileSizes(t *testing.T) {
	w := newHostileWorld(t)
	ctx := context.Background()
	_, err := w.m.SealInvite(ctx, make([]byte, 40<<20), 1, installations(w.rs[3:]), nil)
	wantSentinel(t, "SealInvite of a 40 MiB welcome", err, core.ErrTooLarge)
	_, err = w.m.SealInvite(ctx, make([]byte, 26_214_318), 1, installations(w.rs[:3]), nil)
	wantSentinel(t, "SealInvite of 26,214,318 bytes", err, core.ErrTooLarge)
	// The largest Welcome a default sender takes opens, read back with the
	// largest id and created_ns.
	var inv *core.Invite
	n := 26_214_318
	for ; inv == nil; n-- {
		if inv, err = w.m.SealInvite(ctx, make([]byte, n), 1, installations(w.rs[:3]), nil); err != nil {
			wantSentinel(t, "SealInvite", err, core.ErrTooLarge)
		}
	}
	const maxID = math.MaxUint64
	pointer, err := w.m.ToWelcomeMessage(ctx, inv.Messages[1].Message, maxID, maxID)
	if err != nil {
		t.Fatal(err)
	}
	pointee, err := w.m.ToWelcomeMessage(ctx, inv.Messages[0].Message, maxID, maxID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := w.m.OpenWelcome(ctx, pointer, keys(w.rs), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.m.OpenPointee(ctx, rec.Pointer, pointee, nil)
	if err != nil || len(p.Welcome) != n+1 {
		t.Fatalf("the largest pointee a default sender publishes: %v", err)
	}
	w.stillWorks(t)
}

// Issue 9, item 5: a pointer padded with millions of empty oneof arms.
func TestHostilePadding(t *testing.T) {
	w := newHostileWorld(t)
	ctx := context.Background()
	padded := append(bytes.Repeat([]byte{0x12, 0x00}, (25<<20-len(w.pointerMsg))/2), w.pointerMsg...)
	_, err := w.m.OpenWelcome(ctx, padded, keys(w.rs), nil)
	wantSentinel(t, "OpenWelcome", err, core.ErrMalformed)
	_, err = w.m.Inspect(ctx, core.InspectAuto, padded)
	wantSentinel(t, "Inspect", err, core.ErrMalformed)
	w.stillWorks(t)
}

// Issue 9, item 8: keys that protect nothing.
func TestHostileWeakKeys(t *testing.T) {
	w := newHostileWorld(t)
	ctx := context.Background()
	good := w.rs[0].key.PublicKey
	lowOrder := [][]byte{make([]byte, 32), append([]byte{1}, make([]byte, 31)...)}
	weak := [][]byte{make([]byte, core.XWingPublicKeySize)}
	for _, p := range lowOrder {
		weak = append(weak, append(bytes.Clone(good[:core.XWingPublicKeySize-32]), p...))
	}
	for _, key := range weak {
		ff03 := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), key)
		ff03 = protowire.AppendVarint(protowire.AppendTag(ff03, 2, protowire.VarintType), 2)
		_, err := w.m.InstallationFromExtensions(ctx, []byte("id"), nil, ff03, nil)
		wantSentinel(t, "InstallationFromExtensions", err, core.ErrInvalidKey)
		in := core.Installation{InstallationKey: []byte("weak"), WrapperPublicKey: key, WrapperAlgorithm: core.AlgorithmXWing,
			PointeeAEADTypes: []core.AEADType{core.AEADChaCha20Poly1305}}
		_, err = w.m.SealInvite(ctx, []byte("w"), 1, append(installations(w.rs), in), nil)
		wantSentinel(t, "SealInvite", err, core.ErrInvalidKey)
	}
	for _, initKey := range append([][]byte{nil}, lowOrder...) {
		_, err := w.m.InstallationFromExtensions(ctx, []byte("id"), initKey, nil, nil)
		wantSentinel(t, "InstallationFromExtensions (init key)", err, core.ErrInvalidKey)
	}
	w.stillWorks(t)
}
