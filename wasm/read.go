//go:build js && wasm

package main

import (
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"syscall/js"
	"time"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// reader reads an operation's arguments from the JS values it was called
// with (ops.Fields), through the guarded functions of guard.go.
//
// A top-level field is a positional argument, or a member of an options
// object (Field.Option). The fields are read in three passes: the names
// of each options object's members (so that an unknown key is refused),
// the options, then the positional arguments, so that a byte argument's
// cap may depend on an option (maxMessageSize).
type reader struct {
	args    []js.Value
	pass    pass
	options map[int]*optionsArg
	extra   []string // option keys the bridge reads itself
	stack   []frame
	err     error
	packed  bool // a value came packed (packed.go): the result goes back so
}

type pass int

const (
	collecting pass = iota
	readingOptions
	readingArgs
)

// optionsArg is an options object: the keys its fields name, and the
// object once checked.
type optionsArg struct {
	keys    []string
	checked bool
	absent  bool
	obj     object
}

// frame is an object or array being read.
type frame struct {
	v      js.Value
	name   string
	list   bool
	i      int
	absent bool      // left out: its fields keep their defaults
	names  *[]string // collecting a Strict object's member names
}

// readArgs reads c's arguments from args. extra are the option keys the
// bridge reads itself (onProgress, signal). It returns the position of
// the options object, or -1, and whether a value came packed.
func readArgs(c ops.Call, args []js.Value, extra []string) (at int, packed bool, err error) {
	r := &reader{args: args, options: map[int]*optionsArg{}, extra: extra}
	for _, p := range []pass{collecting, readingOptions, readingArgs} {
		r.pass = p
		c.Args(r)
		if r.err != nil {
			return -1, false, r.err
		}
	}
	for at := range r.options {
		return at, r.packed, nil
	}
	return -1, r.packed, nil
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) Err() error { return r.err }

// at returns the JS value of field f and its name, or false when f is
// not read in this pass (or at all: another bridge's, an error earlier).
func (r *reader) at(f ops.Field) (js.Value, string, bool) {
	if r.err != nil || !f.In(ops.JS) {
		return js.Undefined(), "", false
	}
	if len(r.stack) == 0 {
		if f.Option {
			return r.option(f)
		}
		return arg(r.args, f.Arg), f.Name, r.pass == readingArgs
	}
	top := &r.stack[len(r.stack)-1]
	switch {
	case top.absent:
		return js.Undefined(), "", false
	case top.names != nil:
		*top.names = append(*top.names, f.Name)
		return js.Undefined(), "", false
	case top.list:
		v, name, err := index(top.v, top.i, top.name)
		if err != nil {
			r.fail(err)
			return v, name, false
		}
		return v, name, true
	}
	name := top.name + "." + f.Name
	v, err := member(top.v, f.Name, name)
	if err != nil {
		r.fail(err)
		return v, name, false
	}
	return v, name, true
}

// option returns the member f names of the options object at f.Arg,
// which it checks once: an object or nothing, with no unknown key.
func (r *reader) option(f ops.Field) (js.Value, string, bool) {
	o := r.options[f.Arg]
	if o == nil {
		o = &optionsArg{}
		r.options[f.Arg] = o
	}
	switch r.pass {
	case collecting:
		o.keys = append(o.keys, f.Name)
		return js.Undefined(), "", false
	case readingArgs:
		return js.Undefined(), "", false
	}
	if !o.checked {
		o.checked = true
		obj, ok, err := optObjectArg(arg(r.args, f.Arg), "options")
		if err == nil && ok {
			err = obj.only(append(slices.Clone(o.keys), r.extra...)...)
		}
		if err != nil {
			r.fail(err)
			return js.Undefined(), "", false
		}
		o.obj, o.absent = obj, !ok
	}
	if o.absent {
		return js.Undefined(), "", false
	}
	v, name, err := o.obj.get(f.Name)
	if err != nil {
		r.fail(err)
		return v, name, false
	}
	return v, name, true
}

// skip reports a missing value that f lets keep its default.
func skip(f ops.Field, v js.Value) bool {
	return isMissing(v) && (f.Optional || f.Nullable && v.IsNull())
}

func (r *reader) Bytes(f ops.Field, p *[]byte) {
	v, name, ok := r.at(f)
	if !ok {
		return
	}
	if skip(f, v) {
		if v.IsNull() && f.Nullable {
			*p = nil
		}
		return
	}
	if f.OrMember != "" && kindOf(v) == "object" {
		var err error
		if v, name, err = (object{v, name}).get(f.OrMember); err != nil {
			r.fail(err)
			return
		}
	}
	if f.Hex {
		s, err := stringArg(v, name, 2*int(f.Max))
		if err == nil {
			*p, err = hex.DecodeString(s)
			if err != nil {
				err = argError("%s must be a hex string", name)
			}
		}
		r.fail(err)
		return
	}
	b, err := bytesArg(v, name, int(f.Max))
	if err != nil {
		r.fail(err)
		return
	}
	*p = b
}

func (r *reader) Uint(f ops.Field, p *uint64) {
	v, name, ok := r.at(f)
	if !ok || skip(f, v) {
		return
	}
	if f.Names != nil {
		s, err := stringArg(v, name, 64)
		if i := slices.Index(f.Names, s); err == nil && (i < 0 || s == "") {
			var names []string
			for _, n := range f.Names {
				if n != "" {
					names = append(names, fmt.Sprintf("%q", n))
				}
			}
			err = argError("%s must be %s, got %q", name, strings.Join(names, " or "), truncate(s, 40))
		} else if err == nil {
			*p = uint64(i)
		}
		r.fail(err)
		return
	}
	if f.Bits == 64 {
		u, err := uint64Arg(v, name)
		if err != nil {
			r.fail(err)
			return
		}
		*p = u
		return
	}
	hi := f.Max
	if hi == 0 {
		hi = 1<<f.Bits - 1
	}
	n, err := intArg(v, name, int(f.Min), int(hi))
	if err != nil {
		r.fail(err)
		return
	}
	*p = uint64(n)
}

func (r *reader) Bool(f ops.Field, p *bool) {
	v, name, ok := r.at(f)
	if !ok || skip(f, v) {
		return
	}
	if k := kindOf(v); k != "boolean" {
		r.fail(argError("%s must be a boolean, got %s", name, k))
		return
	}
	*p = v.Bool()
}

func (r *reader) String(f ops.Field, p *string) {
	v, name, ok := r.at(f)
	if !ok || skip(f, v) {
		return
	}
	s, err := stringArg(v, name, int(f.Max))
	if err != nil {
		r.fail(err)
		return
	}
	*p = s
}

func (r *reader) number(f ops.Field) (float64, bool) {
	v, name, ok := r.at(f)
	if !ok || skip(f, v) {
		return 0, false
	}
	x, err := numberArg(v, name, float64(f.Min), float64(f.Max))
	if err != nil {
		r.fail(err)
		return 0, false
	}
	return x, true
}

func (r *reader) Float(f ops.Field, p *float64) {
	if x, ok := r.number(f); ok {
		*p = x
	}
}

func (r *reader) Duration(f ops.Field, p *time.Duration) {
	if x, ok := r.number(f); ok {
		*p = time.Duration(math.Round(x * float64(time.Millisecond)))
	}
}

func (r *reader) Time(f ops.Field, p *time.Time) {
	if x, ok := r.number(f); ok {
		*p = time.UnixMilli(int64(math.Floor(x)))
	}
}

func (r *reader) Error(f ops.Field, p *error) {
	v, name, ok := r.at(f)
	if !ok {
		return
	}
	if v.IsNull() && f.Nullable {
		*p = nil
		return
	}
	s, err := stringArg(v, name, 64)
	if err != nil {
		r.fail(err)
		return
	}
	c, known := ops.CodeNamed(s)
	if !known {
		r.fail(argError("%s: unknown error code %q", name, truncate(s, 40)))
		return
	}
	*p = c.Err
}

func (r *reader) JSON(f ops.Field, _ *map[string]any) {
	if _, name, ok := r.at(f); ok {
		r.fail(argError("%s cannot be read", name))
	}
}

func (r *reader) Object(f ops.Field, fields func(ops.Fields)) {
	v, name, ok := r.at(f)
	if !ok || skip(f, v) {
		return
	}
	o, err := objectArg(v, name)
	if err != nil {
		r.fail(err)
		return
	}
	if f.Memo && remembered(v, fields) {
		return
	}
	if f.Strict {
		var names []string
		r.stack = append(r.stack, frame{names: &names})
		fields(r)
		r.stack = r.stack[:len(r.stack)-1]
		if err := o.only(names...); err != nil {
			r.fail(err)
			return
		}
	}
	r.stack = append(r.stack, frame{v: v, name: name})
	fields(r)
	r.stack = r.stack[:len(r.stack)-1]
}

func (r *reader) List(f ops.Field, _ int, _ bool) (int, bool) {
	v, name, ok := r.at(f)
	switch {
	case !ok:
		r.stack = append(r.stack, frame{absent: true})
		return -1, false
	case skip(f, v):
		r.stack = append(r.stack, frame{absent: true})
		return 0, false
	}
	n, err := arrayArg(v, name, int(f.Max))
	if err != nil {
		r.fail(err)
		r.stack = append(r.stack, frame{absent: true})
		return -1, false
	}
	r.stack = append(r.stack, frame{v: v, name: name, list: true})
	return n, true
}

func (r *reader) Elem(i int) { r.stack[len(r.stack)-1].i = i }

func (r *reader) End() { r.stack = r.stack[:len(r.stack)-1] }

// The objects the module wrote with Field.Memo (a complete, validated
// retry policy), frozen, with their fields on a tape (tape.go): passing
// one back replays the tape instead of reading the object again.
var memo struct {
	objects []js.Value
	fields  [][]any
}

// memoSize bounds the objects remembered (the oldest is forgotten).
const memoSize = 8

// remember freezes obj and keeps its fields.
func remember(obj js.Value, fields func(ops.Fields)) {
	objectClass.Call("freeze", obj)
	t := &tape{}
	fields(t)
	if len(memo.objects) == memoSize {
		memo.objects, memo.fields = memo.objects[1:], memo.fields[1:]
	}
	memo.objects = append(memo.objects, obj)
	memo.fields = append(memo.fields, t.vals)
}

// remembered fills fields from a remembered object that v is, and
// reports whether v was one. Comparing with === runs no code of v's.
func remembered(v js.Value, fields func(ops.Fields)) bool {
	for i, o := range memo.objects {
		if v.Equal(o) {
			in := &replay{vals: memo.fields[i]}
			fields(in)
			return in.finish() == nil
		}
	}
	return false
}

// forget empties the memo (dispose).
func forget() { memo.objects, memo.fields = nil, nil }
