//go:build js && wasm

package main

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
)

// Argument checking and conversion between JS values and Go. Every JS
// value an export receives is read here, through one guarded path: the
// functions below never panic and never let a JS exception unwind
// through the Go runtime. A getter or Proxy trap that throws, a revoked
// Proxy, a detached buffer or a SharedArrayBuffer view is an ERR_ARGUMENT
// error naming the argument; so is a wrong type, a missing value or an
// unknown option. Byte arguments over their cap are ERR_TOO_LARGE before
// anything is copied.

var (
	uint8ArrayClass = js.Global().Get("Uint8Array")
	arrayClass      = js.Global().Get("Array")
	objectClass     = js.Global().Get("Object")
	bigIntFunc      = js.Global().Get("BigInt")
	stringFunc      = js.Global().Get("String")
	reflect         = js.Global().Get("Reflect")
	reflectGet      = reflect.Get("get")
	objectKeys      = objectClass.Get("keys")

	// The intrinsic %TypedArray%.prototype and ArrayBuffer.prototype
	// accessors read internal slots: no user getter, prototype trick or
	// Proxy trap runs. The tag getter returns undefined for anything that
	// is not a typed array; ArrayBuffer's byteLength getter throws for a
	// SharedArrayBuffer, and its slice for a detached buffer.
	typedArrayProto     = objectClass.Call("getPrototypeOf", uint8ArrayClass.Get("prototype"))
	typedArrayTagGet    = accessor(typedArrayProto, js.Global().Get("Symbol").Get("toStringTag"))
	typedArrayLenGet    = accessor(typedArrayProto, "length")
	typedArrayOffsetGet = accessor(typedArrayProto, "byteOffset")
	typedArrayBufferGet = accessor(typedArrayProto, "buffer")
	arrayBufferProto    = js.Global().Get("ArrayBuffer").Get("prototype")
	arrayBufferLenGet   = accessor(arrayBufferProto, "byteLength")
	arrayBufferSlice    = bound(arrayBufferProto.Get("slice"))
)

// accessor is the getter of proto's property key, bound as a function of
// its receiver (Function.prototype.call.bind(getter)): calling it with
// Invoke passes no method name, which syscall/js would decode each time.
func accessor(proto js.Value, key any) js.Value {
	return bound(reflect.Call("getOwnPropertyDescriptor", proto, key).Get("get"))
}

// bound is fn as a function of its receiver and arguments.
func bound(fn js.Value) js.Value {
	return js.Global().Get("Function").Get("prototype").Get("call").Call("bind", fn)
}

// uint8ArrayTag is the string "Uint8Array" as a JS value: the glue keeps
// one reference per distinct string, so a tag equal to it is the same
// reference, compared without reading the string back into Go.
var uint8ArrayTag = js.ValueOf("Uint8Array")

// maxSafeInteger is Number.MAX_SAFE_INTEGER.
const maxSafeInteger = 1<<53 - 1

// safeType is v.Type(), which panics for a BigInt (ok is then false).
func safeType(v js.Value) (t js.Type, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return v.Type(), true
}

// protect runs f, turning a JS exception (a getter or Proxy trap that
// throws) into ok == false.
func protect(f func()) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	f()
	return true
}

// kindOf is a js.Value's type as a string, like typeof but telling
// Uint8Array and arrays apart. It never panics and runs no user code.
func kindOf(v js.Value) string {
	t, ok := safeType(v)
	if !ok {
		return "bigint"
	}
	switch t {
	case js.TypeUndefined:
		return "undefined"
	case js.TypeNull:
		return "null"
	case js.TypeBoolean:
		return "boolean"
	case js.TypeNumber:
		return "number"
	case js.TypeString:
		return "string"
	case js.TypeSymbol:
		return "symbol"
	case js.TypeFunction:
		return "function"
	}
	var tag js.Value
	if protect(func() { tag = typedArrayTagGet.Invoke(v) }) && tag.Type() == js.TypeString {
		if tag.Equal(uint8ArrayTag) {
			return "Uint8Array"
		}
		return tag.String()
	}
	isArray := false
	protect(func() { isArray = arrayClass.Call("isArray", v).Bool() })
	if isArray {
		return "array"
	}
	return "object"
}

func isMissing(v js.Value) bool { return v.IsUndefined() || v.IsNull() }

// arg returns args[i], or undefined when the caller passed fewer.
func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

