package wasmtest_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/welcome-pointers/wasm/internal/testenv"
	"github.com/welcome-pointers/wasm/wasmtest/wasirun"
)

// CoreFullEnv names the environment variable that, set to 1, runs the
// core test binaries without -test.short (full iteration counts).
const CoreFullEnv = "WP_CORE_TEST_FULL"

// CoreArgsEnv names the environment variable whose whitespace-separated
// words are added to every core test binary's arguments.
const CoreArgsEnv = "WP_CORE_TEST_ARGS"

var (
	cache    wazero.CompilationCache
	cacheDir string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	cacheDir = wasirun.DefaultCacheDir()
	if cacheDir == "" {
		tmp, err := os.MkdirTemp("", "wasmtest-wazero-cache-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		cacheDir = tmp
	}
	var err error
	cache, err = wasirun.OpenCache(cacheDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compilation cache:", err)
		return 1
	}
	defer cache.Close(context.Background())
	return m.Run()
}

// TestCoreSuite runs the test suite of every package under ./core/... as
// WebAssembly: GOOS=wasip1 test binaries in wazero.
func TestCoreSuite(t *testing.T) {
	ctx := context.Background()
	root, err := testenv.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := testenv.TestPackages(ctx, root, "./core/...")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("no package under ./core/... has tests")
	}
	start := time.Now()
	bins, err := testenv.BuildTests(ctx, root, t.TempDir(), pkgs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %d wasip1 test binaries in %v; wazero cache %s", len(bins), time.Since(start).Round(time.Millisecond), cacheDir)

	guestTmp := t.TempDir()
	// -test.v always: the summary counts the tests that ran and names
	// those that skipped. -test.short unless WP_CORE_TEST_FULL=1: every
	// test still runs, the randomized differential tests do a tenth of
	// their iterations (the native run does them all).
	args := []string{"-test.count=1", "-test.paniconexit0", "-test.v=true"}
	full := os.Getenv(CoreFullEnv) == "1"
	if !full {
		args = append(args, "-test.short")
	}
	runCtx := ctx
	if deadline, ok := t.Deadline(); ok {
		// Leave the binaries time to report before this test times out.
		inner := time.Until(deadline) - 30*time.Second
		args = append(args, "-test.timeout="+inner.String())
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, deadline.Add(-15*time.Second))
		t.Cleanup(cancel) // not defer: the parallel subtests run after this function returns
	}
	extra := strings.Fields(os.Getenv(CoreArgsEnv))
	args = append(args, extra...)

	suiteStart := time.Now()
	t.Cleanup(func() {
		mode := "-test.short (" + CoreFullEnv + "=1 for full iteration counts)"
		if full {
			mode = "full iteration counts"
		}
		t.Logf("core suite as wasm: %d packages in %v, %s, arguments %q", len(pkgs), time.Since(suiteStart).Round(time.Millisecond), mode, args)
	})
	for i, p := range pkgs {
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			rel = p.ImportPath
		}
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			wasm, err := os.ReadFile(bins[i])
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			var w io.Writer = &out
			if testing.Verbose() {
				pw := &prefixWriter{w: os.Stdout, prefix: "    [" + rel + "] "}
				defer pw.Flush()
				w = io.MultiWriter(&out, pw)
			}
			res, err := wasirun.Run(runCtx, wasm, wasirun.Options{
				Name:   filepath.Base(bins[i]),
				Args:   args,
				Env:    wasirun.GoTestEnv(p.Dir, guestTmp),
				Mounts: wasirun.GoTestMounts(guestTmp),
				Stdout: w,
				Stderr: w,
				Cache:  cache,
			})
			sum := summarize(out.Bytes())
			if err != nil {
				t.Fatalf("%s as wasm: %v\n--- output (RUN and PASS lines left out) ---\n%s", p.ImportPath, err, failureOutput(out.Bytes()))
			}
			if res.ExitCode != 0 {
				t.Fatalf("%s as wasm: the test binary exited with status %d (%s)\n--- output (RUN and PASS lines left out) ---\n%s", p.ImportPath, res.ExitCode, sum, failureOutput(out.Bytes()))
			}
			if sum.passed == 0 && len(extra) == 0 {
				t.Fatalf("%s as wasm: exit status 0 but no test passed\n%s", p.ImportPath, out.Bytes())
			}
			t.Logf("%s: PASS as wasm: %s (compile or cache load %v, run %v)", rel, sum, res.Compile.Round(time.Millisecond), res.Run.Round(time.Millisecond))
		})
	}
}

