package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// These tests run the operations natively, through call(): the same code
// the exports run, minus the pointer handling (wasmtest/host drives the
// real exports in wazero).

func mustCall(t *testing.T, export string, r interface{ Encode(*abi.Encoder) }) []byte {
	t.Helper()
	e := abi.NewEncoder(0, 0)
	r.Encode(e)
	code, payload := split(call(export, e.Bytes()))
	if code != abi.OK {
		t.Fatalf("%s: %v: %s", export, code, payload)
	}
	return payload
}

func split(block []byte) (abi.Code, []byte) {
	code, n := abi.ParseHeader(block)
	if int(n) != len(block)-abi.ResultHeaderSize {
		panic("result header length does not match the block")
	}
	return code, block[abi.ResultHeaderSize:]
}

func TestFlowNative(t *testing.T) {
	var ks []abi.Key
	var ins []core.Installation
	for i := range 4 {
		k, err := abi.DecodeKeyResult(mustCall(t, abi.ExportGenerateKey, &abi.GenerateKeyRequest{Algorithm: core.AlgorithmXWing}))
		if err != nil {
			t.Fatal(err)
		}
		ff03, err := core.EncodeWrapperEncryption(k.PublicKey, core.AlgorithmXWing)
		if err != nil {
			t.Fatal(err)
		}
		res, err := abi.DecodeInstallationResult(mustCall(t, abi.ExportInstallationFromExt, &abi.InstallationFromExtensionsRequest{
			InstallationKey: []byte{byte(i + 1)}, WrapperEncryption: ff03, PointeeAEADTypes: []byte{0x0a, 0x01, 0x03},
		}))
		if err != nil || !res.PointerCapable {
			t.Fatalf("installation %d: %v, capable %v", i, err, res.PointerCapable)
		}
		ks, ins = append(ks, k), append(ins, res.Installation)
	}
	welcome := []byte{0, 1, 0, 3, 4, 5, 6}
	inv, err := abi.DecodeInvite(mustCall(t, abi.ExportSealInvite, &abi.SealInviteRequest{Welcome: welcome, Cursor: 77, Installations: ins}))
	if err != nil {
		t.Fatal(err)
	}
	if p, d := inv.Counts(); p != 4 || d != 0 {
		t.Fatalf("%d pointers, %d direct", p, d)
	}
	deliver := func(input []byte) []byte {
		msg, err := abi.DecodeBlobResult(mustCall(t, abi.ExportToWelcomeMessage, &abi.ToWelcomeMessageRequest{Input: input, ID: 1, CreatedNs: 2}), "message")
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	pointee := deliver(inv.Messages[0].Message)
	rec, err := abi.DecodeReceived(mustCall(t, abi.ExportOpenWelcome, &abi.OpenWelcomeRequest{Message: deliver(inv.Messages[2].Message), Keys: ks}))
	if err != nil || rec.Kind != core.KindPointer || !bytes.Equal(rec.Destination, inv.Destination) {
		t.Fatalf("open welcome: %v %v", err, rec.Kind)
	}
	p, err := abi.DecodePointee(mustCall(t, abi.ExportOpenPointee, &abi.OpenPointeeRequest{Pointer: rec.Pointer, FirstMessage: pointee}))
	if err != nil || !bytes.Equal(p.Welcome, welcome) || p.Cursor != 77 {
		t.Fatalf("open pointee: %v", err)
	}
	j, err := abi.DecodeStringResult(mustCall(t, abi.ExportInspect, &abi.InspectRequest{Message: pointee}), "json")
	if err != nil || !strings.Contains(j, `"kind":"welcome_message"`) {
		t.Fatalf("inspect: %v %s", err, j)
	}
}

func TestErrorsNative(t *testing.T) {
	code, msg := split(call(abi.ExportOpenWelcome, []byte{1}))
	if code != abi.Argument || !strings.Contains(string(msg), "wp_open_welcome request") {
		t.Fatalf("truncated request: %v %s", code, msg)
	}
	code, msg = split(call("wp_nope", nil))
	if code != abi.Internal || !strings.Contains(string(msg), "no such operation") {
		t.Fatalf("unknown operation: %v %s", code, msg)
	}
	e := abi.NewEncoder(0, 0)
	(&abi.OpenWelcomeRequest{Form: 7, Message: []byte{1}}).Encode(e)
	if code, _ := split(call(abi.ExportOpenWelcome, e.Bytes())); code != abi.Argument {
		t.Fatalf("form 7: %v", code)
	}
	if code, msg := split(versionBlock()); code != abi.OK || !bytes.Contains(msg, []byte(version)) {
		t.Fatalf("version: %v %s", code, msg)
	}
}

// TestPanicsBecomeInternal: a panic inside an operation is recovered and
// reported as status INTERNAL, never unwinds into the host.
func TestPanicsBecomeInternal(t *testing.T) {
	handlers["wp_test_panic"] = func([]byte, *abi.Encoder) error { panic("boom") }
	handlers["wp_test_error"] = func([]byte, *abi.Encoder) error { return errors.New("unclassified") }
	defer delete(handlers, "wp_test_panic")
	defer delete(handlers, "wp_test_error")
	code, msg := split(call("wp_test_panic", nil))
	if code != abi.Internal || !strings.Contains(string(msg), "panic: boom") {
		t.Fatalf("panic: %v %s", code, msg)
	}
	code, msg = split(call("wp_test_error", nil))
	if code != abi.Internal || string(msg) != "unclassified" {
		t.Fatalf("unclassified error: %v %s", code, msg)
	}
}

// FuzzCall: no request makes an operation panic or report INTERNAL. The
// seeds run in every `go test`; `go test -fuzz=FuzzCall ./wasip1` digs
// further.
func FuzzCall(f *testing.F) {
	for i := range abi.RequestExports {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte{0xff, 0xff, 0xff, 0xff})
		f.Add(uint8(i), []byte{2, 0, 0, 0})
		f.Add(uint8(i), []byte{0, 1, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0})
	}
	f.Fuzz(func(t *testing.T, which uint8, req []byte) {
		export := abi.RequestExports[int(which)%len(abi.RequestExports)]
		block := call(export, req)
		code, n := abi.ParseHeader(block)
		if int(n) != len(block)-abi.ResultHeaderSize {
			t.Fatalf("%s: header says %d payload bytes, block has %d", export, n, len(block)-abi.ResultHeaderSize)
		}
		if code == abi.Internal {
			t.Fatalf("%s(%x): INTERNAL: %s", export, req, block[abi.ResultHeaderSize:])
		}
	})
}
