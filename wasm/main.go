//go:build js && wasm

// Command wasm is the browser module: a thin bridge over
// github.com/welcome-pointers/wasm/core for GOOS=js GOARCH=wasm.
//
// It registers one namespace object on globalThis, under the name the JS
// loader passes as "--namespace=NAME" in go.argv (default
// "__welcomePointers"), and then waits, so the exports stay callable,
// until dispose() ends it. The object carries the module's version (set
// at link time with -X main.version=...), so the loader can refuse a
// module built for another version of the JS package.
package main

import (
	"os"
	"strings"
	"syscall/js"
)

// version is the JS package's version, set with -ldflags "-X main.version=...".
var version = "dev"

const defaultNamespace = "__welcomePointers"

// namespaceName picks the global name from the arguments the loader set
// in go.argv; anything that is not a plain identifier is ignored.
func namespaceName(args []string) string {
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "--namespace="); ok && isIdentifier(name) {
			return name
		}
	}
	return defaultNamespace
}

func main() {
	js.Global().Set(namespaceName(os.Args), newNamespace())
	// The exports are callbacks into this program: it returns only once
	// disposed.
	<-disposed
	releaseNamespace()
}

// isIdentifier accepts [A-Za-z_$][A-Za-z0-9_$]*, at most 128 characters.
func isIdentifier(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
