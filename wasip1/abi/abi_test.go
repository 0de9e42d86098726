package abi_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encode is the request of operation d for a, as a host writes it.
func encode[A, R any](d *ops.Def[A, R], a A) []byte {
	e := abi.NewEncoder(0, 0)
	d.Args(abi.NewWriter(e), &a)
	return e.Bytes()
}

// decode reads the arguments of d as the module does.
func decode[A, R any](d *ops.Def[A, R], b []byte) (A, error) {
	c := d.New()
	r := abi.NewReader(b)
	var a A
	d.Args(r, &a)
	_ = c
	return a, r.Finish()
}

// TestGoldenEncodings pins the byte layouts written out in ABI.md.
func TestGoldenEncodings(t *testing.T) {
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"generate_key X-Wing", encode(ops.GenerateKey, core.AlgorithmXWing), "02000000"},
		{"open_pointee", encode(ops.OpenPointee, ops.OpenPointeeArgs{Options: core.OpenOptions{Form: core.FormInput}, Pointer: []byte{0xaa, 0xbb}, FirstMessage: []byte{0xcc}}),
			"01  02000000 aabb  01000000 cc  00000000"},
		{"seal_invite", encode(ops.SealInvite, ops.SealArgs{
			Welcome: []byte{0x00, 0x01, 0x00, 0x03}, Cursor: 42, Sealing: ops.Sealing{KEMID: core.KEMXWing},
			Installations: []core.Installation{{
				InstallationKey: []byte{0x11}, WrapperAlgorithm: core.AlgorithmXWing,
				WrapperPublicKey: []byte{0x22, 0x33}, PointeeAEADTypes: []core.AEADType{core.AEADChaCha20Poly1305},
			}},
		}), `04000000 00010003   2a00000000000000   7a64   00000000
		    01000000
		      01000000 11   02000000   02000000 2233   01000000 03000000`},
		{"inspect", encode(ops.Inspect, ops.InspectArgs{Kind: "auto", Input: []byte{0x0a}}), "04000000 6175746f 01000000 0a"},
		{"retry_delay", encode(ops.Delay, ops.CountArgs{Policy: core.RetryPolicy{FirstRetry: time.Second, Backoff: 2, Quick: core.QuickRetry{Attempts: 1}}, N: 3}),
			`00ca9a3b00000000 0000000000000040 0000000000000000 0000000000000000 00000000
			 01000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000
			 03000000`},
	}
	for _, c := range cases {
		if want := unhex(t, c.want); !bytes.Equal(c.got, want) {
			t.Errorf("%s: got %x, want %x", c.name, c.got, want)
		}
	}

	// A result block: status OK, a 6-byte payload (bytes "hi").
	e := abi.NewEncoder(abi.ResultHeaderSize, 0)
	e.Blob([]byte("hi"))
	e.PutHeader(abi.OK)
	if want := unhex(t, "00000000 06000000 02000000 6869"); !bytes.Equal(e.Bytes(), want) {
		t.Errorf("result block: got %x, want %x", e.Bytes(), want)
	}
	code, n := abi.ParseHeader(unhex(t, "02000000 11000000"))
	if code != abi.Decrypt || n != 17 {
		t.Errorf("ParseHeader: %v %d", code, n)
	}
}

// TestRoundTrips: what a Writer encodes, a Reader decodes to the same
// values, for the arguments and results of the operations with the most
// kinds of fields.
func TestRoundTrips(t *testing.T) {
	in := core.Installation{InstallationKey: []byte("id"), WrapperAlgorithm: core.AlgorithmCurve25519, WrapperPublicKey: bytes.Repeat([]byte{7}, 32)}
	seal := ops.SealArgs{Welcome: []byte("w"), Cursor: 1 << 60, Sealing: ops.Sealing{KEMID: core.KEMXWingDeployed, MaxMessageSize: 1000}, Installations: []core.Installation{in, in}}
	got, err := decode(ops.SealInvite, encode(ops.SealInvite, seal))
	if err != nil || !reflect.DeepEqual(got, seal) {
		t.Fatalf("seal invite: %v\ngot  %#v\nwant %#v", err, got, seal)
	}
	now := time.Unix(1_750_000_000, 123)
	state := ops.StateArgs{Policy: core.DefaultRetryPolicy(), State: core.Pending{Attempts: 3, NextAttempt: now, ExpiresAt: now.Add(time.Hour)}, Now: now}
	gotState, err := decode(ops.Failed, encode(ops.Failed, state))
	if err != nil || fmt.Sprint(gotState) != fmt.Sprint(state) {
		t.Fatalf("retry failed: %v\ngot  %v\nwant %v", err, gotState, state)
	}
	result := func(d interface {
		Result(ops.Fields, *core.Received)
	}, r core.Received) core.Received {
		e := abi.NewEncoder(0, 0)
		d.Result(abi.NewWriter(e), &r)
		var back core.Received
		rd := abi.NewReader(e.Bytes())
		d.Result(rd, &back)
		if err := rd.Finish(); err != nil {
			t.Fatal(err)
		}
		return back
	}
	ptr := &core.Pointer{Destination: bytes.Repeat([]byte{1}, 32), AEADType: core.AEADChaCha20Poly1305, EncryptionKey: bytes.Repeat([]byte{2}, 32),
		DataNonce: bytes.Repeat([]byte{3}, 12), WelcomeMetadataNonce: bytes.Repeat([]byte{4}, 12)}
	rec := core.Received{Kind: core.KindPointer, ID: 9, CreatedNs: 10, InstallationKey: []byte("i"), KEMID: core.KEMXWing, Welcome: []byte{}, Pointer: ptr}
	if back := result(ops.OpenWelcome, rec); back.Pointer == nil || !bytes.Equal(back.Pointer.Marshal(), ptr.Marshal()) || back.ID != 9 || back.KEMID != core.KEMXWing {
		t.Fatalf("received: got %+v", back)
	}
}

