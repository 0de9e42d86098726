//go:build wasip1

//lint:file-ignore U1000 the exports are called by the host (//go:wasmexport)

package main

import (
	"fmt"
	"unsafe"

	"github.com/welcome-pointers/wasm/wasip1/abi"
)

// The Go heap is garbage collected and does not know what the host holds.
// Every buffer handed to the host (a wp_alloc buffer or a result block)
// is kept reachable in pinned until wp_free, and Go's wasm GC does not
// move objects, so its address stays valid until then.
var (
	pinned      = map[uint32][]byte{}
	pinnedBytes uint64
)

// maxPinnedBytes bounds what the host may hold at once, so a host that
// never frees gets 0 from wp_alloc instead of a fatal out-of-memory.
const maxPinnedBytes = 1 << 30

// pin keeps b (at least one byte long) alive for the host and returns its
// address, or 0 when the host already holds too much.
func pin(b []byte) uint32 {
	if pinnedBytes+uint64(cap(b)) > maxPinnedBytes {
		return 0
	}
	b = b[:cap(b)]
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	pinned[p] = b
	pinnedBytes += uint64(len(b))
	return p
}

// wpAlloc returns a zeroed buffer of size bytes for the host to write a
// request into, or 0 when size exceeds abi.MaxAlloc or the host holds too
// much already. A size of 0 gets a valid 1-byte buffer. Free it with
// wp_free.
//
//go:wasmexport wp_alloc
func wpAlloc(size uint32) uint32 {
	if size > abi.MaxAlloc {
		return 0
	}
	return pin(make([]byte, max(size, 1)))
}

// wpFree releases a buffer from wp_alloc or a result block. It returns 0,
// or abi.Argument when ptr is not a live block (a double free, a pointer
// into the middle of a block, garbage). wp_free(0) is a no-op returning 0.
//
//go:wasmexport wp_free
func wpFree(ptr uint32) uint32 {
	if ptr == 0 {
		return uint32(abi.OK)
	}
	b, ok := pinned[ptr]
	if !ok {
		return uint32(abi.Argument)
	}
	delete(pinned, ptr)
	pinnedBytes -= uint64(len(b))
	return uint32(abi.OK)
}

// wpABIVersion returns abi.Version.
//
//go:wasmexport wp_abi_version
func wpABIVersion() uint32 { return abi.Version }

// wpLiveBlocks returns how many wp_alloc buffers and result blocks the
// host holds (allocated and not freed yet), for leak checks.
//
//go:wasmexport wp_live_blocks
func wpLiveBlocks() uint32 { return uint32(len(pinned)) }

// wpVersion returns a result block: str version.
//
//go:wasmexport wp_version
func wpVersion() uint32 { return pin(versionBlock()) }

// request returns the host's request bytes: in_len bytes at in_ptr, which
// must be the start of a live wp_alloc buffer at least that long. An
// empty request needs no buffer (in_ptr is then ignored).
func request(inPtr, inLen uint32) ([]byte, error) {
	if inLen == 0 {
		return nil, nil
	}
	b, ok := pinned[inPtr]
	if !ok {
		return nil, fmt.Errorf("in_ptr %#x is not the start of a live wp_alloc buffer", inPtr)
	}
	if int(inLen) > len(b) {
		return nil, fmt.Errorf("in_len %d exceeds the %d-byte buffer at %#x", inLen, len(b), inPtr)
	}
	return b[:inLen:inLen], nil
}

// operation runs the operation of an export and returns its pinned
// result block, or 0 when the block could not be allocated.
func operation(export string, inPtr, inLen uint32) uint32 {
	req, err := request(inPtr, inLen)
	if err != nil {
		return pin(errorBlock(abi.Argument, fmt.Sprintf("%s: %v", export, err)))
	}
	return pin(call(export, req))
}

// plain runs an operation that takes no request (wp_clear_key_cache) and
// returns its status.
func plain(export string) uint32 { return uint32(runPlain(export)) }
