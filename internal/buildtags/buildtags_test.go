// Package buildtags checks that the browser bridge stays a thin platform
// layer: every file of wasm/ builds only for js/wasm, so native builds and
// the wasip1 reactor never pull it in.
package buildtags

import (
	"go/build/constraint"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func tagsFor(goos, goarch string) func(string) bool {
	return func(tag string) bool { return tag == goos || tag == goarch }
}

func checkDir(t *testing.T, dir, wantOS string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var expr constraint.Expr
			for _, line := range strings.Split(string(src), "\n") {
				if constraint.IsGoBuild(line) {
					if expr, err = constraint.Parse(line); err != nil {
						t.Fatalf("bad //go:build line: %v", err)
					}
					break
				}
				if strings.HasPrefix(line, "package ") {
					break
				}
			}
			if expr == nil {
				t.Fatalf("%s has no //go:build line; every file there must build only for %s/wasm", f, wantOS)
			}
			if !expr.Eval(tagsFor(wantOS, "wasm")) {
				t.Errorf("%s does not build for %s/wasm", f, wantOS)
			}
			for _, other := range [][2]string{{"linux", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}, {otherWasmOS(wantOS), "wasm"}, {wantOS, "amd64"}} {
				if expr.Eval(tagsFor(other[0], other[1])) {
					t.Errorf("%s also builds for %s/%s", f, other[0], other[1])
				}
			}
		})
	}
}

func otherWasmOS(goos string) string {
	if goos == "js" {
		return "wasip1"
	}
	return "js"
}

func TestWasmBridgeIsJSOnly(t *testing.T) { checkDir(t, "wasm", "js") }

// The browser module links neither the wasip1 ABI's codec nor the
// packages it would bring (encoding/json and reflection's encoders added
// about 130 kB brotli to the module when its memo used that codec).
func TestBrowserModuleDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./wasm")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, banned := range []string{"encoding/json", "github.com/welcome-pointers/wasm/wasip1/abi"} {
		if slices.Contains(deps, banned) {
			t.Errorf("the browser module links %s", banned)
		}
	}
}
