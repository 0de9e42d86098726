package cryptotest

import (
	"bytes"
	"unsafe"
)

// DeadStack runs f on a goroutine of its own and returns a copy of the n
// bytes of stack just below the frame that called f, once f returned:
// the frames f and its callees left behind. Before f, the goroutine's
// stack is grown past n and that region zeroed, so whatever DeadStack
// finds there was written by f. Secrets found in it are secrets f did not
// clear. The inputs and outputs f uses should live on the heap (new, make).
func DeadStack(f func(), n int) []byte {
	out := make([]byte, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		zeroStack()
		var marker uint64
		f()
		below := unsafe.Add(unsafe.Pointer(&marker), -n)
		copy(out, unsafe.Slice((*byte)(below), n))
	}()
	<-done
	return out
}

const zeroedStack = 64 << 10

// zeroStack grows the stack to more than zeroedStack bytes, all zero.
//
//go:noinline
func zeroStack() byte {
	var pad [zeroedStack]byte
	return pad[len(pad)-1] // the array is really on the stack, and zeroed
}

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
