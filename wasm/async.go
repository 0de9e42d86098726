//go:build js && wasm

package main

import (
	"syscall/js"
	"time"
)

var promiseClass = js.Global().Get("Promise")

// runProtected runs work, turning a panic into an error.
func runProtected(work func() (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, panicError(r)
		}
	}()
	return work()
}

// syncFunc wraps fn for JS. Errors, including recovered panics, come
// back as the returned value: an instance of the error class with a
// stable code, which the JS package throws (a Go callback cannot throw).
func syncFunc(fn func(args []js.Value) (any, error)) js.Func {
	f := js.FuncOf(func(this js.Value, args []js.Value) any {
		v, err := runProtected(func() (any, error) { return fn(args) })
		if err != nil {
			return newJSError(err)
		}
		return v
	})
	funcs = append(funcs, f)
	return f
}

// asyncFunc wraps fn, which returns a Promise itself; a panic before the
// Promise exists becomes a rejected Promise.
func asyncFunc(fn func(args []js.Value) (any, error)) js.Func {
	f := js.FuncOf(func(this js.Value, args []js.Value) any {
		v, err := runProtected(func() (any, error) { return fn(args) })
		if err != nil {
			return rejected(err)
		}
		return v
	})
	funcs = append(funcs, f)
	return f
}

// rejected returns Promise.reject(error for err).
func rejected(err error) js.Value {
	return promiseClass.Call("reject", newJSError(err))
}

// newPromise returns a Promise settled by work, which runs in its own
// goroutine. The goroutine yields to JS before starting, so the caller
// gets its Promise at once; long work should call a yielder's maybeYield
// from time to time so the page stays responsive.
func newPromise(y *yielder, work func() (any, error)) js.Value {
	var resolve, reject js.Value
	exec := js.FuncOf(func(this js.Value, args []js.Value) any {
		resolve, reject = args[0], args[1]
		return nil
	})
	p := promiseClass.New(exec)
	exec.Release()
	go func() {
		defer y.release()
		y.yield()
		v, err := runProtected(work)
		if err != nil {
			reject.Invoke(newJSError(err))
			return
		}
		resolve.Invoke(v)
	}()
	return p
}

// yieldSlice is how long a goroutine may keep the JS thread before it
// yields (a "long task" in browsers is 50 ms).
const yieldSlice = 20 * time.Millisecond

// yielder hands the JS thread back to the event loop: a goroutine blocks
// on a channel that a macrotask (a MessageChannel message, or setTimeout
// where there is none) fills. Go only returns to JS when every goroutine
// is blocked, so without this a long computation would freeze the page.
type yielder struct {
	ch       chan struct{}
	fn       js.Func
	port1    js.Value
	port2    js.Value
	last     time.Time
	released bool
}

func newYielder() *yielder {
	y := &yielder{ch: make(chan struct{}, 1)}
	y.fn = js.FuncOf(func(this js.Value, args []js.Value) any {
		select {
		case y.ch <- struct{}{}:
		default:
		}
		return nil
	})
	if mc := js.Global().Get("MessageChannel"); mc.Type() == js.TypeFunction {
		ch := mc.New()
		y.port1, y.port2 = ch.Get("port1"), ch.Get("port2")
		y.port1.Set("onmessage", y.fn)
	}
	return y
}

// yield lets the JS event loop run once.
func (y *yielder) yield() {
	if y.port2.Truthy() {
		y.port2.Call("postMessage", nil)
	} else {
		js.Global().Call("setTimeout", y.fn, 0)
	}
	<-y.ch
	y.last = time.Now()
}

// due reports whether the current slice is used up.
func (y *yielder) due() bool { return time.Since(y.last) >= yieldSlice }

// release closes the channel ports (an open port keeps Node alive) and
// frees the callback.
func (y *yielder) release() {
	if y.released {
		return
	}
	y.released = true
	if y.port1.Truthy() {
		y.port1.Set("onmessage", js.Null())
		y.port1.Call("close")
		y.port2.Call("close")
	}
	y.fn.Release()
}
