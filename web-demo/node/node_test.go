package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1/mlsv1connect"
)

// recipient is an installation that can open what it receives.
type recipient struct {
	key *core.PrivateKey
	in  core.Installation
}

func newRecipients(t testing.TB, n int) []recipient {
	t.Helper()
	rs := make([]recipient, n)
	for i := range rs {
		key, err := core.GenerateKey(core.AlgorithmXWing)
		if err != nil {
			t.Fatal(err)
		}
		we, err := core.EncodeWrapperEncryption(key.PublicKey(), core.AlgorithmXWing)
		if err != nil {
			t.Fatal(err)
		}
		id := make([]byte, 32)
		rand.Read(id)
		in, err := core.InstallationFromExtensions(id, nil, we, core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305}))
		if err != nil {
			t.Fatal(err)
		}
		rs[i] = recipient{key, in}
	}
	return rs
}

// newInvite seals a pointer invite for the recipients.
func newInvite(t testing.TB, rs []recipient, welcome []byte) *core.Invite {
	t.Helper()
	ins := make([]core.Installation, len(rs))
	for i, r := range rs {
		ins[i] = r.in
	}
	inv, err := core.SealInvite(welcome, 42, ins, nil)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Destination == nil {
		t.Fatal("the invite uses no pointers")
	}
	return inv
}

func inputs(t testing.TB, msgs ...[]byte) []*mlsv1.WelcomeMessageInput {
	t.Helper()
	out := make([]*mlsv1.WelcomeMessageInput, len(msgs))
	for i, b := range msgs {
		out[i] = new(mlsv1.WelcomeMessageInput)
		if err := proto.Unmarshal(b, out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func inviteInputs(t testing.TB, inv *core.Invite) []*mlsv1.WelcomeMessageInput {
	var msgs [][]byte
	for _, m := range inv.Messages {
		msgs = append(msgs, m.Message)
	}
	return inputs(t, msgs...)
}

// serve runs the node on a loopback port with NewServer.
func serve(t testing.TB, n *Node) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(n.Handler())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	return "http://" + ln.Addr().String()
}

func newNode(t testing.TB, cfg Config) *Node {
	t.Helper()
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// h2c is an HTTP client speaking cleartext HTTP/2, as gRPC needs.
var h2c = func() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols), TLSClientConfig: &tls.Config{}}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr}
}()

// protocols are the three protocols a connect-go client speaks.
var protocols = []struct {
	name   string
	client *http.Client
	opts   []connect.ClientOption
}{
	{"connect", http.DefaultClient, nil},
	{"grpc-web", http.DefaultClient, []connect.ClientOption{connect.WithGRPCWeb()}},
	{"grpc", h2c, []connect.ClientOption{connect.WithGRPC()}},
}

func mlsClient(url string, i int) mlsv1connect.MlsApiClient {
	p := protocols[i]
	return mlsv1connect.NewMlsApiClient(p.client, url, append(p.opts, connect.WithReadMaxBytes(64<<20))...)
}

func send(ctx context.Context, c mlsv1connect.MlsApiClient, msgs []*mlsv1.WelcomeMessageInput) error {
	_, err := c.SendWelcomeMessages(ctx, connect.NewRequest(&mlsv1.SendWelcomeMessagesRequest{Messages: msgs}))
	return err
}

