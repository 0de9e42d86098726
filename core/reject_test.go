package core_test

// Every bad input returns the right sentinel error, and nothing panics.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/welcome-pointers/wasm/core"
	mc "github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// garbage is input that is no protobuf message of any kind here.
var garbage = map[string][]byte{
	"nil":              nil,
	"empty":            {},
	"ff":               {0xff},
	"text":             []byte("this is not a welcome"),
	"field 0":          {0x00, 0x01},
	"truncated varint": {0x08, 0x80},
	"length beyond":    {0x0a, 0x05, 0x01},
	"end group":        {0x0c},
	"bad wire type 7":  {0x0f},
	"only unknown":     {0x18, 0x01, 0x22, 0x01, 0x00}, // fields 3 and 4
}

func mutatedXWingKey(t testing.TB) []byte {
	// Every ML-KEM coefficient 0xfff is above q: fails the encapsulation key check.
	return bytes.Repeat([]byte{0xff}, core.XWingPublicKeySize)
}

func TestSealInviteRejects(t *testing.T) {
	ps := newParties(t, "seal rejects", capable, capable, capable, curve)
	good := installations(ps)
	with := func(i int, edit func(in *core.Installation)) []core.Installation {
		ins := installations(ps)
		edit(&ins[i])
		return ins
	}
	tests := []struct {
		name    string
		welcome []byte
		ins     []core.Installation
		opts    *core.SealOptions
		want    error
	}{
		{"nil installations", []byte("w"), nil, nil, core.ErrInvalidArgument},
		{"no installations", []byte("w"), []core.Installation{}, nil, core.ErrInvalidArgument},
		{"nil welcome", nil, good, nil, core.ErrInvalidArgument},
		{"empty welcome", []byte{}, good, nil, core.ErrInvalidArgument},
		{"duplicate installation keys", []byte("w"), append(installations(ps), ps[1].in), nil, core.ErrInvalidArgument},
		{"duplicate keys, one capable one not", []byte("w"), with(3, func(in *core.Installation) { in.InstallationKey = ps[0].in.InstallationKey }), nil, core.ErrInvalidArgument},
		{"empty installation key", []byte("w"), with(2, func(in *core.Installation) { in.InstallationKey = nil }), nil, core.ErrInvalidArgument},
		{"invalid X-Wing key", []byte("w"), with(1, func(in *core.Installation) { in.WrapperPublicKey = mutatedXWingKey(t) }), nil, core.ErrInvalidKey},
		{"X-Wing key of 1215 bytes", []byte("w"), with(0, func(in *core.Installation) { in.WrapperPublicKey = in.WrapperPublicKey[:1215] }), nil, core.ErrInvalidKey},
		{"X-Wing key of 1217 bytes", []byte("w"), with(0, func(in *core.Installation) { in.WrapperPublicKey = append(bytes.Clone(in.WrapperPublicKey), 0) }), nil, core.ErrInvalidKey},
		{"no X-Wing key", []byte("w"), with(0, func(in *core.Installation) { in.WrapperPublicKey = nil }), nil, core.ErrInvalidKey},
		{"X25519 key for X-Wing", []byte("w"), with(0, func(in *core.Installation) { in.WrapperPublicKey = ps[3].in.WrapperPublicKey }), nil, core.ErrInvalidKey},
		{"CURVE25519 key of 31 bytes", []byte("w"), with(3, func(in *core.Installation) { in.WrapperPublicKey = in.WrapperPublicKey[:31] }), nil, core.ErrInvalidKey},
		{"CURVE25519 low-order key 0", []byte("w"), with(3, func(in *core.Installation) { in.WrapperPublicKey = make([]byte, 32) }), nil, core.ErrInvalidKey},
		{"CURVE25519 low-order key 1", []byte("w"), with(3, func(in *core.Installation) { in.WrapperPublicKey = append([]byte{1}, make([]byte, 31)...) }), nil, core.ErrInvalidKey},
		{"wrapper algorithm unspecified", []byte("w"), with(3, func(in *core.Installation) { in.WrapperAlgorithm = core.AlgorithmUnspecified }), nil, core.ErrUnsupported},
		{"wrapper algorithm symmetric key", []byte("w"), with(3, func(in *core.Installation) { in.WrapperAlgorithm = core.AlgorithmSymmetricKey }), nil, core.ErrUnsupported},
		{"wrapper algorithm 7", []byte("w"), with(0, func(in *core.Installation) { in.WrapperAlgorithm = 7 }), nil, core.ErrUnsupported},
		{"KEM id 0x0020", []byte("w"), good, &core.SealOptions{KEMID: 0x0020}, core.ErrUnsupported},
		{"KEM id 0x1234", []byte("w"), good, &core.SealOptions{KEMID: 0x1234}, core.ErrUnsupported},
		{"KEM id 0xffff", []byte("w"), good, &core.SealOptions{KEMID: 0xffff}, core.ErrUnsupported},
		{"pointee over MaxMessageSize", make([]byte, 1000), good, &core.SealOptions{MaxMessageSize: 1000}, core.ErrTooLarge},
		{"pointer over MaxMessageSize", []byte("w"), good, &core.SealOptions{MaxMessageSize: 2000}, core.ErrTooLarge},
		{"direct over MaxMessageSize", make([]byte, 100), good[3:], &core.SealOptions{MaxMessageSize: 150}, core.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			opts := tt.opts
			if opts == nil {
				opts = &core.SealOptions{}
			}
			opts.Progress = func(int, int) { calls++ }
			inv, err := core.SealInvite(tt.welcome, 1, tt.ins, opts)
			checkErr(t, err, tt.want)
			if inv != nil {
				t.Fatal("an invite was returned with the error")
			}
			// The split path's check says the same.
			if capable, cerr := core.CheckInvite(len(tt.welcome), 1, tt.ins, opts); capable != nil || cerr == nil || cerr.Error() != err.Error() {
				t.Fatalf("CheckInvite: %v, %v; SealInvite: %v", capable, cerr, err)
			}
			// Keys, sizes and algorithms are checked before any sealing.
			if calls != 0 {
				t.Fatalf("Progress called %d times before the arguments were checked", calls)
			}
		})
	}
	// MaxMessageSize applies to messages as receivers read them back, with
	// the largest id and created_ns a node can add.
	t.Run("MaxMessageSize exactly the largest message", func(t *testing.T) {
		inv, err := core.SealInvite([]byte("w"), 1, good, deterministic("exact"))
		if err != nil {
			t.Fatal(err)
		}
		largest := 0
		for _, m := range inv.Messages {
			msg, err := core.ToWelcomeMessage(m.Message, math.MaxUint64, math.MaxUint64)
			if err != nil {
				t.Fatal(err)
			}
			largest = max(largest, len(msg))
		}
		if _, err := core.SealInvite([]byte("w"), 1, good, core.WithRand(&core.SealOptions{MaxMessageSize: largest}, stream("exact"))); err != nil {
			t.Fatalf("MaxMessageSize = %d: %v", largest, err)
		}
		_, err = core.SealInvite([]byte("w"), 1, good, core.WithRand(&core.SealOptions{MaxMessageSize: largest - 1}, stream("exact")))
		checkErr(t, err, core.ErrTooLarge)
	})
}

