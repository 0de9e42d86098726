package host_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// TestEveryOperationHasAMethod: the Go host offers every operation of
// the table, under the name the table gives it.
func TestEveryOperationHasAMethod(t *testing.T) {
	types := map[string]reflect.Type{
		"Module":   reflect.TypeFor[*host.Module](),
		"Schedule": reflect.TypeFor[*host.Schedule](),
	}
	for _, op := range ops.Exported(ops.ABI) {
		typ, method, _ := strings.Cut(op.Info().Go, ".")
		rt, ok := types[typ]
		if !ok {
			t.Errorf("%s: the Go host has no type %s", op.Info().Name, typ)
			continue
		}
		if _, ok := rt.MethodByName(method); !ok {
			t.Errorf("%s: the Go host lacks %s", op.Info().Name, op.Info().Go)
		}
	}
}

// TestOnlyTheABIsOperations: the reactor exports the operations the
// table gives the ABI, and none of the JS-only ones (ops.Info.Only).
func TestOnlyTheABIsOperations(t *testing.T) {
	m := newModule(t)
	jsOnly := 0
	for _, op := range ops.Table {
		in := op.Info()
		export := in.Export
		if !in.In(ops.ABI) {
			jsOnly++
			export = ops.ExportName(in.Name)
		}
		if got := m.HasExport(export); got != in.In(ops.ABI) {
			t.Errorf("%s: the reactor exports %s: %v, want %v", in.Name, export, got, in.In(ops.ABI))
		}
	}
	if jsOnly == 0 {
		t.Error("the table has no JS-only operation")
	}
}

// TestKeysAndExtensions: the key and extension operations through the
// module give what the native core gives.
func TestKeysAndExtensions(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	for _, alg := range []core.Algorithm{core.AlgorithmXWing, core.AlgorithmCurve25519} {
		k, err := m.GenerateKey(ctx, alg)
		if err != nil {
			t.Fatal(err)
		}
		nk := nativeKey(t, k)
		loaded, err := m.LoadKey(ctx, alg, k.PrivateKey)
		if err != nil || !bytes.Equal(loaded.PublicKey, nk.PublicKey()) || loaded.Algorithm != alg {
			t.Fatalf("%v: LoadKey = %v, %v", alg, loaded.Algorithm, err)
		}
		if err := m.ValidatePublicKey(ctx, alg, k.PublicKey); err != nil {
			t.Fatalf("%v: ValidatePublicKey of a valid key: %v", alg, err)
		}
		if err := m.ValidatePublicKey(ctx, alg, k.PublicKey[:5]); !errors.Is(err, core.ErrInvalidKey) {
			t.Fatalf("%v: ValidatePublicKey of a short key: %v", alg, err)
		}
	}
	ps, err := fixtures.Parties("host extensions", fixtures.Capable)
	if err != nil {
		t.Fatal(err)
	}
	pub := ps[0].Key.PublicKey()
	ff03, err := m.EncodeWrapperEncryption(ctx, pub, core.AlgorithmXWing)
	want, _ := core.EncodeWrapperEncryption(pub, core.AlgorithmXWing)
	if err != nil || !bytes.Equal(ff03, want) {
		t.Fatalf("EncodeWrapperEncryption: %v", err)
	}
	gotPub, alg, err := m.ParseWrapperEncryption(ctx, ff03)
	if err != nil || alg != core.AlgorithmXWing || !bytes.Equal(gotPub, pub) {
		t.Fatalf("ParseWrapperEncryption: %v %v", alg, err)
	}
	ff04, err := m.EncodePointeeAEADTypes(ctx, []core.AEADType{core.AEADChaCha20Poly1305})
	if err != nil || !bytes.Equal(ff04, core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305})) {
		t.Fatalf("EncodePointeeAEADTypes: %v", err)
	}
	if _, err := m.EncodePointeeAEADTypes(ctx, []core.AEADType{9}); !errors.Is(err, core.ErrUnsupported) {
		t.Fatalf("EncodePointeeAEADTypes of an unknown type: %v", err)
	}
	types, err := m.ParsePointeeAEADTypes(ctx, fixtures.TypicalAEADTypes)
	if err != nil || !reflect.DeepEqual(types, []core.AEADType{core.AEADChaCha20Poly1305}) {
		t.Fatalf("ParsePointeeAEADTypes = %v, %v", types, err)
	}
	in, err := m.InstallationFromExtensions(ctx, ps[0].Installation.InstallationKey, nil, ff03, fixtures.TypicalAEADTypes)
	if err != nil || !reflect.DeepEqual(in, ps[0].Installation) {
		t.Fatalf("InstallationFromExtensions = %+v, %v; want %+v", in, err, ps[0].Installation)
	}
}

