//go:build js && wasm

package main

import (
	"encoding/hex"
	"syscall/js"
	"time"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// writer writes an operation's result as a JS value (ops.Fields): an
// object of its fields, or the value of its one unnamed field.
type writer struct {
	stack  []wframe
	value  js.Value // an unnamed top-level field's value
	bare   bool
	packed bool // the arguments came packed: so goes the result (packed.go)
}

type wframe struct {
	v    js.Value
	list bool
	i    int
	skip bool
}

func newWriter(packed bool) *writer {
	return &writer{stack: []wframe{{v: newObject()}}, packed: packed}
}

// result is what the fields were written to.
func (w *writer) result() js.Value {
	if w.bare {
		return w.value
	}
	return w.stack[0].v
}

// put sets field f of the object or array being written.
func (w *writer) put(f ops.Field, v any) {
	if !f.In(ops.JS) || f.Omit {
		return
	}
	top := &w.stack[len(w.stack)-1]
	switch {
	case top.skip:
	case len(w.stack) == 1 && f.Name == "":
		w.value, w.bare = js.ValueOf(v), true
	case top.list:
		top.v.SetIndex(top.i, v)
	default:
		top.v.Set(f.Name, v)
	}
}

func (w *writer) Bytes(f ops.Field, p *[]byte) {
	switch {
	case *p == nil && f.Nullable:
		w.put(f, js.Null())
	case f.Hex:
		w.put(f, hex.EncodeToString(*p))
	default:
		w.put(f, jsBytes(*p))
	}
	if f.Secret {
		clear(*p)
	}
}

func (w *writer) Uint(f ops.Field, p *uint64) {
	switch {
	case f.Names != nil && *p < uint64(len(f.Names)):
		w.put(f, f.Names[*p])
	case f.Bits == 64:
		w.put(f, jsBigInt(*p))
	default:
		w.put(f, float64(*p))
	}
}

func (w *writer) Bool(f ops.Field, p *bool)     { w.put(f, *p) }
func (w *writer) String(f ops.Field, p *string) { w.put(f, *p) }
func (w *writer) Float(f ops.Field, p *float64) { w.put(f, *p) }
func (w *writer) Duration(f ops.Field, p *time.Duration) {
	w.put(f, float64(*p)/float64(time.Millisecond))
}
func (w *writer) Time(f ops.Field, p *time.Time) { w.put(f, float64(p.UnixMilli())) }

func (w *writer) Error(f ops.Field, p *error) {
	if *p == nil {
		w.put(f, js.Null())
		return
	}
	w.put(f, ops.CodeOf(*p).Name)
}

func (w *writer) JSON(f ops.Field, p *map[string]any) { w.put(f, js.ValueOf(*p)) }

func (w *writer) Object(f ops.Field, fields func(ops.Fields)) {
	if !f.In(ops.JS) || f.Omit || w.stack[len(w.stack)-1].skip {
		return
	}
	o := newObject()
	w.stack = append(w.stack, wframe{v: o})
	fields(w)
	w.stack = w.stack[:len(w.stack)-1]
	if f.Memo {
		remember(o, fields)
	}
	w.put(f, o)
}

func (w *writer) List(f ops.Field, n int, isNil bool) (int, bool) {
	if !f.In(ops.JS) || f.Omit || w.stack[len(w.stack)-1].skip {
		w.stack = append(w.stack, wframe{skip: true})
		return -1, false
	}
	if isNil && f.Nullable {
		w.put(f, js.Null())
		w.stack = append(w.stack, wframe{skip: true})
		return -1, false
	}
	a := arrayClass.New(n)
	w.put(f, a)
	w.stack = append(w.stack, wframe{v: a, list: true})
	return n, !isNil
}

func (w *writer) Elem(i int) { w.stack[len(w.stack)-1].i = i }
func (w *writer) End()       { w.stack = w.stack[:len(w.stack)-1] }
func (w *writer) Err() error { return nil }
