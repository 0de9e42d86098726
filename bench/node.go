package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// suiteOutput is what node/suite.mjs returns, in Node or in Chromium.
type suiteOutput struct {
	Mode    string `json:"mode"`
	Metrics map[string]struct {
		SamplesNs    []float64 `json:"samples_ns"`
		N            int       `json:"n"`
		WelcomeBytes int       `json:"welcome_bytes"`
	} `json:"metrics"`
	Memory map[string]struct {
		WasmBytes   *uint64 `json:"wasm_bytes"`
		JSHeapBytes *uint64 `json:"js_heap_bytes"`
	} `json:"memory"`
}

// suiteHost is one run of node/suite.mjs: the host it stands for, how it
// seals and opens (suite.mjs's mode), and the figures it must report.
type suiteHost struct {
	Host string         `json:"host"`
	Mode map[string]any `json:"mode"`
	want []string
	// memory: the WebAssembly memory of this run is the host's (the
	// WebAssembly path's runs).
	memory bool
}

var (
	allFigures  = []string{mKeygen, mInvite, mSeal, mOpen, mPointee}
	poolFigures = []string{mInvite, mSeal}
)

// The suite's runs in Node and in Chromium: the WebAssembly path, the
// native path (Chromium only: Node 20's WebCrypto has no X-Wing), the pool.
var (
	nodeSuites = []suiteHost{
		{Host: hostNode, Mode: map[string]any{"webCrypto": "never"}, want: allFigures, memory: true},
		{Host: hostNodePool, Mode: map[string]any{"webCrypto": "never", "workers": "auto", "only": poolFigures}, want: poolFigures},
	}
	chromiumSuites = []suiteHost{
		{Host: hostChromium, Mode: map[string]any{"webCrypto": "never", "only": allFigures}, want: allFigures, memory: true},
		{Host: hostChromiumNative, Mode: map[string]any{"webCrypto": "require", "only": append([]string{"webcrypto_kem"}, allFigures...)},
			want: append([]string{mWebCryptoEncaps, mWebCryptoDecaps}, allFigures...)},
		{Host: hostChromiumPool, Mode: map[string]any{"webCrypto": "require", "workers": "auto", "only": poolFigures}, want: poolFigures},
	}
)

func (s *suiteOutput) store(rep *report, sh suiteHost) error {
	host := sh.Host
	for _, name := range sh.want {
		m, ok := s.Metrics[name]
		if !ok || len(m.SamplesNs) == 0 {
			return fmt.Errorf("%s: the suite reported no %s", host, name)
		}
	}
	for name, m := range s.Metrics {
		rep.put(host, name, fromSamples(m.SamplesNs, m.N))
	}
	if !sh.memory {
		return nil
	}
	get := func(label string) (wasm, heap uint64) {
		v := s.Memory[label]
		if v.WasmBytes != nil {
			wasm = *v.WasmBytes
		}
		if v.JSHeapBytes != nil {
			heap = *v.JSHeapBytes
		}
		return
	}
	mem := &wasmMemory{}
	mem.AfterInit, _ = get("after_init")
	mem.AfterKeys, _ = get("after_keys")
	mem.AfterInvite, mem.JSHeapAfterInvite = get("after_invite")
	mem.End, _ = get("end")
	if mem.AfterInvite == 0 {
		return fmt.Errorf("%s: the module's WebAssembly memory was not reachable", host)
	}
	rep.setMemory(host, mem)
	return nil
}

// runNode runs a Node script and returns its stdout lines; stderr is
// passed through and its tail kept for the error.
func runNode(c *config, env []string, args ...string) ([]string, error) {
	cmd := exec.Command(c.node, args...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	tail := &tailWriter{max: 4096}
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, tail)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("node %s: %v\n%s", strings.Join(displayArgs(args), " "), err, tail.String())
	}
	var lines []string
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, sc.Err()
}

func displayArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if len(a) > 60 {
			a = a[:57] + "..."
		}
		out[i] = a
	}
	return out
}

type tailWriter struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func decodeLine(line string, v any) error {
	if err := json.Unmarshal([]byte(line), v); err != nil {
		return fmt.Errorf("cannot parse %q: %v", line, err)
	}
	return nil
}

const nodeBench = "bench/node/node-bench.mjs"