// TestSplitSealing: SealPointee, SealPointers and SealDirect through the
// module make an invite that opens like SealInvite's, and
// CheckInstallations tells the capable installations.
func TestSplitSealing(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, 4, 1, 1)
	welcome := makeWelcome(t, 900)
	capable, err := m.CheckInstallations(ctx, installations(rs))
	if err != nil || !reflect.DeepEqual(capable, []bool{true, true, true, true, false, false}) {
		t.Fatalf("CheckInstallations = %v, %v", capable, err)
	}
	opts := &core.SealOptions{KEMID: core.KEMXWing}
	pointee, ptr, err := m.SealPointee(ctx, welcome, 8, opts)
	if err != nil || pointee.Kind != core.KindPointee || !bytes.Equal(pointee.InstallationKey, ptr.Destination) {
		t.Fatalf("SealPointee: %v", err)
	}
	if parsed, err := m.ParsePointer(ctx, ptr.Marshal()); err != nil || !bytes.Equal(parsed.Marshal(), ptr.Marshal()) {
		t.Fatalf("ParsePointer: %v", err)
	}
	msgs, err := m.SealPointers(ctx, ptr, installations(rs[:4]), opts)
	if err != nil || len(msgs) != 4 {
		t.Fatalf("SealPointers: %d messages, %v", len(msgs), err)
	}
	direct, err := m.SealDirect(ctx, welcome, 8, rs[5].in, opts)
	if err != nil {
		t.Fatal(err)
	}
	net := fixtures.NewNetwork()
	for _, b := range append([][]byte{pointee.Message, direct}, msgs[0].Message, msgs[3].Message) {
		if err := net.Publish(b); err != nil {
			t.Fatal(err)
		}
	}
	topic, dedup, err := m.InputTopic(ctx, msgs[3].Message)
	wantTopic, wantDedup, _ := xmtpnode.InputTopic(msgs[3].Message)
	if err != nil || !bytes.Equal(topic, wantTopic) || dedup != wantDedup {
		t.Fatalf("InputTopic: %v", err)
	}
	first := net.Read(ptr.Destination)[0]
	for _, r := range []recipient{rs[0], rs[3], rs[5]} {
		rec, err := m.OpenWelcome(ctx, net.Read(r.in.InstallationKey)[0], []host.Key{r.key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind == core.KindDirect {
			if !bytes.Equal(rec.Welcome, welcome) || rec.Cursor != 8 {
				t.Fatal("the direct welcome differs")
			}
			continue
		}
		if rec.KEMID != core.KEMXWing {
			t.Fatalf("KEM id %#04x", uint16(rec.KEMID))
		}
		p, err := m.OpenPointee(ctx, rec.Pointer, first, nil)
		if err != nil || !bytes.Equal(p.Welcome, welcome) || p.Cursor != 8 {
			t.Fatalf("OpenPointee: %v", err)
		}
	}
	if _, err := m.SealPointers(ctx, ptr, installations(rs[4:]), nil); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("SealPointers of installations without pointers: %v", err)
	}
}

// TestSchedule: the retry schedule through the module decides what the
// native core.RetryPolicy decides.
func TestSchedule(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	p, err := m.DefaultRetryPolicy(ctx)
	if err != nil || p != core.DefaultRetryPolicy() {
		t.Fatalf("DefaultRetryPolicy = %+v, %v", p, err)
	}
	s := m.Schedule(p)
	if err := s.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	bad := p
	bad.Backoff = 0.5
	if err := m.Schedule(bad).Validate(ctx); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("Validate of backoff 0.5: %v", err)
	}
	welcome := time.Unix(1_750_000_000, 5)
	now := welcome.Add(time.Minute)
	st, err := s.NewPending(ctx, welcome, now)
	want, _ := p.NewPending(welcome, now)
	if err != nil || !st.NextAttempt.Equal(want.NextAttempt) || !st.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("NewPending = %+v, %v; want %+v", st, err, want)
	}
	if _, err := s.NewPending(ctx, welcome, welcome.Add(p.Expiry)); !errors.Is(err, core.ErrExpired) {
		t.Fatalf("NewPending of an expired welcome: %v", err)
	}
	for i := range 3 {
		var wantErr error
		want, wantErr = p.Failed(st, now)
		if st, err = s.Failed(ctx, st, now); !errors.Is(err, wantErr) || st.Attempts != want.Attempts || !st.NextAttempt.Equal(want.NextAttempt) {
			t.Fatalf("Failed #%d = %+v, %v; want %+v, %v", i, st, err, want, wantErr)
		}
	}
	if due, err := s.IsDue(ctx, st, now); err != nil || due != p.IsDue(st, now) {
		t.Fatalf("IsDue = %v, %v", due, err)
	}
	if err := s.Check(ctx, st, st.ExpiresAt); !errors.Is(err, core.ErrExpired) {
		t.Fatalf("Check at the expiry: %v", err)
	}
	if err := s.Check(ctx, st, now); err != nil {
		t.Fatalf("Check of a live pointer: %v", err)
	}
	if d, err := s.Delay(ctx, 4); err != nil || d != p.Delay(4) {
		t.Fatalf("Delay = %v, %v", d, err)
	}
	if d, err := s.QuickDelay(ctx, 2, 7*time.Millisecond); err != nil || d != p.Quick.QuickDelay(2, 7*time.Millisecond) {
		t.Fatalf("QuickDelay = %v, %v", d, err)
	}
	for _, elapsed := range []time.Duration{0, 119 * time.Second} {
		wait, more, err := s.QuickNext(ctx, 2, elapsed, time.Millisecond)
		wantWait, wantMore := p.Quick.Next(2, elapsed, time.Millisecond)
		if err != nil || wait != wantWait || more != wantMore {
			t.Fatalf("QuickNext(%v) = %v %v %v; want %v %v", elapsed, wait, more, err, wantWait, wantMore)
		}
	}
	if k, err := s.KeepUntil(ctx, welcome, now); err != nil || !k.Equal(p.KeepUntil(welcome, now)) {
		t.Fatalf("KeepUntil = %v, %v", k, err)
	}
	for _, e := range []error{core.ErrDecrypt, core.ErrNotPointee, core.ErrTooLarge, core.ErrMalformed, core.ErrExpired, nil} {
		if final, err := m.IsFinal(ctx, e); err != nil || final != core.IsFinal(e) {
			t.Fatalf("IsFinal(%v) = %v, %v", e, final, err)
		}
	}
}
