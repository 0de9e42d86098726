package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/welcome-pointers/wasm/web-demo/node"
)

// The demo's admin endpoints: the page's controls (reset, pointee
// behavior, release, status), apart from the network API the page
// reaches with xmtpTransport. JSON in and out; errors are
// {"error": "…"} with a 4xx status, and a refused request changes nothing.
//
//	GET  /admin/status              counters, bounds and the pointee behavior
//	POST /admin/reset               forgets every message
//	POST /admin/pointees            {"pointeeDelayMs": n, "dropPointees": b} (either)
//	POST /admin/pointees/release    makes every held pointee visible now
//	GET  /admin/pointees?topic=HEX  what became of the pointees of those topics
const (
	maxAdminBody   = 4 << 10
	maxAdminTopics = 100
)

// adminStatus is what /admin/status says.
type adminStatus struct {
	node.Stats
	HeldUntil      []time.Time `json:"heldUntil"`
	PointeeDelayMs int64       `json:"pointeeDelayMs"`
	DropPointees   bool        `json:"dropPointees"`
	MaxRequest     int64       `json:"maxRequest"`
	MaxStored      int64       `json:"maxStored"`
	MaxMessages    int         `json:"maxMessages"`
}

func statusOf(n *node.Node) adminStatus {
	cfg := n.Config()
	return adminStatus{
		Stats: n.Stats(), HeldUntil: n.HeldUntil(),
		PointeeDelayMs: cfg.PointeeDelay.Milliseconds(), DropPointees: cfg.DropPointees,
		MaxRequest: cfg.MaxRequest, MaxStored: cfg.MaxStored, MaxMessages: cfg.MaxMessages,
	}
}

type pointeeJSON struct {
	State     string     `json:"state"`
	VisibleAt *time.Time `json:"visibleAt,omitempty"`
}

func adminHandler(n *node.Node) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, statusOf(n))
	})
	mux.HandleFunc("POST /admin/reset", func(w http.ResponseWriter, r *http.Request) {
		n.Reset()
		writeJSON(w, http.StatusOK, statusOf(n))
	})
	mux.HandleFunc("POST /admin/pointees", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			PointeeDelayMs *int64 `json:"pointeeDelayMs"`
			DropPointees   *bool  `json:"dropPointees"`
		}
		if err := readJSON(w, r, &req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		var delay *time.Duration
		if req.PointeeDelayMs != nil {
			ms := *req.PointeeDelayMs
			if ms < 0 || ms > node.MaxPointeeDelay.Milliseconds() {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("pointeeDelayMs must be between 0 and %d", node.MaxPointeeDelay.Milliseconds()))
				return
			}
			d := time.Duration(ms) * time.Millisecond
			delay = &d
		}
		if err := n.SetPointeeBehavior(delay, req.DropPointees); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, statusOf(n))
	})
	mux.HandleFunc("POST /admin/pointees/release", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"released": n.ReleaseHeld()})
	})
	mux.HandleFunc("GET /admin/pointees", func(w http.ResponseWriter, r *http.Request) {
		topics := r.URL.Query()["topic"]
		if len(topics) == 0 || len(topics) > maxAdminTopics {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("give 1 to %d topics (?topic=HEX&topic=HEX)", maxAdminTopics))
			return
		}
		out := make(map[string]pointeeJSON, len(topics))
		for _, t := range topics {
			b, err := hex.DecodeString(t)
			if err != nil || len(b) == 0 || len(b) > 128 {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("topic %q is not 1 to 128 bytes of hex", truncate(t, 40)))
				return
			}
			p := n.Pointee(b)
			j := pointeeJSON{State: p.State}
			if p.State == node.PointeeHeld {
				j.VisibleAt = &p.VisibleAt
			}
			out[strings.ToLower(t)] = j
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/admin/status", "/admin/reset", "/admin/pointees", "/admin/pointees/release":
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s does not answer %s", r.URL.Path, r.Method))
		default:
			writeError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s", truncate(r.URL.Path, 100)))
		}
	})
	return mux
}

// readJSON decodes a small JSON object body, refusing unknown fields.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("send application/json, not %q", truncate(ct, 60))
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON body: one object expected")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
