package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/welcome-pointers/wasm/core"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testInvite struct {
	inv     *core.Invite
	keys    []*core.PrivateKey
	welcome []byte
}

// newInvite seals a welcome for capable X-Wing installations plus
// legacy CURVE25519 ones.
func newInvite(t *testing.T, capable, legacy int, welcomeSize int) testInvite {
	t.Helper()
	welcome := bytes.Repeat([]byte{0, 1, 0, 3, 7}, welcomeSize/5+1)[:welcomeSize]
	var ti testInvite
	var ins []core.Installation
	for i := 0; i < capable+legacy; i++ {
		alg := core.AlgorithmXWing
		var aead []core.AEADType
		if i < capable {
			aead = []core.AEADType{core.AEADChaCha20Poly1305}
		} else {
			alg = core.AlgorithmCurve25519
		}
		k, err := core.GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		ti.keys = append(ti.keys, k)
		id := make([]byte, 32)
		if _, err := rand.Read(id); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, core.Installation{InstallationKey: id, WrapperPublicKey: k.PublicKey(), WrapperAlgorithm: alg, PointeeAEADTypes: aead})
	}
	inv, err := core.SealInvite(welcome, 42, ins, nil)
	if err != nil {
		t.Fatal(err)
	}
	ti.inv, ti.welcome = inv, welcome
	return ti
}

func binaryBatch(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(m)))
		b = append(b, m...)
	}
	return b
}

func (ti testInvite) batch() []byte {
	var msgs [][]byte
	for _, m := range ti.inv.Messages {
		msgs = append(msgs, m.Message)
	}
	return binaryBatch(msgs...)
}

type testServer struct {
	*httptest.Server
	relay *Relay
	clock *fakeClock
}

func newTestServer(t *testing.T, cfg RelayConfig) *testServer {
	t.Helper()
	if cfg.MaxRequest == 0 {
		cfg.MaxRequest = 8 << 20
	}
	if cfg.MaxStored == 0 {
		cfg.MaxStored = 32 << 20
	}
	r := NewRelay(cfg)
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	r.now = c.now
	s := httptest.NewServer(r.Handler())
	t.Cleanup(s.Close)
	return &testServer{Server: s, relay: r, clock: c}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not JSON: %v: %q", r.status, err, r.body)
	}
	return m
}

func (r response) errorText(t *testing.T) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error response has Content-Type %q, want JSON", ct)
	}
	s, _ := r.json(t)["error"].(string)
	if s == "" {
		t.Fatalf("error response without an error text: %q", r.body)
	}
	return s
}

