package host_test

import (
	"context"
	"testing"

	"github.com/welcome-pointers/wasm/wasmtest/host"
)

// The reactor keeps the keys it opened with; ClearKeyCache forgets them,
// and opening with them again still works (they are loaded again).
func TestClearKeyCache(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	rs := makeRecipients(t, m, 3, 0, 0)
	inv, err := m.SealInvite(ctx, makeWelcome(t, 3000), 5, installations(rs), 0)
	if err != nil {
		t.Fatal(err)
	}
	open := func() {
		t.Helper()
		for i, r := range rs {
			got, err := m.OpenWelcomeInput(ctx, inv.Messages[1+i].Message, []host.Key{r.key})
			if err != nil || got.Pointer == nil {
				t.Fatalf("recipient %d: %v, %v", i, got, err)
			}
		}
	}
	open()
	for range 2 {
		if err := m.ClearKeyCache(ctx); err != nil {
			t.Fatal(err)
		}
	}
	open()
	if n, err := m.LiveBlocks(ctx); err != nil || n != 0 {
		t.Fatalf("LiveBlocks = %d, %v", n, err)
	}
}
