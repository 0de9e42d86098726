package wasmscan

import (
	"fmt"
	"maps"
	"strings"
)

// The check is a taint analysis of one function as the Go compiler
// emits it for GOARCH=wasm (cmd/internal/obj/wasm):
//
//   - The Go stack lives in linear memory; global 0 is its pointer SP,
//     which each function keeps in local 1. Arguments and results are on
//     that stack above the return address, at entry SP + 8, + 16, ...;
//     the frame is below. Every address the analysis knows is SP + d, a
//     pointer parameter + offset, g (global 2) + offset, or a constant.
//   - A function is one wasm loop around a br_table on local 0 (PC_B):
//     Go jumps (loops included) set PC_B and branch back to the top, and
//     so does a goroutine resuming after a call. The analysis keeps one
//     state per PC_B value at the top, so the registers (wasm locals,
//     reused for anything) and stack slots of one jump target are not
//     mixed with another's.
//   - Every call returns an i32 that says whether to unwind the wasm
//     stack (goroutine switch): the branch on it is public.
//
// Secret are: the non-pointer parameters not declared public, and
// everything read from memory other than this function's own stack slots
// (and the runtime's g). A stack slot holds whatever was last stored to
// it; a call clobbers the callee's argument area and, through a pointer
// into this frame, the callee's write extent from that pointer (from a
// summary of the callee, or everything above the pointer if unknown).
// Arithmetic on a secret is secret. The branches checked are br_if, if,
// br_table and select (Go emits select for conditional moves): each whose
// condition is secret is reported, except an if whose body only panics
// (a nil or bounds check: it ends the program, it does not time it).

// Param describes one parameter of the Go function, in order, each one
// 8 bytes on the wasm stack (pointers, integers).
type Param struct {
	Name    string
	Pointer bool // an address: public, and what it points to is secret
	Public  bool // a non-pointer value that is public (a count, a constant)
}

// Sig is a Go function's parameters and the number of its results.
type Sig struct {
	Params  []Param
	Results int
}

// Branch is one conditional branch and what its condition depends on.
type Branch struct {
	Off    int    // offset of the instruction in the code section
	Op     string // "br_if", "if", "br_table", "select"
	Kind   string // what the condition is: see classify
	Secret bool   // the condition depends on a secret (and is not a panic check)
	Detail string
}

func (b Branch) String() string {
	s := fmt.Sprintf("%s at %#x: %s", b.Op, b.Off, b.Kind)
	if b.Detail != "" {
		s += " (" + b.Detail + ")"
	}
	return s
}

// Analysis holds what is known about a module's functions.
type Analysis struct {
	m    *Module
	sigs map[string]Sig // by wasm function name

	summaries map[uint32]*summary
}

// NewAnalysis prepares a module for CheckBranches. sigs gives the Go
// signature of the functions to check and of any callee whose write
// extents should be known precisely (others are treated conservatively).
func NewAnalysis(m *Module, sigs map[string]Sig) *Analysis {
	return &Analysis{m: m, sigs: sigs, summaries: map[uint32]*summary{}}
}

// summary is what a function does to its caller's memory.
type summary struct {
	argSize int64 // bytes of arguments and results it reads or writes
	// extent[i] is how far past pointer parameter i the function may
	// write (-1: unbounded).
	extent  map[int]int64
	pending bool
}

// CheckBranches analyses the named function and returns its conditional
// branches.
func (a *Analysis) CheckBranches(name string) ([]Branch, error) {
	body := a.m.Func(name)
	if body == nil {
		return nil, fmt.Errorf("wasmscan: no function %s", name)
	}
	sig, ok := a.sigs[name]
	if !ok {
		return nil, fmt.Errorf("wasmscan: no signature for %s", name)
	}
	in := a.newInterp(body, sig, true)
	if err := in.run(); err != nil {
		return nil, fmt.Errorf("wasmscan: %s: %w", name, err)
	}
	return in.branchList(), nil
}

// value kinds: what a value is known to be.
type kind uint8

const (
	kConst  kind = iota // a known constant c
	kSP                 // entry SP + c: an address in this function's stack
	kSPDyn              // entry SP + c + a public index
	kPtr                // pointer parameter p + c
	kPtrDyn             // pointer parameter p + c + a public index
	kG                  // the g pointer + c
	kCall               // a call's unwind flag
	kOpaque             // a word from memory or from a callee: secret, but may be a pointer
	kData               // anything else; secret or not
)