func TestSealDirectRejects(t *testing.T) {
	p := newParties(t, "direct rejects", capable)[0]
	with := func(edit func(in *core.Installation)) core.Installation {
		in := p.in
		edit(&in)
		return in
	}
	tests := []struct {
		name    string
		welcome []byte
		in      core.Installation
		opts    *core.SealOptions
		want    error
	}{
		{"empty welcome", nil, p.in, nil, core.ErrInvalidArgument},
		{"empty installation key", []byte("w"), with(func(in *core.Installation) { in.InstallationKey = nil }), nil, core.ErrInvalidArgument},
		{"zero Installation", []byte("w"), core.Installation{}, nil, core.ErrInvalidArgument},
		{"invalid X-Wing key", []byte("w"), with(func(in *core.Installation) { in.WrapperPublicKey = mutatedXWingKey(t) }), nil, core.ErrInvalidKey},
		{"short key", []byte("w"), with(func(in *core.Installation) { in.WrapperPublicKey = in.WrapperPublicKey[:100] }), nil, core.ErrInvalidKey},
		{"symmetric key algorithm", []byte("w"), with(func(in *core.Installation) { in.WrapperAlgorithm = core.AlgorithmSymmetricKey }), nil, core.ErrUnsupported},
		{"KEM id 0x0020", []byte("w"), p.in, &core.SealOptions{KEMID: 0x0020}, core.ErrUnsupported},
		{"too large", make([]byte, 3000), p.in, &core.SealOptions{MaxMessageSize: 3000}, core.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := core.SealDirect(tt.welcome, 1, tt.in, tt.opts)
			checkErr(t, err, tt.want)
			if msg != nil {
				t.Fatal("a message was returned with the error")
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("entropy source broken") }

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// TestSealRandomnessFailure: a failing or degenerate random source makes
// sealing fail, without output and without hanging.
func TestSealRandomnessFailure(t *testing.T) {
	ps := newParties(t, "rand failure", capable, capable, capable, curve)
	for _, tt := range []struct {
		name string
		r    io.Reader
		ins  []core.Installation
	}{
		{"error with pointers", errReader{}, installations(ps)},
		{"error direct only", errReader{}, installations(ps[3:])},
		{"short stream", io.LimitReader(stream("short"), 100), installations(ps)},
		{"constant stream", zeroReader{}, installations(ps)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := core.SealInvite([]byte("w"), 1, tt.ins, core.WithRand(nil, tt.r))
			if err == nil || inv != nil {
				t.Fatalf("SealInvite = %v, %v; want an error", inv, err)
			}
		})
	}
}

// craftPointer seals plain with crypto/hpke (0x647a) to the fixture's
// first recipient and wraps it in a WelcomeMessage: a pointer whose
// plaintext is whatever the test wants.
func (f *fixture) craftPointer(t testing.TB, plain []byte) []byte {
	t.Helper()
	sealed, _ := stdSeal(t, core.AlgorithmXWing, f.ps[0].key.PublicKey(), plain)
	return editMessage(t, f.pointerMsg, func(m *mlsv1.WelcomeMessage) { m.GetWelcomePointer().WelcomePointer = sealed })
}

// craftDirect seals welcome and a metadata plaintext with crypto/hpke to
// the fixture's CURVE25519 recipient.
func (f *fixture) craftDirect(t testing.TB, welcome, metadata []byte) []byte {
	t.Helper()
	data, more := stdSeal(t, core.AlgorithmCurve25519, f.ps[3].key.PublicKey(), welcome, metadata)
	return editMessage(t, f.curveMsg, func(m *mlsv1.WelcomeMessage) {
		m.GetV1().Data, m.GetV1().WelcomeMetadata = data, more[0]
	})
}

// pointerPlain is a WelcomePointer encoded by the generated code, with
// the fixture pointer's fields changed by edit.
func (f *fixture) pointerPlain(t testing.TB, edit func(v *mc.WelcomePointer_WelcomeV1Pointer)) []byte {
	t.Helper()
	wp := oraclePointer(f.pointer)
	edit(wp.GetWelcomeV1Pointer())
	return marshal(t, wp)
}

func TestOpenWelcomeRejects(t *testing.T) {
	f := newFixture(t)
	keys := f.keys()
	ptr := func(edit func(p *mlsv1.WelcomeMessage_WelcomePointer)) []byte {
		return editMessage(t, f.pointerMsg, func(m *mlsv1.WelcomeMessage) { edit(m.GetWelcomePointer()) })
	}
	curveV1 := func(edit func(v *mlsv1.WelcomeMessage_V1)) []byte {
		return editMessage(t, f.curveMsg, func(m *mlsv1.WelcomeMessage) { edit(m.GetV1()) })
	}
	pp := func(edit func(v *mc.WelcomePointer_WelcomeV1Pointer)) []byte {
		return f.craftPointer(t, f.pointerPlain(t, edit))
	}
	curveData := decodeMessage(t, f.curveMsg).GetV1().GetData()
	otherKeys := newParties(t, "other keys", capable, curve)

	type tc struct {
		name string
		msg  []byte
		keys []*core.PrivateKey
		opts *core.OpenOptions
		want error
	}
	tests := []tc{
		// Sizes.
		{"pointer over MaxMessageSize", f.pointerMsg, keys, &core.OpenOptions{MaxMessageSize: len(f.pointerMsg) - 1}, core.ErrTooLarge},
		{"direct over MaxMessageSize", f.curveMsg, keys, &core.OpenOptions{MaxMessageSize: 10}, core.ErrTooLarge},
		{"sealed pointer over 64 KiB", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.WelcomePointer = make([]byte, 64<<10+1) }), keys, nil, core.ErrTooLarge},
		// Wrong form or version.
		{"input form of a pointer", f.pointerIn, keys, nil, core.ErrMalformed},
		{"input form of a direct welcome", f.curveIn, keys, nil, core.ErrMalformed},
		{"unknown oneof arm 3", marshalRaw(0x1a, []byte{0x08, 0x01}), keys, nil, core.ErrMalformed},
		{"pointee", f.pointeeMsg, keys, nil, core.ErrUnsupported},
		// Enums.
		{"V1 wrapper algorithm 7", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.WrapperAlgorithm = 7 }), keys, nil, core.ErrUnsupported},
		{"V1 wrapper algorithm unspecified", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.WrapperAlgorithm = 0 }), keys, nil, core.ErrUnsupported},
		{"V1 wrapper algorithm -1", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.WrapperAlgorithm = -1 }), keys, nil, core.ErrUnsupported},
		{"pointer wrapper algorithm 7", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.WrapperAlgorithm = 7 }), keys, nil, core.ErrUnsupported},
		{"pointer wrapper algorithm CURVE25519", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.WrapperAlgorithm = 1 }), keys, nil, core.ErrUnsupported},
		{"pointer wrapper algorithm unspecified", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.WrapperAlgorithm = 0 }), keys, nil, core.ErrUnsupported},
		// Keys.
		{"V1 without hpke_public_key", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.HpkePublicKey = nil }), keys, nil, core.ErrMalformed},
		{"pointer without hpke_public_key", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.HpkePublicKey = nil }), keys, nil, core.ErrMalformed},
		{"pointer: no keys", f.pointerMsg, nil, nil, core.ErrNoMatchingKey},
		{"pointer: nil keys", f.pointerMsg, []*core.PrivateKey{nil, nil}, nil, core.ErrNoMatchingKey},
		{"pointer: other keys", f.pointerMsg, []*core.PrivateKey{otherKeys[0].key, otherKeys[1].key, f.ps[1].key}, nil, core.ErrNoMatchingKey},
		{"direct: other keys", f.curveMsg, []*core.PrivateKey{otherKeys[1].key, f.ps[4].key}, nil, core.ErrNoMatchingKey},
		{"hpke_public_key of 1215 bytes", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.HpkePublicKey = p.HpkePublicKey[:1215] }), keys, nil, core.ErrNoMatchingKey},
		{"hpke_public_key of 31 bytes", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.HpkePublicKey = v.HpkePublicKey[:31] }), keys, nil, core.ErrNoMatchingKey},
		{"CURVE25519 message naming an X-Wing key", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.HpkePublicKey = f.ps[4].key.PublicKey() }), keys, nil, core.ErrNoMatchingKey},
		{"X-Wing message naming a CURVE25519 key", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) { p.HpkePublicKey = f.ps[3].key.PublicKey() }), keys, nil, core.ErrNoMatchingKey},
		// HPKE framing.
		{"empty data", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.Data = nil }), keys, nil, core.ErrMalformed},
		{"data with a trailing byte", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.Data = append(bytes.Clone(v.Data), 0) }), keys, nil, core.ErrMalformed},
		{"X25519 kem_output of 31 bytes", curveV1(func(v *mlsv1.WelcomeMessage_V1) {
			_, ct := splitHpkeCiphertext(t, v.Data)
			v.Data = hpkeCiphertext(make([]byte, 31), ct)
		}), keys, nil, core.ErrMalformed},
		{"X-Wing kem_output of 1119 bytes", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) {
			enc, ct := splitHpkeCiphertext(t, p.WelcomePointer)
			p.WelcomePointer = hpkeCiphertext(enc[:1119], ct)
		}), keys, nil, core.ErrMalformed},
		{"ciphertext shorter than a tag", curveV1(func(v *mlsv1.WelcomeMessage_V1) {
			enc, _ := splitHpkeCiphertext(t, v.Data)
			v.Data = hpkeCiphertext(enc, make([]byte, 15))
		}), keys, nil, core.ErrMalformed},
		{"non-minimal length prefix", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.Data = append([]byte{0x40}, v.Data...) }), keys, nil, core.ErrMalformed},
		{"reserved length prefix", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.Data = append([]byte{0xc0}, v.Data[1:]...) }), keys, nil, core.ErrMalformed},
		// Ciphertexts that do not open.
		{"data of another direct welcome", curveV1(func(v *mlsv1.WelcomeMessage_V1) {
			other, _ := stdSeal(t, core.AlgorithmCurve25519, f.ps[3].key.PublicKey(), f.welcome)
			v.Data = other
		}), keys, nil, core.ErrDecrypt},
		{"metadata of another context", curveV1(func(v *mlsv1.WelcomeMessage_V1) {
			_, more := stdSeal(t, core.AlgorithmCurve25519, f.ps[3].key.PublicKey(), f.welcome, []byte{0x08, 0x01})
			v.WelcomeMetadata = more[0]
		}), keys, nil, core.ErrDecrypt},
		{"metadata shorter than a tag", curveV1(func(v *mlsv1.WelcomeMessage_V1) { v.WelcomeMetadata = v.WelcomeMetadata[:15] }), keys, nil, core.ErrDecrypt},
		{"metadata is the data's ciphertext", curveV1(func(v *mlsv1.WelcomeMessage_V1) { _, ct := splitHpkeCiphertext(t, curveData); v.WelcomeMetadata = ct }), keys, nil, core.ErrDecrypt},
		{"pointer sealed to another key", ptr(func(p *mlsv1.WelcomeMessage_WelcomePointer) {
			p.WelcomePointer, _ = stdSeal(t, core.AlgorithmXWing, otherKeys[0].key.PublicKey(), f.pointer.Marshal())
		}), keys, nil, core.ErrDecrypt},
		// Plaintexts that open but are wrong.
		{"metadata plaintext not a protobuf", f.craftDirect(t, f.welcome, []byte{0xff, 0xff}), keys, nil, core.ErrMalformed},
		{"metadata cursor with the wrong wire type", f.craftDirect(t, f.welcome, []byte{0x0a, 0x00}), keys, nil, core.ErrMalformed},
		{"pointer plaintext empty", f.craftPointer(t, nil), keys, nil, core.ErrMalformed},
		{"pointer plaintext garbage", f.craftPointer(t, []byte("not a protobuf \xff")), keys, nil, core.ErrMalformed},
		{"pointer plaintext with unknown arm 2", f.craftPointer(t, marshalRaw(0x12, f.pointer.Marshal()[2:])), keys, nil, core.ErrMalformed},
		{"pointer AEAD type 9", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = 9 }), keys, nil, core.ErrUnsupported},
		{"pointer AEAD type unspecified", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = 0 }), keys, nil, core.ErrUnsupported},
		{"pointer destination of 31 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.Destination = v.Destination[:31] }), keys, nil, core.ErrMalformed},
		{"pointer key of 16 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.EncryptionKey = v.EncryptionKey[:16] }), keys, nil, core.ErrMalformed},
		{"pointer data nonce of 24 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.DataNonce = append(v.DataNonce, v.DataNonce...) }), keys, nil, core.ErrMalformed},
		{"pointer without metadata nonce", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.WelcomeMetadataNonce = nil }), keys, nil, core.ErrMalformed},
		{"pointer with equal nonces", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.WelcomeMetadataNonce = v.DataNonce }), keys, nil, core.ErrMalformed},
	}
	for name, g := range garbage {
		tests = append(tests, tc{"garbage " + name, g, keys, nil, core.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := core.OpenWelcome(tt.msg, tt.keys, tt.opts)
			checkErr(t, err, tt.want)
			if rec != nil {
				t.Fatal("a result was returned with the error")
			}
			if tt.want == core.ErrDecrypt {
				checkDecrypt(t, err)
			}
		})
	}
	// The crafted messages are sound apart from the one defect: the same
	// construction with a valid plaintext opens.
	t.Run("crafted controls", func(t *testing.T) {
		rec, err := core.OpenWelcome(f.craftPointer(t, f.pointer.Marshal()), keys, nil)
		if err != nil || rec.Pointer.ID() != f.pointer.ID() {
			t.Fatalf("crafted pointer: %v", err)
		}
		rec, err = core.OpenWelcome(f.craftDirect(t, f.welcome, []byte{0x08, 0x07}), keys, nil)
		if err != nil || rec.Cursor != 7 {
			t.Fatalf("crafted direct welcome: %v", err)
		}
		rec, err = core.OpenWelcome(f.craftDirect(t, f.welcome, nil), keys, nil)
		if err != nil || rec.Cursor != 0 || !rec.HasCursor {
			t.Fatalf("crafted direct welcome with empty metadata: %v", err)
		}
	})
}

