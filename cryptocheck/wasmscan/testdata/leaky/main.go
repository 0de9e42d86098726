// Command leaky holds code with and without secret-dependent branches
// and memory indices, for the tests of the scan that must tell them apart.
package main

import "os"

type fe [10]uint64

// constantTimeSelect selects by masking: no branch on the secret.
//
//go:noinline
func constantTimeSelect(h, f, g *fe, b uint64) {
	m := -b
	for i := range h {
		h[i] = f[i] ^ (m & (f[i] ^ g[i]))
	}
}

// branchOnSecret is the same with a branch.
//
//go:noinline
func branchOnSecret(h, f, g *fe, b uint64) {
	if b == 1 {
		*h = *g
	} else {
		*h = *f
	}
}

// earlyExitCompare returns at the first differing limb.
//
//go:noinline
func earlyExitCompare(f, g *fe) bool {
	for i := range f {
		if f[i] != g[i] {
			return false
		}
	}
	return true
}

// publicLoop runs a public number of times over secret data.
//
//go:noinline
func publicLoop(h *fe, n int) {
	for range n {
		for i := range h {
			h[i] = h[i]*h[i] + 1
		}
	}
}

var table [16]fe

// secretIndex reads a table at a secret position.
//
//go:noinline
func secretIndex(h *fe, k *[32]byte) {
	*h = table[k[0]&15]
}

// spilledCounter keeps its counter across calls (on the stack) while
// the callee writes through pointers into the frame.
//
//go:noinline
func spilledCounter(h *fe) {
	var a, b fe
	for i := 0; i < 100; i++ {
		constantTimeSelect(&a, h, &b, uint64(i&1))
		publicLoop(&a, 2)
		constantTimeSelect(h, &a, &b, 1)
	}
}

func main() {
	var f, g, h fe
	var k [32]byte
	os.Stdin.Read(k[:])
	f[0] = uint64(k[1])
	constantTimeSelect(&h, &f, &g, uint64(k[0]&1))
	branchOnSecret(&h, &f, &g, uint64(k[0]&1))
	if earlyExitCompare(&f, &g) {
		os.Stdout.Write([]byte{1})
	}
	publicLoop(&h, len(os.Args))
	secretIndex(&h, &k)
	spilledCounter(&h)
	os.Stdout.Write([]byte{byte(h[0])})
}