// summary counts the top-level results of a -test.v run.
type summary struct {
	passed, failed, skipped, fuzz int
	skippedNames                  []string
}

func (s summary) String() string {
	str := fmt.Sprintf("%d tests passed (%d of them fuzz targets with their seed corpora), %d failed, %d skipped", s.passed, s.fuzz, s.failed, s.skipped)
	if len(s.skippedNames) > 0 {
		str += " " + fmt.Sprint(s.skippedNames)
	}
	return str
}

func summarize(out []byte) summary {
	var s summary
	for _, line := range strings.Split(string(out), "\n") {
		result, rest, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		switch result {
		case "--- PASS":
			s.passed++
			if strings.HasPrefix(name, "Fuzz") {
				s.fuzz++
			}
		case "--- FAIL":
			s.failed++
		case "--- SKIP":
			s.skipped++
			s.skippedNames = append(s.skippedNames, name)
		}
	}
	return s
}

// failureOutput is a -test.v output without the lines that only say a
// test started or passed.
func failureOutput(out []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(out), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "=== ") || strings.HasPrefix(trimmed, "--- PASS: ") {
			continue
		}
		b.WriteString(line)
	}
	return b.Bytes()
}

// prefixWriter writes whole lines to w, each behind prefix, so the
// streamed output of parallel binaries stays readable and is not taken
// for this test's own (go test reads "--- FAIL" at the start of a line).
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

var stdoutMu sync.Mutex

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.emit(p.buf[:i+1])
		p.buf = p.buf[i+1:]
	}
}

func (p *prefixWriter) emit(line []byte) {
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	io.WriteString(p.w, p.prefix)
	p.w.Write(line)
}

// Flush writes a last line without a newline.
func (p *prefixWriter) Flush() {
	if len(p.buf) > 0 {
		p.emit(append(p.buf, '\n'))
		p.buf = nil
	}
}

// TestGoTestExec checks the `go test -exec` runner: a core package passes
// through it, and a failing test fails through it.
func TestGoTestExec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs extra binaries; TestCoreSuite covers the core")
	}
	ctx := context.Background()
	root, err := testenv.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "go_wasip1_wasm_exec")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./wasmtest/cmd/go_wasip1_wasm_exec")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the runner: %v\n%s", err, out)
	}
	env := append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", wasirun.CacheDirEnv+"="+cacheDir)

	// A passing package (its tests skipped: TestCoreSuite runs them).
	cmd := exec.CommandContext(ctx, "go", "test", "-exec", bin, "-count=1", "-run=^$", "./core/internal/wire")
	cmd.Dir, cmd.Env = root, env
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ok ")) {
		t.Fatalf("go test -exec on core/internal/wire: %v\n%s", err, out)
	}

	// A failing test in a throwaway module.
	mod := t.TempDir()
	files := map[string]string{
		"go.mod":         "module failing\n\ngo 1.24\n",
		"fail_test.go":   "package failing\n\nimport \"testing\"\n\nfunc TestFails(t *testing.T) { t.Fatal(\"failing on purpose\") }\n",
		"passes_test.go": "package failing\n\nimport \"testing\"\n\nfunc TestPasses(t *testing.T) {}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd = exec.CommandContext(ctx, "go", "test", "-exec", bin, "-count=1", ".")
	cmd.Dir, cmd.Env = mod, append(env, "GOWORK=off", "GOFLAGS=")
	out, err = cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("failing on purpose")) || !bytes.Contains(out, []byte("FAIL")) {
		t.Fatalf("go test -exec on a failing test: err %v\n%s", err, out)
	}
}
