//go:build js && wasm

package main

import (
	"context"
	"strings"
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/ops"
)

// The namespace: one export per operation of ops.Table (every one: some
// exist only here, ops.Info.Only), translated by
// read.go and write.go, and the bridge's own members.

// funcs holds every js.Func the namespace owns. They live as long as
// the program (the namespace stays callable), so they are released only
// by releaseNamespace, which tests use.
var funcs []js.Func

// newNamespace builds the one object registered on globalThis: every
// operation under its JS name (a dotted name is a member of a namespace
// object: retry.failed), the list of their names (operations) and of
// those only the JS package's machinery uses (internalOperations,
// ops.Info.Internal: not part of its API), the
// module's version and constants, setErrorClass and dispose.
func newNamespace() js.Value {
	ns := newObject()
	ns.Set("version", version)
	ns.Set("constants", constants())
	ns.Set("setErrorClass", syncFunc(setErrorClass))
	ns.Set("dispose", syncFunc(dispose))
	var names, internal []any
	for _, op := range ops.Exported(ops.JS) {
		target := ns
		path := strings.Split(op.Info().Name, ".")
		for _, p := range path[:len(path)-1] {
			if sub := target.Get(p); sub.Type() == js.TypeObject {
				target = sub
			} else {
				sub = newObject()
				target.Set(p, sub)
				target = sub
			}
		}
		target.Set(path[len(path)-1], exportOf(op))
		names = append(names, op.Info().Name)
		if op.Info().Internal {
			internal = append(internal, op.Info().Name)
		}
	}
	ns.Set("operations", js.ValueOf(names))
	ns.Set("internalOperations", js.ValueOf(internal))
	return ns
}

// sealCallbacks are the options of a seal the bridge reads itself.
var sealCallbacks = []string{"onProgress", "signal"}

// exportOf is the JS function of an operation: it reads the arguments,
// runs the operation and returns its result (a Promise of it for an
// Async one), or an error value.
func exportOf(op ops.Op) js.Func {
	in := op.Info()
	var extra []string
	if in.Seal {
		extra = sealCallbacks
	}
	if in.Async {
		return asyncFunc(func(args []js.Value) (any, error) { return runAsync(op, args), nil })
	}
	return syncFunc(func(args []js.Value) (any, error) {
		c := op.New()
		at, packed, err := readArgs(c, args, extra)
		if err == nil && in.Seal {
			_, err = readSeal(args, at)
		}
		if err != nil {
			return nil, err
		}
		if err := c.Run(ops.Env{Context: context.Background()}); err != nil {
			return nil, err
		}
		w := newWriter(packed)
		c.Result(w)
		return w.result(), nil
	})
}

// runAsync runs an Async operation in a goroutine behind a Promise.
// Arguments are checked and copied before the Promise is returned, so
// the caller may reuse its buffers at once. The operation yields to the
// event loop every few milliseconds; at each yield it reports progress
// and checks options.signal, and an abort cancels its context (the core
// stops before the next installation).
func runAsync(op ops.Op, args []js.Value) js.Value {
	c := op.New()
	at, packed, err := readArgs(c, args, sealCallbacks)
	if err != nil {
		return rejected(err)
	}
	s, err := readSeal(args, at)
	if err != nil {
		return rejected(err)
	}
	if s.aborted() {
		return rejected(errAborted)
	}
	y := newYielder()
	ctx, cancel := context.WithCancel(context.Background())
	env := ops.Env{Context: ctx, Progress: func(done, total int) {
		if done < total && !y.due() {
			return
		}
		s.report(done, total)
		if done < total {
			y.yield()
			if s.aborted() {
				cancel()
			}
		}
	}}
	return newPromise(y, func() (any, error) {
		defer cancel()
		if err := c.Run(env); err != nil {
			return nil, err
		}
		w := newWriter(packed)
		c.Result(w)
		return w.result(), nil
	})
}

// seal is a seal's onProgress and signal options.
type seal struct {
	progress js.Value
	signal   js.Value
}

