// Command node serves the welcome node of package node (the MlsApi
// welcome RPCs and the decentralized publish and query RPCs, over gRPC,
// gRPC-Web and Connect) on one port. The JS transport's tests start it.
//
//	go run ./web-demo/node/cmd/node -addr 127.0.0.1:0 -url-file /path/to/url
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/welcome-pointers/wasm/web-demo/node"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on (loopback only unless -allow-remote; port 0 picks a free one)")
	allowRemote := flag.Bool("allow-remote", false, "allow listening on a non-loopback address")
	urlFile := flag.String("url-file", "", "write the node's URL to this file once listening (for scripts)")
	var cfg node.Config
	flag.Int64Var(&cfg.MaxRequest, "max-request", node.DefaultMaxRequest, "largest request message, in bytes")
	flag.Int64Var(&cfg.MaxStored, "max-stored", node.DefaultMaxStored, "most bytes of messages the node holds")
	flag.IntVar(&cfg.MaxMessages, "max-messages", node.DefaultMaxMessages, "most messages the node holds")
	flag.DurationVar(&cfg.PointeeDelay, "pointee-delay", 0, "hold each pointee back this long before it becomes visible (e.g. 20s)")
	flag.BoolVar(&cfg.DropPointees, "drop-pointees", false, "accept pointees but never deliver them")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected argument %q (see -h)", flag.Arg(0))
	}
	if err := run(*addr, *allowRemote, *urlFile, cfg); err != nil {
		log.Fatal(err)
	}
}

func run(addr string, allowRemote bool, urlFile string, cfg node.Config) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr: %v", err)
	}
	if ip := net.ParseIP(host); !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %s is not a loopback address; pass -allow-remote to serve other hosts", addr)
	}
	n, err := node.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if urlFile != "" {
		if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o644); err != nil {
			return err
		}
	}
	log.Printf("node: serving MlsApi (gRPC, gRPC-Web, Connect) on %s", url)
	srv := node.NewServer(n.Handler())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
