package core_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	mc "github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// field walks a nested Inspect result: field(v, "v1", "data", "size").
func field(t *testing.T, v map[string]any, path ...string) any {
	t.Helper()
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%v: not an object at %q", path, p)
		}
		if cur, ok = m[p]; !ok {
			t.Fatalf("%v: no %q in %v", path, p, m)
		}
	}
	return cur
}

func TestInspect(t *testing.T) {
	f := newFixture(t)
	pointerSealed := decodeInput(t, f.pointerIn).GetWelcomePointer().GetWelcomePointer()
	curveData := decodeInput(t, f.curveIn).GetV1().GetData()
	ptr := f.pointer

	type want struct {
		path  []string
		value any
	}
	tests := []struct {
		name  string
		kind  string
		b     []byte
		wants []want
	}{
		{"pointer message", core.InspectWelcomeMessage, f.pointerMsg, []want{
			{[]string{"version"}, "welcome pointer"},
			{[]string{"welcomePointer", "id"}, "2"},
			{[]string{"welcomePointer", "createdNs"}, "1750000000000000002"},
			{[]string{"welcomePointer", "installationKey"}, hex.EncodeToString(f.ps[0].Installation.InstallationKey)},
			{[]string{"welcomePointer", "wrapperAlgorithm"}, "XWING_MLKEM_768_DRAFT_6"},
			{[]string{"welcomePointer", "hpkePublicKey", "size"}, 1216},
			{[]string{"welcomePointer", "welcomePointer", "size"}, len(pointerSealed)},
			{[]string{"welcomePointer", "welcomePointer", "hexPrefix"}, hex.EncodeToString(pointerSealed[:64])},
		}},
		{"pointee message", core.InspectWelcomeMessage, f.pointeeMsg, []want{
			{[]string{"version"}, "v1 (pointee)"},
			{[]string{"v1", "id"}, "1"},
			{[]string{"v1", "installationKey"}, hex.EncodeToString(ptr.Destination)},
			{[]string{"v1", "wrapperAlgorithm"}, "SYMMETRIC_KEY"},
			{[]string{"v1", "hpkePublicKey", "size"}, 0},
			{[]string{"v1", "data", "size"}, len(f.welcome) + 16},
			{[]string{"v1", "welcomeMetadata", "size"}, 6 + 16}, // 08 + 5-byte varint of 2^33
		}},
		{"direct message", core.InspectWelcomeMessage, f.curveMsg, []want{
			{[]string{"version"}, "v1 (direct welcome)"},
			{[]string{"v1", "wrapperAlgorithm"}, "CURVE25519"},
			{[]string{"v1", "hpkePublicKey", "hex"}, hex.EncodeToString(f.ps[3].Key.PublicKey())},
			{[]string{"v1", "dataHpke", "kemOutputSize"}, 32},
			{[]string{"v1", "dataHpke", "ciphertextSize"}, len(f.welcome) + 16},
		}},
		{"X-Wing direct input", core.InspectWelcomeMessageInput, f.xwingIn, []want{
			{[]string{"version"}, "v1 (direct welcome)"},
			{[]string{"v1", "wrapperAlgorithm"}, "XWING_MLKEM_768_DRAFT_6"},
			{[]string{"v1", "dataHpke", "kemOutputSize"}, 1120},
		}},
		{"pointer input", core.InspectWelcomeMessageInput, f.pointerIn, []want{
			{[]string{"version"}, "welcome pointer"},
			{[]string{"welcomePointer", "installationKey"}, hex.EncodeToString(f.ps[0].Installation.InstallationKey)},
		}},
		{"pointee input", core.InspectWelcomeMessageInput, f.pointeeIn, []want{
			{[]string{"version"}, "v1 (pointee)"},
		}},
		{"welcome pointer", core.InspectWelcomePointer, ptr.Marshal(), []want{
			{[]string{"welcomeV1Pointer", "destination"}, hex.EncodeToString(ptr.Destination)},
			{[]string{"welcomeV1Pointer", "aeadType"}, "CHACHA20_POLY1305"},
			{[]string{"welcomeV1Pointer", "encryptionKey"}, hex.EncodeToString(ptr.EncryptionKey)},
			{[]string{"welcomeV1Pointer", "dataNonce"}, hex.EncodeToString(ptr.DataNonce)},
			{[]string{"welcomeV1Pointer", "welcomeMetadataNonce"}, hex.EncodeToString(ptr.WelcomeMetadataNonce)},
		}},
		{"sealed pointer", core.InspectHpkeCiphertext, pointerSealed, []want{
			{[]string{"algorithm"}, "XWING_MLKEM_768_DRAFT_6"},
			{[]string{"kemOutput", "size"}, 1120},
			{[]string{"ciphertext", "size"}, len(ptr.Marshal()) + 16},
		}},
		{"sealed X25519 welcome", core.InspectHpkeCiphertext, curveData, []want{
			{[]string{"algorithm"}, "CURVE25519"},
			{[]string{"kemOutput", "size"}, 32},
		}},
		{"0xff03", core.InspectWrapperEncryption, mustEncodeWrapper(t, f.ps[0].Key), []want{
			{[]string{"algorithm"}, "XWING_MLKEM_768_DRAFT_6"},
			{[]string{"pubKey", "size"}, 1216},
		}},
		{"0xff04", core.InspectAEADTypes, typicalAEADTypes, []want{
			{[]string{"supportedAeadTypes"}, []any{"CHACHA20_POLY1305"}},
		}},
		{"0xff04 with unknown", core.InspectAEADTypes, []byte{0x0a, 0x02, 0x03, 0x09}, []want{
			{[]string{"supportedAeadTypes"}, []any{"CHACHA20_POLY1305", "AEADType(9)"}},
		}},
		{"metadata", core.InspectWelcomeMetadata, marshal(t, &mlsv1.WelcomeMetadata{MessageCursor: 1<<64 - 1}), []want{
			{[]string{"messageCursor"}, "18446744073709551615"},
		}},
		{"empty metadata", core.InspectWelcomeMetadata, nil, []want{
			{[]string{"messageCursor"}, "0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := core.Inspect(tt.kind, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if v["kind"] != tt.kind || v["size"] != len(tt.b) {
				t.Errorf("kind %v size %v", v["kind"], v["size"])
			}
			for _, w := range tt.wants {
				if got := field(t, v, w.path...); !reflect.DeepEqual(got, w.value) {
					t.Errorf("%v = %#v, want %#v", w.path, got, w.value)
				}
			}
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("not JSON-friendly: %v", err)
			}
		})
	}

	// Auto-detection names the kind of every message form.
	for _, tt := range []struct {
		name string
		b    []byte
		kind string
	}{
		{"pointer message", f.pointerMsg, core.InspectWelcomeMessage},
		{"pointee message", f.pointeeMsg, core.InspectWelcomeMessage},
		{"direct message", f.curveMsg, core.InspectWelcomeMessage},
		{"X-Wing direct message", f.xwingMsg, core.InspectWelcomeMessage},
		{"pointer input", f.pointerIn, core.InspectWelcomeMessageInput},
		{"pointee input", f.pointeeIn, core.InspectWelcomeMessageInput},
		{"direct input", f.curveIn, core.InspectWelcomeMessageInput},
		{"welcome pointer", ptr.Marshal(), core.InspectWelcomePointer},
		{"sealed pointer", pointerSealed, core.InspectHpkeCiphertext},
		{"sealed welcome", curveData, core.InspectHpkeCiphertext},
	} {
		for _, auto := range []string{core.InspectAuto, ""} {
			t.Run("auto/"+tt.name+"/"+auto, func(t *testing.T) {
				v, err := core.Inspect(auto, tt.b)
				if err != nil {
					t.Fatal(err)
				}
				if v["kind"] != tt.kind {
					t.Fatalf("detected %v, want %v", v["kind"], tt.kind)
				}
				direct, err := core.Inspect(tt.kind, tt.b)
				if err != nil || !reflect.DeepEqual(v, direct) {
					t.Fatalf("auto and explicit %s differ", tt.kind)
				}
			})
		}
	}
}

