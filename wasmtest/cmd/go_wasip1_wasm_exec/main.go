// Command go_wasip1_wasm_exec runs a GOOS=wasip1 test binary (or any wasip1
// command module) in wazero, for `go test -exec`:
//
//	go build -o bin/go_wasip1_wasm_exec ./wasmtest/cmd/go_wasip1_wasm_exec
//	GOOS=wasip1 GOARCH=wasm go test -exec "$PWD/bin/go_wasip1_wasm_exec" ./core/...
//
// With the binary on PATH under this name, `GOOS=wasip1 GOARCH=wasm go
// test ./core/...` finds it without -exec (the go command looks for
// go_$GOOS_$GOARCH_exec).
//
// The guest sees the host's file system at "/" and runs in the current
// directory (go test runs it in the package directory); compiled code is
// cached as wasirun.DefaultCacheDir says (WP_WAZERO_CACHE overrides it).
// The exit status is the guest's; a trap exits 1 with a message.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/welcome-pointers/wasm/wasmtest/wasirun"
)

func main() {
	os.Exit(run())
}

func run() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go_wasip1_wasm_exec module.wasm [args...]")
		return 2
	}
	path := os.Args[1]
	wasm, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_wasip1_wasm_exec:", err)
		return 1
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_wasip1_wasm_exec:", err)
		return 1
	}
	cache, err := wasirun.OpenCache(wasirun.DefaultCacheDir())
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_wasip1_wasm_exec: compilation cache:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := wasirun.Run(ctx, wasm, wasirun.Options{
		Name: filepath.Base(path),
		Args: os.Args[2:],
		Env:  wasirun.GoTestEnv(wd, os.TempDir()),
		// go test writes its test log and coverage next to the binary,
		// and tests may write anywhere the host user may: the whole file
		// system read-write, as Go's own wasip1 runner does.
		Mounts: []wasirun.Mount{{HostDir: "/", GuestPath: "/"}},
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Cache:  cache,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_wasip1_wasm_exec:", err)
		return 1
	}
	return int(res.ExitCode)
}
