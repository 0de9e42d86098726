//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// Errors cross as instances of the package's WelcomePointersError (set
// by setErrorClass) with the stable code of ops.Codes, and a detail: the
// message without what the code says, for a page's own words.

// argError reports a bad argument: a wrong type, a missing value or a
// number out of range (ERR_ARGUMENT).
func argError(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrInvalidArgument}, a...)...)
}

// tooLarge reports a byte argument over its cap, before it is copied
// (ERR_TOO_LARGE).
func tooLarge(name string, n, max int) error {
	return fmt.Errorf("%w: %s of %d bytes exceeds %d", core.ErrTooLarge, name, n, max)
}

// errAborted is a seal aborted through options.signal before it began
// (ERR_ABORTED), as the core reports one aborted on the way.
var errAborted = fmt.Errorf("welcome pointers: sealing stopped: %w", context.Canceled)

// errorCode returns the stable code for err.
func errorCode(err error) string { return ops.CodeOf(err).Name }

// errorClass constructs the JS errors; setErrorClass replaces it with
// the package's WelcomePointersError (constructor(code, message, options)).
var errorClass js.Value

// newJSError builds the JS error for err: an instance of errorClass with
// a stable code. Messages never carry secrets (the core's errors do not).
func newJSError(err error) js.Value {
	return makeJSError(errorCode(err), err.Error(), ops.Detail(err))
}

func makeJSError(code, msg, detail string) js.Value {
	if !errorClass.IsUndefined() && !errorClass.IsNull() {
		if v, ok := tryNew(errorClass, code, msg, detail); ok {
			return v
		}
	}
	e := js.Global().Get("Error").New(msg)
	e.Set("code", code)
	e.Set("name", "WelcomePointersError")
	e.Set("detail", detail)
	return e
}

// tryNew calls new cls(code, msg, { detail }), reporting a constructor
// that throws. The instance is read and written through Reflect (guarded
// calls): an error class set through the namespace may be anything.
func tryNew(cls js.Value, code, msg, detail string) (v js.Value, ok bool) {
	ok = protect(func() {
		opts := newObject()
		opts.Set("detail", detail)
		v = cls.New(code, msg, opts)
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
	println("welcome pointers: recovered panic:", fmt.Sprint(r))
	if debugStacks {
		println(string(debug.Stack()))
	}
	return fmt.Errorf("%w: %v", ops.ErrInternal, r)
}

// debugStacks prints the stack of recovered panics; tests turn it on.
var debugStacks = false