// marshalRaw is one length-delimited protobuf field with tag byte tag.
func marshalRaw(tag byte, payload []byte) []byte {
	return append([]byte{tag, byte(len(payload))}, payload...)
}

// TestOpenWelcomeInputRejects: the published form is checked the same way.
func TestOpenWelcomeInputRejects(t *testing.T) {
	f := newFixture(t)
	keys := f.keys()
	tests := []struct {
		name string
		msg  []byte
		keys []*core.PrivateKey
		opts *core.OpenOptions
		want error
	}{
		{"message form", f.pointerMsg, keys, nil, core.ErrMalformed},
		{"too large", f.xwingIn, keys, &core.OpenOptions{MaxMessageSize: len(f.xwingIn) - 1}, core.ErrTooLarge},
		{"pointee", f.pointeeIn, keys, nil, core.ErrUnsupported},
		{"no matching key", f.xwingIn, keys[:4], nil, core.ErrNoMatchingKey},
		{"pointer wrapper algorithm 7", editInput(t, f.pointerIn, func(m *mlsv1.WelcomeMessageInput) { m.GetWelcomePointer().WrapperAlgorithm = 7 }), keys, nil, core.ErrUnsupported},
		{"tampered", editInput(t, f.xwingIn, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().WelcomeMetadata[0] ^= 1 }), keys, nil, core.ErrDecrypt},
	}
	for name, g := range garbage {
		tests = append(tests, struct {
			name string
			msg  []byte
			keys []*core.PrivateKey
			opts *core.OpenOptions
			want error
		}{"garbage " + name, g, keys, nil, core.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := core.OpenWelcomeInput(tt.msg, tt.keys, tt.opts)
			checkErr(t, err, tt.want)
			if rec != nil {
				t.Fatal("a result was returned with the error")
			}
		})
	}
}