func (s *testServer) do(t *testing.T, method, path, contentType string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (s *testServer) publish(t *testing.T, batch []byte) response {
	t.Helper()
	return s.do(t, http.MethodPost, "/api/publish", "application/octet-stream", batch)
}

func (s *testServer) first(t *testing.T, topic []byte) response {
	t.Helper()
	return s.do(t, http.MethodGet, "/api/topics/"+hex.EncodeToString(topic)+"/first", "", nil)
}

func TestPublishAndOpen(t *testing.T) {
	s := newTestServer(t, RelayConfig{})
	ti := newInvite(t, 3, 1, 20000)
	res := s.publish(t, ti.batch())
	if res.status != http.StatusOK {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	m := res.json(t)
	if m["stored"].(float64) != 5 {
		t.Fatalf("stored = %v, want 5: %s", m["stored"], res.body)
	}
	kinds := []string{}
	for _, r := range m["results"].([]any) {
		kinds = append(kinds, r.(map[string]any)["kind"].(string))
	}
	if got := strings.Join(kinds, ","); got != "pointee,pointer,pointer,pointer,direct" {
		t.Fatalf("kinds %s", got)
	}

	pointee := s.first(t, ti.inv.Destination)
	if pointee.status != http.StatusOK || pointee.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("pointee: %d %s", pointee.status, pointee.header.Get("Content-Type"))
	}
	if pointee.header.Get("X-Message-Id") != "1" {
		t.Fatalf("pointee id %q, want 1 (published first)", pointee.header.Get("X-Message-Id"))
	}
	for _, out := range ti.inv.Messages[1:] {
		got := s.first(t, out.InstallationKey)
		if got.status != http.StatusOK {
			t.Fatalf("first on %x: %d %s", out.InstallationKey, got.status, got.body)
		}
		rec, err := core.OpenWelcome(got.body, ti.keys, nil)
		if err != nil {
			t.Fatalf("open %v: %v", out.Kind, err)
		}
		welcome, cursor := rec.Welcome, rec.Cursor
		if rec.Kind == core.KindPointer {
			op, err := core.OpenPointee(rec.Pointer, pointee.body, nil)
			if err != nil {
				t.Fatal(err)
			}
			welcome, cursor = op.Welcome, op.Cursor
		}
		if !bytes.Equal(welcome, ti.welcome) || cursor != 42 {
			t.Fatalf("%v: wrong welcome or cursor %d", out.Kind, cursor)
		}
	}

	// The JSON form of a topic, in order.
	all := s.do(t, http.MethodGet, "/api/topics/"+hex.EncodeToString(ti.inv.Destination), "", nil)
	if all.status != http.StatusOK {
		t.Fatalf("topic: %d %s", all.status, all.body)
	}
	msgs := all.json(t)["messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("%d messages on the destination", len(msgs))
	}
	raw, _ := base64.StdEncoding.DecodeString(msgs[0].(map[string]any)["message"].(string))
	if !bytes.Equal(raw, pointee.body) {
		t.Fatal("JSON message differs from the binary one")
	}
	fj := s.do(t, http.MethodGet, "/api/topics/"+hex.EncodeToString(ti.inv.Destination)+"/first?format=json", "", nil)
	if fj.status != http.StatusOK || fj.json(t)["id"].(float64) != 1 {
		t.Fatalf("first as JSON: %d %s", fj.status, fj.body)
	}
}

func TestPublishJSONAndDedup(t *testing.T) {
	s := newTestServer(t, RelayConfig{})
	ti := newInvite(t, 0, 2, 1000)
	var strs []string
	for _, m := range ti.inv.Messages {
		strs = append(strs, base64.StdEncoding.EncodeToString(m.Message))
	}
	body, _ := json.Marshal(strs)
	if res := s.do(t, http.MethodPost, "/api/publish", "application/json", body); res.status != http.StatusOK || res.json(t)["stored"].(float64) != 2 {
		t.Fatalf("JSON publish: %d %s", res.status, res.body)
	}
	// Again, in the object form: the node deduplicates.
	body, _ = json.Marshal(map[string]any{"messages": strs})
	res := s.do(t, http.MethodPost, "/api/publish", "application/json", body)
	if res.status != http.StatusOK || res.json(t)["duplicates"].(float64) != 2 || res.json(t)["stored"].(float64) != 0 {
		t.Fatalf("duplicate publish: %d %s", res.status, res.body)
	}
	// Twice within one batch.
	ti2 := newInvite(t, 0, 1, 1000)
	res = s.publish(t, binaryBatch(ti2.inv.Messages[0].Message, ti2.inv.Messages[0].Message))
	if res.status != http.StatusOK || res.json(t)["duplicates"].(float64) != 1 || res.json(t)["stored"].(float64) != 1 {
		t.Fatalf("in-batch duplicate: %d %s", res.status, res.body)
	}
	all := s.do(t, http.MethodGet, "/api/topics/"+hex.EncodeToString(ti.inv.Messages[0].InstallationKey), "", nil)
	if n := len(all.json(t)["messages"].([]any)); n != 1 {
		t.Fatalf("%d messages after duplicates, want 1", n)
	}
}

func TestMalformedRequests(t *testing.T) {
	s := newTestServer(t, RelayConfig{})
	ti := newInvite(t, 3, 0, 1000)
	good := ti.inv.Messages[0].Message
	cases := []struct {
		name, ct string
		body     []byte
		status   int
		want     string
	}{
		{"garbage message", "application/octet-stream", binaryBatch([]byte("not a protobuf at all")), 400, "message 0 rejected by the node rules"},
		{"one bad message fails the batch", "application/octet-stream", binaryBatch(good, []byte{0xff, 0xff}), 400, "message 1 rejected"},
		{"truncated length", "application/octet-stream", []byte{0, 0}, 400, "stray bytes"},
		{"length past the end", "application/octet-stream", []byte{0, 0, 1, 0, 1, 2, 3}, 400, "claims 256 bytes"},
		{"empty message", "application/octet-stream", []byte{0, 0, 0, 0}, 400, "is empty"},
		{"empty batch", "application/octet-stream", nil, 400, "batch is empty"},
		{"not JSON", "application/json", []byte("{nope"), 400, "JSON batch"},
		{"not base64", "application/json", []byte(`["!!!"]`), 400, "not base64"},
		{"unknown field", "application/json", []byte(`{"msgs": []}`), 400, "JSON batch"},
		{"content type", "text/plain", []byte("hello"), 415, "unsupported content type"},
		{"form", "application/x-www-form-urlencoded", []byte("a=b"), 415, "unsupported content type"},
		// A pointee without its metadata tag is fine for a node, but a
		// pointer with an empty HPKE key is not: the node rules apply.
		{"pointer without key", "application/octet-stream", binaryBatch([]byte{0x12, 0x06, 0x0a, 0x01, 0x01, 0x12, 0x01, 0x02}), 400, "rejected by the node rules"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.do(t, http.MethodPost, "/api/publish", c.ct, c.body)
			if res.status != c.status {
				t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
			}
			if e := res.errorText(t); !strings.Contains(e, c.want) {
				t.Fatalf("error %q does not mention %q", e, c.want)
			}
		})
	}
	// Nothing from the failed batches was stored, and the relay serves on.
	if st := s.relay.Stats(); st.Messages != 0 {
		t.Fatalf("%d messages stored after rejected batches", st.Messages)
	}
	if res := s.publish(t, ti.batch()); res.status != http.StatusOK {
		t.Fatalf("publish after errors: %d %s", res.status, res.body)
	}
}

