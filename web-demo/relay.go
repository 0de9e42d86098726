package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
)

// The relay stands in for the network's welcome topics: senders publish
// batches of WelcomeMessageInput, the relay applies the node's acceptance
// rules (xmtpnode.InputTopic, xmtpnode.ToWelcomeMessage), deduplicates, assigns
// ids and creation times, and readers fetch a topic's messages in order.
//
// A pointee (a V1 with SYMMETRIC_KEY) can be held back for a while or
// dropped, to show what a receiver does when a pointer arrives first.

// RelayConfig bounds the relay and sets the pointee behavior.
type RelayConfig struct {
	// MaxRequest caps one publish request body, in bytes.
	MaxRequest int64
	// MaxStored caps the bytes of all messages the relay holds.
	MaxStored int64
	// MaxMessages caps the number of messages the relay holds.
	MaxMessages int
	// PointeeDelay holds each pointee back this long after its publication.
	PointeeDelay time.Duration
	// DropPointees accepts pointees but never delivers them.
	DropPointees bool
}

// MaxPointeeDelay bounds the configurable delay.
const MaxPointeeDelay = 24 * time.Hour

// maxBatch bounds the number of messages in one publish request.
const maxBatch = 10000

// Publish errors, mapped to HTTP statuses by the handler.
var (
	errBadRequest = errors.New("bad request")
	errFull       = errors.New("relay full")
)

type stored struct {
	ID        uint64
	CreatedNs uint64
	Message   []byte // encoded WelcomeMessage
}

type held struct {
	seq       uint64
	topic     string
	input     []byte
	visibleAt time.Time
}

// Relay is an in-memory welcome relay. It is safe for concurrent use.
type Relay struct {
	now func() time.Time

	mu       sync.Mutex
	cfg      RelayConfig
	topics   map[string][]stored
	held     []held // delayed pointees, by publication order
	seen     map[[32]byte]struct{}
	nextID   uint64
	heldSeq  uint64
	bytes    int64
	count    int
	dropped  int
	accepted int
}

// NewRelay returns an empty relay.
func NewRelay(cfg RelayConfig) *Relay {
	r := &Relay{now: time.Now, cfg: cfg}
	r.resetLocked()
	return r
}

func (r *Relay) resetLocked() {
	r.topics = make(map[string][]stored)
	r.held = nil
	r.seen = make(map[[32]byte]struct{})
	r.nextID = 1
	r.bytes, r.count, r.dropped, r.accepted = 0, 0, 0, 0
}

// Reset forgets every message; the configuration stays.
func (r *Relay) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resetLocked()
}

// PublishResult describes what happened to one published message.
type PublishResult struct {
	Index int    `json:"index"`
	Kind  string `json:"kind"` // "direct", "pointee" or "pointer"
	Topic string `json:"topic"`
	Size  int    `json:"size"`
	// ID is set when the message is readable now.
	ID uint64 `json:"id,omitempty"`
	// Duplicate: the node had it already (sha256(installation_key || data)).
	Duplicate bool `json:"duplicate,omitempty"`
	// VisibleAt is set for a pointee held back by the delay (RFC 3339).
	VisibleAt string `json:"visibleAt,omitempty"`
	// Dropped: a pointee the relay accepted and discarded.
	Dropped bool `json:"dropped,omitempty"`
}

type checked struct {
	input   []byte
	topic   string
	kind    string
	dedup   [32]byte
	skipDup bool
}

// messageKind names a valid WelcomeMessageInput.
func messageKind(input []byte) string {
	v, err := core.Inspect(core.InspectWelcomeMessageInput, input)
	if err != nil {
		return "unknown"
	}
	switch v["version"] {
	case "v1 (pointee)":
		return "pointee"
	case "welcome pointer":
		return "pointer"
	}
	return "direct"
}