func TestOpenPointeeRejects(t *testing.T) {
	f := newFixture(t)
	v1 := func(edit func(v *mlsv1.WelcomeMessage_V1)) []byte {
		return editMessage(t, f.pointeeMsg, func(m *mlsv1.WelcomeMessage) { edit(m.GetV1()) })
	}
	withPointer := func(edit func(p *core.Pointer)) *core.Pointer {
		p := *f.pointer
		edit(&p)
		return &p
	}
	aead, err := chacha20poly1305.New(f.pointer.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	sealMetadata := func(md []byte) []byte {
		return v1(func(v *mlsv1.WelcomeMessage_V1) {
			v.WelcomeMetadata = aead.Seal(nil, f.pointer.WelcomeMetadataNonce, md, nil)
		})
	}
	other := newFixture2(t)
	decoyKey := bytes.Repeat([]byte{7}, 32)
	decoyAEAD, _ := chacha20poly1305.New(decoyKey)

	type tc struct {
		name string
		ptr  *core.Pointer
		msg  []byte
		opts *core.OpenOptions
		want error
	}
	tests := []tc{
		// The pointer.
		{"nil pointer", nil, f.pointeeMsg, nil, core.ErrInvalidArgument},
		{"zero Pointer", &core.Pointer{}, f.pointeeMsg, nil, core.ErrUnsupported},
		{"pointer AEAD type 9", withPointer(func(p *core.Pointer) { p.AEADType = 9 }), f.pointeeMsg, nil, core.ErrUnsupported},
		{"pointer key of 31 bytes", withPointer(func(p *core.Pointer) { p.EncryptionKey = p.EncryptionKey[:31] }), f.pointeeMsg, nil, core.ErrMalformed},
		{"pointer destination of 33 bytes", withPointer(func(p *core.Pointer) { p.Destination = append(bytes.Clone(p.Destination), 0) }), f.pointeeMsg, nil, core.ErrMalformed},
		{"pointer nonce of 11 bytes", withPointer(func(p *core.Pointer) { p.DataNonce = p.DataNonce[:11] }), f.pointeeMsg, nil, core.ErrMalformed},
		{"pointer with equal nonces", withPointer(func(p *core.Pointer) { p.DataNonce = p.WelcomeMetadataNonce }), f.pointeeMsg, nil, core.ErrMalformed},
		// The message's form.
		{"too large", f.pointer, f.pointeeMsg, &core.OpenOptions{MaxMessageSize: len(f.pointeeMsg) - 1}, core.ErrTooLarge},
		{"input form", f.pointer, f.pointeeIn, nil, core.ErrMalformed},
		{"unknown oneof arm", f.pointer, marshalRaw(0x1a, nil), nil, core.ErrMalformed},
		// Not a pointee: final.
		{"a pointer", f.pointer, f.pointerMsg, nil, core.ErrNotPointee},
		{"a CURVE25519 direct welcome", f.pointer, f.curveMsg, nil, core.ErrNotPointee},
		{"an X-Wing direct welcome", f.pointer, f.xwingMsg, nil, core.ErrNotPointee},
		{"wrapper algorithm X-Wing", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.WrapperAlgorithm = 2 }), nil, core.ErrNotPointee},
		{"wrapper algorithm unspecified", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.WrapperAlgorithm = 0 }), nil, core.ErrNotPointee},
		{"wrapper algorithm 7", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.WrapperAlgorithm = 7 }), nil, core.ErrNotPointee},
		{"installation key not the destination", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.InstallationKey[5] ^= 1 }), nil, core.ErrNotPointee},
		{"installation key 0x01 || destination", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.InstallationKey = append([]byte{1}, v.InstallationKey...) }), nil, core.ErrNotPointee},
		{"no installation key", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.InstallationKey = nil }), nil, core.ErrNotPointee},
		{"pointee of another invite", f.pointer, other.pointeeMsg, nil, core.ErrNotPointee},
		// A pointee that cannot be opened.
		{"without welcome_metadata", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.WelcomeMetadata = nil }), nil, core.ErrMalformed},
		{"welcome_metadata shorter than a tag", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.WelcomeMetadata = v.WelcomeMetadata[:15] }), nil, core.ErrMalformed},
		{"without data", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.Data = nil }), nil, core.ErrMalformed},
		{"data and metadata swapped", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) { v.Data, v.WelcomeMetadata = v.WelcomeMetadata, v.Data }), nil, core.ErrDecrypt},
		{"decoy with the destination under another key", f.pointer, v1(func(v *mlsv1.WelcomeMessage_V1) {
			v.Data = decoyAEAD.Seal(nil, f.pointer.DataNonce, []byte("decoy"), nil)
			v.WelcomeMetadata = decoyAEAD.Seal(nil, f.pointer.WelcomeMetadataNonce, nil, nil)
		}), nil, core.ErrDecrypt},
		{"metadata plaintext garbage", f.pointer, sealMetadata([]byte{0xff, 0xff, 0xff}), nil, core.ErrMalformed},
		{"metadata cursor of the wrong wire type", f.pointer, sealMetadata([]byte{0x09, 0, 0, 0, 0, 0, 0, 0, 0}), nil, core.ErrMalformed},
	}
	for name, g := range garbage {
		tests = append(tests, tc{"garbage " + name, f.pointer, g, nil, core.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := core.OpenPointee(tt.ptr, tt.msg, tt.opts)
			checkErr(t, err, tt.want)
			if op != nil {
				t.Fatal("a result was returned with the error")
			}
			if tt.want == core.ErrDecrypt {
				checkDecrypt(t, err)
			}
		})
	}
	t.Run("metadata controls", func(t *testing.T) {
		// The construction of the metadata cases is sound: valid plaintexts open.
		op, err := core.OpenPointee(f.pointer, sealMetadata([]byte{0x08, 0x05}), nil)
		if err != nil || op.Cursor != 5 || !op.HasCursor {
			t.Fatalf("%+v, %v", op, err)
		}
		op, err = core.OpenPointee(f.pointer, sealMetadata(nil), nil)
		if err != nil || op.Cursor != 0 || op.HasCursor {
			t.Fatalf("%+v, %v", op, err)
		}
	})

	// The published form goes through the same checks.
	inTests := []tc{
		{"input: nil pointer", nil, f.pointeeIn, nil, core.ErrInvalidArgument},
		{"input: pointer AEAD type 9", withPointer(func(p *core.Pointer) { p.AEADType = 9 }), f.pointeeIn, nil, core.ErrUnsupported},
		{"input: pointer with equal nonces", withPointer(func(p *core.Pointer) { p.DataNonce = p.WelcomeMetadataNonce }), f.pointeeIn, nil, core.ErrMalformed},
		{"input: message form", f.pointer, f.pointeeMsg, nil, core.ErrMalformed},
		{"input: a pointer", f.pointer, f.pointerIn, nil, core.ErrNotPointee},
		{"input: a direct welcome", f.pointer, f.curveIn, nil, core.ErrNotPointee},
		{"input: too large", f.pointer, f.pointeeIn, &core.OpenOptions{MaxMessageSize: 100}, core.ErrTooLarge},
		{"input: without welcome_metadata", f.pointer, editInput(t, f.pointeeIn, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().WelcomeMetadata = nil }), nil, core.ErrMalformed},
		{"input: tampered", f.pointer, editInput(t, f.pointeeIn, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().Data[0] ^= 0x80 }), nil, core.ErrDecrypt},
	}
	for name, g := range garbage {
		inTests = append(inTests, tc{"input: garbage " + name, f.pointer, g, nil, core.ErrMalformed})
	}
	for _, tt := range inTests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := core.OpenPointeeInput(tt.ptr, tt.msg, tt.opts)
			checkErr(t, err, tt.want)
			if op != nil {
				t.Fatal("a result was returned with the error")
			}
		})
	}
}