func query(t testing.TB, c mlsv1connect.MlsApiClient, topic []byte, pi *mlsv1.PagingInfo) *mlsv1.QueryWelcomeMessagesResponse {
	t.Helper()
	resp, err := c.QueryWelcomeMessages(context.Background(), connect.NewRequest(&mlsv1.QueryWelcomeMessagesRequest{InstallationKey: topic, PagingInfo: pi}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg
}

var firstPage = &mlsv1.PagingInfo{Direction: mlsv1.SortDirection_SORT_DIRECTION_ASCENDING, Limit: 1}

// first fetches the first message of a topic, as the JS transport does.
func first(t testing.TB, c mlsv1connect.MlsApiClient, topic []byte) []byte {
	t.Helper()
	resp := query(t, c, topic, firstPage)
	if len(resp.Messages) != 1 {
		t.Fatalf("topic %x: %d messages, want 1", topic, len(resp.Messages))
	}
	b, err := proto.Marshal(resp.Messages[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolveAll has every recipient open its pointer and the first message
// on the pointee's topic.
func resolveAll(t testing.TB, c mlsv1connect.MlsApiClient, rs []recipient, welcome []byte) {
	t.Helper()
	for i, r := range rs {
		got, err := core.OpenWelcome(first(t, c, r.in.InstallationKey), []*core.PrivateKey{r.key}, nil)
		if err != nil {
			t.Fatalf("recipient %d: %v", i, err)
		}
		if got.Pointer == nil {
			t.Fatalf("recipient %d: got a %v, want a pointer", i, got.Kind)
		}
		op, err := core.OpenPointee(got.Pointer, first(t, c, got.Pointer.Topic()), nil)
		if err != nil {
			t.Fatalf("recipient %d: pointee: %v", i, err)
		}
		if !bytes.Equal(op.Welcome, welcome) || op.Cursor != 42 {
			t.Fatalf("recipient %d: welcome or cursor differ", i)
		}
	}
}

func TestRoundTripEveryProtocol(t *testing.T) {
	rs := newRecipients(t, 3)
	for i, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			url := serve(t, newNode(t, Config{}))
			c := mlsClient(url, i)
			welcome := bytes.Repeat([]byte("welcome "+p.name), 500)
			inv := newInvite(t, rs, welcome)
			if err := send(context.Background(), c, inviteInputs(t, inv)); err != nil {
				t.Fatal(err)
			}
			resolveAll(t, c, rs, welcome)
		})
	}
}

// The stored form is what xmtpnode.ToWelcomeMessage makes of the input, with
// ids in publication order.
func TestStoredFormIsToWelcomeMessage(t *testing.T) {
	n := newNode(t, Config{})
	fixed := time.Unix(1700000000, 123)
	n.now = func() time.Time { return fixed }
	c := mlsClient(serve(t, n), 0)
	inv := newInvite(t, newRecipients(t, 3), []byte("a welcome"))
	if err := send(context.Background(), c, inviteInputs(t, inv)); err != nil {
		t.Fatal(err)
	}
	for i, m := range inv.Messages {
		want, err := xmtpnode.ToWelcomeMessage(m.Message, uint64(i+1), uint64(fixed.UnixNano()))
		if err != nil {
			t.Fatal(err)
		}
		if got := first(t, c, m.InstallationKey); !bytes.Equal(got, want) {
			t.Errorf("message %d: stored form differs from xmtpnode.ToWelcomeMessage", i)
		}
	}
}

// Paging as the v3 node does it (xmtp-node-go's QueryWelcomeMessagesV1).
func TestQueryPaging(t *testing.T) {
	n := newNode(t, Config{})
	c := mlsClient(serve(t, n), 1)
	topic := bytes.Repeat([]byte{7}, 32)
	var msgs []*mlsv1.WelcomeMessageInput
	for i := range 150 {
		msgs = append(msgs, &mlsv1.WelcomeMessageInput{Version: &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
			InstallationKey:  topic,
			Data:             []byte(fmt.Sprintf("data %d", i)),
			HpkePublicKey:    []byte("key"),
			WrapperAlgorithm: messagecontents.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_CURVE25519,
		}}})
	}
	if err := send(context.Background(), c, msgs); err != nil {
		t.Fatal(err)
	}
	ids := func(r *mlsv1.QueryWelcomeMessagesResponse) []uint64 {
		var out []uint64
		for _, m := range r.Messages {
			out = append(out, m.GetV1().GetId())
		}
		return out
	}
	asc, desc := mlsv1.SortDirection_SORT_DIRECTION_ASCENDING, mlsv1.SortDirection_SORT_DIRECTION_DESCENDING
	for _, tc := range []struct {
		name        string
		pi          *mlsv1.PagingInfo
		first, last uint64
		count       int
		cursor      uint64
		direction   mlsv1.SortDirection
		limit       uint32
	}{
		{"no paging info: newest first, 100", nil, 150, 51, 100, 51, desc, 100},
		{"unspecified direction is descending", &mlsv1.PagingInfo{Limit: 1}, 150, 150, 1, 150, desc, 1},
		{"ascending limit 1", firstPage, 1, 1, 1, 1, asc, 1},
		{"ascending after a cursor", &mlsv1.PagingInfo{Direction: asc, Limit: 10, IdCursor: 5}, 6, 15, 10, 15, asc, 10},
		{"limit over 100 is 100", &mlsv1.PagingInfo{Direction: asc, Limit: 1000}, 1, 100, 100, 100, asc, 100},
		{"last page: no cursor", &mlsv1.PagingInfo{Direction: asc, IdCursor: 100}, 101, 150, 50, 0, asc, 100},
		{"descending before a cursor", &mlsv1.PagingInfo{Direction: desc, Limit: 3, IdCursor: 10}, 9, 7, 3, 7, desc, 3},
		{"past the end", &mlsv1.PagingInfo{Direction: asc, IdCursor: 150}, 0, 0, 0, 0, asc, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := query(t, c, topic, tc.pi)
			got := ids(r)
			if len(got) != tc.count {
				t.Fatalf("%d messages, want %d", len(got), tc.count)
			}
			if tc.count > 0 && (got[0] != tc.first || got[len(got)-1] != tc.last) {
				t.Errorf("ids %d..%d, want %d..%d", got[0], got[len(got)-1], tc.first, tc.last)
			}
			pi := r.GetPagingInfo()
			if pi.GetIdCursor() != tc.cursor || pi.GetDirection() != tc.direction || pi.GetLimit() != tc.limit {
				t.Errorf("paging info %v, want cursor %d direction %v limit %d", pi, tc.cursor, tc.direction, tc.limit)
			}
		})
	}
	if r := query(t, c, bytes.Repeat([]byte{8}, 32), firstPage); len(r.Messages) != 0 {
		t.Errorf("an empty topic answered %d messages", len(r.Messages))
	}
}