// Sources of a value, for reporting what a condition is.
const (
	srcConst uint8 = 1 << iota
	srcSP
	srcPtr
	srcG
	srcCall
	srcCounter // public integers from arithmetic: loop counters
)

type val struct {
	k      kind
	c      int64
	p      int
	secret bool
	src    uint8
}

func constVal(c int64) val { return val{k: kConst, c: c, src: srcConst} }

var (
	secretVal = val{k: kData, secret: true}
	opaqueVal = val{k: kOpaque, secret: true}
)

func (v val) isAddr() bool {
	return v.k == kSP || v.k == kSPDyn || v.k == kPtr || v.k == kPtrDyn || v.k == kG
}

func join(a, b val) val {
	if a == b {
		return a
	}
	if (a.k == kOpaque || a.isAddr()) && (b.k == kOpaque || b.isAddr()) {
		return opaqueVal
	}
	return val{k: kData, secret: a.secret || b.secret, src: a.src | b.src | srcCounter}
}

// state is the abstract machine state at a program point; nil is
// unreachable.
type state struct {
	locals []val
	slots  map[int64]val // by entry-relative address of an 8-byte slot
	sp     val           // global 0
	stack  []val
}

func (s *state) clone() *state {
	if s == nil {
		return nil
	}
	return &state{
		locals: append([]val(nil), s.locals...),
		slots:  maps.Clone(s.slots),
		sp:     s.sp,
		stack:  append([]val(nil), s.stack...),
	}
}

type interp struct {
	a      *Analysis
	body   *Body
	sig    Sig
	check  bool // record branches (false: only compute a summary)
	ends   map[int]int
	elses  map[int]int
	frames []*frame

	branches map[int]*Branch
	order    []int
	sum      *summary
	err      error
	at       int // offset of the instruction being interpreted
}

type frame struct {
	loop  bool
	exit  *state           // block: joined states branching to its end
	heads map[int64]*state // loop: states at its top, by PC_B (or -1)
	dirty map[int64]bool
}

func (a *Analysis) newInterp(body *Body, sig Sig, check bool) *interp {
	in := &interp{a: a, body: body, sig: sig, check: check,
		ends: map[int]int{}, elses: map[int]int{}, branches: map[int]*Branch{},
		sum: &summary{extent: map[int]int64{}}}
	var open []int
	for i, ins := range body.Instrs {
		switch ins.Op {
		case OpBlock, OpLoop, OpIf:
			open = append(open, i)
		case OpElse:
			if len(open) > 0 {
				in.elses[open[len(open)-1]] = i
			}
		case OpEnd:
			if len(open) > 0 {
				in.ends[open[len(open)-1]] = i
				open = open[:len(open)-1]
			}
		}
	}
	return in
}

// paramVal is the initial value in the argument slot at entry SP + d.
func (in *interp) paramVal(d int64) val {
	i := int((d - 8) / 8)
	if d < 8 || (d-8)%8 != 0 || i >= len(in.sig.Params) {
		return secretVal // results, or past the known arguments
	}
	p := in.sig.Params[i]
	switch {
	case p.Pointer:
		return val{k: kPtr, p: i, src: srcPtr}
	case p.Public:
		return val{k: kData, src: srcCounter}
	}
	return secretVal
}

func (in *interp) slotDefault(d int64) val {
	if d >= 8 {
		return in.paramVal(d)
	}
	return opaqueVal // an uninitialized slot holds garbage: maybe an old secret
}

func (in *interp) joinState(a, b *state) *state {
	if a == nil {
		return b.clone()
	}
	if b == nil {
		return a.clone()
	}
	out := &state{locals: make([]val, len(a.locals)), slots: map[int64]val{}, sp: join(a.sp, b.sp)}
	for i := range a.locals {
		out.locals[i] = join(a.locals[i], b.locals[i])
	}
	for d, v := range a.slots {
		w, ok := b.slots[d]
		if !ok {
			w = in.slotDefault(d)
		}
		out.slots[d] = join(v, w)
	}
	for d, w := range b.slots {
		if _, ok := a.slots[d]; !ok {
			out.slots[d] = join(in.slotDefault(d), w)
		}
	}
	n := min(len(a.stack), len(b.stack))
	out.stack = make([]val, n)
	for i := range n {
		out.stack[i] = join(a.stack[len(a.stack)-n+i], b.stack[len(b.stack)-n+i])
	}
	return out
}

