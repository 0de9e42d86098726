package abi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/welcome-pointers/wasm/internal/ops"
)

// The ABI's translation of an operation's fields (internal/ops): a Writer
// encodes them in the order they are declared, a Reader decodes them.
// Fields limited to JS are not part of the ABI.

// Writer encodes fields: a request (a host) or a result (the module).
type Writer struct {
	e      *Encoder
	secret bool
}

// NewWriter returns a Writer that appends to e.
func NewWriter(e *Encoder) *Writer { return &Writer{e: e} }

// Secret reports whether a Secret field was written: the encoding holds
// key material, to be zeroed once sent.
func (w *Writer) Secret() bool { return w.secret }

func (w *Writer) Bytes(f ops.Field, p *[]byte) {
	if f.In(ops.ABI) {
		w.e.Blob(*p)
	}
	if f.Secret {
		clear(*p)
		w.secret = true
	}
}

func (w *Writer) Uint(f ops.Field, p *uint64) {
	if !f.In(ops.ABI) {
		return
	}
	switch f.Bits {
	case 8:
		w.e.U8(uint8(*p))
	case 16:
		w.e.U16(uint16(*p))
	case 32:
		w.e.U32(uint32(*p))
	default:
		w.e.U64(*p)
	}
}

func (w *Writer) Bool(f ops.Field, p *bool) {
	if f.In(ops.ABI) {
		w.e.Bool(*p)
	}
}

func (w *Writer) String(f ops.Field, p *string) {
	if f.In(ops.ABI) {
		w.e.String(*p)
	}
}

func (w *Writer) Float(f ops.Field, p *float64) {
	if f.In(ops.ABI) {
		w.e.F64(*p)
	}
}

func (w *Writer) Duration(f ops.Field, p *time.Duration) {
	if f.In(ops.ABI) {
		w.e.I64(int64(*p))
	}
}

func (w *Writer) Time(f ops.Field, p *time.Time) {
	if f.In(ops.ABI) {
		w.e.I64(p.UnixNano())
	}
}

func (w *Writer) Error(f ops.Field, p *error) {
	if f.In(ops.ABI) {
		w.e.U32(uint32(CodeOf(*p)))
	}
}

func (w *Writer) JSON(f ops.Field, p *map[string]any) {
	if !f.In(ops.ABI) {
		return
	}
	j, err := json.Marshal(*p)
	if err != nil {
		j = []byte("null")
	}
	w.e.Blob(j)
}

func (w *Writer) Object(f ops.Field, fields func(ops.Fields)) {
	if f.In(ops.ABI) {
		fields(w)
	}
}

func (w *Writer) List(f ops.Field, n int, isNil bool) (int, bool) {
	if !f.In(ops.ABI) {
		return -1, false
	}
	w.e.Count(n)
	return n, !isNil
}

func (w *Writer) Elem(int)   {}
func (w *Writer) End()       {}
func (w *Writer) Err() error { return nil }

// Reader decodes fields: a request (the module) or a result (a host).
// Byte strings alias the input. The first error sticks; Finish reports
// it, or bytes left over. Field names, for errors, are built only when a
// field fails.
type Reader struct {
	d      *Decoder
	frames []frame // the objects and lists being read
}

// frame is an object or list being read: its field's JS name, the
// element being read (-1 outside a list's elements), and literal for a
// list of another bridge (named "").
type frame struct {
	name    string
	idx     int
	literal bool
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{d: NewDecoder(b)} }

// Finish reports the first error, or trailing bytes.
func (r *Reader) Finish() error { return r.d.Finish() }

func (r *Reader) Err() error { return r.d.Err() }

// path is the name of the innermost object or list element being read.
func (r *Reader) path() (string, bool) {
	cur, have := "", false
	for _, fr := range r.frames {
		switch n := ops.ABIName(fr.name); {
		case fr.literal:
			cur = ""
		case !have && n == "":
			cur = "result"
		case !have:
			cur = n
		case n != "":
			cur += "." + n
		}
		have = true
		if fr.idx >= 0 {
			cur += "[" + strconv.Itoa(fr.idx) + "]"
		}
	}
	return cur, have
}