func TestInspectRejects(t *testing.T) {
	f := newFixture(t)
	kinds := []string{
		core.InspectAuto, core.InspectWelcomeMessage, core.InspectWelcomeMessageInput, core.InspectWelcomePointer,
		core.InspectHpkeCiphertext, core.InspectWrapperEncryption, core.InspectAEADTypes, core.InspectWelcomeMetadata,
	}
	for _, kind := range kinds {
		for _, g := range []struct {
			name string
			b    []byte
		}{
			{"ff", []byte{0xff}},
			{"truncated", []byte{0x0a, 0x05, 0x01}},
			{"bad wire type", []byte{0x0f}},
			{"end group", []byte{0x0c}},
		} {
			t.Run(kind+"/"+g.name, func(t *testing.T) {
				v, err := core.Inspect(kind, g.b)
				checkErr(t, err, core.ErrMalformed)
				if v != nil {
					t.Fatal("a result was returned with the error")
				}
			})
		}
	}
	for _, tt := range []struct {
		name string
		kind string
		b    []byte
		want error
	}{
		{"unknown kind", "welcome", f.pointerMsg, core.ErrInvalidArgument},
		{"kind in other case", "WELCOME_MESSAGE", f.pointerMsg, core.ErrInvalidArgument},
		{"unknown kind on garbage", "nope", []byte{0xff}, core.ErrInvalidArgument},
		{"oversized", core.InspectAuto, make([]byte, core.DefaultMaxMessageSize+1), core.ErrTooLarge},
		{"auto on text", core.InspectAuto, []byte("hello, world"), core.ErrMalformed},
		{"auto on empty", core.InspectAuto, nil, core.ErrMalformed},
		{"message form as input", core.InspectWelcomeMessageInput, f.pointerMsg, core.ErrMalformed},
		{"input form as message", core.InspectWelcomeMessage, f.curveIn, core.ErrMalformed},
		{"welcome pointer with AEAD type 9", core.InspectWelcomePointer, f.pointerPlain(t, func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = 9 }), core.ErrUnsupported},
		{"pointer input breaking node rules", core.InspectWelcomeMessageInput,
			editInput(t, f.pointerIn, func(m *mlsv1.WelcomeMessageInput) { m.GetWelcomePointer().WrapperAlgorithm = 1 }), core.ErrUnsupported},
		{"V1 with wrapper algorithm 7", core.InspectWelcomeMessage,
			editMessage(t, f.curveMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WrapperAlgorithm = 7 }), core.ErrMalformed},
		{"HPKE ciphertext with a 33-byte kem_output", core.InspectHpkeCiphertext, hpkeCiphertext(make([]byte, 33), make([]byte, 16)), core.ErrMalformed},
		{"HPKE ciphertext with trailing bytes", core.InspectHpkeCiphertext, append(hpkeCiphertext(make([]byte, 32), make([]byte, 16)), 0), core.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := core.Inspect(tt.kind, tt.b)
			checkErr(t, err, tt.want)
			if v != nil {
				t.Fatal("a result was returned with the error")
			}
		})
	}
	t.Run("nothing is decrypted", func(t *testing.T) {
		v, err := core.Inspect(core.InspectWelcomeMessage, f.pointeeMsg)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(v)
		if bytes.Contains(js, []byte(hex.EncodeToString(f.welcome[4:20]))) {
			t.Fatal("Inspect shows the welcome plaintext")
		}
	})
}
