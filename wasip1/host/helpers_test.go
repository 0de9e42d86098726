package host_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/fixtures"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// recipient is one installation of an invite and its private key, as the
// module takes it.
type recipient struct {
	key     host.Key
	in      core.Installation
	capable bool
}

// inputForm opens the published form (WelcomeMessageInput).
var inputForm = &core.OpenOptions{Form: core.FormInput}

// makeWelcome is fixtures.Welcome: a stand-in for an MLS Welcome.
func makeWelcome(_ testing.TB, n int) []byte { return fixtures.Welcome(n) }

// recipients counts how many of each kind makeRecipients made, so that
// each call gets other keys.
var recipients int

// makeRecipients makes (package fixtures) pointer-capable X-Wing
// installations, X-Wing installations without the 0xff04 extension, and
// legacy CURVE25519 installations.
func makeRecipients(tb testing.TB, capable, xwingOnly, curve int) []recipient {
	tb.Helper()
	caps := append(append(fixtures.Repeat(fixtures.Capable, capable), fixtures.Repeat(fixtures.XWingNoAEADs, xwingOnly)...), fixtures.Repeat(fixtures.Curve, curve)...)
	recipients++
	ps, err := fixtures.Parties(fmt.Sprint("host recipients ", recipients), caps...)
	if err != nil {
		tb.Fatal(err)
	}
	rs := make([]recipient, len(ps))
	for i, p := range ps {
		k := host.Key{Algorithm: p.Key.Algorithm(), PrivateKey: p.Key.Bytes(), PublicKey: p.Key.PublicKey()}
		rs[i] = recipient{key: k, in: p.Installation, capable: p.Installation.PointerCapable()}
	}
	return rs
}

func installations(rs []recipient) []core.Installation {
	ins := make([]core.Installation, len(rs))
	for i, r := range rs {
		ins[i] = r.in
	}
	return ins
}

func keys(rs []recipient) []host.Key {
	ks := make([]host.Key, len(rs))
	for i, r := range rs {
		ks[i] = r.key
	}
	return ks
}

// nativeKey loads a key into the native core.
func nativeKey(tb testing.TB, k host.Key) *core.PrivateKey {
	tb.Helper()
	pk, err := core.NewPrivateKey(k.Algorithm, k.PrivateKey)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(pk.PublicKey(), k.PublicKey) {
		tb.Fatalf("the module's %v public key differs from the one native Go derives", k.Algorithm)
	}
	return pk
}
