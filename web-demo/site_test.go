package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/welcome-pointers/wasm/web-demo/node"
)

// site is the demo server as main runs it (node.NewServer around
// newHandler, HTTP/1.1 and cleartext HTTP/2), on a loopback port, with a
// stand-in js/ directory.
type site struct {
	URL  string
	node *node.Node
}

func newSite(t *testing.T, allowRemote bool, cfg node.Config) *site {
	t.Helper()
	js := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(js, "dist"), 0o755))
	must(os.MkdirAll(filepath.Join(js, "node_modules", "idb", "build"), 0o755))
	must(os.MkdirAll(filepath.Join(js, "node_modules", "secret"), 0o755))
	must(os.WriteFile(filepath.Join(js, "package.json"), []byte(`{"dependencies": {"idb": "^8"}}`), 0o644))
	must(os.WriteFile(filepath.Join(js, "dist", "welcome-pointers.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644))
	must(os.WriteFile(filepath.Join(js, "index.js"), []byte("export {}"), 0o644))
	must(os.WriteFile(filepath.Join(js, "node_modules", "idb", "build", "index.js"), []byte("export {}"), 0o644))
	must(os.WriteFile(filepath.Join(js, "node_modules", "secret", "index.js"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(js, ".npmrc"), []byte("x"), 0o644))
	n, err := node.New(cfg)
	must(err)
	h, err := newHandler(n, js, allowRemote)
	must(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	srv := node.NewServer(h)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	return &site{URL: "http://" + ln.Addr().String(), node: n}
}

func get(t *testing.T, url, host string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestStaticContentTypes(t *testing.T) {
	s := newSite(t, false, node.Config{})
	cases := []struct {
		path, ct string
		status   int
	}{
		{"/", "text/html; charset=utf-8", 200},
		{"/app.js", "text/javascript; charset=utf-8", 200},
		{"/modules/network.js", "text/javascript; charset=utf-8", 200},
		{"/style.css", "text/css; charset=utf-8", 200},
		{"/js/dist/welcome-pointers.wasm", "application/wasm", 200},
		{"/js/index.js", "text/javascript; charset=utf-8", 200},
		{"/js/node_modules/idb/build/index.js", "text/javascript; charset=utf-8", 200},
		{"/js/node_modules/secret/index.js", "", 404},
		{"/js/.npmrc", "", 404},
		{"/js/dist/", "", 404},
		{"/healthz", "application/json; charset=utf-8", 200},
		{"/admin/status", "application/json; charset=utf-8", 200},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			res := get(t, s.URL+c.path, "")
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			if c.ct != "" && res.Header.Get("Content-Type") != c.ct {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), c.ct)
			}
			if c.path == "/" {
				csp := res.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "'wasm-unsafe-eval'") || !strings.Contains(csp, "connect-src 'self'") {
					t.Errorf("CSP %q", csp)
				}
				if !strings.Contains(csp, "'sha256-") {
					t.Errorf("CSP %q does not allow the page's import map by hash", csp)
				}
			}
		})
	}
}

// Every module the page imports is embedded and served.
func TestPageModulesServed(t *testing.T) {
	s := newSite(t, false, node.Config{})
	files, err := filepath.Glob(filepath.Join("static", "modules", "*.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no page modules: %v", err)
	}
	for _, f := range files {
		p := "/modules/" + filepath.Base(f)
		if res := get(t, s.URL+p, ""); res.StatusCode != 200 {
			t.Errorf("%s: status %d", p, res.StatusCode)
		}
	}
}

func TestHostCheck(t *testing.T) {
	s := newSite(t, false, node.Config{})
	for _, p := range []string{"/admin/status", "/", "/xmtp.mls.api.v1.MlsApi/QueryWelcomeMessages"} {
		if res := get(t, s.URL+p, "evil.example:8080"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s with a foreign Host: status %d, want 403", p, res.StatusCode)
		}
	}
	if res := get(t, s.URL+"/admin/status", "localhost"); res.StatusCode != 200 {
		t.Fatalf("localhost: status %d", res.StatusCode)
	}
	open := newSite(t, true, node.Config{})
	if res := get(t, open.URL+"/admin/status", "demo.example"); res.StatusCode != 200 {
		t.Fatalf("-allow-remote: status %d", res.StatusCode)
	}
}

func TestFlags(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:8080", "localhost:0", "[::1]:9000", "127.1.2.3:80"} {
		if err := checkLoopback(ok, false); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{":8080", "0.0.0.0:8080", "192.168.1.2:80", "example.com:80", "nonsense"} {
		if err := checkLoopback(bad, false); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := checkLoopback("0.0.0.0:8080", true); err != nil {
		t.Errorf("-allow-remote: %v", err)
	}
	sizes := map[string]int64{"1048576": 1 << 20, "64MiB": 64 << 20, "2 GiB": 2 << 30, "10KB": 10000, "5M": 5 << 20}
	for in, want := range sizes {
		if got, err := parseByteSize(in); err != nil || got != want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "lots", "1TiB", "99999999999999GiB"} {
		if _, err := parseByteSize(bad); err == nil {
			t.Errorf("parseByteSize(%q) accepted", bad)
		}
	}
}
