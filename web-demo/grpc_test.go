package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1/mlsv1connect"
	"github.com/welcome-pointers/wasm/web-demo/node"
)

type recipient struct {
	key *core.PrivateKey
	in  core.Installation
}

// newInvite seals welcome for n X-Wing installations and returns the
// invite's messages as the protos a gRPC client sends.
func newInvite(t *testing.T, n int, welcome []byte) ([]recipient, *core.Invite, []*mlsv1.WelcomeMessageInput) {
	t.Helper()
	rs := make([]recipient, n)
	ins := make([]core.Installation, n)
	for i := range rs {
		k, err := core.GenerateKey(core.AlgorithmXWing)
		if err != nil {
			t.Fatal(err)
		}
		id := make([]byte, 32)
		rand.Read(id)
		ins[i] = core.Installation{InstallationKey: id, WrapperPublicKey: k.PublicKey(), WrapperAlgorithm: core.AlgorithmXWing,
			PointeeAEADTypes: []core.AEADType{core.AEADChaCha20Poly1305}}
		rs[i] = recipient{k, ins[i]}
	}
	inv, err := core.SealInvite(welcome, 42, ins, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]*mlsv1.WelcomeMessageInput, len(inv.Messages))
	for i, m := range inv.Messages {
		msgs[i] = new(mlsv1.WelcomeMessageInput)
		if err := proto.Unmarshal(m.Message, msgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return rs, inv, msgs
}

// grpc-go, a second implementation of gRPC (its own HTTP/2 and framing),
// publishes to and queries the demo server as it runs, by method name,
// as any client built from xmtp/proto would.
func TestGRPCGoClientAgainstTheDemoServer(t *testing.T) {
	s := newSite(t, false, node.Config{MaxRequest: 1 << 20})
	conn, err := grpc.NewClient("passthrough:///"+strings.TrimPrefix(s.URL, "http://"),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(4<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	send := func(msgs []*mlsv1.WelcomeMessageInput) error {
		return conn.Invoke(ctx, mlsv1connect.MlsApiSendWelcomeMessagesProcedure, &mlsv1.SendWelcomeMessagesRequest{Messages: msgs}, new(emptypb.Empty))
	}
	// first is the oldest message on a topic, or nil.
	first := func(topic []byte) []byte {
		t.Helper()
		resp := new(mlsv1.QueryWelcomeMessagesResponse)
		err := conn.Invoke(ctx, mlsv1connect.MlsApiQueryWelcomeMessagesProcedure, &mlsv1.QueryWelcomeMessagesRequest{
			InstallationKey: topic,
			PagingInfo:      &mlsv1.PagingInfo{Direction: mlsv1.SortDirection_SORT_DIRECTION_ASCENDING, Limit: 1},
		}, resp)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Messages) == 0 {
			return nil
		}
		b, err := proto.Marshal(resp.Messages[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	open := func(rs []recipient, welcome []byte) {
		t.Helper()
		for i, r := range rs {
			got, err := core.OpenWelcome(first(r.in.InstallationKey), []*core.PrivateKey{r.key}, nil)
			if err != nil {
				t.Fatalf("recipient %d: %v", i, err)
			}
			op, err := core.OpenPointee(got.Pointer, first(got.Pointer.Topic()), nil)
			if err != nil || !bytes.Equal(op.Welcome, welcome) {
				t.Fatalf("recipient %d: pointee: %v", i, err)
			}
		}
	}

	welcome := []byte("a welcome published with grpc-go")
	rs, _, msgs := newInvite(t, 4, welcome)
	if err := send(msgs); err != nil {
		t.Fatal(err)
	}
	open(rs, welcome)
	if err := send(msgs); err != nil {
		t.Fatalf("a duplicate publish: %v", err)
	}
	if st := s.node.Stats(); st.Messages != 5 {
		t.Errorf("%d messages after a duplicate publish, want 5", st.Messages)
	}

	// The admin endpoints hold pointees back and release them.
	admin(t, s, "POST", "/admin/pointees", `{"pointeeDelayMs": 600000}`, 200)
	welcome = []byte("a late welcome")
	rs, inv, msgs := newInvite(t, 3, welcome)
	if err := send(msgs); err != nil {
		t.Fatal(err)
	}
	if first(inv.Destination) != nil {
		t.Fatal("a held pointee is visible")
	}
	var states map[string]struct{ State string }
	json.Unmarshal(admin(t, s, "GET", "/admin/pointees?topic="+hex.EncodeToString(inv.Destination), "", 200), &states)
	if got := states[hex.EncodeToString(inv.Destination)].State; got != node.PointeeHeld {
		t.Errorf("admin says the pointee is %q, want held", got)
	}
	admin(t, s, "POST", "/admin/pointees/release", "", 200)
	open(rs, welcome)

	for _, tc := range []struct {
		name string
		msgs []*mlsv1.WelcomeMessageInput
		code codes.Code
	}{
		{"malformed", []*mlsv1.WelcomeMessageInput{{}}, codes.InvalidArgument},
		{"oversized", []*mlsv1.WelcomeMessageInput{{Version: &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
			InstallationKey: make([]byte, 32), Data: make([]byte, 2<<20), HpkePublicKey: make([]byte, 32)}}}}, codes.ResourceExhausted},
		{"empty", nil, codes.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.node.Stats()
			if err := send(tc.msgs); status.Code(err) != tc.code {
				t.Fatalf("error %v, want %v", err, tc.code)
			}
			if after := s.node.Stats(); after != before {
				t.Errorf("a refused request changed the node: %+v → %+v", before, after)
			}
			// Still serving, on the same connection.
			open(rs, welcome)
		})
	}
}

// admin calls an admin endpoint and checks the status.
func admin(t *testing.T, s *site, method, path, body string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if want != 200 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Fatalf("%s %s: error body %q is not {\"error\": …}", method, path, b)
		}
	}
	return b
}
