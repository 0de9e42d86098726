package node

import (
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/welcome-pointers/wasm/internal/pb/gatewayapi/gatewayapiconnect"
	"github.com/welcome-pointers/wasm/internal/pb/messageapi/messageapiconnect"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1/mlsv1connect"
	"github.com/welcome-pointers/wasm/internal/pb/payerapi/payerapiconnect"
)

// Handler serves the node's RPCs, in the gRPC, gRPC-Web and Connect
// protocols, with CORS so that browser pages of any origin can call it.
func (n *Node) Handler() http.Handler {
	opts := []connect.HandlerOption{connect.WithReadMaxBytes(int(n.Config().MaxRequest))}
	mux := http.NewServeMux()
	mux.Handle(mlsv1connect.NewMlsApiHandler(mlsAPI{n}, opts...))
	mux.Handle(messageapiconnect.NewReplicationApiHandler(queryAPI{n}, opts...))
	mux.Handle(messageapiconnect.NewQueryApiHandler(queryAPI{n}, opts...))
	mux.Handle(payerapiconnect.NewPayerApiHandler(publishAPI{n}, opts...))
	mux.Handle(gatewayapiconnect.NewGatewayApiHandler(publishAPI{n}, opts...))
	return withCORS(mux)
}

// NewServer returns an http.Server for h that speaks HTTP/1.1 (gRPC-Web,
// Connect) and cleartext HTTP/2 (gRPC), with timeouts that keep a slow
// client from holding the node.
func NewServer(h http.Handler) *http.Server {
	s := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       5 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		Protocols:         new(http.Protocols),
	}
	s.Protocols.SetHTTP1(true)
	s.Protocols.SetHTTP2(true)
	s.Protocols.SetUnencryptedHTTP2(true)
	return s
}

// CORS: what browsers need to call the node with gRPC-Web or Connect.
var (
	corsAllowMethods = "POST, GET, OPTIONS"
	// Request headers gRPC-Web and Connect clients send, and those of
	// the XMTP clients.
	corsAllowHeaders = strings.Join([]string{
		"Content-Type", "Accept", "Authorization", "X-Grpc-Web", "X-User-Agent", "Grpc-Timeout",
		"Connect-Protocol-Version", "Connect-Timeout-Ms", "X-App-Version", "X-Libxmtp-Version",
	}, ", ")
	// Response headers a browser may read: the status of a trailers-only
	// gRPC-Web answer comes in them.
	corsExposeHeaders = "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin"
)

// withCORS allows every origin: the node's API is public, carries no
// cookies, and is what XMTP nodes offer browsers.
func withCORS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", corsAllowMethods)
			hd.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			hd.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