func sameState(a, b *state) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.sp != b.sp || len(a.stack) != len(b.stack) || !maps.Equal(a.slots, b.slots) {
		return false
	}
	for i := range a.locals {
		if a.locals[i] != b.locals[i] {
			return false
		}
	}
	for i := range a.stack {
		if a.stack[i] != b.stack[i] {
			return false
		}
	}
	return true
}

func (in *interp) run() error {
	t, ok := in.a.m.typeOf(in.body.Index)
	if !ok {
		return fmt.Errorf("function %d has no type", in.body.Index)
	}
	st := &state{locals: make([]val, t.Params+in.body.Locals), slots: map[int64]val{}, sp: val{k: kSP, src: srcSP}}
	for i := range st.locals {
		st.locals[i] = constVal(0) // wasm zeroes locals; PC_B 0 is a fresh call
	}
	// The last instruction is the function's own end.
	in.block(0, len(in.body.Instrs)-1, st)
	return in.err
}

// block interprets instructions [from, to) and returns the state at to.
func (in *interp) block(from, to int, st *state) *state {
	for pc := from; pc < to && in.err == nil; pc++ {
		ins := in.body.Instrs[pc]
		switch ins.Op {
		case OpBlock:
			end := in.ends[pc]
			f := &frame{}
			in.frames = append(in.frames, f)
			out := in.block(pc+1, end, st)
			in.frames = in.frames[:len(in.frames)-1]
			st = in.joinState(out, f.exit)
			if out == nil && f.exit == nil {
				st = nil
			}
			pc = end
		case OpLoop:
			end := in.ends[pc]
			f := &frame{loop: true, heads: map[int64]*state{}, dirty: map[int64]bool{}}
			if st != nil {
				k := pcKey(st)
				f.heads[k], f.dirty[k] = st.clone(), true
			}
			in.frames = append(in.frames, f)
			var after *state
			for len(f.dirty) > 0 && in.err == nil {
				var k int64
				for k = range f.dirty {
					break
				}
				delete(f.dirty, k)
				after = in.joinOrNil(after, in.block(pc+1, end, f.heads[k].clone()))
			}
			in.frames = in.frames[:len(in.frames)-1]
			st = after
			pc = end
		case OpIf:
			var cond val
			if st != nil {
				cond = st.pop()
			}
			end := in.ends[pc]
			elseAt, hasElse := in.elses[pc]
			thenEnd := end
			if hasElse {
				thenEnd = elseAt
			}
			if st != nil {
				in.branch(pc, "if", cond, in.panics(pc+1, thenEnd))
			}
			f := &frame{}
			in.frames = append(in.frames, f)
			thenOut := in.block(pc+1, thenEnd, st.clone())
			elseOut := st
			if hasElse {
				elseOut = in.block(elseAt+1, end, st.clone())
			}
			in.frames = in.frames[:len(in.frames)-1]
			st = in.joinOrNil(in.joinOrNil(thenOut, elseOut), f.exit)
			pc = end
		case OpElse, OpEnd:
			in.err = fmt.Errorf("unbalanced %#x at %#x", ins.Op, ins.Off)
		default:
			if st != nil {
				st = in.step(pc, ins, st)
			}
		}
	}
	return st
}

func (in *interp) joinOrNil(a, b *state) *state {
	if a == nil && b == nil {
		return nil
	}
	return in.joinState(a, b)
}

// pcKey is the PC_B value (local 0) a state enters a loop with.
func pcKey(st *state) int64 {
	if v := st.locals[0]; v.k == kConst {
		return v.c
	}
	return -1
}

// branchTo merges st into the target of a branch of depth d.
func (in *interp) branchTo(d int64, st *state) {
	if d < 0 || int(d) >= len(in.frames) {
		return // the function's own block: a return
	}
	f := in.frames[len(in.frames)-1-int(d)]
	if !f.loop {
		f.exit = in.joinOrNil(f.exit, st)
		return
	}
	k := pcKey(st)
	old := f.heads[k]
	nw := in.joinOrNil(old, st)
	if !sameState(old, nw) {
		f.heads[k] = nw
		f.dirty[k] = true
	}
}

func (s *state) pop() val {
	if len(s.stack) == 0 {
		return secretVal
	}
	v := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	return v
}

