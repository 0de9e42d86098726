package node

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/pb/envelopes"
	"github.com/welcome-pointers/wasm/internal/pb/gatewayapi/gatewayapiconnect"
	"github.com/welcome-pointers/wasm/internal/pb/messageapi"
	"github.com/welcome-pointers/wasm/internal/pb/messageapi/messageapiconnect"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
	"github.com/welcome-pointers/wasm/internal/pb/payerapi"
	"github.com/welcome-pointers/wasm/internal/pb/payerapi/payerapiconnect"
)

func welcomeTopic(key []byte) []byte { return append([]byte{WelcomeTopicKind}, key...) }

func clientEnvelopes(msgs []*mlsv1.WelcomeMessageInput) []*envelopes.ClientEnvelope {
	out := make([]*envelopes.ClientEnvelope, len(msgs))
	for i, m := range msgs {
		key := m.GetV1().GetInstallationKey()
		if key == nil {
			key = m.GetWelcomePointer().GetInstallationKey()
		}
		out[i] = &envelopes.ClientEnvelope{
			Aad:     &envelopes.AuthenticatedData{TargetTopic: welcomeTopic(key)},
			Payload: &envelopes.ClientEnvelope_WelcomeMessage{WelcomeMessage: m},
		}
	}
	return out
}

type d14nClients struct {
	publish func(context.Context, *connect.Request[payerapi.PublishClientEnvelopesRequest]) (*connect.Response[payerapi.PublishClientEnvelopesResponse], error)
	query   func(context.Context, *connect.Request[messageapi.QueryEnvelopesRequest]) (*connect.Response[messageapi.QueryEnvelopesResponse], error)
}

// Both service names of each RPC: the deprecated ones deployed clients
// call, and their successors.
func d14nVariants(url string) map[string]d14nClients {
	web := connect.WithGRPCWeb()
	return map[string]d14nClients{
		"PayerApi+ReplicationApi": {
			payerapiconnect.NewPayerApiClient(http.DefaultClient, url, web).PublishClientEnvelopes,
			messageapiconnect.NewReplicationApiClient(http.DefaultClient, url, web).QueryEnvelopes,
		},
		"GatewayApi+QueryApi": {
			gatewayapiconnect.NewGatewayApiClient(http.DefaultClient, url, web).PublishClientEnvelopes,
			messageapiconnect.NewQueryApiClient(http.DefaultClient, url, web).QueryEnvelopes,
		},
	}
}

