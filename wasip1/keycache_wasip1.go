//go:build wasip1

package main

import "github.com/welcome-pointers/wasm/wasip1/abi"

// wpClearKeyCache zeroes and forgets the cached private keys; returns 0.
//
//go:wasmexport wp_clear_key_cache
func wpClearKeyCache() uint32 {
	keyCache.Clear()
	return uint32(abi.OK)
}
