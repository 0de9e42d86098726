// Package testenv builds what the wasmtest tests run: the core's test
// binaries and the wasip1 reactor, for GOOS=wasip1 GOARCH=wasm, with the
// go command found on PATH. Everything it writes goes to directories the
// caller passes (temporary ones in tests).
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// ReactorEnv names the environment variable that points the tests at an
// already built reactor (for example dist/wasip1/welcome-pointers.wasm
// from ./build.sh wasip1) instead of building one.
const ReactorEnv = "WP_WASIP1_WASM"

// ModuleRoot is the directory of go.mod, found with `go env GOMOD` from
// the current directory.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := goCmd(ctx, "", nil, "env", "GOMOD")
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(out)
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("testenv: not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

// wasmEnv is the environment for a wasip1 build.
func wasmEnv() []string {
	return append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
}

func goCmd(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// TestPackage is a package with tests for GOOS=wasip1.
type TestPackage struct {
	ImportPath string
	Dir        string
}

// TestPackages lists the packages matching patterns (relative to root)
// that have test files when built for GOOS=wasip1.
func TestPackages(ctx context.Context, root string, patterns ...string) ([]TestPackage, error) {
	args := append([]string{"list", "-json=ImportPath,Dir,TestGoFiles,XTestGoFiles"}, patterns...)
	out, err := goCmd(ctx, root, wasmEnv(), args...)
	if err != nil {
		return nil, err
	}
	var pkgs []TestPackage
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath, Dir           string
			TestGoFiles, XTestGoFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("testenv: go list output: %v", err)
		}
		if len(p.TestGoFiles)+len(p.XTestGoFiles) > 0 {
			pkgs = append(pkgs, TestPackage{ImportPath: p.ImportPath, Dir: p.Dir})
		}
	}
	return pkgs, nil
}

// BuildTests compiles the test binary of each package into outDir with
// `GOOS=wasip1 GOARCH=wasm go test -c`, in one go command, and returns
// the binaries' paths in the order of pkgs.
func BuildTests(ctx context.Context, root, outDir string, pkgs []TestPackage) ([]string, error) {
	args := []string{"test", "-c", "-o", outDir + string(filepath.Separator)}
	paths := make([]string, len(pkgs))
	seen := map[string]string{}
	for i, p := range pkgs {
		base := p.ImportPath[strings.LastIndex(p.ImportPath, "/")+1:]
		if other, dup := seen[base]; dup {
			return nil, fmt.Errorf("testenv: %s and %s would both build %s.test", other, p.ImportPath, base)
		}
		seen[base] = p.ImportPath
		paths[i] = filepath.Join(outDir, base+".test")
		args = append(args, p.ImportPath)
	}
	if _, err := goCmd(ctx, root, wasmEnv(), args...); err != nil {
		return nil, err
	}
	return paths, nil
}

var versionRE = regexp.MustCompile(`(?m)^  "version": "(.*)",$`)

// Version is the version build.sh stamps into the reactor: the one in
// js/package.json, or "0.0.0-dev" when there is none.
func Version(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "js", "package.json"))
	if err == nil {
		if m := versionRE.FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	return "0.0.0-dev"
}

// BuildReactor builds the wasip1 reactor (./wasip1) into outDir as
// build.sh does: -trimpath, -buildmode=c-shared, -s -w, the version
// stamped in. It returns the module's path.
func BuildReactor(ctx context.Context, root, outDir, version string) (string, error) {
	out := filepath.Join(outDir, "welcome-pointers.wasm")
	_, err := goCmd(ctx, root, wasmEnv(), "build", "-trimpath", "-buildmode=c-shared",
		"-ldflags=-s -w -X main.version="+version, "-o", out, "./wasip1")
	if err != nil {
		return "", err
	}
	return out, nil
}

// Reactor returns the reactor module to test and where it came from: the
// file $WP_WASIP1_WASM names when set (a relative path is taken from the
// module root), otherwise a fresh build into
// tmpDir, so a fresh clone tests without build.sh having run.
func Reactor(ctx context.Context, tmpDir string) (wasm []byte, source string, err error) {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return nil, "", err
	}
	if p := os.Getenv(ReactorEnv); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		b, err := os.ReadFile(p)
		return b, os.Getenv(ReactorEnv), err
	}
	path, err := BuildReactor(ctx, root, tmpDir, Version(root))
	if err != nil {
		return nil, "", err
	}
	b, err := os.ReadFile(path)
	return b, "fresh build of ./wasip1", err
}
