//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
)

// The split sealing path, for sealing an invite's pointers in parallel
// (the JS package runs sealPointers in Web Workers or worker_threads).

// checkInstallations(installations) -> boolean[]: sealInvite's checks on
// the installations, and which of them are pointer-capable.
func checkInstallations(args []js.Value) (any, error) {
	ins, err := installationsArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	capable, err := core.CheckInstallations(ins)
	if err != nil {
		return nil, err
	}
	return jsArray(capable, func(b bool) any { return b }), nil
}

// sealPointee(welcome, cursor, options) -> {kind, installationKey, message, pointer}
// where pointer is the pointer's stored form (a secret: it holds the
// pointee's key).
func sealPointee(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 2))
	if err != nil {
		return nil, err
	}
	welcome, err := bytesArg(arg(args, 0), "welcome", s.maxSize())
	if err != nil {
		return nil, err
	}
	cursor, err := uint64Arg(arg(args, 1), "cursor")
	if err != nil {
		return nil, err
	}
	m, ptr, err := core.SealPointee(welcome, cursor, &s.opts)
	if err != nil {
		return nil, err
	}
	o := messageToJS(m)
	o.Set("pointer", jsBytes(ptr.Marshal()))
	return o, nil
}

// sealPointers(pointer, installations, options) -> Promise<OutgoingMessage[]>
//
// Like sealInvite: arguments are checked and copied before the Promise is
// returned, and sealing yields to the event loop, reports progress and
// checks options.signal.
func sealPointers(args []js.Value) (any, error) {
	s, err := sealOptionsArg(arg(args, 2))
	if err != nil {
		return rejected(err), nil
	}
	ptr, err := pointerArg(arg(args, 0), "pointer")
	if err != nil {
		return rejected(err), nil
	}
	packed := isPacked(arg(args, 1))
	ins, err := installationsArg(arg(args, 1))
	if err != nil {
		return rejected(err), nil
	}
	if s.aborted() {
		return rejected(errAborted), nil
	}
	y := newYielder()
	s.yieldOnProgress(y)
	return newPromise(y, func() (any, error) {
		msgs, err := core.SealPointers(ptr, ins, &s.opts)
		if err != nil {
			return nil, err
		}
		if packed {
			return packMessages(nil, msgs), nil
		}
		return jsArray(msgs, func(m core.OutgoingMessage) any { return messageToJS(m) }), nil
	}), nil
}

func messageToJS(m core.OutgoingMessage) js.Value {
	mo := newObject()
	mo.Set("kind", m.Kind.String())
	mo.Set("installationKey", jsBytes(m.InstallationKey))
	mo.Set("message", jsBytes(m.Message))
	return mo
}
