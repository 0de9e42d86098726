// Package wasmscan reads the functions of a WebAssembly module and finds
// the conditional branches in them whose condition could depend on data,
// for the constant-time check of the X25519 and field code as the Go
// compiler emits it (branches_test.go).
//
// It decodes the binary format (core specification, plus the sign
// extension, saturating truncation and bulk memory instructions Go
// emits); it does not validate.
package wasmscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Module is the part of a module the scan needs.
type Module struct {
	// Imported is the number of imported functions: function index i >=
	// Imported is Code[i-Imported].
	Imported int
	// Names maps function indices to the names of the "name" section.
	Names map[uint32]string
	// Code holds the bodies of the defined functions.
	Code []Body
	// Types are the function types; FuncType[i] is function i's.
	Types    []FuncType
	FuncType []uint32
}

// FuncType is a function type's number of parameters and results.
type FuncType struct{ Params, Results int }

// Body is one function body.
type Body struct {
	Index  uint32 // function index (imports first)
	Locals int    // declared locals, parameters not included
	Instrs []Instr
}

// Instr is one decoded instruction.
type Instr struct {
	Op    Op
	Imm   int64    // the first immediate: index, label depth, constant, memory offset
	Table []uint32 // br_table's labels (the default last)
	Off   int      // offset of the opcode in the code section body
}

// Op is an opcode; the prefixed ones (0xfc) are 0xfc00 + sub-opcode.
type Op uint16

// The opcodes the scan treats specially.
const (
	OpUnreachable Op = 0x00
	OpBlock       Op = 0x02
	OpLoop        Op = 0x03
	OpIf          Op = 0x04
	OpElse        Op = 0x05
	OpEnd         Op = 0x0b
	OpBr          Op = 0x0c
	OpBrIf        Op = 0x0d
	OpBrTable     Op = 0x0e
	OpReturn      Op = 0x0f
	OpCall        Op = 0x10
	OpCallInd     Op = 0x11
	OpDrop        Op = 0x1a
	OpSelect      Op = 0x1b
	OpSelectT     Op = 0x1c
	OpLocalGet    Op = 0x20
	OpLocalSet    Op = 0x21
	OpLocalTee    Op = 0x22
	OpGlobalGet   Op = 0x23
	OpGlobalSet   Op = 0x24
	OpI32Const    Op = 0x41
	OpI64Const    Op = 0x42
	OpF32Const    Op = 0x43
	OpF64Const    Op = 0x44
)

// ErrFormat reports bytes that are not a WebAssembly module this package
// can read.
var ErrFormat = errors.New("wasmscan: malformed module")

// Parse reads a module.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) || binary.LittleEndian.Uint32(b[4:8]) != 1 {
		return nil, fmt.Errorf("%w: not a version 1 binary module", ErrFormat)
	}
	m := &Module{Names: map[uint32]string{}}
	r := &reader{b: b, p: 8}
	for r.p < len(r.b) {
		id := r.byte()
		size := r.u32()
		if r.err != nil || int(size) > len(r.b)-r.p {
			return nil, fmt.Errorf("%w: section header at %d", ErrFormat, r.p)
		}
		sec := &reader{b: r.b[r.p : r.p+int(size)]}
		r.p += int(size)
		switch id {
		case 0:
			if sec.name() == "name" {
				m.readNames(sec)
			}
		case 1:
			m.readTypes(sec)
		case 2:
			m.readImports(sec)
		case 3:
			n := sec.u32()
			for range n {
				m.FuncType = append(m.FuncType, sec.u32())
			}
		case 10:
			m.readCode(sec)
		}
		if sec.err != nil {
			return nil, fmt.Errorf("%w: section %d: %v", ErrFormat, id, sec.err)
		}
	}
	return m, r.err
}

// Func returns the body of the function with that name, or nil.
func (m *Module) Func(name string) *Body {
	for i := range m.Code {
		if m.Names[m.Code[i].Index] == name {
			return &m.Code[i]
		}
	}
	return nil
}

func (m *Module) readImports(r *reader) {
	n := r.u32()
	for range n {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case 0: // function
			m.FuncType = append(m.FuncType, r.u32())
			m.Imported++
		case 1: // table
			r.byte()
			r.limits()
		case 2: // memory
			r.limits()
		case 3: // global
			r.byte()
			r.byte()
		default:
			r.fail("import kind %d", kind)
		}
		if r.err != nil {
			return
		}
	}
}

func (m *Module) readTypes(r *reader) {
	n := r.u32()
	for range n {
		if r.byte() != 0x60 {
			r.fail("not a function type")
			return
		}
		var t FuncType
		t.Params = int(r.u32())
		r.p += t.Params
		t.Results = int(r.u32())
		r.p += t.Results
		m.Types = append(m.Types, t)
	}
}

// typeOf returns the type of function idx.
func (m *Module) typeOf(idx uint32) (FuncType, bool) {
	if int(idx) >= len(m.FuncType) || int(m.FuncType[idx]) >= len(m.Types) {
		return FuncType{}, false
	}
	return m.Types[m.FuncType[idx]], true
}