// TestStrictDecoding: truncation, trailing bytes, a count that cannot
// fit, a length past the end and a boolean other than 0 or 1 all fail.
func TestStrictDecoding(t *testing.T) {
	valid := unhex(t, "01 02000000 aabb 01000000 cc 00000000")
	if _, err := decode(ops.OpenPointee, valid); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(valid); n++ {
		if _, err := decode(ops.OpenPointee, valid[:n]); err == nil {
			t.Fatalf("prefix of %d bytes decoded", n)
		}
	}
	if _, err := decode(ops.OpenPointee, append(bytes.Clone(valid), 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("trailing byte: %v", err)
	}
	if _, err := decode(ops.OpenPointee, unhex(t, "01 ffffffff aabb")); err == nil || !strings.Contains(err.Error(), "pointer") {
		t.Fatalf("length past the end: %v", err)
	}
	// 2^32-1 installations in a 30-byte request.
	huge := unhex(t, "00000000 0000000000000000 0000 00000000 ffffffff 000000000000")
	if _, err := decode(ops.SealInvite, huge); err == nil || !strings.Contains(err.Error(), "count") {
		t.Fatalf("huge count: %v", err)
	}
	var p core.OpenedPointee
	rd := abi.NewReader(unhex(t, "00000000 02 0000000000000000"))
	ops.OpenPointee.Result(rd, &p)
	if err := rd.Finish(); err == nil || !strings.Contains(err.Error(), "boolean") {
		t.Fatalf("boolean 2: %v", err)
	}
	if _, err := decode(ops.Inspect, unhex(t, "01000000 ff 00000000")); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("invalid UTF-8 kind: %v", err)
	}
	if _, err := decode(ops.IsFinal, unhex(t, "63000000")); err == nil || !strings.Contains(err.Error(), "unknown status") {
		t.Fatalf("unknown status: %v", err)
	}
}

func TestCodes(t *testing.T) {
	for _, c := range ops.Codes {
		if c.Status == 0 {
			continue
		}
		code := abi.Code(c.Status)
		wrapped := fmt.Errorf("installation 3: %w", fmt.Errorf("%w: detail", c.Err))
		if got := abi.CodeOf(wrapped); got != code {
			t.Errorf("CodeOf(%v) = %v, want %v", wrapped, got, code)
		}
		if code.Sentinel() != c.Err {
			t.Errorf("%v.Sentinel() = %v", code, code.Sentinel())
		}
		if code.String() != strings.TrimPrefix(c.Name, "ERR_") {
			t.Errorf("%d is named %s", code, code)
		}
		err := error(&abi.Error{Export: "wp_x", Code: code, Message: "m"})
		if !errors.Is(err, c.Err) || !strings.Contains(err.Error(), "wp_x") {
			t.Errorf("abi.Error %v does not wrap %v or name its export", err, c.Err)
		}
	}
	if abi.CodeOf(nil) != abi.OK || abi.CodeOf(errors.New("other")) != abi.Internal {
		t.Error("CodeOf(nil) or of an unknown error")
	}
	if abi.Code(99).Sentinel() != nil || abi.OK.Sentinel() != nil || abi.Code(99).String() != "Code(99)" {
		t.Error("Sentinel or String of OK or an unknown code")
	}
	// The numbers are part of the ABI.
	want := []abi.Code{abi.OK, abi.Malformed, abi.Decrypt, abi.NoMatchingKey, abi.Unsupported, abi.NotPointee, abi.TooLarge, abi.InvalidKey,
		abi.Argument, abi.Internal, abi.Expired, abi.AttemptsExhausted, abi.Aborted, abi.Timeout}
	for i, c := range want {
		if uint32(c) != uint32(i) {
			t.Errorf("%v = %d, want %d", c, c, i)
		}
	}
}
