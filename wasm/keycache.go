//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/welcome-pointers/wasm/core"
)

// keyCache keeps the last loaded private keys (core.KeyCache): the app
// passes a key's bytes with every call, and expanding an X-Wing key costs
// about as much as opening a message.
var keyCache core.KeyCache

func cachedPrivateKey(alg core.Algorithm, priv []byte) (*core.PrivateKey, error) {
	return keyCache.Load(alg, priv)
}

// clearKeyCache() -> undefined: zeroes and forgets the cached keys.
func clearKeyCache([]js.Value) (any, error) {
	keyCache.Clear()
	return nil, nil
}

// disposed is closed by dispose: main returns and the Go runtime exits.
var disposed = make(chan struct{})

// dispose() -> undefined: clears the key cache and ends the program once
// this call returns (the JS side then zeroes the module's memory).
// Calling it again does nothing.
func dispose([]js.Value) (any, error) {
	keyCache.Clear()
	select {
	case <-disposed:
	default:
		close(disposed)
	}
	return nil, nil
}