func (s *state) push(v val) { s.stack = append(s.stack, v) }

// panics reports whether the instructions [from, to) call a runtime
// function that panics (a nil or bounds check's failure path).
func (in *interp) panics(from, to int) bool {
	for pc := from; pc < to; pc++ {
		if ins := in.body.Instrs[pc]; ins.Op == OpCall && isPanic(in.a.m.Names[uint32(ins.Imm)]) {
			return true
		}
	}
	return false
}

func isPanic(name string) bool {
	return name == "runtime.sigpanic" || strings.HasPrefix(name, "runtime.panic") || strings.HasPrefix(name, "runtime.goPanic")
}

func (in *interp) branch(pc int, op string, cond val, panicPath bool) {
	if !in.check {
		return
	}
	off := in.body.Instrs[pc].Off
	b := in.branches[off]
	if b == nil {
		b = &Branch{Off: off, Op: op}
		in.branches[off] = b
		in.order = append(in.order, off)
	}
	kind, secret := classify(cond, panicPath)
	if b.Kind == "" || secret {
		b.Kind = kind
	}
	b.Secret = b.Secret || secret
}

// classify names what a condition depends on, and whether it is a
// secret one that matters.
func classify(v val, panicPath bool) (string, bool) {
	if panicPath {
		if v.src&^(srcSP|srcPtr|srcConst) == 0 && !v.secret {
			return "nil check", false
		}
		return "bounds or nil check", false
	}
	switch {
	case v.secret:
		return "SECRET", true
	case v.k == kConst:
		return "constant", false
	case v.src == srcCall || v.k == kCall:
		return "unwind check (call result)", false
	case v.src&srcG != 0:
		return "stack check", false
	case v.src&srcCounter == 0 && v.src&(srcSP|srcPtr) != 0:
		return "alias check", false
	}
	return "loop counter", false
}

func (in *interp) branchList() []Branch {
	out := make([]Branch, 0, len(in.order))
	for _, off := range in.order {
		out = append(out, *in.branches[off])
	}
	return out
}

// addr combines an address value with a memory offset.
func (in *interp) addr(v val, off int64) val {
	switch v.k {
	case kConst, kSP, kSPDyn, kPtr, kPtrDyn, kG:
		v.c += off
	}
	return v
}

func (in *interp) load(st *state, a val, width int64) val {
	switch a.k {
	case kSP:
		base := a.c &^ 7
		v, ok := st.slots[base]
		if !ok {
			v = in.slotDefault(base)
		}
		if width == 8 && a.c == base {
			return v
		}
		return val{k: kData, secret: v.secret || v.isAddr(), src: v.src | srcCounter}
	case kG:
		return val{k: kData, src: srcG}
	case kData:
		if a.secret {
			in.fail("load from a secret address")
		}
	}
	// The frame at a public index, what a pointer points to, globals,
	// the heap: secret. A whole word may be a pointer to follow.
	if width == 8 {
		return opaqueVal
	}
	return secretVal
}

// clobber makes the frame slots in [lo, hi) secret (hi < lo: up to the
// top of the frame).
func (in *interp) clobber(st *state, lo, hi int64) {
	if hi < lo {
		hi = 0
	}
	for d := lo &^ 7; d < hi; d += 8 {
		st.slots[d] = opaqueVal
	}
	for d := range st.slots {
		if d >= lo&^7 && d < hi {
			st.slots[d] = opaqueVal
		}
	}
}

// lowestSlot is the lowest frame slot known, to bound an unbounded clobber.
func lowestSlot(st *state) int64 {
	lo := st.sp.c
	for d := range st.slots {
		lo = min(lo, d)
	}
	return lo
}

func (in *interp) store(st *state, a val, v val, width int64) {
	switch a.k {
	case kSP:
		if a.c >= 8 {
			in.noteParamWrite(a.c, width)
		}
		base := a.c &^ 7
		if width == 8 && a.c == base {
			st.slots[base] = v
			return
		}
		old, ok := st.slots[base]
		if !ok {
			old = in.slotDefault(base)
		}
		st.slots[base] = val{k: kData, secret: old.secret || v.secret || v.isAddr(), src: old.src | v.src | srcCounter}
		if end := a.c + width; end > base+8 {
			in.clobber(st, base+8, end)
		}
	case kSPDyn:
		in.clobber(st, a.c, -1)
	case kPtr:
		in.noteExtent(a.p, a.c+width)
	case kPtrDyn:
		in.noteExtent(a.p, -1)
	case kData, kOpaque:
		if a.k == kData && a.secret {
			in.fail("store to a secret address")
		}
		// Could be anywhere, this frame included.
		in.clobber(st, lowestSlot(st), -1)
	}
}