func (m *Module) readNames(r *reader) {
	for r.p < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.u32()
		if r.err != nil || int(size) > len(r.b)-r.p {
			r.fail("name subsection")
			return
		}
		sub := &reader{b: r.b[r.p : r.p+int(size)]}
		r.p += int(size)
		if id != 1 { // function names
			continue
		}
		n := sub.u32()
		for range n {
			idx := sub.u32()
			m.Names[idx] = sub.name()
			if sub.err != nil {
				r.err = sub.err
				return
			}
		}
	}
}

func (m *Module) readCode(r *reader) {
	n := r.u32()
	m.Code = make([]Body, 0, n)
	for i := range n {
		size := r.u32()
		if r.err != nil || int(size) > len(r.b)-r.p {
			r.fail("function %d size", i)
			return
		}
		fr := &reader{b: r.b[r.p : r.p+int(size)]}
		r.p += int(size)
		body := Body{Index: uint32(m.Imported) + i}
		groups := fr.u32()
		for range groups {
			body.Locals += int(fr.u32())
			fr.byte()
		}
		for fr.p < len(fr.b) && fr.err == nil {
			body.Instrs = append(body.Instrs, fr.instr())
		}
		if fr.err != nil {
			r.fail("function %d: %v", body.Index, fr.err)
			return
		}
		m.Code = append(m.Code, body)
	}
}

type reader struct {
	b   []byte
	p   int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at %d: "+format, append([]any{r.p}, args...)...)
	}
	r.p = len(r.b)
}

func (r *reader) byte() byte {
	if r.p >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.p]
	r.p++
	return c
}

func (r *reader) u32() uint32 {
	v := r.uleb(32)
	return uint32(v)
}

func (r *reader) uleb(bits uint) uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			r.fail("LEB128 too long")
			return 0
		}
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 || r.err != nil {
			return v
		}
	}
}

func (r *reader) sleb(bits uint) int64 {
	var v int64
	var shift uint
	for {
		if shift >= bits+7 {
			r.fail("LEB128 too long")
			return 0
		}
		c := r.byte()
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 || r.err != nil {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func (r *reader) name() string {
	n := r.u32()
	if r.err != nil || int(n) > len(r.b)-r.p {
		r.fail("name length")
		return ""
	}
	s := string(r.b[r.p : r.p+int(n)])
	r.p += int(n)
	return s
}

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.u32()
	}
	r.u32()
}

// instr decodes one instruction and its immediates.
func (r *reader) instr() Instr {
	in := Instr{Off: r.p}
	c := r.byte()
	in.Op = Op(c)
	switch {
	case c == 0x02 || c == 0x03 || c == 0x04: // block type: 0x40, a value type, or a type index
		if b := r.b[min(r.p, len(r.b)-1)]; b == 0x40 || b >= 0x6f && b <= 0x7f {
			r.byte()
		} else {
			r.sleb(33)
		}
	case c == 0x0c || c == 0x0d || c == 0x10 || c == 0x12 || // br, br_if, call, return_call
		c >= 0x20 && c <= 0x26 || c == 0xd2: // locals, globals, table.get/set, ref.func
		in.Imm = int64(r.u32())
	case c == 0x0e:
		n := r.u32()
		if r.err != nil || int(n) > len(r.b)-r.p {
			r.fail("br_table length")
			return in
		}
		in.Table = make([]uint32, n+1)
		for i := range in.Table {
			in.Table[i] = r.u32()
		}
	case c == 0x11 || c == 0x13: // call_indirect: type, table
		in.Imm = int64(r.u32())
		r.u32()
	case c == 0x1c:
		n := r.u32()
		for range n {
			r.byte()
		}
	case c >= 0x28 && c <= 0x3e: // loads and stores: align, offset
		r.u32()
		in.Imm = int64(r.u32())
	case c == 0x3f || c == 0x40:
		r.byte()
	case c == 0x41:
		in.Imm = r.sleb(32)
	case c == 0x42:
		in.Imm = r.sleb(64)
	case c == 0x43:
		r.p += 4
	case c == 0x44:
		r.p += 8
	case c == 0xd0:
		r.byte()
	case c == 0xfc:
		sub := r.u32()
		in.Op = 0xfc00 + Op(sub)
		switch sub {
		case 8: // memory.init
			in.Imm = int64(r.u32())
			r.byte()
		case 9, 13, 15, 16, 17:
			in.Imm = int64(r.u32())
		case 10:
			r.byte()
			r.byte()
		case 11:
			r.byte()
		case 12, 14:
			in.Imm = int64(r.u32())
			r.u32()
		default:
			if sub > 7 {
				r.fail("unknown 0xfc sub-opcode %d", sub)
			}
		}
	case c <= 0x01 || c == 0x05 || c == 0x0b || c == 0x0f || c == 0x1a || c == 0x1b ||
		c >= 0x45 && c <= 0xc4 || c == 0xd1:
		// no immediates
	default:
		r.fail("unknown opcode %#x", c)
	}
	if r.p > len(r.b) {
		r.fail("immediate past the end")
	}
	return in
}