// startupFigures is init() to the first call, one sample per fresh
// process or browser context, in nanoseconds.
type startupFigures struct {
	Total, Init, FirstCall, Fetch *timing
	Note                          string
}

func measureNode(c *config, rep *report) error {
	st := &startupFigures{Total: &timing{N: 1}, Init: &timing{N: 1}, FirstCall: &timing{N: 1}}
	for range c.runs {
		lines, err := runNode(c, nil, nodeBench, "startup")
		if err != nil {
			return err
		}
		var r struct {
			InitMs      float64 `json:"init_ms"`
			FirstCallMs float64 `json:"first_call_ms"`
			TotalMs     float64 `json:"total_ms"`
		}
		if len(lines) != 1 {
			return fmt.Errorf("node startup: %d lines of output", len(lines))
		}
		if err := decodeLine(lines[0], &r); err != nil {
			return err
		}
		st.Total.Samples = append(st.Total.Samples, r.TotalMs*1e6)
		st.Init.Samples = append(st.Init.Samples, r.InitMs*1e6)
		st.FirstCall.Samples = append(st.FirstCall.Samples, r.FirstCallMs*1e6)
	}
	rep.setStartup(hostNode, st)

	for _, sh := range nodeSuites {
		cfg, _ := json.Marshal(struct {
			workload
			Mode map[string]any `json:"mode"`
		}{rep.work, sh.Mode})
		lines, err := runNode(c, nil, nodeBench, "suite", string(cfg))
		if err != nil {
			return err
		}
		if len(lines) != 1 {
			return fmt.Errorf("node suite %s: %d lines of output", sh.Host, len(lines))
		}
		var s suiteOutput
		if err := decodeLine(lines[0], &s); err != nil {
			return err
		}
		if err := s.store(rep, sh); err != nil {
			return err
		}
	}
	return nil
}

func measureNodePeer(c *config, rep *report) error {
	pt := rep.pointerPlaintext
	if pt == 0 {
		var err error
		if pt, err = pointerPlaintextSize(); err != nil {
			return err
		}
	}
	cfg, _ := json.Marshal(map[string]int{"runs": c.runs, "reps": rep.work.PeerReps, "plaintext": pt})
	lines, err := runNode(c, nil, nodeBench, "peer", string(cfg))
	if err != nil {
		return err
	}
	if len(lines) != 1 {
		return fmt.Errorf("node peer: %d lines of output", len(lines))
	}
	var s suiteOutput
	if err := decodeLine(lines[0], &s); err != nil {
		return err
	}
	for _, name := range []string{mSeal, mOpen} {
		m := s.Metrics[name]
		if len(m.SamplesNs) == 0 {
			return fmt.Errorf("node peer: no %s", name)
		}
		rep.put(peerNode, name, fromSamples(m.SamplesNs, m.N))
	}
	return nil
}

// jsBenchLine is one result of js/bench/bench.mjs: a time per op, or a
// count (Count set: fetches in the flood simulation of js/bench/flood.mjs).
type jsBenchLine struct {
	Name    string  `json:"name"`
	NsPerOp float64 `json:"ns_per_op"`
	N       int     `json:"n"`
	Count   *int64  `json:"count,omitempty"`
}

// measureJSBench runs the js package's own bench (js/bench/bench.mjs,
// what scripts/bench-js.sh runs) and keeps its JSON lines as a cross-check.
func measureJSBench(c *config, rep *report) error {
	var env []string
	if c.quick {
		env = []string{"BENCH_INSTALLATIONS=3", "BENCH_SEAL_RUNS=1", "BENCH_OPEN_RUNS=2", "BENCH_WELCOME_BYTES=4096",
			"BENCH_FLOOD_RECORDS=200", "BENCH_FLOOD_HOURS=2"}
	}
	lines, err := runNode(c, env, "js/bench/bench.mjs")
	if err != nil {
		return err
	}
	for _, l := range lines {
		var r jsBenchLine
		if err := decodeLine(l, &r); err != nil {
			return err
		}
		rep.jsBench = append(rep.jsBench, r)
	}
	if len(rep.jsBench) == 0 {
		return fmt.Errorf("js/bench/bench.mjs printed no results")
	}
	rep.jsBenchEnv = env
	return nil
}

