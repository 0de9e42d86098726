package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// These tests run the operations natively, through call(): the same code
// the exports run, minus the pointer handling (wasip1/host drives the
// real exports in wazero).

// run calls operation d with arguments a, as a host would.
func run[A, R any](t *testing.T, d *ops.Def[A, R], a A) R {
	t.Helper()
	e := abi.NewEncoder(0, 0)
	d.Args(abi.NewWriter(e), &a)
	code, payload := split(call(d.Info().Export, e.Bytes()))
	if code != abi.OK {
		t.Fatalf("%s: %v: %s", d.Info().Export, code, payload)
	}
	var r R
	in := abi.NewReader(payload)
	d.Result(in, &r)
	if err := in.Finish(); err != nil {
		t.Fatalf("%s: result: %v", d.Info().Export, err)
	}
	return r
}

func split(block []byte) (abi.Code, []byte) {
	code, n := abi.ParseHeader(block)
	if int(n) != len(block)-abi.ResultHeaderSize {
		panic("result header length does not match the block")
	}
	return code, block[abi.ResultHeaderSize:]
}

func TestFlowNative(t *testing.T) {
	var ks []ops.Key
	var ins []core.Installation
	for i := range 4 {
		k := run(t, ops.GenerateKey, core.AlgorithmXWing)
		ff03 := run(t, ops.EncodeWrapperEncryption, ops.PublicKeyArgs{Algorithm: k.Algorithm, PublicKey: k.PublicKey})
		res := run(t, ops.InstallationFromExtensions, ops.KeyPackageFields{
			InstallationKey: []byte{byte(i + 1)}, WrapperEncryption: ff03, PointeeAEADTypes: []byte{0x0a, 0x01, 0x03},
		})
		if !res.PointerCapable {
			t.Fatalf("installation %d is not pointer-capable", i)
		}
		ks, ins = append(ks, k), append(ins, res.Installation)
	}
	welcome := []byte{0, 1, 0, 3, 4, 5, 6}
	inv := run(t, ops.SealInvite, ops.SealArgs{Welcome: welcome, Cursor: 77, Installations: ins})
	if p, d := inv.Counts(); p != 4 || d != 0 {
		t.Fatalf("%d pointers, %d direct", p, d)
	}
	deliver := func(input []byte) []byte {
		return run(t, ops.ToWelcomeMessage, ops.PublishedArgs{Input: input, ID: 1, CreatedNs: 2})
	}
	pointee := deliver(inv.Messages[0].Message)
	rec := run(t, ops.OpenWelcome, ops.OpenWelcomeArgs{Message: deliver(inv.Messages[2].Message), Keys: ks})
	if rec.Kind != core.KindPointer || rec.Pointer == nil || !bytes.Equal(rec.Pointer.Destination, inv.Destination) {
		t.Fatalf("open welcome: %v %v", rec.Kind, rec.Pointer)
	}
	p := run(t, ops.OpenPointee, ops.OpenPointeeArgs{Pointer: rec.Pointer.Marshal(), FirstMessage: pointee})
	if !bytes.Equal(p.Welcome, welcome) || p.Cursor != 77 {
		t.Fatalf("open pointee: %x %d", p.Welcome, p.Cursor)
	}
	j := run(t, ops.Inspect, ops.InspectArgs{Input: pointee})
	if j["kind"] != "welcome_message" {
		t.Fatalf("inspect: %v", j)
	}
}

func TestErrorsNative(t *testing.T) {
	code, msg := split(call(ops.OpenWelcome.Info().Export, []byte{1}))
	if code != abi.Argument || !strings.Contains(string(msg), "wp_open_welcome request") {
		t.Fatalf("truncated request: %v %s", code, msg)
	}
	code, msg = split(call("wp_nope", nil))
	if code != abi.Internal || !strings.Contains(string(msg), "no such operation") {
		t.Fatalf("unknown operation: %v %s", code, msg)
	}
	e := abi.NewEncoder(0, 0)
	ops.OpenWelcome.Args(abi.NewWriter(e), &ops.OpenWelcomeArgs{Options: core.OpenOptions{Form: 7}, Message: []byte{1}})
	if code, _ := split(call(ops.OpenWelcome.Info().Export, e.Bytes())); code != abi.Argument {
		t.Fatalf("form 7: %v", code)
	}
	if code, msg := split(versionBlock()); code != abi.OK || !bytes.Contains(msg, []byte(version)) {
		t.Fatalf("version: %v %s", code, msg)
	}
	if code := runPlain(ops.ClearKeyCache.Info().Export); code != abi.OK {
		t.Fatalf("clear key cache: %v", code)
	}
	if code := runPlain(ops.GenerateKey.Info().Export); code != abi.Internal {
		t.Fatalf("a request operation run as plain: %v", code)
	}
}

// TestPanicsBecomeInternal: a panic inside an operation is recovered and
// reported as status INTERNAL, never unwinds into the host.
func TestPanicsBecomeInternal(t *testing.T) {
	byExport["wp_test_panic"] = ops.Define(ops.Info{Export: "wp_test_panic"}, func(ops.Fields, *ops.None) {}, func(ops.Fields, *ops.None) {},
		func(ops.Env, *ops.None, *ops.None) error { panic("boom") })
	byExport["wp_test_error"] = ops.Define(ops.Info{Export: "wp_test_error"}, func(ops.Fields, *ops.None) {}, func(ops.Fields, *ops.None) {},
		func(ops.Env, *ops.None, *ops.None) error { return errors.New("unclassified") })
	defer delete(byExport, "wp_test_panic")
	defer delete(byExport, "wp_test_error")
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
	for i := range ops.Exported(ops.ABI) {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte{0xff, 0xff, 0xff, 0xff})
		f.Add(uint8(i), []byte{2, 0, 0, 0})
		f.Add(uint8(i), []byte{0, 1, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0})
	}
	f.Fuzz(func(t *testing.T, which uint8, req []byte) {
		abiOps := ops.Exported(ops.ABI)
		op := abiOps[int(which)%len(abiOps)]
		if op.Info().Plain {
			return
		}
		export := op.Info().Export
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
