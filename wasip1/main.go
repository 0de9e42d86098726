// Command wasip1 is the wasip1 reactor build of the welcome pointers core:
// a WebAssembly module with no main loop whose exports (//go:wasmexport)
// are the operations of internal/ops, for a WASI preview 1 host (tested
// with wazero). Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o welcome-pointers.wasm ./wasip1
//
// (./build.sh wasip1 does this). The memory ABI, the request and result
// layouts and the status codes are in ABI.md beside this file; package
// abi translates the operations' fields to and from them; wasip1/host is
// a Go host over wazero.
//
// This file runs the operations and builds on every target, so its tests
// run natively too; exports_wasip1.go holds the allocator and
// exports_gen_wasip1.go the exports (generated from the table).
package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/welcome-pointers/wasm/internal/ops"
	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// version is set at link time: -ldflags="-X main.version=...".
var version = "dev"

// main does nothing: a reactor is driven through its exports, after the
// host has called _initialize.
func main() {}

// byExport finds each operation by its export.
var byExport = func() map[string]ops.Op {
	m := make(map[string]ops.Op, len(ops.Exported(ops.ABI)))
	for _, op := range ops.Exported(ops.ABI) {
		m[op.Info().Export] = op
	}
	return m
}()

// call runs one operation and returns its whole result block: the 8-byte
// header, then the result fields (status OK) or a UTF-8 error message.
// It never panics: a panic in the operation becomes status Internal.
func call(export string, req []byte) (block []byte) {
	defer func() {
		if r := recover(); r != nil {
			block = errorBlock(abi.Internal, fmt.Sprintf("%s: panic: %v\n%s", export, r, debug.Stack()))
		}
	}()
	op, ok := byExport[export]
	if !ok {
		return errorBlock(abi.Internal, export+": no such operation")
	}
	c := op.New()
	in := abi.NewReader(req)
	c.Args(in)
	if err := in.Finish(); err != nil {
		return errorBlock(abi.Argument, fmt.Sprintf("%v: %s request: %v", abi.Argument.Sentinel(), export, err))
	}
	if err := c.Run(ops.Env{Context: context.Background()}); err != nil {
		return errorBlock(abi.CodeOf(err), err.Error())
	}
	e := abi.NewEncoder(abi.ResultHeaderSize, 256)
	c.Result(abi.NewWriter(e))
	e.PutHeader(abi.OK)
	return e.Bytes()
}

// errorBlock is a result block with a non-OK status and a UTF-8 message.
func errorBlock(code abi.Code, msg string) []byte {
	out := abi.NewEncoder(abi.ResultHeaderSize, len(msg))
	out.Raw([]byte(msg))
	out.PutHeader(code)
	return out.Bytes()
}

// versionBlock is the result block of wp_version: str version.
func versionBlock() []byte {
	out := abi.NewEncoder(abi.ResultHeaderSize, len(version)+4)
	out.String(version)
	out.PutHeader(abi.OK)
	return out.Bytes()
}

// runPlain runs an operation without request or result (Info.Plain) and
// returns its status.
func runPlain(export string) (code abi.Code) {
	defer func() {
		if recover() != nil {
			code = abi.Internal
		}
	}()
	op, ok := byExport[export]
	if !ok || !op.Info().Plain {
		return abi.Internal
	}
	return abi.CodeOf(op.New().Run(ops.Env{Context: context.Background()}))
}
