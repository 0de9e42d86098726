package abi_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/core"
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

// TestGoldenEncodings pins the byte layouts written out in ABI.md.
func TestGoldenEncodings(t *testing.T) {
	enc := func(r interface{ Encode(*abi.Encoder) }) []byte {
		e := abi.NewEncoder(0, 0)
		r.Encode(e)
		return e.Bytes()
	}
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"generate_key X-Wing", enc(&abi.GenerateKeyRequest{Algorithm: core.AlgorithmXWing}), "02000000"},
		{"open_pointee", enc(&abi.OpenPointeeRequest{Form: abi.FormInput, Pointer: []byte{0xaa, 0xbb}, FirstMessage: []byte{0xcc}}),
			"01  02000000 aabb  01000000 cc  00000000"},
		{"seal_invite", enc(&abi.SealInviteRequest{
			Welcome: []byte{0x00, 0x01, 0x00, 0x03}, Cursor: 42, KEMID: core.KEMXWing,
			Installations: []core.Installation{{
				InstallationKey: []byte{0x11}, WrapperAlgorithm: core.AlgorithmXWing,
				WrapperPublicKey: []byte{0x22, 0x33}, PointeeAEADTypes: []core.AEADType{core.AEADChaCha20Poly1305},
			}},
		}), `04000000 00010003   2a00000000000000   7a64   00000000
		    01000000
		      01000000 11   02000000   02000000 2233   01000000 03000000`},
		{"inspect", enc(&abi.InspectRequest{Kind: "auto", Message: []byte{0x0a}}), "04000000 6175746f 01000000 0a"},
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

func TestRoundTrips(t *testing.T) {
	in := core.Installation{InstallationKey: []byte("id"), WrapperAlgorithm: core.AlgorithmCurve25519, WrapperPublicKey: bytes.Repeat([]byte{7}, 32)}
	seal := abi.SealInviteRequest{Welcome: []byte("w"), Cursor: 1 << 60, KEMID: core.KEMXWingDeployed, MaxMessageSize: 1000, Installations: []core.Installation{in, in}}
	e := abi.NewEncoder(0, 0)
	seal.Encode(e)
	got, err := abi.DecodeSealInviteRequest(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(seal) {
		t.Fatalf("got %v, want %v", got, seal)
	}

	rec := abi.Received{Kind: core.KindPointer, ID: 9, CreatedNs: 10, InstallationKey: []byte("i"), KEMID: core.KEMXWing,
		Welcome: []byte{}, Pointer: []byte("p"), Destination: []byte("d"), AEADType: core.AEADChaCha20Poly1305,
		EncryptionKey: []byte("k"), DataNonce: []byte("n1"), WelcomeMetadataNonce: []byte("n2")}
	e = abi.NewEncoder(0, 0)
	rec.Encode(e)
	gotRec, err := abi.DecodeReceived(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(gotRec) != fmt.Sprint(rec) {
		t.Fatalf("got %v, want %v", gotRec, rec)
	}

	inv := &core.Invite{Destination: []byte("dest"), Messages: []core.OutgoingMessage{{Kind: core.KindPointee, InstallationKey: []byte("dest"), Message: []byte("m")}}}
	e = abi.NewEncoder(0, 0)
	abi.EncodeInvite(e, inv)
	gotInv, err := abi.DecodeInvite(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(gotInv) != fmt.Sprint(inv) {
		t.Fatalf("got %v, want %v", gotInv, inv)
	}
}

// TestStrictDecoding: truncation, trailing bytes, a count that cannot
// fit, a length past the end and a boolean other than 0 or 1 all fail.
func TestStrictDecoding(t *testing.T) {
	valid := unhex(t, "01 02000000 aabb 01000000 cc 00000000")
	if _, err := abi.DecodeOpenPointeeRequest(valid); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(valid); n++ {
		if _, err := abi.DecodeOpenPointeeRequest(valid[:n]); err == nil {
			t.Fatalf("prefix of %d bytes decoded", n)
		}
	}
	if _, err := abi.DecodeOpenPointeeRequest(append(bytes.Clone(valid), 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("trailing byte: %v", err)
	}
	if _, err := abi.DecodeOpenPointeeRequest(unhex(t, "01 ffffffff aabb")); err == nil || !strings.Contains(err.Error(), "pointer") {
		t.Fatalf("length past the end: %v", err)
	}
	// 2^32-1 installations in a 30-byte request.
	huge := unhex(t, "00000000 0000000000000000 0000 00000000 ffffffff 000000000000")
	if _, err := abi.DecodeSealInviteRequest(huge); err == nil || !strings.Contains(err.Error(), "count") {
		t.Fatalf("huge count: %v", err)
	}
	if _, err := abi.DecodePointee(unhex(t, "00000000 02 0000000000000000")); err == nil || !strings.Contains(err.Error(), "boolean") {
		t.Fatalf("boolean 2: %v", err)
	}
	if _, err := abi.DecodeInspectRequest(unhex(t, "01000000 ff 00000000")); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("invalid UTF-8 kind: %v", err)
	}
}

func TestCodes(t *testing.T) {
	sentinels := map[abi.Code]error{
		abi.Malformed: core.ErrMalformed, abi.Decrypt: core.ErrDecrypt, abi.NoMatchingKey: core.ErrNoMatchingKey,
		abi.Unsupported: core.ErrUnsupported, abi.NotPointee: core.ErrNotPointee, abi.TooLarge: core.ErrTooLarge,
		abi.InvalidKey: core.ErrInvalidKey, abi.Argument: core.ErrInvalidArgument, abi.Internal: abi.ErrInternal,
		abi.Expired: core.ErrExpired, abi.AttemptsExhausted: core.ErrAttemptsExhausted,
	}
	for code, s := range sentinels {
		wrapped := fmt.Errorf("installation 3: %w", fmt.Errorf("%w: detail", s))
		if got := abi.CodeOf(wrapped); got != code {
			t.Errorf("CodeOf(%v) = %v, want %v", wrapped, got, code)
		}
		if code.Sentinel() != s {
			t.Errorf("%v.Sentinel() = %v", code, code.Sentinel())
		}
		if strings.HasPrefix(code.String(), "Code(") {
			t.Errorf("%d has no name", code)
		}
		err := error(&abi.Error{Export: "wp_x", Code: code, Message: "m"})
		if !errors.Is(err, s) || !strings.Contains(err.Error(), "wp_x") {
			t.Errorf("abi.Error %v does not wrap %v or name its export", err, s)
		}
	}
	if abi.CodeOf(nil) != abi.OK || abi.CodeOf(errors.New("other")) != abi.Internal {
		t.Error("CodeOf(nil) or of an unknown error")
	}
	if abi.Code(99).Sentinel() != nil || abi.OK.Sentinel() != nil {
		t.Error("Sentinel of OK or an unknown code")
	}
	// The numbers are part of the ABI.
	want := []abi.Code{abi.OK, abi.Malformed, abi.Decrypt, abi.NoMatchingKey, abi.Unsupported, abi.NotPointee, abi.TooLarge, abi.InvalidKey, abi.Argument, abi.Internal, abi.Expired, abi.AttemptsExhausted}
	for i, c := range want {
		if uint32(c) != uint32(i) {
			t.Errorf("%v = %d, want %d", c, c, i)
		}
	}
}