// newFixture2 is a second, unrelated invite.
func newFixture2(t testing.TB) *fixture {
	t.Helper()
	ps := newParties(t, "fixture 2", capable, capable, capable)
	inv, err := core.SealInvite([]byte("other welcome"), 1, installations(ps), deterministic("fixture 2"))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ps: ps, inv: inv, pointeeIn: inv.Messages[0].Message, pointeeMsg: toMessage(t, inv.Messages[0].Message, 1)}
}

func TestParsePointerRejects(t *testing.T) {
	f := newFixture(t)
	pp := func(edit func(v *mc.WelcomePointer_WelcomeV1Pointer)) []byte { return f.pointerPlain(t, edit) }
	good := f.pointer.Marshal()
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"AEAD type 9", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = 9 }), core.ErrUnsupported},
		{"AEAD type unspecified", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = 0 }), core.ErrUnsupported},
		{"AEAD type -1", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = -1 }), core.ErrUnsupported},
		{"destination of 31 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.Destination = v.Destination[:31] }), core.ErrMalformed},
		{"destination of 33 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.Destination = append(v.Destination, 1) }), core.ErrMalformed},
		{"no destination", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.Destination = nil }), core.ErrMalformed},
		{"key of 31 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.EncryptionKey = v.EncryptionKey[:31] }), core.ErrMalformed},
		{"key of 33 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.EncryptionKey = append(v.EncryptionKey, 1) }), core.ErrMalformed},
		{"no key", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.EncryptionKey = nil }), core.ErrMalformed},
		{"data nonce of 11 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.DataNonce = v.DataNonce[:11] }), core.ErrMalformed},
		{"data nonce of 13 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.DataNonce = append(v.DataNonce, 1) }), core.ErrMalformed},
		{"metadata nonce of 11 bytes", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.WelcomeMetadataNonce = v.WelcomeMetadataNonce[:11] }), core.ErrMalformed},
		{"no metadata nonce", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.WelcomeMetadataNonce = nil }), core.ErrMalformed},
		{"equal nonces", pp(func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.WelcomeMetadataNonce = v.DataNonce }), core.ErrMalformed},
		{"empty welcome_v1_pointer", marshal(t, &mc.WelcomePointer{Version: &mc.WelcomePointer_WelcomeV1Pointer_{WelcomeV1Pointer: &mc.WelcomePointer_WelcomeV1Pointer{}}}), core.ErrUnsupported},
		{"no version", marshal(t, &mc.WelcomePointer{}), core.ErrMalformed},
		{"unknown arm 2", marshalRaw(0x12, good[2:]), core.ErrMalformed},
		{"destination with the wrong wire type", append(bytes.Clone(good), 0x0a, 0x01, 0x08, 0x01), core.ErrMalformed},
		{"trailing garbage", append(bytes.Clone(good), 0xff), core.ErrMalformed},
	}
	for name, g := range garbage {
		tests = append(tests, struct {
			name string
			b    []byte
			want error
		}{"garbage " + name, g, core.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := core.ParsePointer(tt.b)
			checkErr(t, err, tt.want)
			if p != nil {
				t.Fatal("a pointer was returned with the error")
			}
		})
	}
}

