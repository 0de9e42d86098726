package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// sizeRow is one artifact: raw, gzip -9 and brotli -q 11 sizes.
type sizeRow struct {
	Name              string
	Raw, Gzip, Brotli int
	Reference         bool
}

// The deployed XMTP client's WebAssembly bundle, for reference (figures
// given in the issue).
var deployedClient = sizeRow{Name: "deployed XMTP client WASM (reference)", Raw: 12_800_000, Brotli: 2_900_000, Reference: true}

var sizedArtifacts = []struct{ name, path string }{
	{"browser module (GOOS=js)", "js/dist/welcome-pointers.wasm"},
	{"wasm_exec.js (the Go glue it needs)", "js/dist/wasm_exec.js"},
	{"wasip1 reactor", "dist/wasip1/welcome-pointers.wasm"},
}

func measureSizes(c *config, rep *report) error {
	if _, err := exec.LookPath("brotli"); err != nil {
		return fmt.Errorf("the brotli command is missing (scripts/setup.sh installs it): %w", err)
	}
	// brotli -q 11 takes seconds per module: one process per artifact.
	rows := make([]sizeRow, len(sizedArtifacts))
	errs := make([]error, len(sizedArtifacts))
	var wg sync.WaitGroup
	for i, a := range sizedArtifacts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := os.ReadFile(filepath.Join(c.root, a.path))
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w (build it with ./build.sh)", a.path, err)
				return
			}
			gz, err := gzipSize(b)
			if err != nil {
				errs[i] = err
				return
			}
			br, err := brotliSize(filepath.Join(c.root, a.path))
			if err != nil {
				errs[i] = err
				return
			}
			rows[i] = sizeRow{Name: a.name + " `" + a.path + "`", Raw: len(b), Gzip: gz, Brotli: br}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	rep.sizes = append(rep.sizes, rows...)
	rep.sizes = append(rep.sizes, deployedClient)
	return nil
}

func gzipSize(b []byte) (int, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(b); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return buf.Len(), nil
}

func brotliSize(path string) (int, error) {
	out, err := exec.Command("brotli", "-q", "11", "-c", path).Output()
	if err != nil {
		return 0, fmt.Errorf("brotli -q 11 %s: %w", filepath.Base(path), err)
	}
	return len(out), nil
}

// checkBudget fails when the browser module's brotli size is over budget.
func checkBudget(c *config, rep *report) error {
	if len(rep.sizes) == 0 {
		return fmt.Errorf("no module sizes (see the failure above)")
	}
	br := rep.sizes[0].Brotli
	rep.budget = &budgetResult{Limit: c.budget, Brotli: br}
	if br > c.budget {
		return fmt.Errorf("js/dist/welcome-pointers.wasm is %s bytes brotli -q 11, over the budget of %s bytes by %s bytes (%.1f%%)",
			thousands(br), thousands(c.budget), thousands(br-c.budget), 100*float64(br-c.budget)/float64(c.budget))
	}
	logf("size budget: %s bytes brotli, %s bytes (%.1f%%) under %s", thousands(br), thousands(c.budget-br),
		100*float64(c.budget-br)/float64(c.budget), thousands(c.budget))
	return nil
}

type budgetResult struct {
	Limit, Brotli int
}
