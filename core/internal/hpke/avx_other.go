//go:build !wasm && (!amd64 || purego)

package hpke

func clearUpperAVX() {}