func TestRequestSizeLimit(t *testing.T) {
	s := newTestServer(t, RelayConfig{MaxRequest: 64 << 10})
	big := newInvite(t, 0, 1, 100<<10)
	res := s.publish(t, big.batch())
	if res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", res.status, res.body)
	}
	if e := res.errorText(t); !strings.Contains(e, "exceeds the relay's limit of 65536") {
		t.Fatalf("error %q", e)
	}
	// Without a Content-Length the limit is enforced while reading.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/publish", io.MultiReader(bytes.NewReader(big.batch())))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/octet-stream")
	hr, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	if hr.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: status %d, want 413", hr.StatusCode)
	}
	small := newInvite(t, 3, 0, 1000)
	if res := s.publish(t, small.batch()); res.status != http.StatusOK {
		t.Fatalf("publish after 413: %d %s", res.status, res.body)
	}
}

func TestStoredCap(t *testing.T) {
	s := newTestServer(t, RelayConfig{MaxStored: 30000})
	a := newInvite(t, 3, 0, 15000)
	if res := s.publish(t, a.batch()); res.status != http.StatusOK {
		t.Fatalf("first publish: %d %s", res.status, res.body)
	}
	b := newInvite(t, 3, 0, 15000)
	res := s.publish(t, b.batch())
	if res.status != http.StatusInsufficientStorage {
		t.Fatalf("status %d, want 507: %s", res.status, res.body)
	}
	if e := res.errorText(t); !strings.Contains(e, "cap of 30000") || !strings.Contains(e, "/api/reset") {
		t.Fatalf("error %q", e)
	}
	if got := s.first(t, b.inv.Destination); got.status != http.StatusNoContent {
		t.Fatalf("part of a refused batch was stored: %d", got.status)
	}
	if res := s.do(t, http.MethodPost, "/api/reset", "", nil); res.status != http.StatusOK {
		t.Fatalf("reset: %d", res.status)
	}
	if got := s.first(t, a.inv.Destination); got.status != http.StatusNoContent {
		t.Fatalf("reset kept messages: %d", got.status)
	}
	if res := s.publish(t, b.batch()); res.status != http.StatusOK {
		t.Fatalf("publish after reset: %d %s", res.status, res.body)
	}

	// The message-count cap.
	s2 := newTestServer(t, RelayConfig{MaxMessages: 3})
	if res := s2.publish(t, a.batch()); res.status != http.StatusInsufficientStorage {
		t.Fatalf("message cap: status %d: %s", res.status, res.body)
	}
}