// TestTruncated cuts every message at every length: all of them are
// malformed, for every parser.
func TestTruncated(t *testing.T) {
	f := newFixture(t)
	keys := f.keys()
	type parser struct {
		name  string
		whole []byte
		parse func(b []byte) error
		// boundary is the error of a cut between two fields, when the
		// prefix is a well-formed message missing its last fields.
		boundary error
	}
	openMsg := func(b []byte) error { _, err := core.OpenWelcome(b, keys, nil); return err }
	openIn := func(b []byte) error { _, err := core.OpenWelcomeInput(b, keys, nil); return err }
	node := func(b []byte) error { _, err := core.ToWelcomeMessage(b, 1, 2); return err }
	parsers := []parser{
		{"OpenWelcome pointer", f.pointerMsg, openMsg, nil},
		{"OpenWelcome CURVE25519 direct", f.curveMsg, openMsg, nil},
		{"OpenWelcome X-Wing direct", f.xwingMsg, openMsg, nil},
		{"OpenWelcomeInput pointer", f.pointerIn, openIn, nil},
		{"OpenWelcomeInput direct", f.curveIn, openIn, nil},
		{"OpenPointee", f.pointeeMsg, func(b []byte) error { _, err := core.OpenPointee(f.pointer, b, nil); return err }, nil},
		{"OpenPointeeInput", f.pointeeIn, func(b []byte) error { _, err := core.OpenPointeeInput(f.pointer, b, nil); return err }, nil},
		{"ToWelcomeMessage pointer", f.pointerIn, node, nil},
		{"ToWelcomeMessage pointee", f.pointeeIn, node, nil},
		{"ToWelcomeMessage direct", f.xwingIn, node, nil},
		{"ParsePointer", f.pointer.Marshal(), func(b []byte) error { _, err := core.ParsePointer(b); return err }, nil},
		// A cut before the algorithm leaves algorithm 0, unsupported.
		{"ParseWrapperEncryption", mustEncodeWrapper(t, f.ps[0].key), func(b []byte) error { _, _, err := core.ParseWrapperEncryption(b); return err }, core.ErrUnsupported},
	}
	for _, p := range parsers {
		t.Run(p.name, func(t *testing.T) {
			for n := 0; n < len(p.whole); n++ {
				err := p.parse(p.whole[:n])
				if err == nil {
					t.Fatalf("%d of %d bytes: accepted", n, len(p.whole))
				}
				if !errors.Is(err, core.ErrMalformed) && (p.boundary == nil || !errors.Is(err, p.boundary)) {
					t.Fatalf("%d of %d bytes: %v, want ErrMalformed", n, len(p.whole), err)
				}
				checkSentinel(t, err)
			}
			if err := p.parse(p.whole); err != nil {
				t.Fatalf("the whole message: %v", err)
			}
		})
	}
	// Truncating a sealed field inside a well-formed message breaks the
	// HPKE framing.
	sealed := []struct {
		name  string
		input []byte
		get   func(m *mlsv1.WelcomeMessageInput) *[]byte
	}{
		{"sealed pointer", f.pointerIn, func(m *mlsv1.WelcomeMessageInput) *[]byte { return &m.GetWelcomePointer().WelcomePointer }},
		{"direct data", f.curveIn, func(m *mlsv1.WelcomeMessageInput) *[]byte { return &m.GetV1().Data }},
	}
	for _, s := range sealed {
		t.Run("inside "+s.name, func(t *testing.T) {
			whole := *s.get(decodeInput(t, s.input))
			for n := 0; n < len(whole); n += 7 {
				in := editInput(t, s.input, func(m *mlsv1.WelcomeMessageInput) { *s.get(m) = whole[:n] })
				_, err := core.OpenWelcomeInput(in, keys, nil)
				checkErr(t, err, core.ErrMalformed)
			}
		})
	}
}

