// Package wasirun runs GOOS=wasip1 command modules (such as test binaries
// built with `GOOS=wasip1 GOARCH=wasm go test -c`) in wazero: compiler
// mode, an optional compilation cache, crypto/rand as the random source,
// the real wall and monotonic clocks and sleep, the given directories
// mounted, and the guest's stdout and stderr passed to the given writers.
//
// It backs the core test suite runner (wasmtest) and the `go test -exec`
// program wasmtest/cmd/go_wasip1_wasm_exec.
package wasirun

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// Mount maps a host directory into the guest's file system.
type Mount struct {
	HostDir   string
	GuestPath string
	ReadOnly  bool
}

// Options describe one run.
type Options struct {
	// Name is argv[0]; the base name of the module file is customary.
	Name string
	// Args are the arguments after argv[0].
	Args []string
	// Env is the guest's environment as KEY=VALUE entries. Go's wasip1
	// port takes its working directory from PWD.
	Env []string
	// Mounts are the guest's preopened directories. Go's wasip1 port
	// resolves a path against the longest matching mount, so a writable
	// temporary directory may sit inside a read-only root.
	Mounts []Mount
	// Stdin, Stdout and Stderr default to empty, io.Discard and io.Discard.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Cache is the compilation cache; nil compiles afresh each time.
	Cache wazero.CompilationCache
}

// TrapError is a guest that ended without calling proc_exit: a wasm trap
// (unreachable, out-of-bounds access, stack overflow...) or a host error.
type TrapError struct {
	Name string
	Err  error
}

func (e *TrapError) Error() string {
	return fmt.Sprintf("%s: module trapped (no exit code): %v", e.Name, e.Err)
}

func (e *TrapError) Unwrap() error { return e.Err }

// Result is what a run that got as far as instantiation took.
type Result struct {
	ExitCode uint32
	// Compile is the time spent compiling (or loading from the cache);
	// Run is the time from instantiation to exit.
	Compile, Run time.Duration
}

// Run compiles and runs the command module wasm. A guest that exits,
// with any code, gives a nil error and its exit code; a trap gives a
// *TrapError. When ctx ends, the guest is stopped with
// sys.ExitCodeDeadlineExceeded or sys.ExitCodeContextCanceled.
func Run(ctx context.Context, wasm []byte, o Options) (Result, error) {
	var res Result
	rc := wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(true)
	if o.Cache != nil {
		rc = rc.WithCompilationCache(o.Cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	defer rt.Close(context.WithoutCancel(ctx))
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)

	start := time.Now()
	compileCtx := experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0))
	compiled, err := rt.CompileModule(compileCtx, wasm)
	if err != nil {
		return res, fmt.Errorf("%s: compiling: %w", o.Name, err)
	}
	res.Compile = time.Since(start)

	fsc := wazero.NewFSConfig()
	for _, m := range o.Mounts {
		if m.ReadOnly {
			fsc = fsc.WithReadOnlyDirMount(m.HostDir, m.GuestPath)
		} else {
			fsc = fsc.WithDirMount(m.HostDir, m.GuestPath)
		}
	}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{o.Name}, o.Args...)...).
		WithFSConfig(fsc).
		WithRandSource(rand.Reader).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithStdout(orDiscard(o.Stdout)).
		WithStderr(orDiscard(o.Stderr))
	if o.Stdin != nil {
		mc = mc.WithStdin(o.Stdin)
	}
	for _, kv := range o.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		mc = mc.WithEnv(k, v)
	}

	start = time.Now()
	mod, err := rt.InstantiateModule(ctx, compiled, mc)
	res.Run = time.Since(start)
	if mod != nil {
		mod.Close(context.WithoutCancel(ctx))
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
		return res, nil // _start returned or called proc_exit(0)
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		return res, nil
	}
	return res, &TrapError{Name: o.Name, Err: err}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// GoTestMounts are the mounts for a Go test binary: the host's file system
// read-only at "/" (so the test sees its package directory, testdata/
// and anything it reads by absolute or relative path at its real
// location), and tmpDir read-write at its own path for t.TempDir.
func GoTestMounts(tmpDir string) []Mount {
	return []Mount{
		{HostDir: "/", GuestPath: "/", ReadOnly: true},
		{HostDir: tmpDir, GuestPath: tmpDir},
	}
}

// GoTestEnv is the environment for a Go test binary run in dir: the host's
// environment with PWD set to dir (Go's wasip1 port takes its working
// directory from PWD) and TMPDIR to tmpDir.
func GoTestEnv(dir, tmpDir string) []string {
	env := make([]string, 0, len(os.Environ())+2)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PWD" || k == "TMPDIR" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PWD="+dir, "TMPDIR="+tmpDir)
}

// CacheDirEnv names the environment variable that overrides where the
// compilation cache lives: a directory, or "off" for no cache on disk.
const CacheDirEnv = "WP_WAZERO_CACHE"

// DefaultCacheDir is where compiled modules are kept between runs:
// $WP_WAZERO_CACHE when set ("" for "off"); "" in CI (CI set), where each
// run starts cold in a temporary directory; otherwise
// welcome-pointers-wazero in the user's cache directory.
func DefaultCacheDir() string {
	if v, ok := os.LookupEnv(CacheDirEnv); ok {
		if v == "off" {
			return ""
		}
		return v
	}
	if os.Getenv("CI") != "" {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "welcome-pointers-wazero")
}

// A persistent cache directory is pruned when opened: every changed test
// binary adds an entry of tens of MB and wazero never removes one, so
// entries older than maxCacheAge go, then the oldest until the rest fit in
// maxCacheBytes. A pruned entry costs one recompilation.
const (
	maxCacheAge   = 7 * 24 * time.Hour
	maxCacheBytes = 1 << 30
)

// OpenCache opens a compilation cache in dir, creating it and pruning it.
// An empty dir gives an in-memory cache.
func OpenCache(dir string) (wazero.CompilationCache, error) {
	if dir == "" {
		return wazero.NewCompilationCache(), nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	prune(dir, time.Now().Add(-maxCacheAge), maxCacheBytes)
	return wazero.NewCompilationCacheWithDir(dir)
}

func prune(dir string, before time.Time, maxBytes int64) {
	type entry struct {
		path string
		size int64
		mod  time.Time
	}
	var entries []entry
	var total int64
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if info.ModTime().Before(before) {
			_ = os.Remove(path)
			return nil
		}
		entries = append(entries, entry{path, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if total <= maxBytes {
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].mod.Before(entries[j].mod) })
	for _, e := range entries {
		if total <= maxBytes {
			return
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}
