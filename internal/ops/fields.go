package ops

import (
	"strings"
	"time"
)

// Fields reads or writes the arguments or the result of an operation.
// Each bridge implements it once: the syscall/js bridge reads arguments
// from JS values and writes results as JS values (wasm/), the wasip1 ABI
// decodes and encodes the bytes of wasip1/ABI.md (wasip1/abi), and the
// generator describes the layouts for the documentation. An operation
// declares its fields once, in the ABI's order, in one function that
// every Fields runs; a Fields that reads fills the values, one that
// writes takes them. Errors stick: after the first, reads leave the
// values alone, and the bridge reports that error.
type Fields interface {
	// Bytes is a byte string: a Uint8Array (a hex string with Hex) in JS,
	// bytes in the ABI.
	Bytes(f Field, p *[]byte)
	// Uint is an unsigned integer of f.Bits bits: a number in JS (a
	// bigint for 64 bits; with Names, a string), fixed-width in the ABI.
	Uint(f Field, p *uint64)
	Bool(f Field, p *bool)
	String(f Field, p *string)
	// Float is a finite number; an f64 in the ABI.
	Float(f Field, p *float64)
	// Duration is milliseconds in JS, i64 nanoseconds in the ABI.
	Duration(f Field, p *time.Duration)
	// Time is milliseconds since the Unix epoch in JS (Date.now()), i64
	// Unix nanoseconds in the ABI.
	Time(f Field, p *time.Time)
	// Error is an error code: its name (ERR_EXPIRED) or null in JS, its
	// status (0 for none) in the ABI. Reading gives the code's Go error.
	Error(f Field, p *error)
	// JSON is a JSON-friendly view: an object in JS, a JSON string in the
	// ABI.
	JSON(f Field, p *map[string]any)
	// Object groups fields: an object in JS, its fields in line in the
	// ABI.
	Object(f Field, fields func(Fields))
	// List starts a list of n elements (what a writer has; isNil for a
	// nil slice) and returns the number of elements (what a reader found)
	// and whether the list is there (not null); a negative count leaves
	// the list alone (not this bridge's, or not read now). Elem(i)
	// precedes the fields of element i, which are named Field{} and read
	// or written with the usual methods; End closes the list. Use the
	// List function rather than these.
	List(f Field, n int, isNil bool) (count int, present bool)
	Elem(i int)
	End()
	// Err is the first error, or nil.
	Err() error
}

// Packer is what the syscall/js bridge's Fields also are: installations
// and keys may come packed in one Uint8Array, and the result of such a
// call goes back packed too (wasm/packed.go, js/src/packed.js): a value
// then crosses the boundary once rather than field by field, which made
// a call several times cheaper. Packed reads or writes *v packed, and
// reports whether it did; if not, the value is read or written field by
// field as usual. Which values may be packed is declared here, by the
// shapes that call packed; the format is the bridge's.
type Packer interface {
	Packed(f Field, v any) bool
}

func packed(f Fields, fd Field, v any) bool {
	p, ok := f.(Packer)
	return ok && p.Packed(fd, v)
}

// A Field describes one argument or result field.
type Field struct {
	// Name is the field's name in JS (camelCase); the ABI's is its
	// snake_case. The one field of a result with an empty name is the
	// whole result in JS (a bare value rather than an object).
	Name string
	// Arg is the JS position of a top-level argument; with Option, the
	// position of the options object the field is a member of.
	Arg    int
	Option bool
	// Optional: in JS, undefined or null leaves the value as it was (its
	// default). Nullable: a nil byte string or list is null in JS (and
	// null reads as nil).
	Optional bool
	Nullable bool
	// Min and Max bound numbers; Max also bounds the length of byte
	// strings and strings and the count of lists, checked before
	// anything is copied or allocated. Zero Max means no bound beyond the
	// type's.
	Min, Max int64
	// Bits is the width of a Uint in the ABI: 8, 16, 32 or 64.
	Bits int
	// Names are the JS names of an enumeration's values (a Uint).
	Names []string
	// Hex: a byte string is a hex string in JS.
	Hex bool
	// OrMember: in JS, an object whose member of this name holds the
	// value is accepted in its place (a PointerInfo for its bytes).
	OrMember string
	// Strict: in JS, an Object with a member that is not one of its
	// fields is refused.
	Strict bool
	// Memo: in JS, an Object the module wrote is frozen and remembered,
	// so that passing it back costs no reading (a validated policy).
	Memo bool
	// Secret: a byte string of a result that holds key material (a
	// pointer's stored form, a pointee key); the bridge zeroes the Go
	// copy once it has copied it out, so that it does not wait in the
	// module's memory for the garbage collector. Of an argument (a shared
	// secret), the Go host zeroes its copy and the request once sent; the
	// operation clears the module's.
	Secret bool
	// Only limits a field to one bridge (JS or ABI); Omit leaves it out
	// of a JS result (a field that does not apply).
	Only Bridge
	Omit bool
}

// Bridge names the bridges a Field may be limited to.
type Bridge uint8

const (
	Both Bridge = iota
	JS
	ABI
)

// In reports whether the field exists in bridge b.
func (f Field) In(b Bridge) bool { return f.Only == Both || f.Only == b }

// ABIName is a JS name in the ABI's snake_case (kemId is kem_id), without
// the "Ms" of JS milliseconds: the ABI's durations and times are
// nanoseconds.
func ABIName(name string) string {
	name = strings.TrimSuffix(name, "Ms")
	b := make([]byte, 0, len(name)+4)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			if i > 0 {
				b = append(b, '_')
			}
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// List declares a list whose elements are read or written by elem.
func List[T any](f Fields, fd Field, s *[]T, elem func(Fields, *T)) {
	n, present := f.List(fd, len(*s), *s == nil)
	switch {
	case n < 0:
	case !present:
		*s = nil
	case n != len(*s) || *s == nil:
		*s = make([]T, n)
	}
	for i := range max(n, 0) {
		f.Elem(i)
		elem(f, &(*s)[i])
	}
	f.End()
}

// Objects makes elem, which declares an object's fields, declare a list
// element that is that object (a JS object; in line in the ABI).
func Objects[T any](elem func(Fields, *T)) func(Fields, *T) {
	return func(f Fields, v *T) { f.Object(Field{}, func(f Fields) { elem(f, v) }) }
}

// Uint declares an integer field of any integer type.
func Uint[T ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~int | ~int32 | ~int64](f Fields, fd Field, p *T) {
	v := uint64(*p)
	f.Uint(fd, &v)
	*p = T(v)
}