func TestDuplicatesAcceptedOnce(t *testing.T) {
	n := newNode(t, Config{})
	c := mlsClient(serve(t, n), 0)
	inv := newInvite(t, newRecipients(t, 3), []byte("w"))
	msgs := inviteInputs(t, inv)
	if err := send(context.Background(), c, append(msgs, msgs[1])); err != nil {
		t.Fatal(err)
	}
	if err := send(context.Background(), c, msgs); err != nil {
		t.Fatalf("publishing again: %v", err)
	}
	if s := n.Stats(); s.Messages != len(msgs) {
		t.Errorf("%d messages stored, want %d", s.Messages, len(msgs))
	}
	if r := query(t, c, inv.Messages[1].InstallationKey, nil); len(r.Messages) != 1 {
		t.Errorf("the duplicated pointer is on its topic %d times", len(r.Messages))
	}
}

func wantCode(t testing.TB, err error, code connect.Code) {
	t.Helper()
	if connect.CodeOf(err) != code {
		t.Fatalf("error %v, want %v", err, code)
	}
}

func v1(key []byte, size int) *mlsv1.WelcomeMessageInput {
	data := make([]byte, size)
	rand.Read(data)
	return &mlsv1.WelcomeMessageInput{Version: &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
		InstallationKey: key, Data: data, HpkePublicKey: []byte("p"),
		WrapperAlgorithm: messagecontents.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_CURVE25519,
	}}}
}