// Publish stores a batch of encoded WelcomeMessageInput, all or nothing:
// one message the node would reject fails the whole batch.
func (r *Relay) Publish(inputs [][]byte) ([]PublishResult, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: the batch is empty", errBadRequest)
	}
	if len(inputs) > maxBatch {
		return nil, fmt.Errorf("%w: %d messages in one batch, at most %d", errBadRequest, len(inputs), maxBatch)
	}
	cs := make([]checked, len(inputs))
	var size int64
	for i, in := range inputs {
		topic, dedup, err := xmtpnode.InputTopic(in)
		if err != nil {
			return nil, fmt.Errorf("%w: message %d rejected by the node rules: %v", errBadRequest, i, err)
		}
		cs[i] = checked{input: in, topic: string(topic), kind: messageKind(in), dedup: dedup}
		size += int64(len(in))
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.releaseLocked(now)

	// Duplicates (against the store and within the batch) are not stored.
	batch := make(map[[32]byte]struct{}, len(cs))
	var newBytes int64
	newCount := 0
	for i := range cs {
		c := &cs[i]
		_, old := r.seen[c.dedup]
		_, twice := batch[c.dedup]
		if old || twice {
			c.skipDup = true
			continue
		}
		batch[c.dedup] = struct{}{}
		if c.kind == "pointee" && r.cfg.DropPointees {
			continue
		}
		newBytes += int64(len(c.input))
		newCount++
	}
	if r.cfg.MaxStored > 0 && r.bytes+newBytes > r.cfg.MaxStored {
		return nil, fmt.Errorf("%w: storing %d more bytes would exceed the relay's cap of %d (it holds %d); reset the relay (POST /api/reset) or start it with a larger -max-stored",
			errFull, newBytes, r.cfg.MaxStored, r.bytes)
	}
	if r.cfg.MaxMessages > 0 && r.count+newCount > r.cfg.MaxMessages {
		return nil, fmt.Errorf("%w: storing %d more messages would exceed the relay's cap of %d (it holds %d); reset the relay (POST /api/reset)",
			errFull, newCount, r.cfg.MaxMessages, r.count)
	}

	createdNs := uint64(now.UnixNano())
	res := make([]PublishResult, len(cs))
	for i, c := range cs {
		res[i] = PublishResult{Index: i, Kind: c.kind, Topic: hex.EncodeToString([]byte(c.topic)), Size: len(c.input)}
		if c.skipDup {
			res[i].Duplicate = true
			continue
		}
		r.seen[c.dedup] = struct{}{}
		r.accepted++
		if c.kind == "pointee" {
			if r.cfg.DropPointees {
				res[i].Dropped = true
				r.dropped++
				continue
			}
			if r.cfg.PointeeDelay > 0 {
				at := now.Add(r.cfg.PointeeDelay)
				r.heldSeq++
				r.held = append(r.held, held{seq: r.heldSeq, topic: c.topic, input: c.input, visibleAt: at})
				r.bytes += int64(len(c.input))
				r.count++
				res[i].VisibleAt = at.UTC().Format(time.RFC3339Nano)
				continue
			}
		}
		id, err := r.storeLocked(c.topic, c.input, createdNs)
		if err != nil {
			// InputTopic accepted it, so ToWelcomeMessage cannot fail;
			// report rather than panic all the same.
			return res[:i], err
		}
		res[i].ID = id
	}
	return res, nil
}

func (r *Relay) storeLocked(topic string, input []byte, createdNs uint64) (uint64, error) {
	id := r.nextID
	msg, err := xmtpnode.ToWelcomeMessage(input, id, createdNs)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	r.nextID++
	r.topics[topic] = append(r.topics[topic], stored{ID: id, CreatedNs: createdNs, Message: msg})
	r.bytes += int64(len(input))
	r.count++
	return id, nil
}

