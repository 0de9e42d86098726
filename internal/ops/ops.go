// Package ops is the one declaration of the module's operations: each
// operation's name in every bridge, its arguments and its result (as
// Fields), and what it runs in the core. The syscall/js bridge (wasm/)
// and the wasip1 reactor (wasip1/) export Table and nothing else, by
// translating Fields to and from JS values and ABI bytes; the Go host
// (wasip1/host) has one method per operation; the generator
// (internal/ops/gen) writes the documentation and the code derived from
// Table and Codes. Adding an operation is adding one Def to Table.
//
// The package also holds what the operations keep between calls (the
// key cache) and the error codes (codes.go).
package ops

import "context"

// Info says how an operation appears in each bridge.
type Info struct {
	// Name is the JS name: the function of the module's namespace and of
	// the package's API ("sealInvite"); a dotted name is a member of a
	// namespace object ("retry.failed").
	Name string
	// Export is the wasip1 export: ExportName(Name), wp_seal_invite.
	Export string
	// Go is the Go host's method, as Type.Method ("Module.SealInvite").
	Go string
	// Doc says what the operation does, in one sentence.
	Doc string
	// Async: in JS the operation returns a Promise and runs in a
	// goroutine that yields to the event loop, reports progress and
	// honours options.signal.
	Async bool
	// Seal: the operation takes sealing options; in JS its options object
	// also accepts onProgress and signal.
	Seal bool
	// Plain: in the ABI the export takes no request and returns its
	// status rather than a result block: () -> i32.
	Plain bool
	// Only limits an operation to one bridge. The JS package's WebCrypto
	// paths (native.go: the caller runs the KEM or the AEAD, the module
	// the rest) are JS only, but for the two a Go host uses to run the
	// X-Wing encapsulations natively (checkInvite,
	// sealPointersEncapsulated): the rest it has no use for.
	Only Bridge
	// Internal: machinery of the JS package's split sealing and WebCrypto
	// paths, which the package calls and does not export (a Go host may
	// still offer it, as with checkInvite and sealPointersEncapsulated).
	Internal bool
}

// In reports whether the operation is exported by bridge b.
func (in *Info) In(b Bridge) bool { return in.Only == Both || in.Only == b }

// Exported is the operations of Table that bridge b exports, in order.
func Exported(b Bridge) []Op {
	var out []Op
	for _, op := range Table {
		if op.Info().In(b) {
			out = append(out, op)
		}
	}
	return out
}

// Env is what a bridge gives a running operation besides its arguments.
type Env struct {
	// Context stops a seal between two installations (the JS bridge
	// cancels it when options.signal aborts).
	Context context.Context
	// Progress is called after each installation is sealed.
	Progress func(done, total int)
}

// An Op is one operation.
type Op interface {
	Info() *Info
	// New returns a call with the arguments at their defaults.
	New() Call
}

// A Call is one run of an operation: read its arguments, run, write its
// result.
type Call interface {
	Args(Fields)
	Run(Env) error
	Result(Fields)
}

// Def is an operation with arguments A and result R.
type Def[A, R any] struct {
	info   Info
	init   func(*A)
	args   func(Fields, *A)
	result func(Fields, *R)
	run    func(Env, *A, *R) error
}

func (d *Def[A, R]) Info() *Info { return &d.info }

func (d *Def[A, R]) New() Call {
	c := &call[A, R]{d: d}
	if d.init != nil {
		d.init(&c.a)
	}
	return c
}

// Args declares the arguments a (for a Go host that encodes them).
func (d *Def[A, R]) Args(f Fields, a *A) { d.args(f, a) }

// Result declares the result r (for a Go host that decodes it).
func (d *Def[A, R]) Result(f Fields, r *R) { d.result(f, r) }

type call[A, R any] struct {
	d *Def[A, R]
	a A
	r R
}

func (c *call[A, R]) Args(f Fields)     { c.d.args(f, &c.a) }
func (c *call[A, R]) Run(env Env) error { return c.d.run(env, &c.a, &c.r) }
func (c *call[A, R]) Result(f Fields)   { c.d.result(f, &c.r) }

// Lookup returns the operation of a JS name, or nil.
func Lookup(name string) Op {
	for _, op := range Table {
		if op.Info().Name == name {
			return op
		}
	}
	return nil
}
