package host_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/welcome-pointers/wasm/internal/testenv"
	"github.com/welcome-pointers/wasm/wasip1/host"
	"github.com/welcome-pointers/wasm/wasmtest/wasirun"
)

// The reactor under test and the compilation cache every module of this
// test binary shares.
var (
	reactorWasm   []byte
	reactorSource string
	cache         wazero.CompilationCache
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	flag.Parse()
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "wasmtest-host-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	reactorWasm, reactorSource, err = testenv.Reactor(ctx, tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the wasip1 reactor:", err)
		return 1
	}
	buildTime := time.Since(start)

	dir := wasirun.DefaultCacheDir()
	if dir == "" {
		dir = tmp + "/wazero-cache"
	}
	cache, err = wasirun.OpenCache(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compilation cache:", err)
		return 1
	}
	defer cache.Close(ctx)
	if testing.Verbose() {
		fmt.Printf("reactor: %s, %d bytes, ready in %v; wazero cache %s\n", reactorSource, len(reactorWasm), buildTime.Round(time.Millisecond), dir)
	}
	return m.Run()
}

// newModule instantiates the reactor for one test and closes it after.
func newModule(tb testing.TB) *host.Module {
	tb.Helper()
	ctx := context.Background()
	m, err := host.New(ctx, reactorWasm, host.WithCompilationCache(cache))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close(ctx) })
	return m
}
