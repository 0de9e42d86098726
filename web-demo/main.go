// Command web-demo serves the welcome pointers demo page, the browser
// module built by ./build.sh js, and a welcome node that speaks the
// network's own API (xmtp.mls.api.v1.MlsApi over gRPC, gRPC-Web and
// Connect: package web-demo/node) on the same port, with a few admin
// endpoints for the demo's controls.
//
//	go run ./web-demo                     # http://127.0.0.1:8080/
//	go run ./web-demo -pointee-delay 20s  # show the pending-pointer path
//
// It listens on loopback only unless -allow-remote is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/welcome-pointers/wasm/web-demo/node"
)

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
	o := options{maxRequest: node.DefaultMaxRequest, maxStored: node.DefaultMaxStored}
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (loopback only unless -allow-remote; port 0 picks a free one)")
	flag.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on and answering for a non-loopback address")
	flag.StringVar(&o.root, "root", "", "the repository root, which holds js/ (default: found from the working directory)")
	flag.StringVar(&o.urlFile, "url-file", "", "write the page's URL to this file once listening (for scripts)")
	flag.DurationVar(&o.pointeeDelay, "pointee-delay", 0, "hold each pointee back this long before it becomes visible (e.g. 20s)")
	flag.BoolVar(&o.dropPointees, "drop-pointees", false, "accept pointees but never deliver them")
	flag.Var(&o.maxRequest, "max-request", "largest request message the node accepts (bytes; KiB/MiB/GiB suffixes allowed)")
	flag.Var(&o.maxStored, "max-stored", "most bytes of messages the node holds (bytes; KiB/MiB/GiB suffixes allowed)")
	flag.IntVar(&o.maxMessages, "max-messages", node.DefaultMaxMessages, "most messages the node holds")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./web-demo [flags]\n\nServes the welcome pointers demo and its welcome node (MlsApi over gRPC, gRPC-Web and Connect).\n\n")
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
	if o.pointeeDelay < 0 || o.pointeeDelay > node.MaxPointeeDelay {
		return fmt.Errorf("-pointee-delay must be between 0 and %v", node.MaxPointeeDelay)
	}
	if o.maxMessages <= 0 {
		return errors.New("-max-messages must be positive")
	}
	if o.maxRequest > 1<<31-1 {
		return errors.New("-max-request must be under 2 GiB")
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
	n, err := node.New(node.Config{
		MaxRequest: int64(o.maxRequest), MaxStored: int64(o.maxStored), MaxMessages: o.maxMessages,
		PointeeDelay: o.pointeeDelay, DropPointees: o.dropPointees,
	})
	if err != nil {
		return err
	}
	h, err := newHandler(n, jsDir, o.allowRemote)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (choose another port with -addr 127.0.0.1:PORT)", o.addr, err)
	}
	url := "http://" + ln.Addr().String() + "/"
	// HTTP/1.1 for the page, gRPC-Web and Connect; cleartext HTTP/2 for gRPC.
	srv := node.NewServer(h)
	mode := "pointees delivered at once"
	switch {
	case o.dropPointees:
		mode = "pointees DROPPED"
	case o.pointeeDelay > 0:
		mode = fmt.Sprintf("pointees delayed by %v", o.pointeeDelay)
	}
	log.Printf("serving js/ from %s; node: MlsApi over gRPC, gRPC-Web and Connect, %s, max request %d bytes, max stored %d bytes", jsDir, mode, o.maxRequest, o.maxStored)
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
	return fmt.Errorf("-addr %q is not a loopback address: the demo node and its admin endpoints have no authentication; use 127.0.0.1:PORT, or pass -allow-remote if you really mean it", addr)
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
