// Package cryptotest sizes the differential tests of the cryptographic
// packages (x25519, xwing, hpke), which run in every build: natively, as
// GOOS=js under Node and as wasip1 in wazero.
//
// `make test` runs a slice: the counts the tests ask for natively, a
// tenth of them under -short (the WebAssembly runs). `make crypto-check`
// sets WP_CRYPTO_CHECK=full and runs the full counts in all three builds.
// Only tests import it.
package cryptotest

import (
	"os"
	"testing"
)

// Env names the environment variable that selects the full counts
// (WP_CRYPTO_CHECK=full).
const Env = "WP_CRYPTO_CHECK"

// Full reports whether the full counts were asked for.
func Full() bool { return os.Getenv(Env) == "full" }

// N returns how many cases to run: full under WP_CRYPTO_CHECK=full,
// slice otherwise, and a tenth of slice (at least 1) under -short.
func N(slice, full int) int {
	switch {
	case Full():
		return full
	case testing.Short():
		return max(1, slice/10)
	}
	return slice
}