func TestTopicErrors(t *testing.T) {
	s := newTestServer(t, RelayConfig{})
	cases := []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/api/topics/zz/first", 400, "not hex"},
		{"GET", "/api/topics/abc/first", 400, "not hex"},
		{"GET", "/api/topics/" + strings.Repeat("ab", 1025), 400, "too long"},
		{"GET", "/api/nothing", 404, "no such API endpoint"},
		{"GET", "/api/publish", 405, "use POST"},
		{"DELETE", "/api/topics/0102", 405, "use GET"},
		{"PUT", "/api/config", 405, "use GET or POST"},
	}
	for _, c := range cases {
		res := s.do(t, c.method, c.path, "", nil)
		if res.status != c.status {
			t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, res.status, c.status, res.body)
		}
		if e := res.errorText(t); !strings.Contains(e, c.want) {
			t.Fatalf("%s %s: error %q does not mention %q", c.method, c.path, e, c.want)
		}
	}
	res := s.do(t, "GET", "/api/topics/0102/first", "", nil)
	if res.status != http.StatusNoContent || len(res.body) != 0 {
		t.Fatalf("empty topic, first: %d %q", res.status, res.body)
	}
	res = s.do(t, "GET", "/api/topics/0102", "", nil)
	if res.status != 200 || len(res.json(t)["messages"].([]any)) != 0 {
		t.Fatalf("empty topic: %d %s", res.status, res.body)
	}
}