// benchServer serves js/ under /js/ and bench/node's page under /bench/,
// cross-origin isolated (COOP/COEP), so performance.now() has 5 µs
// resolution, and uncached.
func benchServer(root string) *httptest.Server {
	types := map[string]string{
		".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
		".wasm": "application/wasm", ".html": "text/html; charset=utf-8", ".json": "application/json",
	}
	serve := func(w http.ResponseWriter, r *http.Request, file string) {
		ct, ok := types[path.Ext(file)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		http.ServeFile(w, r, file)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/js/", func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean(r.URL.Path)
		rel := strings.TrimPrefix(p, "/js/")
		if !(strings.HasPrefix(rel, "src/") || strings.HasPrefix(rel, "dist/")) || strings.Contains(rel, "/.") {
			http.NotFound(w, r)
			return
		}
		serve(w, r, filepath.Join(root, "js", filepath.FromSlash(rel)))
	})
	mux.HandleFunc("/bench/", func(w http.ResponseWriter, r *http.Request) {
		switch name := strings.TrimPrefix(path.Clean(r.URL.Path), "/bench/"); name {
		case "page.html", "suite.mjs":
			serve(w, r, filepath.Join(root, "bench", "node", name))
		default:
			http.NotFound(w, r)
		}
	})
	return httptest.NewServer(mux)
}

func measureChromium(c *config, rep *report) error {
	if c.chromium == "" {
		return fmt.Errorf("no Chromium: install Debian's chromium package (scripts/setup.sh does) or set CHROMIUM")
	}
	srv := benchServer(c.root)
	defer srv.Close()
	cfg, _ := json.Marshal(map[string]any{"chromium": c.chromium, "startupRuns": c.runs, "suite": rep.work, "suites": chromiumSuites})
	lines, err := runNode(c, nil, "bench/node/chromium.mjs", srv.URL+"/", string(cfg))
	if err != nil {
		return err
	}
	st := &startupFigures{Total: &timing{N: 1}, Init: &timing{N: 1}, FirstCall: &timing{N: 1}, Fetch: &timing{N: 1}}
	gotSuites := 0
	for _, l := range lines {
		var head struct {
			Mode    string `json:"mode"`
			Version string `json:"version"`
			Host    string `json:"host"`
		}
		if err := decodeLine(l, &head); err != nil {
			return err
		}
		switch head.Mode {
		case "browser":
			rep.machine.Chromium = head.Version
		case "startup":
			var r struct {
				InitMs      float64  `json:"init_ms"`
				FirstCallMs float64  `json:"first_call_ms"`
				TotalMs     float64  `json:"total_ms"`
				FetchMs     *float64 `json:"wasm_fetch_ms"`
				Isolated    bool     `json:"cross_origin_isolated"`
			}
			if err := decodeLine(l, &r); err != nil {
				return err
			}
			st.Total.Samples = append(st.Total.Samples, r.TotalMs*1e6)
			st.Init.Samples = append(st.Init.Samples, r.InitMs*1e6)
			st.FirstCall.Samples = append(st.FirstCall.Samples, r.FirstCallMs*1e6)
			if r.FetchMs != nil {
				st.Fetch.Samples = append(st.Fetch.Samples, *r.FetchMs*1e6)
			}
			if !r.Isolated {
				st.Note = "the page was not cross-origin isolated: timer resolution 100 µs"
			}
		case "suite":
			var s suiteOutput
			if err := decodeLine(l, &s); err != nil {
				return err
			}
			i := slices.IndexFunc(chromiumSuites, func(sh suiteHost) bool { return sh.Host == head.Host })
			if i < 0 {
				return fmt.Errorf("chromium: a suite for an unknown host %q", head.Host)
			}
			if err := s.store(rep, chromiumSuites[i]); err != nil {
				return err
			}
			gotSuites++
		}
	}
	if len(st.Total.Samples) != c.runs || gotSuites != len(chromiumSuites) {
		return fmt.Errorf("chromium: %d start-up results (want %d), %d suites (want %d)", len(st.Total.Samples), c.runs, gotSuites, len(chromiumSuites))
	}
	rep.setStartup(hostChromium, st)
	return nil
}

func (r *report) setStartup(host string, st *startupFigures) {
	if r.startup == nil {
		r.startup = map[string]*startupFigures{}
	}
	r.startup[host] = st
}

func goCommand(c *config, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