// Every refused request changes nothing and the node keeps serving.
func TestRefusedRequests(t *testing.T) {
	rs := newRecipients(t, 3)
	pointer := func() *mlsv1.WelcomeMessageInput {
		return inviteInputs(t, newInvite(t, rs, []byte("w")))[1]
	}
	bounds := Config{MaxRequest: 64 << 10, MaxMessages: 10, MaxStored: 100 << 10}
	for _, tc := range []struct {
		name    string
		prefill []*mlsv1.WelcomeMessageInput
		msgs    []*mlsv1.WelcomeMessageInput
		code    connect.Code
	}{
		{"empty request", nil, nil, connect.CodeInvalidArgument},
		{"no version", nil, []*mlsv1.WelcomeMessageInput{{}}, connect.CodeInvalidArgument},
		{"V1 without a key that is not a pointee", nil, []*mlsv1.WelcomeMessageInput{{Version: &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
			InstallationKey: []byte("k"), Data: []byte("d"),
			WrapperAlgorithm: messagecontents.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_CURVE25519,
		}}}}, connect.CodeInvalidArgument},
		{"one bad pointer in a batch", nil, func() []*mlsv1.WelcomeMessageInput {
			p := pointer()
			p.GetWelcomePointer().WrapperAlgorithm = messagecontents.WelcomePointerWrapperAlgorithm_WELCOME_POINTER_WRAPPER_ALGORITHM_UNSPECIFIED
			return []*mlsv1.WelcomeMessageInput{pointer(), p}
		}(), connect.CodeInvalidArgument},
		{"request over MaxRequest", nil, []*mlsv1.WelcomeMessageInput{v1([]byte("k"), 65<<10)}, connect.CodeResourceExhausted},
		{"over MaxMessages", []*mlsv1.WelcomeMessageInput{pointer(), pointer(), pointer(), pointer(), pointer(), pointer()},
			[]*mlsv1.WelcomeMessageInput{pointer(), pointer(), pointer(), pointer(), pointer()}, connect.CodeResourceExhausted},
		{"over MaxStored", []*mlsv1.WelcomeMessageInput{v1([]byte("a"), 60<<10)},
			[]*mlsv1.WelcomeMessageInput{v1([]byte("b"), 50<<10)}, connect.CodeResourceExhausted},
	} {
		for i, p := range protocols {
			t.Run(tc.name+"/"+p.name, func(t *testing.T) {
				n := newNode(t, bounds)
				c := mlsClient(serve(t, n), i)
				if tc.prefill != nil {
					if err := send(context.Background(), c, tc.prefill); err != nil {
						t.Fatal(err)
					}
				}
				before := n.Stats()
				wantCode(t, send(context.Background(), c, tc.msgs), tc.code)
				if after := n.Stats(); after != before {
					t.Errorf("a refused request changed the node: %+v, then %+v", before, after)
				}
				// Still serving.
				if err := send(context.Background(), c, []*mlsv1.WelcomeMessageInput{v1([]byte("k"), 10)}); err != nil {
					t.Errorf("after a refused request: %v", err)
				}
			})
		}
	}
	t.Run("query without an installation key", func(t *testing.T) {
		_, err := mlsClient(serve(t, newNode(t, Config{})), 1).QueryWelcomeMessages(context.Background(), connect.NewRequest(&mlsv1.QueryWelcomeMessagesRequest{}))
		wantCode(t, err, connect.CodeInvalidArgument)
	})
}