// bytesArg copies a Uint8Array into Go, once. max bounds its length
// before anything is copied. The bytes are read through a fresh view of
// the array's buffer, made from its internal slots, so nothing of the
// caller's object (its prototype, a Proxy) takes part in the copy.
func bytesArg(v js.Value, name string, max int) ([]byte, error) {
	if k := kindOf(v); k != "Uint8Array" {
		return nil, argError("%s must be a Uint8Array, got %s", name, k)
	}
	var buffer, view js.Value
	n, offset := 0, 0
	if !protect(func() {
		buffer = typedArrayBufferGet.Invoke(v)
		n = typedArrayLenGet.Invoke(v).Int()
		offset = typedArrayOffsetGet.Invoke(v).Int()
	}) {
		return nil, argError("%s could not be read", name)
	}
	if !protect(func() { arrayBufferLenGet.Invoke(buffer) }) {
		return nil, argError("%s is a view of a SharedArrayBuffer, whose bytes may change while they are read: copy them into a Uint8Array first", name)
	}
	if n == 0 && !protect(func() { arrayBufferSlice.Invoke(buffer, 0, 0) }) {
		return nil, argError("%s has a detached buffer (it was transferred)", name)
	}
	if n > max {
		return nil, tooLarge(name, n, max)
	}
	b := make([]byte, n)
	if n > 0 {
		if !protect(func() { view = uint8ArrayClass.New(buffer, offset, n) }) {
			return nil, argError("%s could not be read", name)
		}
		if c := js.CopyBytesToGo(b, view); c != n {
			return nil, argError("%s changed while it was read", name)
		}
	}
	return b, nil
}

// optBytesArg is bytesArg for an argument that may be undefined or null
// (returned as nil).
func optBytesArg(v js.Value, name string, max int) ([]byte, error) {
	if isMissing(v) {
		return nil, nil
	}
	return bytesArg(v, name, max)
}

// numberArg reads a finite number in [min, max].
func numberArg(v js.Value, name string, min, max float64) (float64, error) {
	if k := kindOf(v); k != "number" {
		return 0, argError("%s must be a number, got %s", name, k)
	}
	f := v.Float()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, argError("%s must be a finite number", name)
	}
	if f < min || f > max {
		return 0, argError("%s must be between %s and %s, got %s", name, num(min), num(max), num(f))
	}
	return f, nil
}

// intArg reads an integer number in [min, max].
func intArg(v js.Value, name string, min, max int) (int, error) {
	f, err := numberArg(v, name, float64(min), float64(max))
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) {
		return 0, argError("%s must be an integer, got %s", name, num(f))
	}
	return int(f), nil
}

// optIntArg is intArg with a default for undefined or null.
func optIntArg(v js.Value, name string, min, max, def int) (int, error) {
	if isMissing(v) {
		return def, nil
	}
	return intArg(v, name, min, max)
}

// uint64Arg reads a uint64: a bigint, a non-negative safe integer, or a
// decimal string.
func uint64Arg(v js.Value, name string) (uint64, error) {
	switch k := kindOf(v); k {
	case "number":
		n, err := intArg(v, name, 0, maxSafeInteger)
		return uint64(n), err
	case "bigint", "string":
		s := stringFunc.Invoke(v).String()
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, argError("%s must be an unsigned 64-bit integer, got %q", name, truncate(s, 40))
		}
		return u, nil
	default:
		return 0, argError("%s must be a bigint or a non-negative integer, got %s", name, k)
	}
}

// stringArg reads a string of at most max bytes.
func stringArg(v js.Value, name string, max int) (string, error) {
	if k := kindOf(v); k != "string" {
		return "", argError("%s must be a string, got %s", name, k)
	}
	if n := len(v.String()); n > max {
		return "", argError("%s is longer than %d characters", name, max)
	}
	return v.String(), nil
}

// optStringArg is stringArg with a default for undefined or null.
func optStringArg(v js.Value, name string, max int, def string) (string, error) {
	if isMissing(v) {
		return def, nil
	}
	return stringArg(v, name, max)
}

// optBoolArg reads an optional boolean.
func optBoolArg(v js.Value, name string, def bool) (bool, error) {
	if isMissing(v) {
		return def, nil
	}
	if k := kindOf(v); k != "boolean" {
		return false, argError("%s must be a boolean, got %s", name, k)
	}
	return v.Bool(), nil
}

