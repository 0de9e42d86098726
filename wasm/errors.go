//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
)

// The codes of the bridge's own errors; the core's sentinels have theirs
// from core.Code. The JS side documents them in index.d.ts; a code never
// changes meaning once released.
const (
	codeArgument = "ERR_ARGUMENT"
	codeTooLarge = "ERR_TOO_LARGE"
	codeAborted  = "ERR_ABORTED"
	codeInternal = "ERR_INTERNAL"
)

// bridgeError is an error raised by the bridge itself (argument checks,
// aborts, panics) with its code.
type bridgeError struct {
	code string
	msg  string
}

func (e *bridgeError) Error() string { return e.msg }

// argError reports a bad argument: a wrong type, a missing value or a
// number out of range.
func argError(format string, a ...any) error {
	return &bridgeError{code: codeArgument, msg: "welcome pointers: " + fmt.Sprintf(format, a...)}
}

// tooLarge reports a byte argument over its cap, before it is copied.
func tooLarge(name string, n, max int) error {
	return &bridgeError{code: codeTooLarge, msg: fmt.Sprintf("welcome pointers: %s of %d bytes exceeds %d", name, n, max)}
}

// errorCode returns the stable code for err.
func errorCode(err error) string {
	var be *bridgeError
	if errors.As(err, &be) {
		return be.code
	}
	if code := core.Code(err); code != "" {
		return code
	}
	return codeInternal
}

// errorClass constructs the JS errors; setErrorClass replaces it with
// the package's WelcomePointersError (constructor(code, message)).
var errorClass js.Value

// newJSError builds the JS error for err: an instance of errorClass with
// a stable code. Messages never carry secrets (the core's errors do not).
func newJSError(err error) js.Value {
	return makeJSError(errorCode(err), err.Error())
}

func makeJSError(code, msg string) js.Value {
	if !errorClass.IsUndefined() && !errorClass.IsNull() {
		if v, ok := tryNew(errorClass, code, msg); ok {
			return v
		}
	}
	e := js.Global().Get("Error").New(msg)
	e.Set("code", code)
	e.Set("name", "WelcomePointersError")
	return e
}

// tryNew calls new cls(code, msg), reporting a constructor that throws.
// The instance is read and written through Reflect (guarded calls): an
// error class set through the namespace may be anything.
func tryNew(cls js.Value, code, msg string) (v js.Value, ok bool) {
	ok = protect(func() {
		v = cls.New(code, msg)
		if reflectGet.Invoke(v, "code").IsUndefined() {
			reflect.Call("set", v, "code", code)
		}
	})
	return v, ok
}

// panicError turns a recovered panic into an ERR_INTERNAL error. The
// stack goes to the console (it holds no argument values), the message
// to the caller.
func panicError(r any) error {
	if be, ok := r.(*bridgeError); ok {
		return be
	}
	println("welcome pointers: recovered panic:", fmt.Sprint(r))
	if debugStacks {
		println(string(debug.Stack()))
	}
	return &bridgeError{code: codeInternal, msg: fmt.Sprintf("welcome pointers: internal error: %v", r)}
}

// debugStacks prints the stack of recovered panics; tests turn it on.
var debugStacks = false

// unsupported reports an enum value this package does not implement.
func unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrUnsupported}, a...)...)
}

func itoa(i int) string { return fmt.Sprint(i) }