func TestPointeeDelay(t *testing.T) {
	s := newTestServer(t, RelayConfig{PointeeDelay: 20 * time.Second})
	ti := newInvite(t, 3, 0, 1000)
	res := s.publish(t, ti.batch())
	m := res.json(t)
	if res.status != 200 || m["held"].(float64) != 1 || m["stored"].(float64) != 3 {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	if got := s.first(t, ti.inv.Destination); got.status != http.StatusNoContent {
		t.Fatalf("held pointee visible early: %d", got.status)
	}
	if st := s.relay.Stats(); st.Held != 1 || len(st.HeldUntil) != 1 {
		t.Fatalf("stats %+v", st)
	}
	s.clock.add(19 * time.Second)
	if got := s.first(t, ti.inv.Destination); got.status != http.StatusNoContent {
		t.Fatalf("held pointee visible at 19s: %d", got.status)
	}
	s.clock.add(time.Second)
	got := s.first(t, ti.inv.Destination)
	if got.status != http.StatusOK {
		t.Fatalf("pointee not visible at 20s: %d", got.status)
	}
	// It reached the topic when it became visible: a later id and time.
	if got.header.Get("X-Message-Id") != "4" {
		t.Fatalf("id %s, want 4", got.header.Get("X-Message-Id"))
	}
	if want := s.clock.now().UnixNano(); got.header.Get("X-Created-Ns") != strconvI(want) {
		t.Fatalf("created_ns %s, want %d", got.header.Get("X-Created-Ns"), want)
	}
	ptr := s.first(t, ti.inv.Messages[1].InstallationKey)
	rec, err := core.OpenWelcome(ptr.body, ti.keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.OpenPointee(rec.Pointer, got.body, nil); err != nil {
		t.Fatal(err)
	}
	if st := s.relay.Stats(); st.Held != 0 || st.Messages != 4 {
		t.Fatalf("stats after release %+v", st)
	}
}

func strconvI(n int64) string { return json.Number(jsonInt(n)).String() }
func jsonInt(n int64) string  { b, _ := json.Marshal(n); return string(b) }

func TestReleaseAndConfig(t *testing.T) {
	s := newTestServer(t, RelayConfig{})
	res := s.do(t, "POST", "/api/config", "application/json", []byte(`{"pointeeDelayMs": 60000}`))
	if res.status != 200 || res.json(t)["pointeeDelayMs"].(float64) != 60000 {
		t.Fatalf("config: %d %s", res.status, res.body)
	}
	ti := newInvite(t, 3, 0, 1000)
	s.publish(t, ti.batch())
	if got := s.first(t, ti.inv.Destination); got.status != http.StatusNoContent {
		t.Fatalf("held: %d", got.status)
	}
	res = s.do(t, "POST", "/api/pointees/release", "", nil)
	if res.status != 200 || res.json(t)["released"].(float64) != 1 {
		t.Fatalf("release: %d %s", res.status, res.body)
	}
	if got := s.first(t, ti.inv.Destination); got.status != 200 {
		t.Fatalf("released: %d", got.status)
	}
	for _, bad := range []string{`{"pointeeDelayMs": -1}`, `{"pointeeDelayMs": 99999999999}`, `{"delay": 1}`, `nope`, `{"dropPointees": "yes"}`} {
		res := s.do(t, "POST", "/api/config", "application/json", []byte(bad))
		if res.status != 400 {
			t.Fatalf("config %s: status %d", bad, res.status)
		}
		res.errorText(t)
	}
	if d := s.relay.Config().PointeeDelay; d != time.Minute {
		t.Fatalf("a rejected config changed the delay to %v", d)
	}
}

func TestDropPointees(t *testing.T) {
	s := newTestServer(t, RelayConfig{DropPointees: true})
	ti := newInvite(t, 3, 0, 1000)
	res := s.publish(t, ti.batch())
	if res.status != 200 || res.json(t)["dropped"].(float64) != 1 {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	s.clock.add(time.Hour)
	if got := s.first(t, ti.inv.Destination); got.status != http.StatusNoContent {
		t.Fatalf("dropped pointee delivered: %d", got.status)
	}
	if got := s.first(t, ti.inv.Messages[1].InstallationKey); got.status != 200 {
		t.Fatalf("pointer not delivered: %d", got.status)
	}
	// Turning dropping off delivers later pointees.
	s.do(t, "POST", "/api/config", "application/json", []byte(`{"dropPointees": false}`))
	ti2 := newInvite(t, 3, 0, 1000)
	s.publish(t, ti2.batch())
	if got := s.first(t, ti2.inv.Destination); got.status != 200 {
		t.Fatalf("pointee after drop off: %d", got.status)
	}
}

func TestConcurrentPublish(t *testing.T) {
	s := newTestServer(t, RelayConfig{})
	var wg sync.WaitGroup
	invites := make([]testInvite, 4)
	for i := range invites {
		invites[i] = newInvite(t, 3, 1, 2000)
	}
	for _, ti := range invites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.URL+"/api/publish", bytes.NewReader(ti.batch()))
			req.Header.Set("Content-Type", "application/octet-stream")
			if res, err := s.Client().Do(req); err == nil {
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	if st := s.relay.Stats(); st.Messages != 20 {
		t.Fatalf("%d messages, want 20", st.Messages)
	}
}

// ---- the server around the relay ----

func newSiteServer(t *testing.T, allowRemote bool) *httptest.Server {
	t.Helper()
	js := t.TempDir()
	must := func(err error) {
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
	h, err := newHandler(NewRelay(RelayConfig{MaxRequest: 1 << 20, MaxStored: 1 << 20}), js, allowRemote)
	must(err)
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func TestStaticContentTypes(t *testing.T) {
	s := newSiteServer(t, false)
	cases := []struct {
		path, ct string
		status   int
	}{
		{"/", "text/html; charset=utf-8", 200},
		{"/app.js", "text/javascript; charset=utf-8", 200},
		{"/style.css", "text/css; charset=utf-8", 200},
		{"/js/dist/welcome-pointers.wasm", "application/wasm", 200},
		{"/js/index.js", "text/javascript; charset=utf-8", 200},
		{"/js/node_modules/idb/build/index.js", "text/javascript; charset=utf-8", 200},
		{"/js/node_modules/secret/index.js", "", 404},
		{"/js/.npmrc", "", 404},
		{"/js/dist/", "", 404},
		{"/healthz", "application/json; charset=utf-8", 200},
	}
	for _, c := range cases {
		res, err := s.Client().Get(s.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, res.StatusCode, c.status)
			continue
		}
		if c.ct != "" && res.Header.Get("Content-Type") != c.ct {
			t.Errorf("%s: Content-Type %q, want %q", c.path, res.Header.Get("Content-Type"), c.ct)
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
	}
}

func TestHostCheck(t *testing.T) {
	s := newSiteServer(t, false)
	req, _ := http.NewRequest("GET", s.URL+"/api/stats", nil)
	req.Host = "evil.example:8080"
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: status %d, want 403", res.StatusCode)
	}
	req.Host = "localhost"
	if res, err = s.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("localhost: status %d", res.StatusCode)
	}
	open := newSiteServer(t, true)
	req, _ = http.NewRequest("GET", open.URL+"/api/stats", nil)
	req.Host = "demo.example"
	if res, err = open.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
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