// releaseLocked delivers the held pointees whose time has come, in the
// order they become visible: they reach the topic only then, as a late
// message would reach the network.
func (r *Relay) releaseLocked(now time.Time) {
	if len(r.held) == 0 {
		return
	}
	sort.SliceStable(r.held, func(i, j int) bool {
		if !r.held[i].visibleAt.Equal(r.held[j].visibleAt) {
			return r.held[i].visibleAt.Before(r.held[j].visibleAt)
		}
		return r.held[i].seq < r.held[j].seq
	})
	n := 0
	for _, h := range r.held {
		if h.visibleAt.After(now) {
			break
		}
		// Counted once already: storeLocked counts it again.
		r.bytes -= int64(len(h.input))
		r.count--
		if _, err := r.storeLocked(h.topic, h.input, uint64(h.visibleAt.UnixNano())); err != nil {
			// Cannot happen (checked at publication); keep the
			// accounting right if it ever does.
			continue
		}
		n++
	}
	r.held = append(r.held[:0], r.held[n:]...)
}

// ReleaseHeld makes every held pointee visible now and returns how many.
func (r *Relay) ReleaseHeld() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	n := len(r.held)
	for i := range r.held {
		r.held[i].visibleAt = now
	}
	r.releaseLocked(now)
	return n
}

// First returns the first visible message on a topic.
func (r *Relay) First(topic []byte) (stored, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.releaseLocked(r.now())
	msgs := r.topics[string(topic)]
	if len(msgs) == 0 {
		return stored{}, false
	}
	return msgs[0], true
}

// Topic returns every visible message on a topic, in order.
func (r *Relay) Topic(topic []byte) []stored {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.releaseLocked(r.now())
	return append([]stored(nil), r.topics[string(topic)]...)
}

// Config returns the current configuration.
func (r *Relay) Config() RelayConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// SetPointeeBehavior changes the pointee delay and dropping at run time.
// It applies to pointees published from now on.
func (r *Relay) SetPointeeBehavior(delay *time.Duration, drop *bool) error {
	if delay != nil && (*delay < 0 || *delay > MaxPointeeDelay) {
		return fmt.Errorf("%w: pointee delay must be between 0 and %v", errBadRequest, MaxPointeeDelay)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if delay != nil {
		r.cfg.PointeeDelay = *delay
	}
	if drop != nil {
		r.cfg.DropPointees = *drop
	}
	return nil
}

// Stats is a snapshot of the relay for the page.
type Stats struct {
	Topics       int      `json:"topics"`
	Messages     int      `json:"messages"`
	StoredBytes  int64    `json:"storedBytes"`
	MaxStored    int64    `json:"maxStored"`
	MaxMessages  int      `json:"maxMessages"`
	MaxRequest   int64    `json:"maxRequest"`
	Held         int      `json:"heldPointees"`
	HeldUntil    []string `json:"heldUntil"`
	Dropped      int      `json:"droppedPointees"`
	Accepted     int      `json:"accepted"`
	PointeeDelay int64    `json:"pointeeDelayMs"`
	DropPointees bool     `json:"dropPointees"`
	Now          string   `json:"now"`
}

// Stats returns the relay's counters and configuration.
func (r *Relay) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.releaseLocked(now)
	s := Stats{
		Topics: len(r.topics), Messages: r.count, StoredBytes: r.bytes,
		MaxStored: r.cfg.MaxStored, MaxMessages: r.cfg.MaxMessages, MaxRequest: r.cfg.MaxRequest,
		Held: len(r.held), HeldUntil: []string{}, Dropped: r.dropped, Accepted: r.accepted,
		PointeeDelay: r.cfg.PointeeDelay.Milliseconds(), DropPointees: r.cfg.DropPointees,
		Now: now.UTC().Format(time.RFC3339Nano),
	}
	for _, h := range r.held {
		s.HeldUntil = append(s.HeldUntil, h.visibleAt.UTC().Format(time.RFC3339Nano))
	}
	return s
}

// ---- HTTP ----