func (r *Reader) name(f ops.Field) string {
	n := ops.ABIName(f.Name)
	if p, ok := r.path(); ok {
		if n == "" {
			return p
		}
		return p + "." + n
	}
	if n == "" {
		return "result"
	}
	return n
}

// named names the field that failed in the read just done.
func (r *Reader) named(f ops.Field) {
	if e, ok := r.d.err.(*fieldError); ok && !e.named {
		e.field, e.named = r.name(f)+e.field, true
	}
}

// read reads field f of this bridge with get; a failure is named after
// f, and ok is false.
func read[T any](r *Reader, f ops.Field, get func(d *Decoder) T) (v T, ok bool) {
	if !f.In(ops.ABI) {
		return v, false
	}
	v = get(r.d)
	if r.d.Err() != nil {
		r.named(f)
		return v, false
	}
	return v, true
}

func (r *Reader) Bytes(f ops.Field, p *[]byte) {
	if b, ok := read(r, f, func(d *Decoder) []byte { return d.Blob("") }); ok {
		if len(b) == 0 && f.Nullable {
			b = nil
		}
		*p = b
	}
}

func (r *Reader) Uint(f ops.Field, p *uint64) {
	v, ok := read(r, f, func(d *Decoder) uint64 {
		switch f.Bits {
		case 8:
			return uint64(d.U8(""))
		case 16:
			return uint64(d.U16(""))
		case 32:
			return uint64(d.U32(""))
		default:
			return d.U64("")
		}
	})
	if ok {
		*p = v
	}
}

func (r *Reader) Bool(f ops.Field, p *bool) {
	if v, ok := read(r, f, func(d *Decoder) bool { return d.Bool("") }); ok {
		*p = v
	}
}

func (r *Reader) String(f ops.Field, p *string) {
	if v, ok := read(r, f, func(d *Decoder) string { return d.String("") }); ok {
		*p = v
	}
}

func (r *Reader) Float(f ops.Field, p *float64) {
	if v, ok := read(r, f, func(d *Decoder) float64 { return d.F64("") }); ok {
		*p = v
	}
}

func (r *Reader) Duration(f ops.Field, p *time.Duration) {
	if v, ok := read(r, f, func(d *Decoder) int64 { return d.I64("") }); ok {
		*p = time.Duration(v)
	}
}

func (r *Reader) Time(f ops.Field, p *time.Time) {
	if v, ok := read(r, f, func(d *Decoder) int64 { return d.I64("") }); ok {
		*p = time.Unix(0, v)
	}
}

func (r *Reader) Error(f ops.Field, p *error) {
	s, ok := read(r, f, func(d *Decoder) uint32 { return d.U32("") })
	if !ok {
		return
	}
	if s == uint32(OK) {
		*p = nil
		return
	}
	c, ok := ops.CodeOfStatus(s)
	if !ok {
		r.d.fail(fmt.Errorf("%s: unknown status %d", r.name(f), s))
		return
	}
	*p = c.Err
}

func (r *Reader) JSON(f ops.Field, p *map[string]any) {
	b, ok := read(r, f, func(d *Decoder) []byte { return d.Blob("") })
	if !ok {
		return
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		r.d.fail(fmt.Errorf("%s: %v", r.name(f), err))
		return
	}
	*p = v
}

func (r *Reader) Object(f ops.Field, fields func(ops.Fields)) {
	if !f.In(ops.ABI) {
		return
	}
	r.frames = append(r.frames, frame{name: f.Name, idx: -1})
	fields(r)
	r.frames = r.frames[:len(r.frames)-1]
}

func (r *Reader) List(f ops.Field, _ int, _ bool) (int, bool) {
	if !f.In(ops.ABI) {
		r.frames = append(r.frames, frame{idx: -1, literal: true})
		return -1, false
	}
	count := r.d.Count("", int(f.Max))
	if r.d.Err() != nil {
		r.named(f)
	}
	r.frames = append(r.frames, frame{name: f.Name, idx: -1})
	if r.d.Err() != nil {
		return -1, false
	}
	return count, count > 0 || !f.Nullable
}

func (r *Reader) Elem(i int) { r.frames[len(r.frames)-1].idx = i }

func (r *Reader) End() { r.frames = r.frames[:len(r.frames)-1] }
