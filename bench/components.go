package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// component is one benchmark of the core's internals on the three
// compilers: what a figure of the main table is made of.
type component struct {
	Name               string
	Native, JS, Wasip1 float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)

// componentPackages and componentBench select the core's own X-Wing and
// HPKE benchmarks (their authors' code; whatever matches is reported).
var (
	componentPackages = []string{"./core/internal/xwing", "./core/internal/hpke"}
	componentBench    = "EncapsulateParts|Encapsulate$|Decapsulate$|NewSenderSeal100B|^BenchmarkOpen$"
)

// Each benchmark runs componentCount times and the best is kept: the
// first benchmark of a package under V8 runs before WebAssembly tier-up.
const (
	componentBenchtime = "200ms"
	componentCount     = "3"
)

// measureComponents runs the component benchmarks natively, as GOOS=js in
// Node (the Go toolchain's go_js_wasm_exec) and as GOOS=wasip1 in wazero
// with the runtime configuration wasip1/host gives the reactor
// (compiler, no context-done checks).
func measureComponents(c *config, rep *report) error {
	goroot, err := goCommand(c, nil, "env", "GOROOT")
	if err != nil {
		return err
	}
	jsExec := filepath.Join(strings.TrimSpace(goroot), "lib", "wasm", "go_js_wasm_exec")
	results := map[string]*component{}
	var order []string
	record := func(out string, set func(*component, float64)) {
		for _, l := range strings.Split(out, "\n") {
			m := benchLine.FindStringSubmatch(strings.TrimSpace(l))
			if m == nil {
				continue
			}
			var v float64
			fmt.Sscan(m[2], &v)
			name := strings.TrimPrefix(m[1], "Benchmark")
			if results[name] == nil {
				results[name] = &component{Name: name}
				order = append(order, name)
			}
			set(results[name], v)
		}
	}
	best := func(set func(*component, float64), get func(*component) float64) func(*component, float64) {
		return func(c *component, v float64) {
			if old := get(c); old == 0 || v < old {
				set(c, v)
			}
		}
	}
	testArgs := []string{"-run", "^$", "-bench", componentBench, "-benchtime", componentBenchtime, "-count", componentCount}

	out, err := goCommand(c, nil, append(append([]string{"test"}, testArgs...), componentPackages...)...)
	if err != nil {
		return fmt.Errorf("go test -bench (native): %v\n%s", err, lastLines(out, 30))
	}
	record(out, best(func(c *component, v float64) { c.Native = v }, func(c *component) float64 { return c.Native }))

	out, err = goCommand(c, []string{"GOOS=js", "GOARCH=wasm"}, append(append([]string{"test", "-exec", jsExec}, testArgs...), componentPackages...)...)
	if err != nil {
		return fmt.Errorf("go test -bench (GOOS=js): %v\n%s", err, lastLines(out, 30))
	}
	record(out, best(func(c *component, v float64) { c.JS = v }, func(c *component) float64 { return c.JS }))

	tmp, err := os.MkdirTemp("", "bench-wasip1-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, pkg := range componentPackages {
		bin := filepath.Join(tmp, filepath.Base(pkg)+".test.wasm")
		if out, err := goCommand(c, []string{"GOOS=wasip1", "GOARCH=wasm"}, "test", "-c", "-o", bin, pkg); err != nil {
			return fmt.Errorf("go test -c %s (GOOS=wasip1): %v\n%s", pkg, err, lastLines(out, 30))
		}
		out, err := runWasip1(bin, "-test.run=^$", "-test.bench="+componentBench, "-test.benchtime="+componentBenchtime, "-test.count="+componentCount)
		if err != nil {
			return fmt.Errorf("%s as wasip1 in wazero: %v\n%s", pkg, err, lastLines(out, 30))
		}
		record(out, best(func(c *component, v float64) { c.Wasip1 = v }, func(c *component) float64 { return c.Wasip1 }))
	}
	if len(order) == 0 {
		return fmt.Errorf("no component benchmarks matched %q", componentBench)
	}
	for _, n := range order {
		rep.components = append(rep.components, *results[n])
	}
	return nil
}

// runWasip1 runs a wasip1 test binary in wazero and returns its output.
func runWasip1(path string, args ...string) (string, error) {
	ctx := context.Background()
	wasm, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	mc := wazero.NewModuleConfig().
		WithArgs(append([]string{filepath.Base(path)}, args...)...).
		WithRandSource(rand.Reader).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithStdout(&out).
		WithStderr(&out)
	mod, err := rt.InstantiateModule(ctx, compiled, mc)
	if mod != nil {
		mod.Close(ctx)
	}
	var exit *sys.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 0) {
		return out.String(), err
	}
	return out.String(), nil
}

// hostBench is one result of wasip1/host's benchmarks: ns/op and any
// other metric it reports (ns/pointer).
type hostBench struct {
	Name    string
	Metrics [][2]string // value, unit
}

var benchMetrics = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)

// measureHostBench runs the wazero host's own benchmarks (wasip1/host,
// another engineer's: reactor next to native Go) as a cross-check, on the
// reactor ./build.sh built.
func measureHostBench(c *config, rep *report) error {
	reactor := filepath.Join(c.root, "dist", "wasip1", "welcome-pointers.wasm")
	out, err := goCommand(c, []string{"WP_WASIP1_WASM=" + reactor},
		"test", "-run", "^$", "-bench", "Host|Native", "-benchtime", "1s", "-count", "1", "./wasip1/host")
	if err != nil {
		return fmt.Errorf("go test -bench ./wasip1/host: %v\n%s", err, lastLines(out, 30))
	}
	for _, l := range strings.Split(out, "\n") {
		m := benchMetrics.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		hb := hostBench{Name: strings.TrimPrefix(m[1], "Benchmark")}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			hb.Metrics = append(hb.Metrics, [2]string{f[i], f[i+1]})
		}
		rep.hostBench = append(rep.hostBench, hb)
	}
	if len(rep.hostBench) == 0 {
		return fmt.Errorf("wasip1/host has no benchmarks matching Host|Native")
	}
	return nil
}
