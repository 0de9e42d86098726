package host_test

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/corpus"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// The mutation corpus of internal/corpus through the reactor: every case
// of an operation the reactor offers gives the Result the native core
// gives for the same bytes. WP_CORPUS=full (make fuzz-corpus) runs the
// full set instead of the slice.
func TestCorpusReactorMatchesNative(t *testing.T) {
	n := corpus.Slice
	if os.Getenv("WP_CORPUS") == "full" {
		n = corpus.Full
	}
	f, err := corpus.NewFixture()
	if err != nil {
		t.Fatal(err)
	}
	m := newModule(t)
	keys := make([]host.Key, len(f.Keys))
	for i, k := range f.Keys {
		keys[i] = host.Key{Algorithm: k.Algorithm, PrivateKey: k.PrivateKey}
	}
	ran, differ := 0, 0
	for _, c := range f.Cases(n, rand.New(rand.NewPCG(9, 9))) {
		if !corpus.ReactorOps[c.Op] {
			continue
		}
		ran++
		got, want := reactorResult(m, f, keys, c), f.Run(c)
		if got != want {
			if differ++; differ <= 20 {
				t.Errorf("%v: reactor %s, native %s", c, got, want)
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d cases differ", differ, ran)
	}
	if ran < corpus.Slice/2 {
		t.Errorf("only %d cases ran", ran)
	}
}

func reactorResult(m *host.Module, f *corpus.Fixture, keys []host.Key, c corpus.Case) corpus.Result {
	view, err := reactorView(m, f, keys, c)
	if err != nil {
		return corpus.Err(err)
	}
	return corpus.OK(view)
}

func reactorView(m *host.Module, f *corpus.Fixture, keys []host.Key, c corpus.Case) (map[string]any, error) {
	ctx := context.Background()
	var form *core.OpenOptions
	if c.Kind == "input" {
		form = &core.OpenOptions{Form: core.FormInput}
	}
	switch c.Op {
	case corpus.OpenWelcome:
		r, err := m.OpenWelcome(ctx, c.Data, keys, form)
		if err != nil {
			return nil, err
		}
		var stored []byte
		if r.Pointer != nil {
			stored = r.Pointer.Marshal()
		}
		return corpus.ReceivedView(r.Kind, r.ID, r.CreatedNs, r.InstallationKey, r.KEMID, r.Welcome, r.Cursor, r.HasCursor, stored), nil
	case corpus.OpenPointee, corpus.OpenPointeeStored:
		stored, first := f.Pointer, c.Data
		if c.Op == corpus.OpenPointeeStored {
			stored, first = c.Data, f.PointeeMessage
		}
		ptr, err := m.ParsePointer(ctx, stored)
		if err != nil {
			return nil, err
		}
		p, err := m.OpenPointee(ctx, ptr, first, form)
		if err != nil {
			return nil, err
		}
		return corpus.PointeeView(p), nil
	case corpus.Inspect:
		return m.Inspect(ctx, c.Kind, c.Data)
	case corpus.ToWelcomeMessage:
		b, err := m.ToWelcomeMessage(ctx, c.Data, corpus.MessageID, corpus.MessageCreatedNs)
		if err != nil {
			return nil, err
		}
		return corpus.BytesView(b), nil
	case corpus.InstallationFromExtensions:
		initKey, ff03, ff04 := f.Extensions(c)
		in, err := m.InstallationFromExtensions(ctx, corpus.InstallationKey, initKey, ff03, ff04)
		if err != nil {
			return nil, err
		}
		return corpus.InstallationView(in), nil
	case corpus.SealToKey:
		_, err := m.SealInvite(ctx, corpus.SealedWelcome, 1, []core.Installation{f.SealTo(c.Data)}, nil)
		return corpus.Done, err
	}
	panic("no reactor operation for " + string(c.Op))
}