// Garbage on the wire: bytes that are not the request message, for each
// protocol's framing.
func TestMalformedBodies(t *testing.T) {
	url := serve(t, newNode(t, Config{}))
	path := url + mlsv1connect.MlsApiSendWelcomeMessagesProcedure
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		want              string // grpc-status, or the HTTP status for Connect
	}{
		{"grpc-web: not protobuf", "application/grpc-web+proto", append([]byte{0, 0, 0, 0, 3}, 0xff, 0xff, 0xff), "3"},
		// connect-go v1.21 answers INTERNAL to a truncated frame; its
		// main branch answers INVALID_ARGUMENT.
		{"grpc-web: truncated frame", "application/grpc-web+proto", []byte{0, 0, 0, 1, 0, 1, 2}, "3|13"},
		{"grpc-web: frame over the cap", "application/grpc-web+proto", []byte{0, 0x7f, 0xff, 0xff, 0xff}, "8"},
		{"connect: not protobuf", "application/proto", []byte{0xff, 0xff, 0xff}, "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(path, tc.contentType, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Grpc-Status")
			if strings.HasPrefix(tc.contentType, "application/proto") {
				got = fmt.Sprint(resp.StatusCode)
			}
			if !slices.Contains(strings.Split(tc.want, "|"), got) {
				t.Errorf("status %q (HTTP %d, %q), want %q", got, resp.StatusCode, resp.Header.Get("Grpc-Message"), tc.want)
			}
		})
	}
}

