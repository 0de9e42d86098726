// Command bench is the benchmark harness behind `make bench` and
// `make bench-quick` (scripts/bench.sh builds the modules and installs the
// Node dependencies first). It writes BENCHMARKS.md and an SVG chart.
//
//	go run ./bench                 full run: BENCHMARKS.md, bench/chart.svg
//	go run ./bench -quick          smoke run for CI: tiny sizes, one run
//	                               of everything, the module size budget;
//	                               output to a temporary directory
//
// What it measures, and how:
//
//   - Bytes per invite: real messages from core.SealInvite for N pointer-
//     capable installations (pointers), and for the same installations
//     without the 0xff04 extension (direct welcomes, sealed one by one
//     with core.SealDirect so that 2,500 copies of a 1.4 MB Welcome need
//     not sit in memory at once; for small invites the sum is checked
//     against core.SealInvite). The floor is one pointee plus N times the
//     smallest pointer message, both encoded by the core.
//   - Time: the same workload on every host, a median over several runs:
//     native Go (this process), the GOOS=js module in Node and in headless
//     Chromium (node/suite.mjs through the package's public API), the
//     wasip1 reactor in wazero (through wasip1/host). Peers: Go's
//     crypto/hpke MLKEM768X25519 (native) and @hpke's X-Wing (Node).
//   - Module size: raw, gzip -9 (compress/gzip) and brotli -q 11 (the
//     brotli command); -budget fails the run when the browser module's
//     brotli size is over it.
//   - Start-up: init() to the first call in Chromium (fresh browser
//     context each run), Node (fresh process each run) and wazero.
//   - Memory: native Go heap (runtime.ReadMemStats, sampled every
//     millisecond) and the WebAssembly memory size in Node, Chromium and
//     wazero, for a 1,000-installation invite with a 500 KB Welcome.
//
// The run counts its checks and ends with "bench: N passed, M failed"
// (bench-quick: in quick mode); any failure exits 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// BudgetBrotli is the largest allowed brotli size of the browser module.
const BudgetBrotli = 1_300_000

type config struct {
	quick    bool
	root     string
	out      string
	chart    string
	runs     int
	node     string
	chromium string
	budget   int
	browser  bool
}

// Sizes of the timed workloads.
type workload struct {
	Runs           int `json:"runs"`
	Keys           int `json:"keys"`
	SealN          int `json:"sealN"`
	OpenReps       int `json:"openReps"`
	InviteN        int `json:"inviteN"`
	InviteWelcome  int `json:"inviteWelcome"`
	PointeeWelcome int `json:"pointeeWelcome"`
	PointeeReps    int `json:"pointeeReps"`
	WarmN          int `json:"warmN"`
	PeerReps       int `json:"-"`
}

func (c *config) workload() workload {
	if c.quick {
		return workload{Runs: c.runs, Keys: 12, SealN: 3, OpenReps: 2, InviteN: 3, InviteWelcome: 4 << 10,
			PointeeWelcome: 4 << 10, PointeeReps: 2, WarmN: 3, PeerReps: 2}
	}
	return workload{Runs: c.runs, Keys: 1000, SealN: 100, OpenReps: 20, InviteN: 1000, InviteWelcome: 500_000,
		PointeeWelcome: 500_000, PointeeReps: 5, WarmN: 50, PeerReps: 40}
}

func main() {
	os.Exit(run())
}