func (in *interp) noteExtent(p int, end int64) {
	old, ok := in.sum.extent[p]
	switch {
	case !ok:
		in.sum.extent[p] = end
	case old == -1 || end == -1:
		in.sum.extent[p] = -1
	default:
		in.sum.extent[p] = max(old, end)
	}
}

func (in *interp) noteParamWrite(d, width int64) {
	in.sum.argSize = max(in.sum.argSize, d-8+width)
}

func (in *interp) fail(msg string) {
	if in.check && in.err == nil {
		in.err = fmt.Errorf("%s at %#x", msg, in.at)
	}
}

// call applies a callee's effects on this frame.
func (in *interp) call(st *state, callee uint32, known bool) {
	sp := st.sp
	if sp.k != kSP {
		in.clobber(st, lowestSlot(st), -1)
		return
	}
	// After Go's call sequence SP points at the return address; the
	// arguments start 8 above.
	args := sp.c + 8
	var sum *summary
	name := in.a.m.Names[callee]
	if known {
		sum = in.a.summary(callee)
	}
	if name == "runtime.memmove" {
		// memmove(to, from, n): n bytes at to.
		to, n := st.slotOr(in, args), st.slotOr(in, args+16)
		if to.k == kSP && n.k == kConst {
			in.clobber(st, to.c, to.c+n.c)
		} else if to.k == kSP || to.k == kSPDyn {
			in.clobber(st, to.c, -1)
		} else if to.k == kPtr {
			in.noteExtent(to.p, -1)
		}
		in.clobber(st, args, args+24)
		return
	}
	if sum == nil || sum.pending {
		// Unknown callee: it may write anything above SP.
		in.clobber(st, args, -1)
		return
	}
	for i := int64(0); i*8 < sum.argSize; i++ {
		v := st.slotOr(in, args+8*i)
		ext, ok := sum.extent[int(i)]
		if !ok {
			continue
		}
		switch v.k {
		case kSP, kSPDyn:
			if ext < 0 || v.k == kSPDyn {
				in.clobber(st, v.c, -1)
			} else {
				in.clobber(st, v.c, v.c+ext)
			}
		case kPtr:
			if ext < 0 {
				in.noteExtent(v.p, -1)
			} else {
				in.noteExtent(v.p, v.c+ext)
			}
		case kPtrDyn:
			in.noteExtent(v.p, -1)
		default:
			in.clobber(st, lowestSlot(st), -1)
		}
	}
	in.clobber(st, args, args+sum.argSize)
}

// returned is the state after a call: the callee popped the return
// address.
func returned(st *state) {
	if st.sp.k == kSP {
		st.sp.c += 8
	}
}

func (s *state) slotOr(in *interp, d int64) val {
	if v, ok := s.slots[d]; ok {
		return v
	}
	return in.slotDefault(d)
}

// summary computes (once) what a function does to its caller's memory.
func (a *Analysis) summary(idx uint32) *summary {
	if s, ok := a.summaries[idx]; ok {
		return s
	}
	if int(idx) < a.m.Imported || int(idx)-a.m.Imported >= len(a.m.Code) {
		return nil
	}
	name := a.m.Names[idx]
	sig, ok := a.sigs[name]
	if !ok {
		return nil
	}
	a.summaries[idx] = &summary{pending: true}
	in := a.newInterp(&a.m.Code[int(idx)-a.m.Imported], sig, false)
	in.run()
	in.sum.argSize = max(in.sum.argSize, int64(8*(len(sig.Params)+sig.Results)))
	a.summaries[idx] = in.sum
	return in.sum
}