// firstInput reads the first envelope of a topic and unwraps the
// WelcomeMessageInput it carries.
func firstInput(t testing.TB, c d14nClients, topic []byte) []byte {
	t.Helper()
	resp, err := c.query(context.Background(), connect.NewRequest(&messageapi.QueryEnvelopesRequest{
		Query: &messageapi.EnvelopesQuery{Topics: [][]byte{topic}}, Limit: 1,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Msg.Envelopes) != 1 {
		t.Fatalf("topic %x: %d envelopes", topic, len(resp.Msg.Envelopes))
	}
	var u envelopes.UnsignedOriginatorEnvelope
	var p envelopes.PayerEnvelope
	var ce envelopes.ClientEnvelope
	if proto.Unmarshal(resp.Msg.Envelopes[0].UnsignedOriginatorEnvelope, &u) != nil ||
		proto.Unmarshal(u.PayerEnvelopeBytes, &p) != nil || proto.Unmarshal(p.UnsignedClientEnvelope, &ce) != nil {
		t.Fatal("envelope does not parse")
	}
	if !bytes.Equal(ce.GetAad().GetTargetTopic(), topic) || u.OriginatorNodeId != DefaultNodeID || u.OriginatorSequenceId == 0 {
		t.Fatalf("envelope: topic %x node %d seq %d", ce.GetAad().GetTargetTopic(), u.OriginatorNodeId, u.OriginatorSequenceId)
	}
	b, err := proto.Marshal(ce.GetWelcomeMessage())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecentralizedRoundTrip(t *testing.T) {
	rs := newRecipients(t, 3)
	for name, c := range d14nVariants(serve(t, newNode(t, Config{}))) {
		t.Run(name, func(t *testing.T) {
			welcome := []byte("a welcome on the decentralized network")
			inv := newInvite(t, rs, welcome)
			msgs := inviteInputs(t, inv)
			resp, err := c.publish(context.Background(), connect.NewRequest(&payerapi.PublishClientEnvelopesRequest{Envelopes: clientEnvelopes(msgs)}))
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Msg.OriginatorEnvelopes) != len(msgs) {
				t.Errorf("%d originator envelopes for %d messages", len(resp.Msg.OriginatorEnvelopes), len(msgs))
			}
			for i, r := range rs {
				got, err := core.OpenWelcome(firstInput(t, c, welcomeTopic(r.in.InstallationKey)), []*core.PrivateKey{r.key}, &core.OpenOptions{Form: core.FormInput})
				if err != nil {
					t.Fatalf("recipient %d: %v", i, err)
				}
				op, err := core.OpenPointee(got.Pointer, firstInput(t, c, got.Pointer.DecentralizedTopic()), &core.OpenOptions{Form: core.FormInput})
				if err != nil || !bytes.Equal(op.Welcome, welcome) {
					t.Fatalf("recipient %d: pointee: %v", i, err)
				}
			}
		})
	}
}

func TestDecentralizedQuery(t *testing.T) {
	n := newNode(t, Config{})
	c := d14nVariants(serve(t, n))["GatewayApi+QueryApi"]
	topic := welcomeTopic(bytes.Repeat([]byte{9}, 32))
	var msgs []*mlsv1.WelcomeMessageInput
	for range 5 {
		msgs = append(msgs, v1(topic[1:], 100))
	}
	if _, err := c.publish(context.Background(), connect.NewRequest(&payerapi.PublishClientEnvelopesRequest{Envelopes: clientEnvelopes(msgs)})); err != nil {
		t.Fatal(err)
	}
	seqs := func(q *messageapi.QueryEnvelopesRequest) []uint64 {
		t.Helper()
		resp, err := c.query(context.Background(), connect.NewRequest(q))
		if err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for _, e := range resp.Msg.Envelopes {
			var u envelopes.UnsignedOriginatorEnvelope
			proto.Unmarshal(e.UnsignedOriginatorEnvelope, &u)
			out = append(out, u.OriginatorSequenceId)
		}
		return out
	}
	cursor := func(seq uint64) *envelopes.Cursor {
		return &envelopes.Cursor{NodeIdToSequenceId: map[uint32]uint64{DefaultNodeID: seq}}
	}
	for _, tc := range []struct {
		name string
		q    *messageapi.QueryEnvelopesRequest
		want []uint64
	}{
		{"all, oldest first", &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{Topics: [][]byte{topic}}}, []uint64{1, 2, 3, 4, 5}},
		{"limit", &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{Topics: [][]byte{topic}}, Limit: 2}, []uint64{1, 2}},
		{"after a cursor", &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{Topics: [][]byte{topic}, LastSeen: cursor(3)}}, []uint64{4, 5}},
		{"another originator's cursor", &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{Topics: [][]byte{topic}, LastSeen: &envelopes.Cursor{NodeIdToSequenceId: map[uint32]uint64{7: 3}}}, Limit: 1}, []uint64{1}},
		{"the v3 topic is another network", &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{Topics: [][]byte{topic[1:]}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := seqs(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("sequence ids %v, want %v", got, tc.want)
			}
		})
	}

	valid := clientEnvelopes([]*mlsv1.WelcomeMessageInput{v1([]byte("k"), 10)})[0]
	for _, tc := range []struct {
		name  string
		edit  func(*envelopes.ClientEnvelope)
		query *messageapi.QueryEnvelopesRequest
	}{
		{"no aad", func(e *envelopes.ClientEnvelope) { e.Aad = nil }, nil},
		{"group message topic", func(e *envelopes.ClientEnvelope) { e.Aad.TargetTopic[0] = 0 }, nil},
		{"no payload", func(e *envelopes.ClientEnvelope) { e.Payload = nil }, nil},
		{"payload breaks the rules", func(e *envelopes.ClientEnvelope) { e.GetWelcomeMessage().GetV1().HpkePublicKey = nil }, nil},
		{"no query", nil, &messageapi.QueryEnvelopesRequest{}},
		{"originator query", nil, &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{OriginatorNodeIds: []uint32{1}}}},
		{"topic too long", nil, &messageapi.QueryEnvelopesRequest{Query: &messageapi.EnvelopesQuery{Topics: [][]byte{make([]byte, 129)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := n.Stats()
			var err error
			if tc.edit != nil {
				e := proto.Clone(valid).(*envelopes.ClientEnvelope)
				tc.edit(e)
				_, err = c.publish(context.Background(), connect.NewRequest(&payerapi.PublishClientEnvelopesRequest{Envelopes: []*envelopes.ClientEnvelope{e}}))
			} else {
				_, err = c.query(context.Background(), connect.NewRequest(tc.query))
			}
			wantCode(t, err, connect.CodeInvalidArgument)
			if n.Stats() != before {
				t.Error("a refused request changed the node")
			}
		})
	}
}
