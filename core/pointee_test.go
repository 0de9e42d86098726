package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// openPointeeDecrypted opens in two steps, decrypting the Welcome as a
// caller would (x/crypto standing in for WebCrypto): a failed decryption
// goes back to the core, as the JS package does.
func openPointeeDecrypted(ptr *core.Pointer, msg []byte, input bool) (*core.OpenedPointee, error) {
	parse := core.ParsePointee
	if input {
		parse = core.ParsePointeeInput
	}
	p, err := parse(ptr, msg, nil)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(ptr.EncryptionKey)
	if err != nil {
		return nil, err
	}
	welcome, err := aead.Open(nil, ptr.DataNonce, p.EncryptedWelcome(), nil)
	if err != nil {
		return p.OpenDecrypted(nil)
	}
	return p.OpenDecrypted(welcome)
}

// Both ways of opening a pointee agree, on real pointees and on their
// mutations (cuts, flips, another pointer, other messages), in both forms.
func FuzzOpenPointeeDecrypted(f *testing.F) {
	fx := newFixture(f)
	good := fx.pointer.Marshal()
	for _, msg := range [][]byte{fx.pointeeMsg, fx.pointeeIn, fx.pointerMsg, fx.curveMsg} {
		for _, m := range mutations(msg) {
			f.Add(good, m)
		}
	}
	f.Add(good, editMessage(f, fx.pointeeMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WelcomeMetadata = nil }))
	f.Add(good, editMessage(f, fx.pointeeMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WelcomeMetadata[0] ^= 1 }))
	f.Add(good, editMessage(f, fx.pointeeMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().Data[3] ^= 1 }))
	for _, p := range mutations(good) {
		f.Add(p, fx.pointeeMsg)
	}
	for _, g := range garbageSeeds {
		f.Add(good, g)
	}
	f.Fuzz(func(t *testing.T, pointer, msg []byte) {
		ptr, err := core.ParsePointer(pointer)
		if err != nil {
			ptr = fx.pointer
		}
		for _, input := range []bool{false, true} {
			open := core.OpenPointee
			if input {
				open = core.OpenPointeeInput
			}
			want, werr := open(ptr, msg, nil)
			got, gerr := openPointeeDecrypted(ptr, msg, input)
			if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
				t.Fatalf("input %v: OpenPointee: %v; in two steps: %v", input, werr, gerr)
			}
			if werr == nil && (!bytes.Equal(got.Welcome, want.Welcome) || fmt.Sprint(got.Cursor, got.HasCursor) != fmt.Sprint(want.Cursor, want.HasCursor)) {
				t.Fatalf("input %v: opened differently", input)
			}
		}
	})
}

// A pointee whose Welcome the caller encrypted is SealPointee's, byte for
// byte, from the same randomness; and the golden invite's pointee too.
func TestSealPointeeEncrypted(t *testing.T) {
	_, welcome, inv := goldenInvite(t)
	for name, c := range map[string]struct {
		welcome []byte
		cursor  uint64
		label   string
		want    []byte
	}{
		"golden":  {welcome, 42, goldenSeed + " seal", inv.Messages[0].Message},
		"cursor0": {testWelcome(5000), 0, "pointee 0", nil},
		"big":     {testWelcome(300_000), 1 << 40, "pointee big", nil},
	} {
		t.Run(name, func(t *testing.T) {
			want, wptr, err := core.SealPointee(c.welcome, c.cursor, deterministic(c.label))
			if err != nil {
				t.Fatal(err)
			}
			if c.want != nil && !bytes.Equal(want.Message, c.want) {
				t.Fatal("SealPointee does not give the golden pointee")
			}
			ptr, err := core.NewPointee(len(c.welcome), c.cursor, deterministic(c.label))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ptr.Marshal(), wptr.Marshal()) {
				t.Fatal("NewPointee draws another pointer")
			}
			aead, _ := chacha20poly1305.New(ptr.EncryptionKey)
			got, err := core.SealPointeeEncrypted(ptr, aead.Seal(nil, ptr.DataNonce, c.welcome, nil), c.cursor, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != core.KindPointee || !bytes.Equal(got.InstallationKey, ptr.Destination) || !bytes.Equal(got.Message, want.Message) {
				t.Fatal("SealPointeeEncrypted differs from SealPointee")
			}
		})
	}
	t.Run("rejects", func(t *testing.T) {
		ptr, err := core.NewPointee(10, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			ptr  *core.Pointer
			enc  []byte
			opts *core.SealOptions
			want error
		}{
			{nil, make([]byte, 30), nil, core.ErrInvalidArgument},
			{ptr, make([]byte, 16), nil, core.ErrInvalidArgument},
			{ptr, nil, nil, core.ErrInvalidArgument},
			{ptr, make([]byte, 2000), &core.SealOptions{MaxMessageSize: 1000}, core.ErrTooLarge},
			{ptr, make([]byte, 30), &core.SealOptions{KEMID: 7}, core.ErrUnsupported},
			{&core.Pointer{}, make([]byte, 30), nil, core.ErrUnsupported},
		} {
			_, err := core.SealPointeeEncrypted(c.ptr, c.enc, 1, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("%v, want %v", err, c.want)
			}
		}
		for _, n := range []int{0, -1} {
			_, err := core.NewPointee(n, 1, nil)
			checkErr(t, err, core.ErrInvalidArgument)
		}
		_, err = core.NewPointee(2000, 1, &core.SealOptions{MaxMessageSize: 1000})
		checkErr(t, err, core.ErrTooLarge)
	})
}
