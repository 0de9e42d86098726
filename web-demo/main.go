// Command web-demo serves the welcome pointers demo page, the browser
// module built by ./build.sh js, and an in-memory relay that stands in for
// the network's welcome topics.
//
//	go run ./web-demo                     # http://127.0.0.1:8080/
//	go run ./web-demo -pointee-delay 20s  # show the pending-pointer path
//
// It listens on loopback only unless -allow-remote is given.
package main

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed static
var staticFS embed.FS

// byteSize is a flag value in bytes that accepts KiB/MiB/GiB (and KB/MB/GB) suffixes.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	v, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(v)
	return nil
}

func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a positive size (examples: 1048576, 64MiB, 1GiB)", s)
	}
	return n * mult, nil
}

type options struct {
	addr         string
	allowRemote  bool
	root         string
	urlFile      string
	pointeeDelay time.Duration
	dropPointees bool
	maxRequest   byteSize
	maxStored    byteSize
	maxMessages  int
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("web-demo: ")
	o := options{maxRequest: 64 << 20, maxStored: 512 << 20}
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (loopback only unless -allow-remote; port 0 picks a free one)")
	flag.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on and answering for a non-loopback address")
	flag.StringVar(&o.root, "root", "", "the repository root, which holds js/ (default: found from the working directory)")
	flag.StringVar(&o.urlFile, "url-file", "", "write the page's URL to this file once listening (for scripts)")
	flag.DurationVar(&o.pointeeDelay, "pointee-delay", 0, "hold each pointee back this long before it becomes visible (e.g. 20s)")
	flag.BoolVar(&o.dropPointees, "drop-pointees", false, "accept pointees but never deliver them")
	flag.Var(&o.maxRequest, "max-request", "largest publish request body (bytes; KiB/MiB/GiB suffixes allowed)")
	flag.Var(&o.maxStored, "max-stored", "most bytes of messages the relay holds (bytes; KiB/MiB/GiB suffixes allowed)")
	flag.IntVar(&o.maxMessages, "max-messages", 200000, "most messages the relay holds")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./web-demo [flags]\n\nServes the welcome pointers demo and its relay.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected argument %q (see -h)", flag.Arg(0))
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	if o.pointeeDelay < 0 || o.pointeeDelay > MaxPointeeDelay {
		return fmt.Errorf("-pointee-delay must be between 0 and %v", MaxPointeeDelay)
	}
	if o.maxMessages <= 0 {
		return errors.New("-max-messages must be positive")
	}
	if err := checkLoopback(o.addr, o.allowRemote); err != nil {
		return err
	}
	root, err := findRoot(o.root)
	if err != nil {
		return err
	}
	jsDir := filepath.Join(root, "js")
	if _, err := os.Stat(filepath.Join(jsDir, "dist", "welcome-pointers.wasm")); err != nil {
		log.Printf("warning: %s is missing: build it with ./build.sh js (scripts/demo.sh does)", filepath.Join("js", "dist", "welcome-pointers.wasm"))
	}
	relay := NewRelay(RelayConfig{
		MaxRequest: int64(o.maxRequest), MaxStored: int64(o.maxStored), MaxMessages: o.maxMessages,
		PointeeDelay: o.pointeeDelay, DropPointees: o.dropPointees,
	})
	h, err := newHandler(relay, jsDir, o.allowRemote)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (choose another port with -addr 127.0.0.1:PORT)", o.addr, err)
	}
	url := "http://" + ln.Addr().String() + "/"
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	mode := "pointees delivered at once"
	switch {
	case o.dropPointees:
		mode = "pointees DROPPED"
	case o.pointeeDelay > 0:
		mode = fmt.Sprintf("pointees delayed by %v", o.pointeeDelay)
	}
	log.Printf("serving js/ from %s; relay: %s, max request %d bytes, max stored %d bytes", jsDir, mode, o.maxRequest, o.maxStored)
	fmt.Printf("Welcome pointers demo: open %s\n", url)
	if o.urlFile != "" {
		if err := os.WriteFile(o.urlFile, []byte(url+"\n"), 0o644); err != nil {
			return fmt.Errorf("writing -url-file: %w", err)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// checkLoopback refuses a listening address that is not loopback.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %v (example: 127.0.0.1:8080)", addr, err)
	}
	if allowRemote || isLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("-addr %q is not a loopback address: the demo relay has no authentication; use 127.0.0.1:PORT, or pass -allow-remote if you really mean it", addr)
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// findRoot locates the repository root: the directory holding js/ and
// go.mod, from -root or by walking up from the working directory.
func findRoot(flagRoot string) (string, error) {
	if flagRoot != "" {
		if _, err := os.Stat(filepath.Join(flagRoot, "js")); err != nil {
			return "", fmt.Errorf("-root %s has no js/ directory", flagRoot)
		}
		return filepath.Abs(flagRoot)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if st, err := os.Stat(filepath.Join(d, "js")); err == nil && st.IsDir() {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d, nil
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("cannot find the repository root (a directory with go.mod and js/) from the working directory; run from the repository or pass -root")
		}
		d = parent
	}
}

var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".wasm":  "application/wasm",
	".json":  "application/json; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".map":   "application/json; charset=utf-8",
	".ts":    "text/plain; charset=utf-8",
	".md":    "text/plain; charset=utf-8",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
}

