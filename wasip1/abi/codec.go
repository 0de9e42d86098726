package abi

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// Encoder appends ABI fields to a buffer. All integers are little-endian
// and fixed-width; bytes and strings are a u32 length then the bytes; a
// list is a u32 count then its elements.
type Encoder struct {
	b []byte
}

// NewEncoder returns an encoder whose buffer starts with reserve zero
// bytes (room for a result header) and has capacity for size more.
func NewEncoder(reserve, size int) *Encoder {
	return &Encoder{b: make([]byte, reserve, reserve+size)}
}

// Bytes returns the encoded buffer (the reserved prefix included).
func (e *Encoder) Bytes() []byte { return e.b }

// Len is the encoded length, the reserved prefix included.
func (e *Encoder) Len() int { return len(e.b) }

// Truncate drops everything after the first n bytes.
func (e *Encoder) Truncate(n int) { e.b = e.b[:n] }

func (e *Encoder) U8(v uint8) { e.b = append(e.b, v) }

func (e *Encoder) Bool(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

func (e *Encoder) U16(v uint16)  { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *Encoder) U32(v uint32)  { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *Encoder) U64(v uint64)  { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *Encoder) I64(v int64)   { e.U64(uint64(v)) }
func (e *Encoder) F64(v float64) { e.U64(math.Float64bits(v)) }

// Count writes a list's element count.
func (e *Encoder) Count(n int) { e.U32(uint32(n)) }

// Blob writes a u32 length and the bytes.
func (e *Encoder) Blob(b []byte) {
	e.U32(uint32(len(b)))
	e.b = append(e.b, b...)
}

// String writes a u32 length and the UTF-8 bytes.
func (e *Encoder) String(s string) {
	e.U32(uint32(len(s)))
	e.b = append(e.b, s...)
}

// fieldError is a Decoder's error: which field, and what is wrong with
// it. A Reader names the field only when it fails (named), so reading
// builds no names.
type fieldError struct {
	field, msg string
	named      bool
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func (d *Decoder) failField(field, format string, args ...any) {
	if d.err == nil {
		d.err = &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
	}
}

// Decoder reads ABI fields. The first error sticks: later reads return
// zero values, and Err or Finish reports which field failed.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder reads b. Blobs returned alias b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

func (d *Decoder) take(n int, field string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.failField(field, "needs %d bytes at offset %d, %d left", n, d.off, len(d.b)-d.off)
		return nil
	}
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s
}

func (d *Decoder) U8(field string) uint8 {
	if s := d.take(1, field); s != nil {
		return s[0]
	}
	return 0
}

// Bool reads a u8 that must be 0 or 1.
func (d *Decoder) Bool(field string) bool {
	v := d.U8(field)
	if v > 1 && d.err == nil {
		d.failField(field, "boolean must be 0 or 1, got %d", v)
	}
	return v == 1
}

func (d *Decoder) U16(field string) uint16 {
	if s := d.take(2, field); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (d *Decoder) U32(field string) uint32 {
	if s := d.take(4, field); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (d *Decoder) U64(field string) uint64 {
	if s := d.take(8, field); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (d *Decoder) I64(field string) int64 { return int64(d.U64(field)) }

func (d *Decoder) F64(field string) float64 { return math.Float64frombits(d.U64(field)) }

// Blob reads a u32 length and that many bytes, aliasing the input. A
// zero length gives an empty, non-nil slice.
func (d *Decoder) Blob(field string) []byte {
	n := d.U32(field + " length")
	if d.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(d.b)-d.off) {
		d.failField(field, "length %d exceeds the %d bytes left", n, len(d.b)-d.off)
		return nil
	}
	return d.take(int(n), field)
}

// String reads a Blob that must be valid UTF-8.
func (d *Decoder) String(field string) string {
	b := d.Blob(field)
	if d.err == nil && !utf8.Valid(b) {
		d.failField(field, "not valid UTF-8")
	}
	return string(b)
}

// Count reads a list's element count. A count over max, or that cannot
// fit in the remaining bytes (every element takes one at least), is an
// error, so a garbage count never causes a large allocation.
func (d *Decoder) Count(field string, max int) int {
	n := d.U32(field + " count")
	if d.err != nil {
		return 0
	}
	if max > 0 && uint64(n) > uint64(max) {
		d.failField(field, "count %d exceeds %d", n, max)
		return 0
	}
	if uint64(n) > uint64(len(d.b)-d.off) {
		d.failField(field, "count %d does not fit in the %d bytes left", n, len(d.b)-d.off)
		return 0
	}
	return int(n)
}

// Err is the first error, or nil.
func (d *Decoder) Err() error { return d.err }

// fail records err unless an error is recorded already.
func (d *Decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Remaining is the number of bytes not read yet.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Finish reports the first error, or trailing bytes after the last field.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if d.off != len(d.b) {
		return fmt.Errorf("%d trailing bytes after the last field", len(d.b)-d.off)
	}
	return nil
}

// Raw appends bytes with no length prefix (an error result's message).
func (e *Encoder) Raw(b []byte) { e.b = append(e.b, b...) }

// PutHeader fills the reserved ResultHeaderSize bytes at the start of a
// result block: u32 status, u32 payload length (everything after the
// header). The encoder must have been created with that reserve.
func (e *Encoder) PutHeader(code Code) {
	binary.LittleEndian.PutUint32(e.b[0:4], uint32(code))
	binary.LittleEndian.PutUint32(e.b[4:8], uint32(len(e.b)-ResultHeaderSize))
}

// ParseHeader reads a result block's header.
func ParseHeader(h []byte) (code Code, payloadLen uint32) {
	return Code(binary.LittleEndian.Uint32(h[0:4])), binary.LittleEndian.Uint32(h[4:8])
}
