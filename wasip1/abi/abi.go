// Package abi is the memory ABI of the wasip1 reactor build
// (wasip1/ABI.md): its status codes, the names of its exports, and the
// length-prefixed encoding of requests and results. The reactor
// (package main in wasip1/) and the Go host over wazero (wasmtest/host)
// both use it, so the two sides cannot drift apart; the host's tests also
// check hand-written bytes against ABI.md.
//
// The package is plain Go and builds for every target.
package abi

import (
	"errors"
	"fmt"

	"github.com/welcome-pointers/wasm/core"
)

// Version is the ABI version returned by the wp_abi_version export. It
// changes whenever an export, a request or a result layout changes
// incompatibly.
const Version = 1

// MaxAlloc is the largest buffer wp_alloc hands out: the network's 25 MiB
// cap on a message, plus room for the request's other fields.
const MaxAlloc = 64 << 20

// ResultHeaderSize is the size of a result block's header: u32 status,
// u32 payload length.
const ResultHeaderSize = 8

// Export names.
const (
	ExportAlloc               = "wp_alloc"
	ExportFree                = "wp_free"
	ExportABIVersion          = "wp_abi_version"
	ExportLiveBlocks          = "wp_live_blocks"
	ExportVersion             = "wp_version"
	ExportGenerateKey         = "wp_generate_key"
	ExportInstallationFromExt = "wp_installation_from_extensions"
	ExportSealInvite          = "wp_seal_invite"
	ExportOpenWelcome         = "wp_open_welcome"
	ExportOpenPointee         = "wp_open_pointee"
	ExportInspect             = "wp_inspect"
	ExportToWelcomeMessage    = "wp_to_welcome_message"
	ExportClearKeyCache       = "wp_clear_key_cache"
	StartFunction             = "_initialize"
)

// RequestExports are the operation exports with the signature
// (in_ptr i32, in_len i32) -> result_ptr i32, in the order of ABI.md.
var RequestExports = []string{
	ExportGenerateKey,
	ExportInstallationFromExt,
	ExportSealInvite,
	ExportOpenWelcome,
	ExportOpenPointee,
	ExportInspect,
	ExportToWelcomeMessage,
}

// Form says which protobuf a message to open is encoded as.
const (
	// FormMessage is an xmtp.mls.api.v1.WelcomeMessage, as read back
	// from the network.
	FormMessage = 0
	// FormInput is an xmtp.mls.api.v1.WelcomeMessageInput, as published.
	FormInput = 1
)

// Code is a result status. The numbers are stable: hosts in any language
// compare against them.
type Code uint32

const (
	OK                Code = 0
	Malformed         Code = 1  // core.ErrMalformed
	Decrypt           Code = 2  // core.ErrDecrypt
	NoMatchingKey     Code = 3  // core.ErrNoMatchingKey
	Unsupported       Code = 4  // core.ErrUnsupported
	NotPointee        Code = 5  // core.ErrNotPointee
	TooLarge          Code = 6  // core.ErrTooLarge
	InvalidKey        Code = 7  // core.ErrInvalidKey
	Argument          Code = 8  // core.ErrInvalidArgument, and requests that do not decode
	Internal          Code = 9  // ErrInternal: a recovered panic or an unclassified error
	Expired           Code = 10 // core.ErrExpired (no current export returns it)
	AttemptsExhausted Code = 11 // core.ErrAttemptsExhausted (no current export returns it)
)

// ErrInternal is the sentinel for Internal: the module recovered from a
// panic or met an error that wraps no core sentinel.
var ErrInternal = errors.New("welcome pointers: internal error in the module")

var sentinels = []struct {
	code Code
	err  error
}{
	{Malformed, core.ErrMalformed},
	{Decrypt, core.ErrDecrypt},
	{NoMatchingKey, core.ErrNoMatchingKey},
	{Unsupported, core.ErrUnsupported},
	{NotPointee, core.ErrNotPointee},
	{TooLarge, core.ErrTooLarge},
	{InvalidKey, core.ErrInvalidKey},
	{Argument, core.ErrInvalidArgument},
	{Internal, ErrInternal},
	{Expired, core.ErrExpired},
	{AttemptsExhausted, core.ErrAttemptsExhausted},
}

// CodeOf maps an error to its status: the code of the first core
// sentinel it wraps, Internal for any other error, OK for nil.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	return Internal
}

// Sentinel returns the sentinel error of a non-OK code: a core sentinel,
// ErrInternal, or nil for OK and for codes this version does not know.
func (c Code) Sentinel() error {
	for _, s := range sentinels {
		if s.code == c {
			return s.err
		}
	}
	return nil
}

func (c Code) String() string {
	switch c {
	case OK:
		return "OK"
	case Malformed:
		return "MALFORMED"
	case Decrypt:
		return "DECRYPT"
	case NoMatchingKey:
		return "NO_MATCHING_KEY"
	case Unsupported:
		return "UNSUPPORTED"
	case NotPointee:
		return "NOT_POINTEE"
	case TooLarge:
		return "TOO_LARGE"
	case InvalidKey:
		return "INVALID_KEY"
	case Argument:
		return "ARGUMENT"
	case Internal:
		return "INTERNAL"
	case Expired:
		return "EXPIRED"
	case AttemptsExhausted:
		return "ATTEMPTS_EXHAUSTED"
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
