package core

import "errors"

// Sentinel errors. Returned errors wrap exactly one of them, with detail
// added where the detail is not secret. Their stable codes (ERR_MALFORMED
// for ErrMalformed...), as the JS package and the wasip1 ABI report them,
// are in internal/ops/codes.go.
var (
	// ErrMalformed: the bytes are not a well-formed message of the
	// expected kind (truncated, garbage, wrong lengths, unknown version).
	ErrMalformed = errors.New("welcome pointers: malformed message")
	// ErrDecrypt: a ciphertext did not open. Every decryption failure is
	// this one error, with no detail, so failures cannot be told apart.
	ErrDecrypt = errors.New("welcome pointers: decryption failed")
	// ErrNoMatchingKey: the message is not addressed to any of the given keys.
	ErrNoMatchingKey = errors.New("welcome pointers: not addressed to these keys")
	// ErrUnsupported: an algorithm, AEAD type or KEM id this package does
	// not implement.
	ErrUnsupported = errors.New("welcome pointers: unsupported algorithm")
	// ErrNotPointee: the first message on a pointer's topic is not a
	// pointee (for example it is another pointer). Final: not worth retrying.
	ErrNotPointee = errors.New("welcome pointers: not a pointee")
	// ErrTooLarge: a message exceeds the size limit and was refused before
	// any decryption.
	ErrTooLarge = errors.New("welcome pointers: message too large")
	// ErrInvalidKey: a public or private key of the wrong size, or one that
	// fails validation.
	ErrInvalidKey = errors.New("welcome pointers: invalid key")
	// ErrInvalidArgument: a caller-supplied argument is out of range or
	// missing (for example an empty installation key).
	ErrInvalidArgument = errors.New("welcome pointers: invalid argument")
	// ErrExpired: a pending pointer passed its expiry.
	ErrExpired = errors.New("welcome pointers: pending pointer expired")
	// ErrAttemptsExhausted: a pending pointer used up its retry attempts.
	ErrAttemptsExhausted = errors.New("welcome pointers: retry attempts exhausted")
)
