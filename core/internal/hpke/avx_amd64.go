//go:build amd64 && !purego && !wasm

package hpke

import "golang.org/x/sys/cpu"

// circl's AVX2 Keccak returns without VZEROUPPER. The dirty upper halves
// of the YMM registers then slow every later SSE instruction (SHA-256 with
// SHA-NI ran 60-80x slower, about 100 µs per pointer), so the X-Wing calls
// clean up after it.
func clearUpperAVX() {
	if cpu.X86.HasAVX {
		vzeroupper()
	}
}

//go:noescape
func vzeroupper()