func TestPointeeDelayAndDrop(t *testing.T) {
	rs := newRecipients(t, 3)
	n := newNode(t, Config{PointeeDelay: time.Minute})
	clock := time.Unix(1700000000, 0)
	var mu sync.Mutex
	n.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	c := mlsClient(serve(t, n), 2)

	inv := newInvite(t, rs, []byte("late welcome"))
	if err := send(context.Background(), c, inviteInputs(t, inv)); err != nil {
		t.Fatal(err)
	}
	if r := query(t, c, inv.Destination, firstPage); len(r.Messages) != 0 {
		t.Fatal("the pointee is visible before its delay")
	}
	first(t, c, rs[0].in.InstallationKey) // pointers are not held
	if s := n.Stats(); s.Held != 1 || s.Messages != 4 {
		t.Errorf("stats %+v, want 1 held of 4", s)
	}
	if p := n.Pointee(inv.Destination); p.State != PointeeHeld || !p.VisibleAt.Equal(clock.Add(time.Minute)) {
		t.Errorf("Pointee of a held pointee: %+v", p)
	}
	if h := n.HeldUntil(); len(h) != 1 || !h[0].Equal(clock.Add(time.Minute)) {
		t.Errorf("HeldUntil %v", h)
	}
	advance(time.Minute)
	if p := n.Pointee(inv.Destination); p.State != PointeeVisible {
		t.Errorf("Pointee of a released pointee: %+v", p)
	}
	m, err := core.OpenWelcome(first(t, c, rs[0].in.InstallationKey), []*core.PrivateKey{rs[0].key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pointee := first(t, c, inv.Destination)
	if _, err := core.OpenPointee(m.Pointer, pointee, nil); err != nil {
		t.Fatal(err)
	}
	// It got the id and time of the moment it became visible.
	var wm mlsv1.WelcomeMessage
	proto.Unmarshal(pointee, &wm)
	if wm.GetV1().GetId() != 4 || wm.GetV1().GetCreatedNs() != uint64(clock.UnixNano()) {
		t.Errorf("released pointee has id %d, created %d", wm.GetV1().GetId(), wm.GetV1().GetCreatedNs())
	}

	drop := true
	if err := n.SetPointeeBehavior(nil, &drop); err != nil {
		t.Fatal(err)
	}
	inv = newInvite(t, rs, []byte("dropped welcome"))
	if err := send(context.Background(), c, inviteInputs(t, inv)); err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	if r := query(t, c, inv.Destination, firstPage); len(r.Messages) != 0 {
		t.Error("a dropped pointee was delivered")
	}
	if s := n.Stats(); s.Dropped != 1 {
		t.Errorf("stats %+v, want 1 dropped", s)
	}
	if p := n.Pointee(inv.Destination); p.State != PointeeDropped {
		t.Errorf("Pointee of a dropped pointee: %+v", p)
	}
	dropped := inv.Destination

	delay, noDrop := time.Hour, false
	n.SetPointeeBehavior(&delay, &noDrop)
	inv = newInvite(t, rs, []byte("released welcome"))
	if err := send(context.Background(), c, inviteInputs(t, inv)); err != nil {
		t.Fatal(err)
	}
	if got := n.ReleaseHeld(); got != 1 {
		t.Errorf("ReleaseHeld released %d, want 1", got)
	}
	first(t, c, inv.Destination)

	bad := MaxPointeeDelay + 1
	if err := n.SetPointeeBehavior(&bad, nil); err == nil {
		t.Error("a delay over MaxPointeeDelay was accepted")
	}
	n.Reset()
	if s := n.Stats(); s != (Stats{}) {
		t.Errorf("after Reset: %+v", s)
	}
	for _, topic := range [][]byte{dropped, inv.Destination} {
		if p := n.Pointee(topic); p.State != PointeeUnknown {
			t.Errorf("Pointee after Reset: %+v", p)
		}
	}
}

// A decoy published on the destination before the pointee is what
// recipients read first, and it does not open; one published after is
// never read.
func TestFirstMessageRule(t *testing.T) {
	rs := newRecipients(t, 3)
	c := mlsClient(serve(t, newNode(t, Config{})), 0)
	decoyFor := func(dest []byte) *mlsv1.WelcomeMessageInput {
		return &mlsv1.WelcomeMessageInput{Version: &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
			InstallationKey: dest, Data: bytes.Repeat([]byte("forged welcome "), 8), WelcomeMetadata: make([]byte, 16),
			WrapperAlgorithm: messagecontents.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_SYMMETRIC_KEY,
		}}}
	}
	inv := newInvite(t, rs, []byte("real welcome"))
	msgs := inviteInputs(t, inv)
	if err := send(context.Background(), c, append(msgs, decoyFor(inv.Destination))); err != nil {
		t.Fatal(err)
	}
	resolveAll(t, c, rs, []byte("real welcome"))

	rs = newRecipients(t, 3)
	inv = newInvite(t, rs, []byte("real welcome"))
	if err := send(context.Background(), c, []*mlsv1.WelcomeMessageInput{decoyFor(inv.Destination)}); err != nil {
		t.Fatal(err)
	}
	if err := send(context.Background(), c, inviteInputs(t, inv)); err != nil {
		t.Fatal(err)
	}
	got, err := core.OpenWelcome(first(t, c, rs[0].in.InstallationKey), []*core.PrivateKey{rs[0].key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.OpenPointee(got.Pointer, first(t, c, inv.Destination), nil); !errors.Is(err, core.ErrDecrypt) {
		t.Errorf("a decoy before the pointee: %v, want ErrDecrypt", err)
	}
}

func TestCORS(t *testing.T) {
	url := serve(t, newNode(t, Config{}))
	req, _ := http.NewRequest(http.MethodOptions, url+mlsv1connect.MlsApiQueryWelcomeMessagesProcedure, nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", resp.StatusCode, h)
	}
	for _, want := range []string{"content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"} {
		if !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), want) {
			t.Errorf("preflight does not allow %s", want)
		}
	}
	// A trailers-only gRPC-Web error puts the status in headers the
	// browser must be allowed to read.
	resp, err = http.Post(url+mlsv1connect.MlsApiSendWelcomeMessagesProcedure, "application/grpc-web+proto", bytes.NewReader([]byte{0, 0, 0, 0, 0}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Grpc-Status") != "3" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Grpc-Status") {
		t.Errorf("gRPC-Web error: %v", resp.Header)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []Config{
		{MaxRequest: -1}, {MaxRequest: 1 << 40}, {MaxStored: -1}, {MaxMessages: -1},
		{PointeeDelay: -time.Second}, {PointeeDelay: MaxPointeeDelay + 1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	n := newNode(t, Config{})
	if c := n.Config(); c.MaxRequest != DefaultMaxRequest || c.MaxStored != DefaultMaxStored || c.MaxMessages != DefaultMaxMessages || c.NodeID != DefaultNodeID {
		t.Errorf("defaults: %+v", c)
	}
}