// step interprets one non-structured instruction.
func (in *interp) step(pc int, ins Instr, st *state) *state {
	in.at = ins.Off
	op := ins.Op
	switch {
	case op == OpUnreachable || op == OpReturn:
		return nil
	case op == 0x01: // nop
	case op == OpBr:
		in.branchTo(ins.Imm, st)
		return nil
	case op == OpBrIf:
		cond := st.pop()
		in.branch(pc, "br_if", cond, false)
		in.branchTo(ins.Imm, st)
	case op == OpBrTable:
		idx := st.pop()
		if idx.k == kConst {
			i := min(int(max(idx.c, 0)), len(ins.Table)-1)
			if idx.c < 0 || idx.c >= int64(len(ins.Table)) {
				i = len(ins.Table) - 1
			}
			in.branchTo(int64(ins.Table[i]), st)
			return nil
		}
		in.branch(pc, "br_table", idx, false)
		for _, l := range ins.Table {
			in.branchTo(int64(l), st)
		}
		return nil
	case op == OpCall || op == OpCallInd:
		var t FuncType
		ok := true
		if op == OpCall {
			t, ok = in.a.m.typeOf(uint32(ins.Imm))
		} else {
			st.pop() // the table index
			if ok = int(ins.Imm) < len(in.a.m.Types); ok {
				t = in.a.m.Types[ins.Imm]
			}
		}
		if !ok {
			in.err = fmt.Errorf("call of unknown type at %#x", ins.Off)
			return st
		}
		for range t.Params {
			st.pop()
		}
		if op == OpCall {
			// A panic does not come back, and morestack comes back only
			// to unwind (the function then starts again).
			if name := in.a.m.Names[uint32(ins.Imm)]; isPanic(name) || strings.HasPrefix(name, "runtime.morestack") {
				return nil
			}
		}
		in.call(st, uint32(ins.Imm), op == OpCall)
		returned(st)
		for range t.Results {
			st.push(val{k: kCall, src: srcCall})
		}
	case op == OpDrop:
		st.pop()
	case op == OpSelect || op == OpSelectT:
		c := st.pop()
		b, a := st.pop(), st.pop()
		in.branch(pc, "select", c, false)
		st.push(join(a, b))
	case op == OpLocalGet:
		st.push(st.locals[ins.Imm])
	case op == OpLocalSet:
		st.locals[ins.Imm] = st.pop()
	case op == OpLocalTee:
		v := st.pop()
		st.locals[ins.Imm] = v
		st.push(v)
	case op == OpGlobalGet:
		switch ins.Imm {
		case 0:
			st.push(st.sp)
		case 1, 2: // CTXT, g
			st.push(val{k: kG, src: srcG})
		default:
			st.push(secretVal)
		}
	case op == OpGlobalSet:
		v := st.pop()
		if ins.Imm == 0 {
			st.sp = v
		}
	case op >= 0x28 && op <= 0x35: // loads
		a := in.addr(st.pop(), ins.Imm)
		st.push(in.load(st, a, loadWidth[op-0x28]))
	case op >= 0x36 && op <= 0x3e: // stores
		v := st.pop()
		a := in.addr(st.pop(), ins.Imm)
		in.store(st, a, v, storeWidth[op-0x36])
	case op == 0x3f: // memory.size
		st.push(val{k: kData, src: srcCounter})
	case op == 0x40: // memory.grow
		st.pop()
		st.push(val{k: kData, src: srcCounter})
	case op == OpI32Const || op == OpI64Const:
		st.push(constVal(ins.Imm))
	case op == OpF32Const || op == OpF64Const:
		st.push(val{k: kData, src: srcCounter})
	case op == 0xfc0a: // memory.copy dst src n
		n, src, dst := st.pop(), st.pop(), st.pop()
		if src.k == kData && src.secret {
			in.fail("memory.copy from a secret address")
		}
		in.copyMem(st, dst, src, n)
	case op == 0xfc0b: // memory.fill dst val n
		n, v, dst := st.pop(), st.pop(), st.pop()
		in.copyMem(st, dst, v, n)
	case op >= 0xfc00 && op <= 0xfc07: // saturating truncations
		st.push(in.arith(op, st.pop()))
	case op >= 0xfc00:
		in.err = fmt.Errorf("unhandled instruction %#x at %#x", op, ins.Off)
	default:
		arity, ok := numericArity(op)
		if !ok {
			in.err = fmt.Errorf("unhandled instruction %#x at %#x", op, ins.Off)
			return st
		}
		args := make([]val, arity)
		for i := arity - 1; i >= 0; i-- {
			args[i] = st.pop()
		}
		st.push(in.arith(op, args...))
	}
	return st
}