// object is an object argument whose members are read through get.
type object struct {
	v    js.Value
	name string
}

// objectArg checks for a plain object (not an array, not a Uint8Array).
func objectArg(v js.Value, name string) (object, error) {
	if k := kindOf(v); k != "object" {
		return object{}, argError("%s must be an object, got %s", name, k)
	}
	return object{v, name}, nil
}

// optObjectArg accepts undefined or null as "no options" and reports
// whether an object was given.
func optObjectArg(v js.Value, name string) (object, bool, error) {
	if isMissing(v) {
		return object{}, false, nil
	}
	o, err := objectArg(v, name)
	return o, err == nil, err
}

// get reads o[key] through Reflect.get, so a getter or Proxy trap that
// throws becomes an ERR_ARGUMENT error instead of unwinding through the
// Go runtime (syscall/js only catches exceptions of calls). It returns
// the value and its name for further checks ("options.kemId").
func (o object) get(key string) (js.Value, string, error) {
	name := o.name + "." + key
	v, err := member(o.v, key, name)
	return v, name, err
}

// only refuses an object with an own enumerable key not in known, as
// init() does in JS: a misspelt option must not be silently ignored.
func (o object) only(known ...string) error {
	var keys js.Value
	n := 0
	if !protect(func() { keys = objectKeys.Invoke(o.v); n = keys.Length() }) {
		return argError("the keys of %s could not be read", o.name)
	}
	// Keys are distinct: the first len(known)+1 hold an unknown one if any.
	for i := range min(n, len(known)+1) {
		k := keys.Index(i).String()
		if !slices.Contains(known, k) {
			return argError("%s: unknown key %q (known: %s)", o.name, truncate(k, 40), strings.Join(known, ", "))
		}
	}
	return nil
}

// member reads obj[key] through Reflect.get; name is what an error calls
// the value.
func member(obj js.Value, key any, name string) (v js.Value, err error) {
	if !protect(func() { v = reflectGet.Invoke(obj, key) }) {
		return js.Undefined(), argError("reading %s threw", name)
	}
	return v, nil
}

// optFuncArg reads an optional function.
func optFuncArg(v js.Value, name string) (js.Value, bool, error) {
	if isMissing(v) {
		return js.Undefined(), false, nil
	}
	if k := kindOf(v); k != "function" {
		return js.Undefined(), false, argError("%s must be a function, got %s", name, k)
	}
	return v, true, nil
}

// arrayArg checks for an array of at most max elements and returns its
// length.
func arrayArg(v js.Value, name string, max int) (int, error) {
	if k := kindOf(v); k != "array" {
		return 0, argError("%s must be an array, got %s", name, k)
	}
	l, err := member(v, "length", name+".length")
	if err != nil {
		return 0, err
	}
	n, err := intArg(l, name+".length", 0, maxSafeInteger)
	if err != nil {
		return 0, err
	}
	if n > max {
		return 0, argError("%s has %d elements, at most %d are accepted", name, n, max)
	}
	return n, nil
}

// index reads the array element arr[i], named name[i].
func index(arr js.Value, i int, name string) (js.Value, string, error) {
	n := name + "[" + strconv.Itoa(i) + "]"
	v, err := member(arr, i, n)
	return v, n, err
}

// num formats a number as JS would, without exponents for integers.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Conversions from Go to JS.

// jsBytes copies b into a new Uint8Array, once.
func jsBytes(b []byte) js.Value {
	u := uint8ArrayClass.New(len(b))
	if len(b) > 0 {
		js.CopyBytesToJS(u, b)
	}
	return u
}

// jsBytesOrNull is jsBytes with nil as null.
func jsBytesOrNull(b []byte) js.Value {
	if b == nil {
		return js.Null()
	}
	return jsBytes(b)
}

// jsBigInt converts a uint64 without losing precision.
func jsBigInt(u uint64) js.Value {
	return bigIntFunc.Invoke(strconv.FormatUint(u, 10))
}

// newObject returns a fresh {}.
func newObject() js.Value { return objectClass.New() }

// jsArray converts a slice of values into a JS array.
func jsArray[T any](items []T, conv func(T) any) js.Value {
	a := arrayClass.New(len(items))
	for i, it := range items {
		a.SetIndex(i, conv(it))
	}
	return a
}