// Handler serves the relay API under /api/.
func (r *Relay) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/publish", only(http.MethodPost, r.handlePublish))
	mux.HandleFunc("/api/topics/{topic}/first", only(http.MethodGet, r.handleFirst))
	mux.HandleFunc("/api/topics/{topic}", only(http.MethodGet, r.handleTopic))
	mux.HandleFunc("/api/reset", only(http.MethodPost, func(w http.ResponseWriter, req *http.Request) {
		r.Reset()
		writeJSON(w, http.StatusOK, r.Stats())
	}))
	mux.HandleFunc("/api/pointees/release", only(http.MethodPost, func(w http.ResponseWriter, req *http.Request) {
		n := r.ReleaseHeld()
		writeJSON(w, http.StatusOK, map[string]any{"released": n})
	}))
	mux.HandleFunc("/api/stats", only(http.MethodGet, func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusOK, r.Stats())
	}))
	mux.HandleFunc("/api/config", func(w http.ResponseWriter, req *http.Request) {
		switch req.Method {
		case http.MethodGet, http.MethodHead:
			writeJSON(w, http.StatusOK, r.Stats())
		case http.MethodPost:
			r.handleConfig(w, req)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use GET or POST", req.Method, req.URL.Path))
		}
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, req *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such API endpoint: %s", req.URL.Path))
	})
	return mux
}

func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if req.Method != method && !(method == http.MethodGet && req.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s", req.Method, req.URL.Path, method))
			return
		}
		h(w, req)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// readBody reads a request body up to the relay's limit.
func (r *Relay) readBody(w http.ResponseWriter, req *http.Request) ([]byte, int, error) {
	limit := r.Config().MaxRequest
	if limit <= 0 {
		limit = 64 << 20
	}
	if req.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body of %d bytes exceeds the relay's limit of %d (-max-request); publish in smaller batches", req.ContentLength, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body exceeds the relay's limit of %d bytes (-max-request); publish in smaller batches", limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("reading the request body: %v", err)
	}
	return body, 0, nil
}