// copyMem applies memory.copy / memory.fill to the frame.
func (in *interp) copyMem(st *state, dst, src, n val) {
	switch dst.k {
	case kSP:
		if n.k != kConst {
			in.clobber(st, dst.c, -1)
			return
		}
		for off := int64(0); off < n.c; off += 8 {
			v := secretVal
			switch src.k {
			case kSP:
				v = st.slotOr(in, (src.c+off)&^7)
				if (src.c+off)%8 != 0 {
					v = val{k: kData, secret: v.secret || v.isAddr(), src: v.src}
				}
			case kConst:
				v = constVal(0) // memory.fill with a constant
				if src.c != 0 {
					v = val{k: kData, src: srcCounter}
				}
			case kData:
				if !src.secret && dst.c%8 == 0 {
					v = src
				}
			}
			st.slots[(dst.c+off)&^7] = v
		}
	case kSPDyn:
		in.clobber(st, dst.c, -1)
	case kPtr:
		if n.k == kConst {
			in.noteExtent(dst.p, dst.c+n.c)
		} else {
			in.noteExtent(dst.p, -1)
		}
	case kPtrDyn:
		in.noteExtent(dst.p, -1)
	default:
		if dst.k == kData && dst.secret {
			in.fail("memory.copy to a secret address")
		}
		in.clobber(st, lowestSlot(st), -1)
	}
}

var loadWidth = [...]int64{4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4}
var storeWidth = [...]int64{4, 8, 4, 8, 1, 2, 1, 2, 4}

// numericArity is the number of operands of a numeric instruction.
func numericArity(op Op) (int, bool) {
	switch {
	case op == 0x45 || op == 0x50: // eqz
		return 1, true
	case op >= 0x46 && op <= 0x66: // comparisons
		return 2, true
	case op >= 0x67 && op <= 0x69, op >= 0x79 && op <= 0x7b: // clz ctz popcnt
		return 1, true
	case op >= 0x6a && op <= 0x78, op >= 0x7c && op <= 0x8a: // binary integer ops
		return 2, true
	case op >= 0x8b && op <= 0x91, op >= 0x99 && op <= 0x9f: // float unary
		return 1, true
	case op >= 0x92 && op <= 0x98, op >= 0xa0 && op <= 0xa6: // float binary
		return 2, true
	case op >= 0xa7 && op <= 0xc4: // conversions, sign extension
		return 1, true
	}
	return 0, false
}

// arith is the abstract result of a numeric instruction.
func (in *interp) arith(op Op, args ...val) val {
	secret := false
	var src uint8
	for _, a := range args {
		secret = secret || a.secret
		src |= a.src
	}
	switch op {
	case 0xad, 0xac, 0xa7: // i64.extend_i32_u, i64.extend_i32_s, i32.wrap_i64: addresses fit in 32 bits
		return args[0]
	case 0x45, 0x50: // eqz: a nil check keeps what it tests
		if a := args[0]; a.k == kOpaque || a.isAddr() {
			return val{k: kData, secret: a.secret, src: a.src | srcPtr}
		}
	case 0x6a, 0x7c: // add
		a, b := args[0], args[1]
		if a.k == kConst && b.k == kConst {
			return constVal(a.c + b.c)
		}
		if b.isAddr() {
			a, b = b, a
		}
		if b.k == kOpaque {
			a, b = b, a
		}
		if a.k == kOpaque && !b.secret {
			return a // a pointer from memory plus a public offset
		}
		if a.isAddr() {
			switch {
			case b.k == kConst:
				a.c += b.c
				return a
			case !b.secret && !b.isAddr():
				if a.k == kSP {
					a.k = kSPDyn
				} else if a.k == kPtr {
					a.k = kPtrDyn
				}
				if a.k == kSPDyn || a.k == kPtrDyn {
					a.src |= b.src
					return a
				}
			}
		}
	case 0x6b, 0x7d: // sub
		a, b := args[0], args[1]
		if a.k == kConst && b.k == kConst {
			return constVal(a.c - b.c)
		}
		if (a.k == kSP || a.k == kPtr || a.k == kG) && b.k == kConst {
			a.c -= b.c
			return a
		}
		if a.k == kOpaque && b.k == kConst {
			return a
		}
	}
	if len(args) == 2 && args[0].k == kConst && args[1].k == kConst {
		src = srcConst
	}
	return val{k: kData, secret: secret, src: src | srcCounter}
}
