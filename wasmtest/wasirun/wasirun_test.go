package wasirun_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/wasmtest/wasirun"
)

// command builds a tiny command module by hand (wasm binary format) that
// imports WASI's proc_exit and whose _start runs body.
func command(body ...byte) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	section := func(id byte, b []byte) []byte { return append([]byte{id, byte(len(b))}, b...) }
	mod := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	// types: 0 = (i32) -> (), 1 = () -> ()
	mod = append(mod, section(1, []byte{2, 0x60, 1, 0x7f, 0, 0x60, 0, 0})...)
	imp := []byte{1}
	imp = append(imp, str("wasi_snapshot_preview1")...)
	imp = append(imp, str("proc_exit")...)
	imp = append(imp, 0x00, 0)
	mod = append(mod, section(2, imp)...)
	mod = append(mod, section(3, []byte{1, 1})...)
	mod = append(mod, section(5, []byte{1, 0, 1})...) // WASI wants a memory
	exp := []byte{2}
	exp = append(exp, str("_start")...)
	exp = append(exp, 0x00, 1)
	exp = append(exp, str("memory")...)
	exp = append(exp, 0x02, 0)
	mod = append(mod, section(7, exp)...)
	code := append([]byte{0}, body...)
	code = append(code, 0x0b)
	mod = append(mod, section(10, append([]byte{1, byte(len(code))}, code...))...)
	return mod
}

func TestExitCodesAndTraps(t *testing.T) {
	ctx := context.Background()
	cache, err := wasirun.OpenCache("")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		wasm []byte
		code uint32
		trap bool
	}{
		{"returns", command(), 0, false},
		{"exit 0", command(0x41, 0, 0x10, 0), 0, false},
		{"exit 3", command(0x41, 3, 0x10, 0), 3, false},
		{"trap", command(0x00), 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := wasirun.Run(ctx, c.wasm, wasirun.Options{Name: c.name, Cache: cache})
			var trap *wasirun.TrapError
			if c.trap {
				if !errors.As(err, &trap) {
					t.Fatalf("got %v, want a TrapError", err)
				}
				return
			}
			if err != nil || res.ExitCode != c.code {
				t.Fatalf("got exit %d, %v; want %d", res.ExitCode, err, c.code)
			}
		})
	}
}

func TestCacheDirPolicy(t *testing.T) {
	t.Setenv(wasirun.CacheDirEnv, "off")
	if d := wasirun.DefaultCacheDir(); d != "" {
		t.Fatalf("with %s=off: %q", wasirun.CacheDirEnv, d)
	}
	dir := t.TempDir()
	t.Setenv(wasirun.CacheDirEnv, dir)
	if d := wasirun.DefaultCacheDir(); d != dir {
		t.Fatalf("with %s set: %q", wasirun.CacheDirEnv, d)
	}

	// OpenCache drops entries older than a week and keeps the others.
	old, fresh := filepath.Join(dir, "old"), filepath.Join(dir, "fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-8 * 24 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	c, err := wasirun.OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	c.Close(context.Background())
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("an entry older than a week survived: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("a fresh entry was removed: %v", err)
	}
}

// TestGoTestBinary runs a real GOOS=wasip1 Go test binary with the mounts
// and environment TestCoreSuite uses: it must find its testdata by a
// relative path, write to t.TempDir, see the real clocks and get random
// bytes, and a failing test must give a non-zero exit status.
func TestGoTestBinary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	ctx := context.Background()
	pkg := t.TempDir()
	files := map[string]string{
		"go.mod":          "module probe\n\ngo 1.24\n",
		"testdata/in.txt": "from testdata\n",
		"probe_test.go": `package probe

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnvironment(t *testing.T) {
	b, err := os.ReadFile("testdata/in.txt")
	if err != nil || string(b) != "from testdata\n" {
		t.Fatalf("testdata: %q %v", b, err)
	}
	wd, _ := os.Getwd()
	if want := os.Getenv("WANT_WD"); wd != want {
		t.Fatalf("working directory %q, want %q", wd, want)
	}
	p := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatalf("t.TempDir: %v", err)
	}
	if err := os.WriteFile("testdata/nope", []byte("x"), 0o644); err == nil {
		t.Fatal("the package directory is writable")
	}
	if y := time.Now().Year(); y < 2024 {
		t.Fatalf("wall clock says %d", y)
	}
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("slept %v", d)
	}
	r := make([]byte, 32)
	rand.Read(r)
	if string(r) == string(make([]byte, 32)) {
		t.Fatal("crypto/rand gave zeros")
	}
}

func TestMaybeFail(t *testing.T) {
	if os.Getenv("PROBE_FAIL") == "1" {
		t.Fatal("failing on purpose")
	}
}
`,
	}
	for name, body := range files {
		p := filepath.Join(pkg, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "probe.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, ".")
	build.Dir = pkg
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	wasm, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := wasirun.OpenCache("")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, fail := range []bool{false, true} {
		env := append(wasirun.GoTestEnv(pkg, tmp), "WANT_WD="+pkg)
		if fail {
			env = append(env, "PROBE_FAIL=1")
		}
		var out bytes.Buffer
		res, err := wasirun.Run(ctx, wasm, wasirun.Options{
			Name: "probe.test", Args: []string{"-test.v"}, Env: env,
			Mounts: wasirun.GoTestMounts(tmp), Stdout: &out, Stderr: &out, Cache: cache,
		})
		if err != nil {
			t.Fatalf("fail=%v: %v\n%s", fail, err, out.Bytes())
		}
		if fail != (res.ExitCode != 0) || !bytes.Contains(out.Bytes(), []byte("--- PASS: TestEnvironment")) {
			t.Fatalf("fail=%v: exit status %d\n%s", fail, res.ExitCode, out.Bytes())
		}
	}
}