// TestNodeRules: ToWelcomeMessage and InputTopic apply the node's
// acceptance rules (spec section 3) and nothing else.
func TestNodeRules(t *testing.T) {
	f := newFixture(t)
	v1 := func(base []byte, edit func(v *mlsv1.WelcomeMessageInput_V1)) []byte {
		return editInput(t, base, func(m *mlsv1.WelcomeMessageInput) { edit(m.GetV1()) })
	}
	ptr := func(edit func(p *mlsv1.WelcomeMessageInput_WelcomePointer)) []byte {
		return editInput(t, f.pointerIn, func(m *mlsv1.WelcomeMessageInput) { edit(m.GetWelcomePointer()) })
	}
	type tc struct {
		name  string
		input []byte
		want  error // nil: accepted
	}
	tests := []tc{
		{"pointee", f.pointeeIn, nil},
		{"pointer", f.pointerIn, nil},
		{"direct", f.curveIn, nil},
		{"direct without metadata", v1(f.curveIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.WelcomeMetadata = nil }), nil},
		{"pointee without metadata (the node does not look)", v1(f.pointeeIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.WelcomeMetadata = nil }), nil},
		{"V1 with wrapper algorithm 7 and a key (the node does not look)", v1(f.curveIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.WrapperAlgorithm = 7 }), nil},
		{"V1 without installation key", v1(f.curveIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.InstallationKey = nil }), core.ErrMalformed},
		{"V1 without data", v1(f.curveIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.Data = nil }), core.ErrMalformed},
		{"pointee without data", v1(f.pointeeIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.Data = nil }), core.ErrMalformed},
		{"V1 X-Wing without hpke_public_key", v1(f.xwingIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.HpkePublicKey = nil }), core.ErrMalformed},
		{"V1 unspecified without hpke_public_key", v1(f.curveIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.HpkePublicKey, v.WrapperAlgorithm = nil, 0 }), core.ErrMalformed},
		{"pointee with hpke_public_key", v1(f.pointeeIn, func(v *mlsv1.WelcomeMessageInput_V1) { v.HpkePublicKey = []byte{1} }), nil},
		{"pointer without installation key", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.InstallationKey = nil }), core.ErrMalformed},
		{"pointer without welcome_pointer", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.WelcomePointer = nil }), core.ErrMalformed},
		{"pointer without hpke_public_key", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.HpkePublicKey = nil }), core.ErrMalformed},
		{"pointer wrapper algorithm unspecified", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.WrapperAlgorithm = 0 }), core.ErrUnsupported},
		{"pointer wrapper algorithm CURVE25519", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.WrapperAlgorithm = 1 }), core.ErrUnsupported},
		{"pointer wrapper algorithm SYMMETRIC_KEY", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.WrapperAlgorithm = 3 }), core.ErrUnsupported},
		{"pointer wrapper algorithm 7", ptr(func(p *mlsv1.WelcomeMessageInput_WelcomePointer) { p.WrapperAlgorithm = 7 }), core.ErrUnsupported},
		{"message form", f.pointerMsg, core.ErrMalformed},
		{"unknown oneof arm", marshalRaw(0x1a, []byte{0x0a, 0x01, 0x01}), core.ErrMalformed},
		{"over 25 MiB", make([]byte, core.DefaultMaxMessageSize+1), core.ErrTooLarge},
	}
	for name, g := range garbage {
		tests = append(tests, tc{"garbage " + name, g, core.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := core.ToWelcomeMessage(tt.input, 3, 4)
			topic, _, terr := core.InputTopic(tt.input)
			if tt.want == nil {
				if err != nil || terr != nil {
					t.Fatalf("rejected: %v / %v", err, terr)
				}
				if len(out) == 0 || len(topic) == 0 {
					t.Fatal("empty output")
				}
				return
			}
			checkErr(t, err, tt.want)
			checkErr(t, terr, tt.want)
			if out != nil || topic != nil {
				t.Fatal("output returned with the error")
			}
		})
	}
}

