// Package abi is the memory ABI of the wasip1 reactor build
// (wasip1/ABI.md): its status codes, the exports that are not operations,
// the length-prefixed encoding of requests and results, and the
// translation of each operation's fields (internal/ops) to and from it.
// The reactor (package main in wasip1/) and the Go host over wazero
// (wasip1/host) both use it, so the two sides cannot drift apart.
//
// The package is plain Go and builds for every target.
package abi

import (
	"fmt"
	"strings"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// Version is the ABI version returned by the wp_abi_version export. It
// changes whenever an export, a request or a result layout changes
// incompatibly; new operations and new status codes do not change it.
const Version = 1

// MaxAlloc is the largest buffer wp_alloc hands out: the network's 25 MiB
// cap on a message, plus room for the request's other fields.
const MaxAlloc = 64 << 20

// ResultHeaderSize is the size of a result block's header: u32 status,
// u32 payload length.
const ResultHeaderSize = 8

// The exports that are not operations (the operations' are
// ops.Table's Export names).
const (
	ExportAlloc      = "wp_alloc"
	ExportFree       = "wp_free"
	ExportABIVersion = "wp_abi_version"
	ExportLiveBlocks = "wp_live_blocks"
	ExportVersion    = "wp_version"
	StartFunction    = "_initialize"
)

// Code is a result status: the Status of an error code of ops.Codes
// (the constants are in codes_gen.go). The numbers are stable: hosts in
// any language compare against them.
type Code uint32

// ErrInternal is the error of Internal: the module recovered from a
// panic or met an error that wraps none of the codes' errors.
var ErrInternal = ops.ErrInternal

// CodeOf maps an error to its status: the status of its code
// (ops.CodeOf), Internal for an error of no code, OK for nil.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	return Code(ops.CodeOf(err).Status)
}

// Sentinel returns the error a non-OK code stands for (a core sentinel,
// ErrInternal, a context error), or nil for OK and for codes this version
// does not know.
func (c Code) Sentinel() error {
	if oc, ok := ops.CodeOfStatus(uint32(c)); ok {
		return oc.Err
	}
	return nil
}

func (c Code) String() string {
	if c == OK {
		return "OK"
	}
	if oc, ok := ops.CodeOfStatus(uint32(c)); ok {
		return strings.TrimPrefix(oc.Name, "ERR_")
	}
	return fmt.Sprintf("Code(%d)", uint32(c))
}

// Error is a non-OK result of an export, as a Go error. It wraps the
// code's sentinel, so errors.Is(err, core.ErrDecrypt) and the like work.
type Error struct {
	Export  string // the export that returned it
	Code    Code
	Message string // the module's message (core error text)
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		if s := e.Code.Sentinel(); s != nil {
			msg = s.Error()
		} else {
			msg = "unknown error"
		}
	}
	return fmt.Sprintf("%s: %s (%v)", e.Export, msg, e.Code)
}

// Unwrap returns the code's sentinel.
func (e *Error) Unwrap() error { return e.Code.Sentinel() }
