package hpke

import (
	"bytes"
	"errors"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
)

// Clear zeroes a context's key, base nonce, HPKE secret and exporter
// secret, and the context refuses to work after.
func TestContextClear(t *testing.T) {
	for _, kem := range []uint16{KEMXWingDeployed, KEMXWing, KEMX25519} {
		fx := newSealedFixture(t, kem)
		_, s, err := NewSender(kem, fx.pk, WelcomeInfo, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, ct := fx.recipient(t), fx.cts[0]
		for _, c := range []struct {
			name  string
			ctx   *context
			clear func()
			use   func() error
		}{
			{"Sender", s.c, s.Clear, func() error { _, err := s.Seal(nil, nil, []byte("x")); return err }},
			{"Recipient", r.c, r.Clear, func() error { _, err := r.Open(nil, ct); return err }},
		} {
			if _, err := c.ctx.exporter(); err != nil {
				t.Fatal(err)
			}
			key, nonce, secret, exp := c.ctx.key, &c.ctx.baseNonce, c.ctx.secret, c.ctx.exporterSecret
			c.clear()
			for what, b := range map[string][]byte{"key": key, "base nonce": nonce[:], "secret": secret, "exporter secret": exp} {
				if !bytes.Equal(b, make([]byte, len(b))) {
					t.Errorf("kem %#04x %s: the %s is not zeroed: %x", kem, c.name, what, b)
				}
			}
			if err := c.use(); err == nil {
				t.Errorf("kem %#04x %s: works after Clear", kem, c.name)
			}
			if _, err := c.ctx.exporter(); !errors.Is(err, errCleared) {
				t.Errorf("kem %#04x %s: Export after Clear: %v", kem, c.name, err)
			}
		}
		if _, err := r.Open(nil, ct); !errors.Is(err, ErrOpen) {
			t.Errorf("Open after Clear: %v, want ErrOpen", err)
		}
	}
}

// expandedFixture is a sealed fixture and its recipient key, expanded.
func expandedFixture(t *testing.T, kem uint16) (*sealedFixture, *PrivateKey) {
	t.Helper()
	fx := newSealedFixture(t, kem)
	k, err := NewPrivateKey(kem, fx.sk)
	if err != nil {
		t.Fatal(err)
	}
	return fx, k
}

// A cleared private key no longer decapsulates.
func TestPrivateKeyClear(t *testing.T) {
	for _, kem := range []uint16{KEMXWingDeployed, KEMX25519} {
		fx, k := expandedFixture(t, kem)
		if _, err := k.Decapsulate(fx.enc); err != nil {
			t.Fatal(err)
		}
		k.Clear()
		if ss, err := k.Decapsulate(fx.enc); err == nil {
			t.Errorf("kem %#04x: decapsulates after Clear: %x", kem, ss)
		}
	}
}

// The types that hold secrets print without them, whatever the verb.
func TestPrintsNoSecret(t *testing.T) {
	for _, kem := range []uint16{KEMXWingDeployed, KEMX25519} {
		fx, k := expandedFixture(t, kem)
		cryptotest.PrintsNoSecret(t, k, fx.sk)
		cryptotest.PrintsNoSecret(t, *k, fx.sk)
		_, s, err := NewSender(kem, fx.pk, WelcomeInfo, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := fx.recipient(t)
		for _, v := range []any{s, *s, r, *r} {
			cryptotest.PrintsNoSecret(t, v, s.c.key, s.c.baseNonce[:], s.c.secret, r.c.key, r.c.baseNonce[:], r.c.secret)
		}
	}
}
