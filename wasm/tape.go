//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"time"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// A tape records the values an operation's fields wrote, in order, and
// replays them into the same fields: the memo of a validated object
// (read.go). Every field is recorded, whatever bridge it belongs to, and
// the bridge needs no codec for it (the ABI's would link encoding/json
// into the module).
type tape struct{ vals []any }

func (t *tape) put(v any)                                   { t.vals = append(t.vals, v) }
func (t *tape) Bytes(_ ops.Field, p *[]byte)                { t.put(bytes.Clone(*p)) }
func (t *tape) Uint(_ ops.Field, p *uint64)                 { t.put(*p) }
func (t *tape) Bool(_ ops.Field, p *bool)                   { t.put(*p) }
func (t *tape) String(_ ops.Field, p *string)               { t.put(*p) }
func (t *tape) Float(_ ops.Field, p *float64)               { t.put(*p) }
func (t *tape) Duration(_ ops.Field, p *time.Duration)      { t.put(*p) }
func (t *tape) Time(_ ops.Field, p *time.Time)              { t.put(*p) }
func (t *tape) Error(_ ops.Field, p *error)                 { t.put(*p) }
func (t *tape) JSON(_ ops.Field, p *map[string]any)         { t.put(*p) }
func (t *tape) Object(_ ops.Field, fields func(ops.Fields)) { fields(t) }
func (t *tape) List(_ ops.Field, n int, isNil bool) (int, bool) {
	t.put(listHead{n, isNil})
	return n, !isNil
}
func (t *tape) Elem(int)   {}
func (t *tape) End()       {}
func (t *tape) Err() error { return nil }

type listHead struct {
	n     int
	isNil bool
}

// replay reads a tape back into fields; a value of another type than
// the field's (a tape of other fields) is an error.
type replay struct {
	vals []any
	err  error
}

var errTape = errors.New("the memo does not match these fields")

func next[T any](r *replay, p *T) {
	if r.err != nil {
		return
	}
	if len(r.vals) == 0 {
		r.err = errTape
		return
	}
	v, ok := r.vals[0].(T)
	if !ok {
		r.err = errTape
		return
	}
	r.vals = r.vals[1:]
	*p = v
}

func (r *replay) Bytes(_ ops.Field, p *[]byte) {
	var b []byte
	next(r, &b)
	if r.err == nil {
		*p = bytes.Clone(b)
	}
}
func (r *replay) Uint(_ ops.Field, p *uint64)                 { next(r, p) }
func (r *replay) Bool(_ ops.Field, p *bool)                   { next(r, p) }
func (r *replay) String(_ ops.Field, p *string)               { next(r, p) }
func (r *replay) Float(_ ops.Field, p *float64)               { next(r, p) }
func (r *replay) Duration(_ ops.Field, p *time.Duration)      { next(r, p) }
func (r *replay) Time(_ ops.Field, p *time.Time)              { next(r, p) }
func (r *replay) Error(_ ops.Field, p *error)                 { next(r, p) }
func (r *replay) JSON(_ ops.Field, p *map[string]any)         { next(r, p) }
func (r *replay) Object(_ ops.Field, fields func(ops.Fields)) { fields(r) }
func (r *replay) List(_ ops.Field, _ int, _ bool) (int, bool) {
	var h listHead
	next(r, &h)
	if r.err != nil {
		return -1, false
	}
	return h.n, !h.isNil
}
func (r *replay) Elem(int)   {}
func (r *replay) End()       {}
func (r *replay) Err() error { return r.err }

// finish reports the first error, or values left over.
func (r *replay) finish() error {
	if r.err == nil && len(r.vals) > 0 {
		return errTape
	}
	return r.err
}
