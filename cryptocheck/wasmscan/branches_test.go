package wasmscan

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The constant-time check of the X25519 ladder and field arithmetic as
// WebAssembly: every function of core/internal/x25519 that the compiler
// kept (the others were inlined into them), in the browser module
// (GOOS=js) and the wasip1 reactor, must have no conditional branch on a
// secret. Pointer parameters are public addresses; the non-pointer
// parameters are secret unless listed here.
var publicParams = map[string][]string{
	"feSquareN":  {"n"}, // a fixed count of squarings
	"feMulSmall": {"c"}, // a constant (121665)
}

// publicOnly are functions with no secret input at all, left out: the
// scan would take what they read from memory as secret.
var publicOnly = map[string]string{
	"computeBaseTable": "computes multiples of the base point, once",
}

const x25519Pkg = "github.com/welcome-pointers/wasm/core/internal/x25519"

// mustCheck are the functions that must be found out of line (so the
// check covers them, not only their inlined copies).
var mustCheck = []string{"ladder", "ScalarBaseMult", "feMul", "feSquare", "carry", "feInvert", "feToBytes"}

func TestX25519HasNoSecretBranch(t *testing.T) {
	root := moduleRoot(t)
	sigs := sourceSigs(t, filepath.Join(root, "core/internal/x25519"), x25519Pkg, publicParams)
	for _, target := range []struct{ name, goos, pkg string }{
		{"js", "js", "./wasm"},
		{"wasip1", "wasip1", "./wasip1"},
	} {
		t.Run(target.name, func(t *testing.T) {
			m := buildModule(t, root, target.goos, target.pkg)
			a := NewAnalysis(m, sigs)
			found := map[string]bool{}
			for _, name := range sortedKeys(sigs) {
				if m.Func(name) == nil {
					continue // inlined everywhere
				}
				short := name[strings.LastIndex(name, ".")+1:]
				found[short] = true
				if why, ok := publicOnly[short]; ok {
					t.Logf("%-16s skipped: %s", short, why)
					continue
				}
				branches, err := a.CheckBranches(name)
				if err != nil {
					t.Errorf("%s: %v", short, err)
					continue
				}
				counts := map[string]int{}
				for _, b := range branches {
					counts[b.Kind]++
					if b.Secret {
						t.Errorf("%s: branch on a secret: %v", short, b)
					}
				}
				t.Logf("%-16s %d branches: %v", short, len(branches), counts)
			}
			for _, f := range mustCheck {
				if !found[f] {
					t.Errorf("%s is not in the module as a function of its own", f)
				}
			}
		})
	}
}

// The check must see a secret-dependent branch and a secret memory
// index, or it proves nothing: testdata/leaky has both, next to the same
// code without them.
func TestLeakyCodeIsCaught(t *testing.T) {
	root := moduleRoot(t)
	dir := filepath.Join(root, "cryptocheck/wasmscan/testdata/leaky")
	const pkg = "main"
	sigs := sourceSigs(t, dir, pkg, map[string][]string{"publicLoop": {"n"}})
	m := buildModule(t, root, "js", "./cryptocheck/wasmscan/testdata/leaky")
	a := NewAnalysis(m, sigs)
	for _, c := range []struct {
		fn      string
		secret  bool
		errText string
	}{
		{"constantTimeSelect", false, ""},
		{"branchOnSecret", true, ""},
		{"earlyExitCompare", true, ""},
		{"publicLoop", false, ""},
		{"secretIndex", false, "secret address"},
		{"spilledCounter", false, ""},
	} {
		t.Run(c.fn, func(t *testing.T) {
			branches, err := a.CheckBranches("main." + c.fn)
			if c.errText != "" {
				if err == nil || !strings.Contains(err.Error(), c.errText) {
					t.Fatalf("err = %v, want one about a %s", err, c.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			secret := false
			for _, b := range branches {
				secret = secret || b.Secret
				t.Log(b)
			}
			if secret != c.secret {
				t.Errorf("secret branch found = %v, want %v", secret, c.secret)
			}
		})
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// buildModule builds pkg for GOOS=goos GOARCH=wasm as build.sh does, but
// keeps the name section (no -s) so functions can be found.
func buildModule(t *testing.T, root, goos, pkg string) *Module {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m.wasm")
	args := []string{"build", "-trimpath", "-o", out}
	if goos == "wasip1" {
		args = append(args, "-buildmode=c-shared")
	}
	cmd := exec.CommandContext(context.Background(), "go", append(args, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s for %s: %v\n%s", pkg, goos, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Names) == 0 {
		t.Fatal("the module has no name section")
	}
	return m
}

// wasmName is the name the Go linker gives a function in the name
// section: the import path with every byte other than [A-Za-z0-9_.] as '_'.
func wasmName(pkg, fn string) string {
	return regexp.MustCompile(`[^A-Za-z0-9_.]`).ReplaceAllString(pkg, "_") + "." + fn
}

// sourceSigs reads the signatures of the functions declared in dir's
// non-test Go files.
func sourceSigs(t *testing.T, dir, pkg string, public map[string][]string) map[string]Sig {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string]Sig{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil {
				continue
			}
			var sig Sig
			for _, field := range fd.Type.Params.List {
				_, ptr := field.Type.(*ast.StarExpr)
				if id, ok := field.Type.(*ast.Ident); !ptr && (!ok || !wordTypes[id.Name]) {
					t.Fatalf("%s: parameter of type %s: the scan knows 8-byte arguments only", fd.Name.Name, types.ExprString(field.Type))
				}
				names := field.Names
				if len(names) == 0 {
					names = []*ast.Ident{{Name: "_"}}
				}
				for _, n := range names {
					sig.Params = append(sig.Params, Param{Name: n.Name, Pointer: ptr, Public: contains(public[fd.Name.Name], n.Name)})
				}
			}
			if fd.Type.Results != nil {
				sig.Results = fd.Type.Results.NumFields()
			}
			sigs[wasmName(pkg, fd.Name.Name)] = sig
		}
	}
	return sigs
}

// wordTypes are the parameter types passed as one 8-byte word on wasm.
var wordTypes = map[string]bool{"int": true, "uint": true, "int64": true, "uint64": true, "uintptr": true,
	"int32": true, "uint32": true, "int16": true, "uint16": true, "int8": true, "uint8": true, "byte": true, "bool": true}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
