package main

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/welcome-pointers/wasm/web-demo/node"
)

//go:embed static
var staticFS embed.FS

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

// isRPC tells the node's RPC paths (/<package>.<Service>/<Method>, every
// service under the xmtp package) from the page's files.
func isRPC(p string) bool { return strings.HasPrefix(p, "/xmtp.") }

// newHandler serves, on one port: the node's RPCs (gRPC, gRPC-Web and
// Connect, with CORS), the demo's admin endpoints (/admin/), the page
// and the browser module.
func newHandler(n *node.Node, jsDir string, allowRemote bool) (http.Handler, error) {
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

	rpc := n.Handler()
	mux := http.NewServeMux()
	mux.Handle("/admin/", adminHandler(n))
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
			// otherwise reach the admin endpoints through DNS rebinding.
			if !isLoopbackHost(host) {
				writeError(w, http.StatusForbidden, fmt.Sprintf("host %q refused: the demo answers only for 127.0.0.1, [::1] and localhost", truncate(r.Host, 100)))
				return
			}
		}
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		if isRPC(r.URL.Path) {
			rpc.ServeHTTP(w, r)
			return
		}
		hd.Set("Referrer-Policy", "no-referrer")
		if !strings.HasPrefix(r.URL.Path, "/admin/") {
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

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