// typed sets the Content-Type from the extension before the file server
// can sniff or consult the system's MIME table.
func typed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct, ok := contentTypes[strings.ToLower(path.Ext(r.URL.Path))]; ok {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

var importMapRE = regexp.MustCompile(`(?s)<script type="importmap">(.*?)</script>`)

func newHandler(relay *Relay, jsDir string, allowRemote bool) (http.Handler, error) {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	index, err := fs.ReadFile(static, "index.html")
	if err != nil {
		return nil, err
	}
	// The page's inline import map is allowed by its hash, nothing else inline.
	scriptSrc := "'self' 'wasm-unsafe-eval'"
	for _, m := range importMapRE.FindAllSubmatch(index, -1) {
		sum := sha256.Sum256(m[1])
		scriptSrc += " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	csp := "default-src 'self'; script-src " + scriptSrc + "; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

	mux := http.NewServeMux()
	mux.Handle("/api/", relay.Handler())
	// The browser module, from disk: ./build.sh js writes js/dist/.
	mux.Handle("/js/", http.StripPrefix("/js/", typed(jsFiles(jsDir))))
	mux.Handle("/", typed(http.FileServerFS(static)))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowRemote {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			// Refuse other host names: a page on another site could
			// otherwise reach the relay through DNS rebinding.
			if !isLoopbackHost(host) {
				writeError(w, http.StatusForbidden, fmt.Sprintf("host %q refused: the demo answers only for 127.0.0.1, [::1] and localhost", truncate(r.Host, 100)))
				return
			}
		}
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			hd.Set("Content-Security-Policy", csp)
		}
		mux.ServeHTTP(w, r)
	}), nil
}

// jsFiles serves the js package directory, but from node_modules only the
// runtime dependencies that package.json names (the browser resolves them
// through the page's import map), and never dot-files.
func jsFiles(jsDir string) http.Handler {
	files := http.FileServer(http.Dir(jsDir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			// No directory listings.
			http.NotFound(w, r)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		for _, part := range strings.Split(p, "/") {
			if strings.HasPrefix(part, ".") {
				http.NotFound(w, r)
				return
			}
		}
		if strings.HasPrefix(p, "/node_modules/") {
			parts := strings.SplitN(strings.TrimPrefix(p, "/node_modules/"), "/", 3)
			name := parts[0]
			if strings.HasPrefix(name, "@") && len(parts) > 1 {
				name += "/" + parts[1]
			}
			if !runtimeDependency(jsDir, name) {
				writeError(w, http.StatusNotFound, fmt.Sprintf("%s is not a runtime dependency of the js package", name))
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}

func runtimeDependency(jsDir, name string) bool {
	b, err := os.ReadFile(filepath.Join(jsDir, "package.json"))
	if err != nil {
		return false
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if json.Unmarshal(b, &pkg) != nil {
		return false
	}
	_, ok := pkg.Dependencies[name]
	return ok
}
