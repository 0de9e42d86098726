package ops

import (
	"context"
	"errors"
	"strings"

	"github.com/welcome-pointers/wasm/core"
)

// A Code is a stable error code. Its name is what the JS package reports
// (WelcomePointersError.code), its status what the wasip1 ABI returns,
// its Err the Go error it stands for. A code never changes meaning once
// released. js/src/codes.js, the ErrorCode part of js/index.d.ts, the
// status table of wasip1/ABI.md and wasip1/abi's constants are generated
// from Codes (internal/ops/gen).
type Code struct {
	// Name is ERR_ and the code's name in capitals.
	Name string
	// Status is the ABI's number for the code; 0 for the codes only the
	// JS package reports (the module never returns them).
	Status uint32
	// Err is what errors.Is finds in an error of this code: a sentinel
	// of core/errors.go, ErrInternal, a context error; nil for the codes
	// of the JS package alone.
	Err error
	// Doc says when the code is reported.
	Doc string
}

// ErrInternal is a bug: a recovered panic, or an error that wraps none of
// the codes' errors.
var ErrInternal = errors.New("welcome pointers: internal error")

// Codes is every error code, the module's first (by status), then the
// JS package's.
var Codes = []Code{
	{"ERR_MALFORMED", 1, core.ErrMalformed, "Bytes that are not a well-formed message of the expected kind."},
	{"ERR_DECRYPT", 2, core.ErrDecrypt, "A ciphertext did not open (one code for every decryption failure). Final for a pending pointer."},
	{"ERR_NO_MATCHING_KEY", 3, core.ErrNoMatchingKey, "The message is not addressed to any of the given keys."},
	{"ERR_UNSUPPORTED", 4, core.ErrUnsupported, "An algorithm, AEAD type or KEM id this package does not implement."},
	{"ERR_NOT_POINTEE", 5, core.ErrNotPointee, "The first message on a pointer's topic is not its pointee. Final."},
	{"ERR_TOO_LARGE", 6, core.ErrTooLarge, "A message or argument over its size limit, refused before decryption (a seal: before encryption). Final for a pending pointer."},
	{"ERR_INVALID_KEY", 7, core.ErrInvalidKey, "A key of the wrong size, failing validation, or protecting nothing (low-order X25519, all-zero X-Wing)."},
	{"ERR_ARGUMENT", 8, core.ErrInvalidArgument, "A wrong type, a missing value, a number out of range, an unknown option, a getter or Proxy that throws, a detached or shared buffer; in the ABI, a request that does not decode or a bad in_ptr or in_len."},
	{"ERR_INTERNAL", 9, ErrInternal, "A bug: a recovered Go panic; or the Go runtime stopped (\"the WebAssembly module stopped; reload it\": every call fails so until init() loaded a fresh instance)."},
	{"ERR_EXPIRED", 10, core.ErrExpired, "A pending pointer passed its expiry."},
	{"ERR_ATTEMPTS_EXHAUSTED", 11, core.ErrAttemptsExhausted, "A pending pointer used up its attempts."},
	{"ERR_ABORTED", 12, context.Canceled, "A seal or a transport call was aborted through its signal."},
	{"ERR_TIMEOUT", 13, context.DeadlineExceeded, "fetchFirstMessage, a transport call (or DEADLINE_EXCEEDED) or the app's welcome handler did not settle in time."},
	{"ERR_NOT_INITIALIZED", 0, nil, "A function was called before init() resolved."},
	{"ERR_ALREADY_INITIALIZED", 0, nil, "init() was called again with a different module."},
	{"ERR_VERSION_MISMATCH", 0, nil, "The WASM module and this package are different versions (or wasm_exec.js is from another Go)."},
	{"ERR_LOAD", 0, nil, "The WASM module could not be fetched, read or compiled, or a sealing worker did not start."},
	{"ERR_FETCH", 0, nil, "fetchFirstMessage threw or returned something that is not bytes; a transport call got no valid answer or a non-OK gRPC status."},
	{"ERR_NOT_FOUND", 0, nil, "No message on the pointer's topic yet (a pending pointer's lastError, never thrown)."},
	{"ERR_REJECTED", 0, nil, "The app did not accept a delivered welcome (its handler threw or it called reject())."},
	{"ERR_STORE", 0, nil, "IndexedDB failed."},
	{"ERR_CORRUPT_RECORD", 0, nil, "A stored record could not be read back; it was quarantined."},
	{"ERR_CLOSED", 0, nil, "The resolver or store was closed, or the database cannot be reopened."},
	{"ERR_CAPACITY", 0, nil, "The pending store was full: the oldest record was evicted (reported, never thrown)."},
	{"ERR_RATE_LIMITED", 0, nil, "The fetch budget per hour is used up: the attempt waits (a pending outcome, never thrown)."},
}

// CodeOf returns the code of err: the first code whose Err it wraps, or
// ERR_INTERNAL. nil has none (the zero Code).
func CodeOf(err error) Code {
	if err == nil {
		return Code{}
	}
	for _, c := range Codes {
		if c.Err != nil && errors.Is(err, c.Err) {
			return c
		}
	}
	return internalCode
}

var internalCode, _ = CodeNamed("ERR_INTERNAL")

// CodeNamed returns the code of a name, and whether there is one.
func CodeNamed(name string) (Code, bool) {
	for _, c := range Codes {
		if c.Name == name {
			return c, true
		}
	}
	return Code{}, false
}

// CodeOfStatus returns the code of an ABI status, and whether there is
// one (0 is none).
func CodeOfStatus(status uint32) (Code, bool) {
	for _, c := range Codes {
		if status != 0 && c.Status == status {
			return c, true
		}
	}
	return Code{}, false
}

// Detail is err's message without what its code already says: without
// the "welcome pointers: " prefix and its code's error text. It is what a
// page shows after its own words for the code.
func Detail(err error) string {
	msg := err.Error()
	if e := CodeOf(err).Err; e != nil {
		text := e.Error()
		if m, ok := strings.CutSuffix(msg, ": "+text); ok {
			msg = m
		} else if m, ok := strings.CutSuffix(msg, text); ok {
			msg = m
		} else {
			msg = strings.Replace(msg, text+": ", "", 1)
		}
	}
	msg = strings.ReplaceAll(msg, "welcome pointers: ", "")
	return strings.TrimSuffix(msg, ": ")
}