// readSeal reads options.onProgress (a function) and options.signal (an
// AbortSignal) from the options object at position at (-1: none).
func readSeal(args []js.Value, at int) (*seal, error) {
	s := &seal{progress: js.Undefined(), signal: js.Undefined()}
	if at < 0 {
		return s, nil
	}
	o, ok, err := optObjectArg(arg(args, at), "options")
	if err != nil || !ok {
		return s, err
	}
	v, name, err := o.get("onProgress")
	if err != nil {
		return nil, err
	}
	if !isMissing(v) {
		if k := kindOf(v); k != "function" {
			return nil, argError("%s must be a function, got %s", name, k)
		}
		s.progress = v
	}
	if v, name, err = o.get("signal"); err != nil {
		return nil, err
	}
	if !isMissing(v) {
		if _, err := objectArg(v, name); err != nil {
			return nil, err
		}
		s.signal = v
	}
	return s, nil
}

// aborted reports whether options.signal is aborted.
func (s *seal) aborted() bool {
	if s.signal.IsUndefined() {
		return false
	}
	a, err := member(s.signal, "aborted", "options.signal.aborted")
	return err == nil && a.Truthy()
}

// report calls options.onProgress, ignoring what it throws.
func (s *seal) report(done, total int) {
	if !s.progress.IsUndefined() {
		protect(func() { s.progress.Invoke(done, total) })
	}
}

// setErrorClass(cls): errors are built with new cls(code, message, { detail }).
func setErrorClass(args []js.Value) (any, error) {
	cls := arg(args, 0)
	if kindOf(cls) != "function" {
		return nil, argError("error class must be a constructor, got %s", kindOf(cls))
	}
	errorClass = cls
	return nil, nil
}

// disposed is closed by dispose: main returns and the Go runtime exits.
var disposed = make(chan struct{})

// dispose() -> undefined: clears the key cache and ends the program once
// this call returns (the JS side then zeroes the module's memory).
// Calling it again does nothing.
func dispose([]js.Value) (any, error) {
	ops.ClearKeyCache.New().Run(ops.Env{})
	forget()
	select {
	case <-disposed:
	default:
		close(disposed)
	}
	return nil, nil
}

// releaseNamespace frees every callback; the namespace is unusable after.
func releaseNamespace() {
	for _, f := range funcs {
		f.Release()
	}
	funcs = nil
}

func constants() js.Value {
	return js.ValueOf(map[string]any{
		"algorithm": map[string]any{
			"UNSPECIFIED":             int(core.AlgorithmUnspecified),
			"CURVE25519":              int(core.AlgorithmCurve25519),
			"XWING_MLKEM_768_DRAFT_6": int(core.AlgorithmXWing),
			"SYMMETRIC_KEY":           int(core.AlgorithmSymmetricKey),
		},
		"aeadType": map[string]any{
			"UNSPECIFIED":       int(core.AEADUnspecified),
			"CHACHA20_POLY1305": int(core.AEADChaCha20Poly1305),
		},
		"kemId": map[string]any{
			"XWING_DEPLOYED": int(core.KEMXWingDeployed),
			"XWING":          int(core.KEMXWing),
		},
		"extension": map[string]any{
			"WRAPPER_ENCRYPTION": core.ExtensionWrapperEncryption,
			"POINTEE_AEAD_TYPES": core.ExtensionPointeeAEADTypes,
		},
		"size": map[string]any{
			"XWING_PUBLIC_KEY":       core.XWingPublicKeySize,
			"XWING_PRIVATE_KEY":      core.XWingPrivateKeySize,
			"CURVE25519_PUBLIC_KEY":  core.Curve25519PublicKeySize,
			"CURVE25519_PRIVATE_KEY": core.Curve25519PrivateKeySize,
			"DESTINATION":            core.DestinationSize,
			"POINTEE_KEY":            core.PointeeKeySize,
			"POINTEE_NONCE":          core.PointeeNonceSize,
		},
		// The caps of installations and keys, which the JS package's
		// packing (packed.go) keeps to.
		"limits": map[string]any{
			"installations": maxInstallations, "installationKey": maxInstallationKey, "publicKey": maxPublicKey,
			"pointeeAeadTypes": maxAEADTypes, "keys": maxKeys,
		},
		"minPointerInstallations": core.MinPointerInstallations,
		"defaultMaxMessageSize":   core.DefaultMaxMessageSize,
	})
}