// parseBatch decodes a publish body: a length-prefixed binary batch
// (application/octet-stream: each message as a 4-byte big-endian length
// and its bytes) or JSON (an array of base64 strings, or
// {"messages": [...]}).
func parseBatch(contentType string, body []byte) ([][]byte, error) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch ct {
	case "application/octet-stream":
		var out [][]byte
		for off := 0; off < len(body); {
			if len(body)-off < 4 {
				return nil, fmt.Errorf("binary batch: %d stray bytes at offset %d where a 4-byte length was expected", len(body)-off, off)
			}
			n := int(binary.BigEndian.Uint32(body[off:]))
			off += 4
			if n == 0 {
				return nil, fmt.Errorf("binary batch: message %d is empty", len(out))
			}
			if n > len(body)-off {
				return nil, fmt.Errorf("binary batch: message %d claims %d bytes but only %d remain", len(out), n, len(body)-off)
			}
			out = append(out, body[off:off+n])
			off += n
			if len(out) > maxBatch {
				return nil, fmt.Errorf("more than %d messages in one batch", maxBatch)
			}
		}
		return out, nil
	case "application/json", "":
		trimmed := bytes.TrimSpace(body)
		var strs []string
		var err error
		if len(trimmed) > 0 && trimmed[0] == '{' {
			var obj struct {
				Messages []string `json:"messages"`
			}
			dec := json.NewDecoder(bytes.NewReader(trimmed))
			dec.DisallowUnknownFields()
			err = dec.Decode(&obj)
			strs = obj.Messages
		} else {
			err = json.Unmarshal(trimmed, &strs)
		}
		if err != nil {
			return nil, fmt.Errorf("JSON batch: expected an array of base64 strings or {\"messages\": [...]}: %v", err)
		}
		if len(strs) > maxBatch {
			return nil, fmt.Errorf("more than %d messages in one batch", maxBatch)
		}
		out := make([][]byte, len(strs))
		for i, s := range strs {
			b, err := decodeBase64(s)
			if err != nil {
				return nil, fmt.Errorf("JSON batch: message %d is not base64: %v", i, err)
			}
			out[i] = b
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported content type %q: send application/octet-stream (length-prefixed batch) or application/json (base64 strings)", contentType)
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return nil, err
}

func (r *Relay) handlePublish(w http.ResponseWriter, req *http.Request) {
	body, status, err := r.readBody(w, req)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	ct := req.Header.Get("Content-Type")
	if strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") || strings.HasPrefix(strings.ToLower(ct), "text/") || strings.HasPrefix(strings.ToLower(ct), "multipart/") {
		writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported content type %q: send application/octet-stream (length-prefixed batch) or application/json (base64 strings)", ct))
		return
	}
	inputs, err := parseBatch(ct, body)
	if err != nil {
		if strings.HasPrefix(err.Error(), "unsupported content type") {
			writeError(w, http.StatusUnsupportedMediaType, err.Error())
			return
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := r.Publish(inputs)
	switch {
	case errors.Is(err, errFull):
		writeError(w, http.StatusInsufficientStorage, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var stored, dups, heldN, dropped int
	for _, x := range res {
		switch {
		case x.Duplicate:
			dups++
		case x.Dropped:
			dropped++
		case x.VisibleAt != "":
			heldN++
		default:
			stored++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"results": res, "stored": stored, "duplicates": dups, "held": heldN, "dropped": dropped,
		"bytes": len(body),
	})
}

// parseTopic decodes a hex topic from the path.
func parseTopic(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty topic: give the topic as hex")
	}
	if len(s) > 2*1024 {
		return nil, fmt.Errorf("topic of %d hex digits is too long (at most 2048)", len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("topic %q is not hex: %v", truncate(s, 80), err)
	}
	return b, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

type messageJSON struct {
	ID        uint64 `json:"id"`
	CreatedNs string `json:"createdNs"`
	Message   string `json:"message"` // base64 WelcomeMessage
	Size      int    `json:"size"`
}

func toJSON(m stored) messageJSON {
	return messageJSON{ID: m.ID, CreatedNs: strconv.FormatUint(m.CreatedNs, 10), Message: base64.StdEncoding.EncodeToString(m.Message), Size: len(m.Message)}
}

func wantsJSON(req *http.Request) bool {
	if f := req.URL.Query().Get("format"); f != "" {
		return f == "json"
	}
	return strings.Contains(req.Header.Get("Accept"), "application/json")
}

// handleFirst serves the first message on a topic: raw bytes (with
// X-Message-Id and X-Created-Ns headers), or JSON with ?format=json.
// 204 No Content when the topic has no message yet.
func (r *Relay) handleFirst(w http.ResponseWriter, req *http.Request) {
	topic, err := parseTopic(req.PathValue("topic"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, ok := r.First(topic)
	if !ok {
		// Not an error: the message may come later (a pointer that
		// arrived before its pointee). 204 keeps browsers from logging
		// a failed request for every retry.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Relay-Status", "empty")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if wantsJSON(req) {
		writeJSON(w, http.StatusOK, toJSON(m))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Message-Id", strconv.FormatUint(m.ID, 10))
	w.Header().Set("X-Created-Ns", strconv.FormatUint(m.CreatedNs, 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Message)))
	_, _ = w.Write(m.Message)
}

// handleTopic serves every visible message on a topic, in order, as JSON.
func (r *Relay) handleTopic(w http.ResponseWriter, req *http.Request) {
	topic, err := parseTopic(req.PathValue("topic"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	msgs := r.Topic(topic)
	out := make([]messageJSON, len(msgs))
	for i, m := range msgs {
		out[i] = toJSON(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"topic": hex.EncodeToString(topic), "messages": out})
}

func (r *Relay) handleConfig(w http.ResponseWriter, req *http.Request) {
	body, status, err := r.readBody(w, req)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	var c struct {
		PointeeDelayMs *int64 `json:"pointeeDelayMs"`
		DropPointees   *bool  `json:"dropPointees"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("config: expected {\"pointeeDelayMs\": number, \"dropPointees\": bool}: %v", err))
		return
	}
	var delay *time.Duration
	if c.PointeeDelayMs != nil {
		if *c.PointeeDelayMs < 0 || *c.PointeeDelayMs > MaxPointeeDelay.Milliseconds() {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("pointeeDelayMs must be between 0 and %d", MaxPointeeDelay.Milliseconds()))
			return
		}
		d := time.Duration(*c.PointeeDelayMs) * time.Millisecond
		delay = &d
	}
	if err := r.SetPointeeBehavior(delay, c.DropPointees); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, r.Stats())
}
