// Command timing runs the dudect timing check (core/internal/dudect) on
// the X25519 ladder, X-Wing decapsulation and pointee opening, and prints
// one JSON line per function, then {"done":true,"leak":...}. It exits 1
// if any function leaks. make timing-check runs it as GOOS=js in Node and
// in headless Chromium (scripts/timing-check.mjs), and natively.
//
//	timing [-seconds 20] [-only x25519-ladder,...] [-runtime name]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/welcome-pointers/wasm/core/internal/dudect"
)

func main() {
	seconds := flag.Float64("seconds", 20, "measuring time per function")
	only := flag.String("only", "", "comma-separated function names (default all)")
	runtime := flag.String("runtime", "", "a name for where this runs, copied into the output")
	flag.Parse()

	enc := json.NewEncoder(os.Stdout)
	leak := false
	for _, t := range dudect.Targets() {
		if *only != "" && !contains(strings.Split(*only, ","), t.Name()) {
			continue
		}
		res, err := dudect.Measure(t, time.Duration(*seconds*float64(time.Second)), rand.Uint64())
		if err != nil {
			fmt.Fprintf(os.Stderr, "timing: %s: %v\n", t.Name(), err)
			os.Exit(2)
		}
		leak = leak || res.Leak
		enc.Encode(struct {
			Runtime string `json:"runtime,omitempty"`
			dudect.Result
		}{*runtime, res})
		// In a browser, let the page's event loop run between functions.
		time.Sleep(time.Millisecond)
	}
	enc.Encode(map[string]any{"done": true, "leak": leak, "threshold": dudect.Threshold})
	if leak {
		os.Exit(1)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