func TestKeyAndExtensionRejects(t *testing.T) {
	r := stream("key rejects")
	xk, _ := core.GenerateKeyFrom(core.AlgorithmXWing, r)
	ck, _ := core.GenerateKeyFrom(core.AlgorithmCurve25519, r)
	ww := func(pub []byte, alg int32) []byte {
		return marshal(t, &mc.WelcomeWrapperEncryption{PubKey: pub, Algorithm: mc.WelcomeWrapperAlgorithm(alg)})
	}
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"GenerateKey unspecified", func() error { _, err := core.GenerateKey(core.AlgorithmUnspecified); return err }, core.ErrUnsupported},
		{"GenerateKey symmetric key", func() error { _, err := core.GenerateKey(core.AlgorithmSymmetricKey); return err }, core.ErrUnsupported},
		{"GenerateKey 7", func() error { _, err := core.GenerateKey(7); return err }, core.ErrUnsupported},
		{"NewPrivateKey X-Wing 31 bytes", func() error { _, err := core.NewPrivateKey(core.AlgorithmXWing, make([]byte, 31)); return err }, core.ErrInvalidKey},
		{"NewPrivateKey X-Wing 64 bytes", func() error { _, err := core.NewPrivateKey(core.AlgorithmXWing, make([]byte, 64)); return err }, core.ErrInvalidKey},
		{"NewPrivateKey CURVE25519 33 bytes", func() error { _, err := core.NewPrivateKey(core.AlgorithmCurve25519, make([]byte, 33)); return err }, core.ErrInvalidKey},
		{"NewPrivateKey nil", func() error { _, err := core.NewPrivateKey(core.AlgorithmCurve25519, nil); return err }, core.ErrInvalidKey},
		{"NewPrivateKey symmetric key", func() error { _, err := core.NewPrivateKey(core.AlgorithmSymmetricKey, make([]byte, 32)); return err }, core.ErrUnsupported},
		{"ValidatePublicKey X-Wing 1215 bytes", func() error { return core.ValidatePublicKey(core.AlgorithmXWing, xk.PublicKey()[:1215]) }, core.ErrInvalidKey},
		{"ValidatePublicKey invalid X-Wing key", func() error { return core.ValidatePublicKey(core.AlgorithmXWing, mutatedXWingKey(t)) }, core.ErrInvalidKey},
		{"ValidatePublicKey X25519 low order", func() error { return core.ValidatePublicKey(core.AlgorithmCurve25519, make([]byte, 32)) }, core.ErrInvalidKey},
		{"ValidatePublicKey X25519 key as X-Wing", func() error { return core.ValidatePublicKey(core.AlgorithmXWing, ck.PublicKey()) }, core.ErrInvalidKey},
		{"ValidatePublicKey 7", func() error { return core.ValidatePublicKey(7, ck.PublicKey()) }, core.ErrUnsupported},
		{"EncodeWrapperEncryption short key", func() error {
			_, err := core.EncodeWrapperEncryption(xk.PublicKey()[:10], core.AlgorithmXWing)
			return err
		}, core.ErrInvalidKey},
		{"EncodeWrapperEncryption symmetric key", func() error {
			_, err := core.EncodeWrapperEncryption(ck.PublicKey(), core.AlgorithmSymmetricKey)
			return err
		}, core.ErrUnsupported},
		{"0xff03 algorithm 7", func() error { _, _, err := core.ParseWrapperEncryption(ww(xk.PublicKey(), 7)); return err }, core.ErrUnsupported},
		{"0xff03 algorithm unspecified", func() error { _, _, err := core.ParseWrapperEncryption(ww(xk.PublicKey(), 0)); return err }, core.ErrUnsupported},
		{"0xff03 algorithm symmetric key", func() error { _, _, err := core.ParseWrapperEncryption(ww(ck.PublicKey(), 3)); return err }, core.ErrUnsupported},
		{"0xff03 X-Wing with an X25519 key", func() error { _, _, err := core.ParseWrapperEncryption(ww(ck.PublicKey(), 2)); return err }, core.ErrInvalidKey},
		{"0xff03 X-Wing without a key", func() error { _, _, err := core.ParseWrapperEncryption(ww(nil, 2)); return err }, core.ErrInvalidKey},
		{"0xff03 invalid X-Wing key", func() error { _, _, err := core.ParseWrapperEncryption(ww(mutatedXWingKey(t), 2)); return err }, core.ErrInvalidKey},
		{"0xff03 low-order X25519 key", func() error { _, _, err := core.ParseWrapperEncryption(ww(make([]byte, 32), 1)); return err }, core.ErrInvalidKey},
		{"0xff03 garbage", func() error { _, _, err := core.ParseWrapperEncryption([]byte{0xff}); return err }, core.ErrMalformed},
		{"0xff03 pub_key as varint", func() error { _, _, err := core.ParseWrapperEncryption([]byte{0x08, 0x01}); return err }, core.ErrMalformed},
		{"0xff04 garbage", func() error { _, err := core.ParsePointeeAEADTypes([]byte{0xff}); return err }, core.ErrMalformed},
		{"0xff04 truncated packed list", func() error { _, err := core.ParsePointeeAEADTypes([]byte{0x0a, 0x02, 0x03}); return err }, core.ErrMalformed},
		{"0xff04 bad varint in packed list", func() error { _, err := core.ParsePointeeAEADTypes([]byte{0x0a, 0x01, 0x80}); return err }, core.ErrMalformed},
		{"0xff04 fixed32 field", func() error { _, err := core.ParsePointeeAEADTypes([]byte{0x0d, 3, 0, 0, 0}); return err }, core.ErrMalformed},
		{"InstallationFromExtensions empty id", func() error {
			_, err := core.InstallationFromExtensions(nil, ck.PublicKey(), nil, typicalAEADTypes)
			return err
		}, core.ErrInvalidArgument},
		{"InstallationFromExtensions bad 0xff03", func() error {
			_, err := core.InstallationFromExtensions([]byte{1}, nil, ww(xk.PublicKey(), 7), typicalAEADTypes)
			return err
		}, core.ErrUnsupported},
		{"InstallationFromExtensions bad 0xff04", func() error {
			_, err := core.InstallationFromExtensions([]byte{1}, nil, ww(xk.PublicKey(), 2), []byte{0x0a, 0x05})
			return err
		}, core.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
}

// TestErrorsAreDistinct: the sentinels are distinct and none wraps another.
func TestErrorsAreDistinct(t *testing.T) {
	for i, a := range sentinels {
		for j, b := range sentinels {
			if i != j && (errors.Is(a, b) || a.Error() == b.Error()) {
				t.Errorf("%v and %v are not distinct", a, b)
			}
		}
	}
}

// Every sentinel has its own stable code, found through wrapping too.
func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range sentinels {
		code := core.Code(fmt.Errorf("context: %w", s))
		if !strings.HasPrefix(code, "ERR_") || seen[code] {
			t.Errorf("%v: code %q", s, code)
		}
		seen[code] = true
	}
	if code := core.Code(errors.New("other")); code != "" {
		t.Errorf("an error without a sentinel has code %q", code)
	}
}
