package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/wasip1/abi"
	"github.com/welcome-pointers/wasm/wasmtest/host"
)

// A module that breaks the ABI in every way the host must report, written
// out by hand (wasm binary format). Its memory is one 64 KiB page; at
// 2048 lies a result header claiming a 16 MiB payload.
//
//	wp_alloc                 returns 1024
//	wp_free                  returns 0
//	wp_abi_version           returns abi.Version
//	wp_live_blocks           returns 0
//	wp_version               returns 2048 (payload runs past memory)
//	wp_generate_key          traps (unreachable)
//	wp_seal_invite           returns 0xfffffff0 (outside memory)
//	wp_open_welcome          returns 2048 (payload runs past memory)
//	wp_open_pointee          returns 0 (no result block)
//	all other operations     trap
func brokenModule() []byte {
	const (
		typeI32I32 = 0 // (i32) -> i32
		typeVoid   = 1 // () -> i32
		typeOp     = 2 // (i32, i32) -> i32
		typeStart  = 3 // () -> ()
	)
	i32 := byte(0x7f)
	types := [][]byte{
		{0x60, 1, i32, 1, i32},
		{0x60, 0, 1, i32},
		{0x60, 2, i32, i32, 1, i32},
		{0x60, 0, 0},
	}
	constBody := func(v int32) []byte { return append(append([]byte{0, 0x41}, sleb(v)...), 0x0b) }
	trap := []byte{0, 0x00, 0x0b}
	type fn struct {
		name string
		typ  byte
		body []byte
	}
	fns := []fn{
		{abi.StartFunction, typeStart, []byte{0, 0x0b}},
		{abi.ExportAlloc, typeI32I32, constBody(1024)},
		{abi.ExportFree, typeI32I32, constBody(0)},
		{abi.ExportABIVersion, typeVoid, constBody(abi.Version)},
		{abi.ExportLiveBlocks, typeVoid, constBody(0)},
		{abi.ExportVersion, typeVoid, constBody(2048)},
		{abi.ExportClearKeyCache, typeVoid, constBody(0)},
	}
	for _, e := range abi.RequestExports {
		body := trap
		switch e {
		case abi.ExportSealInvite:
			body = constBody(-16)
		case abi.ExportOpenWelcome:
			body = constBody(2048)
		case abi.ExportOpenPointee:
			body = constBody(0)
		}
		fns = append(fns, fn{e, typeOp, body})
	}

	var typeSec, funcSec, exportSec, codeSec []byte
	typeSec = uleb(len(types))
	for _, t := range types {
		typeSec = append(typeSec, t...)
	}
	funcSec = uleb(len(fns))
	exportSec = uleb(len(fns) + 1)
	codeSec = uleb(len(fns))
	for i, f := range fns {
		funcSec = append(funcSec, f.typ)
		exportSec = append(exportSec, uleb(len(f.name))...)
		exportSec = append(exportSec, f.name...)
		exportSec = append(exportSec, 0x00)
		exportSec = append(exportSec, uleb(i)...)
		codeSec = append(codeSec, uleb(len(f.body))...)
		codeSec = append(codeSec, f.body...)
	}
	exportSec = append(exportSec, uleb(len("memory"))...)
	exportSec = append(exportSec, "memory"...)
	exportSec = append(exportSec, 0x02, 0x00)
	memSec := []byte{1, 0x00, 1} // one memory, min 1 page, no max
	header := []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0x00}
	dataSec := append([]byte{1, 0x00, 0x41}, sleb(2048)...)
	dataSec = append(dataSec, 0x0b)
	dataSec = append(dataSec, uleb(len(header))...)
	dataSec = append(dataSec, header...)

	mod := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	for _, s := range []struct {
		id   byte
		body []byte
	}{{1, typeSec}, {3, funcSec}, {5, memSec}, {7, exportSec}, {10, codeSec}, {11, dataSec}} {
		mod = append(mod, s.id)
		mod = append(mod, uleb(len(s.body))...)
		mod = append(mod, s.body...)
	}
	return mod
}

func uleb(v int) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

func sleb(v int32) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// TestHostReportsBrokenModules checks that the host turns a trap, a result
// block outside memory, an unreadable payload and a missing result block
// into errors that name the export, and refuses calls after a trap.
func TestHostReportsBrokenModules(t *testing.T) {
	ctx := context.Background()
	m, err := host.New(ctx, brokenModule())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)

	checkProto := func(export string, err error, want string) {
		t.Helper()
		var pe *host.ProtocolError
		if !errors.As(err, &pe) || pe.Export != export || !strings.Contains(err.Error(), export) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: got %v, want a ProtocolError naming %s and saying %q", export, err, export, want)
		}
	}
	_, err = m.Version(ctx)
	checkProto(abi.ExportVersion, err, "runs past")
	_, err = m.Call(ctx, abi.ExportSealInvite, []byte{1})
	checkProto(abi.ExportSealInvite, err, "outside")
	_, err = m.Call(ctx, abi.ExportOpenWelcome, []byte{1})
	checkProto(abi.ExportOpenWelcome, err, "runs past")
	_, err = m.Call(ctx, abi.ExportOpenPointee, []byte{1})
	checkProto(abi.ExportOpenPointee, err, "no result block")

	_, err = m.Call(ctx, abi.ExportGenerateKey, []byte{1, 0, 0, 0})
	var te *host.TrapError
	if !errors.As(err, &te) || te.Export != abi.ExportGenerateKey || !strings.Contains(err.Error(), "wp_generate_key trapped") {
		t.Fatalf("got %v, want a TrapError naming wp_generate_key", err)
	}
	_, err = m.Call(ctx, abi.ExportInspect, []byte{1})
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "unusable") {
		t.Fatalf("after a trap: got %v, want the module refused", err)
	}

	// A module without the reactor's exports is refused up front.
	_, err = host.New(ctx, []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00})
	if err == nil || !strings.Contains(err.Error(), "no export") {
		t.Fatalf("empty module: got %v, want a missing export named", err)
	}
}