func run() int {
	var c config
	flag.BoolVar(&c.quick, "quick", false, "smoke run: tiny sizes, one run each, output to a temporary directory")
	flag.StringVar(&c.out, "out", "", "the Markdown report (default BENCHMARKS.md; with -quick a temporary file)")
	flag.StringVar(&c.chart, "chart", "", "the SVG chart (default bench/chart.svg; with -quick next to -out)")
	flag.IntVar(&c.runs, "runs", 0, "runs per timed figure (default 5; 1 with -quick)")
	flag.StringVar(&c.node, "node", "node", "the node command")
	flag.StringVar(&c.chromium, "chromium", os.Getenv("CHROMIUM"), "the Chromium binary (default $CHROMIUM, else chromium on PATH)")
	flag.IntVar(&c.budget, "budget", BudgetBrotli, "largest allowed brotli size of js/dist/welcome-pointers.wasm, in bytes")
	flag.BoolVar(&c.browser, "browser", true, "run the headless Chromium figures")
	flag.Parse()

	prefix := "bench"
	if c.quick {
		prefix = "bench-quick"
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prefix, err)
		return 1
	}
	c.root = root
	if c.runs <= 0 {
		c.runs = 5
		if c.quick {
			c.runs = 1
		}
	}
	if c.out == "" {
		if c.quick {
			dir, err := os.MkdirTemp("", "bench-quick-")
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", prefix, err)
				return 1
			}
			c.out = filepath.Join(dir, "BENCHMARKS.md")
		} else {
			c.out = filepath.Join(root, "BENCHMARKS.md")
		}
	}
	if c.chart == "" {
		if c.quick {
			c.chart = filepath.Join(filepath.Dir(c.out), "chart.svg")
		} else {
			c.chart = filepath.Join(root, "bench", "chart.svg")
		}
	}
	if c.chromium == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			c.chromium = p
		}
	}

	rep := &report{cfg: &c, work: c.workload(), started: time.Now()}
	chk := &checker{prefix: prefix}
	rep.machine = describeMachine(&c)
	logf("%s: %s, %d CPUs, Go %s", prefix, rep.machine.CPU, rep.machine.NumCPU, runtime.Version())

	chk.do("module sizes", func() error { return measureSizes(&c, rep) })
	chk.do(fmt.Sprintf("size budget: browser module at most %s bytes brotli", thousands(c.budget)), func() error {
		return checkBudget(&c, rep)
	})
	chk.do("bytes per invite (real encoded messages)", func() error { return measureBytes(&c, rep) })
	chk.do("native Go timings and memory", func() error { return measureNative(&c, rep) })
	chk.do("Go crypto/hpke MLKEM768X25519 peer", func() error { return measureGoPeer(&c, rep) })
	chk.do("wasip1 reactor in wazero", func() error { return measureWazero(&c, rep) })
	chk.do("GOOS=js module in Node", func() error { return measureNode(&c, rep) })
	chk.do("@hpke X-Wing peer in Node", func() error { return measureNodePeer(&c, rep) })
	chk.do("js/bench/bench.mjs (the package's own bench)", func() error { return measureJSBench(&c, rep) })
	if c.browser {
		chk.do("GOOS=js module in headless Chromium", func() error { return measureChromium(&c, rep) })
	} else {
		rep.notes = append(rep.notes, "Chromium was skipped (-browser=false).")
	}
	if !c.quick {
		// Informational: these are other packages' benchmarks, which may
		// not build while their authors work on them.
		chk.optional("component benchmarks (native, GOOS=js in Node, wasip1 in wazero)", func() error { return measureComponents(&c, rep) }, rep)
		chk.optional("wasip1/host benchmarks (cross-check)", func() error { return measureHostBench(&c, rep) }, rep)
	}
	chk.do("write "+displayPath(&c, c.out)+" and "+displayPath(&c, c.chart), func() error { return rep.write() })

	fmt.Printf("%s: %d passed, %d failed\n", prefix, chk.passed, chk.failed)
	if chk.failed > 0 {
		for _, f := range chk.failures {
			fmt.Fprintf(os.Stderr, "%s: FAIL: %s\n", prefix, f)
		}
		return 1
	}
	return 0
}

// checker runs the harness's steps; each is one check.
type checker struct {
	prefix         string
	passed, failed int
	failures       []string
}

func (c *checker) do(name string, fn func() error) {
	start := time.Now()
	logf("%s: %s ...", c.prefix, name)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return fn()
	}()
	if err != nil {
		c.failed++
		c.failures = append(c.failures, name+": "+err.Error())
		fmt.Printf("%s: FAIL %s (%v): %v\n", c.prefix, name, time.Since(start).Round(time.Millisecond), err)
		return
	}
	c.passed++
	fmt.Printf("%s: ok   %s (%v)\n", c.prefix, name, time.Since(start).Round(time.Millisecond))
}

// optional runs an informational step: a failure becomes a note in the
// report and a warning, not a failed check.
func (c *checker) optional(name string, fn func() error, rep *report) {
	start := time.Now()
	logf("%s: %s ...", c.prefix, name)
	if err := fn(); err != nil {
		msg := strings.SplitN(err.Error(), "\n", 2)[0]
		rep.notes = append(rep.notes, fmt.Sprintf("Not measured: %s (%s).", name, msg))
		fmt.Fprintf(os.Stderr, "%s: %v\n", c.prefix, err)
		fmt.Printf("%s: warn %s (%v): %s\n", c.prefix, name, time.Since(start).Round(time.Millisecond), msg)
		return
	}
	fmt.Printf("%s: ok   %s (%v)\n", c.prefix, name, time.Since(start).Round(time.Millisecond))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// moduleRoot walks up from the working directory to go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/welcome-pointers/wasm\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the github.com/welcome-pointers/wasm module")
		}
		dir = parent
	}
}

// displayPath is p relative to the repository, or its base name: the
// report never names this machine's directories.
func displayPath(c *config, p string) string {
	if rel, err := filepath.Rel(c.root, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return filepath.Base(p)
}
