package main

import "github.com/welcome-pointers/wasm/core"

// keyCache keeps the last loaded private keys (core.KeyCache): the host
// passes a key's bytes with every open request, and expanding an X-Wing
// key costs about as much as opening a message. wp_clear_key_cache
// clears it.
var keyCache core.KeyCache
