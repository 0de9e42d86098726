package cryptotest

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"unsafe"
)

// DeadStack runs f on a goroutine of its own and returns a copy of the n
// bytes of stack where f's frames were, once f returned: what f and its
// callees left behind. Before f, the goroutine's stack is grown past n
// and that region zeroed, so whatever DeadStack finds there was written
// by f. Secrets found in it are secrets f did not clear. The inputs and
// outputs f uses should live on the heap (new, make).
//
// The garbage collector is off meanwhile: it could shrink the stack, that
// is move it to memory whose dead frames are someone else's.
func DeadStack(f func(), n int) []byte {
	if n > zeroedStack {
		panic("cryptotest: DeadStack can look at most 64 KiB deep")
	}
	out := make([]byte, n)
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	done := make(chan struct{})
	go func() {
		defer close(done)
		var marker byte
		// top is where zeroStack's zeroed array ended: f's frames start
		// there too, since it is called from the same frame.
		top := zeroStack()
		f()
		below := unsafe.Add(unsafe.Pointer(&marker), -int(uintptr(unsafe.Pointer(&marker))-top)-n)
		copy(out, unsafe.Slice((*byte)(below), n))
	}()
	<-done
	return out
}

const zeroedStack = 64 << 10

// zeroStack grows the stack past zeroedStack bytes, zeroes them, and
// returns the address just past them.
//
//go:noinline
func zeroStack() uintptr {
	var pad [zeroedStack]byte
	sink ^= pad[0] ^ pad[len(pad)-1] // a read: the compiler must zero it
	return uintptr(unsafe.Pointer(&pad[len(pad)-1])) + 1
}

var sink byte

// Find reports which of the secrets (each looked for as a whole and by
// its 16-byte pieces, in case a copy was partly overwritten) occur in
// stack, by their index.
func Find(stack []byte, secrets ...[]byte) []int {
	var found []int
	for i, s := range secrets {
		hit := bytes.Contains(stack, s)
		for off := 0; !hit && off+16 <= len(s); off += 8 {
			hit = bytes.Contains(stack, s[off:off+16])
		}
		if hit {
			found = append(found, i)
		}
	}
	return found
}
