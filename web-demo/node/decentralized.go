package node

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/internal/pb/envelopes"
	"github.com/welcome-pointers/wasm/internal/pb/messageapi"
	"github.com/welcome-pointers/wasm/internal/pb/messageapi/messageapiconnect"
	"github.com/welcome-pointers/wasm/internal/pb/payerapi"
	"github.com/welcome-pointers/wasm/internal/pb/payerapi/payerapiconnect"
)

// WelcomeTopicKind is the first byte of a welcome topic on the
// decentralized network: the topic is 0x01 || installation key.
const WelcomeTopicKind = 0x01

// retentionDays is what the envelopes say about their retention.
const retentionDays = 30

// queryAPI serves QueryEnvelopes for welcome topics, on both the
// ReplicationApi path deployed clients call and QueryApi.
type queryAPI struct{ n *Node }

var (
	_ messageapiconnect.ReplicationApiHandler = queryAPI{}
	_ messageapiconnect.QueryApiHandler       = queryAPI{}
	_ payerapiconnect.PayerApiHandler         = publishAPI{}
)

// QueryEnvelopes returns the envelopes of the topics after the cursor,
// oldest first, at most limit (0 or over 1000 means 1000), like xmtpd.
// Only topic queries are served.
func (a queryAPI) QueryEnvelopes(_ context.Context, req *connect.Request[messageapi.QueryEnvelopesRequest]) (*connect.Response[messageapi.QueryEnvelopesResponse], error) {
	q := req.Msg.GetQuery()
	if q == nil {
		return nil, invalid("missing query")
	}
	if len(q.GetOriginatorNodeIds()) > 0 {
		return nil, invalid("this node answers topic queries only")
	}
	for _, t := range q.GetTopics() {
		if len(t) == 0 || len(t) > maxTopicLength {
			return nil, invalid("invalid topic of %d bytes", len(t))
		}
	}
	limit := maxEnvelopeRows
	if l := req.Msg.GetLimit(); l > 0 && l <= maxEnvelopeRows {
		limit = int(l)
	}
	after := q.GetLastSeen().GetNodeIdToSequenceId()[a.n.Config().NodeID]
	resp := &messageapi.QueryEnvelopesResponse{}
	for _, b := range a.n.queryEnvelopes(q.GetTopics(), after, limit) {
		env := new(envelopes.OriginatorEnvelope)
		if err := proto.Unmarshal(b, env); err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		resp.Envelopes = append(resp.Envelopes, env)
	}
	return connect.NewResponse(resp), nil
}

// publishAPI serves PublishClientEnvelopes for welcome messages, on both
// the PayerApi path deployed clients call and GatewayApi, as a payer
// gateway and its node would: each envelope needs authenticated data
// whose topic is a welcome topic, and a WelcomeMessageInput that passes
// the node's rules. The envelopes carry no signatures (this node has no
// keys).
type publishAPI struct{ n *Node }

func (a publishAPI) PublishClientEnvelopes(_ context.Context, req *connect.Request[payerapi.PublishClientEnvelopesRequest]) (*connect.Response[payerapi.PublishClientEnvelopesResponse], error) {
	envs := req.Msg.GetEnvelopes()
	if len(envs) == 0 {
		return nil, invalid("no envelopes to publish")
	}
	items := make([]item, len(envs))
	for i, env := range envs {
		topic := env.GetAad().GetTargetTopic()
		switch {
		case env.GetAad() == nil:
			return nil, invalid("envelope %d: aad is missing", i)
		case len(topic) < 2 || len(topic) > maxTopicLength || topic[0] != WelcomeTopicKind:
			return nil, invalid("envelope %d: target topic is not a welcome topic (0x01 || installation key)", i)
		case env.GetWelcomeMessage() == nil:
			return nil, invalid("envelope %d: payload is not a welcome message", i)
		}
		it, err := checkMessage(env.GetWelcomeMessage())
		if err != nil {
			return nil, refused(i, err)
		}
		// xmtpd files an envelope under its target topic, checking only
		// the topic's kind against the payload.
		it.topic = string(topic)
		if it.client, err = proto.Marshal(env); err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		items[i] = it
	}
	stored, err := a.n.publish(decentralized, items)
	if err != nil {
		return nil, publishError(err)
	}
	resp := &payerapi.PublishClientEnvelopesResponse{}
	for _, e := range stored {
		if e == nil {
			continue
		}
		env := new(envelopes.OriginatorEnvelope)
		if err := proto.Unmarshal(e.payload, env); err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		resp.OriginatorEnvelopes = append(resp.OriginatorEnvelopes, env)
	}
	return connect.NewResponse(resp), nil
}

// originatorEnvelope wraps a client envelope as the network returns it:
// OriginatorEnvelope{ UnsignedOriginatorEnvelope{ node, sequence id,
// time, PayerEnvelope{ ClientEnvelope } } }.
func originatorEnvelope(nodeID uint32, seq uint64, at time.Time, client []byte) ([]byte, error) {
	payer, err := proto.Marshal(&envelopes.PayerEnvelope{
		UnsignedClientEnvelope: client,
		TargetOriginator:       nodeID,
		MessageRetentionDays:   retentionDays,
	})
	if err != nil {
		return nil, err
	}
	unsigned, err := proto.Marshal(&envelopes.UnsignedOriginatorEnvelope{
		OriginatorNodeId:     nodeID,
		OriginatorSequenceId: seq,
		OriginatorNs:         at.UnixNano(),
		PayerEnvelopeBytes:   payer,
		ExpiryUnixtime:       uint64(at.Add(retentionDays * 24 * time.Hour).Unix()),
	})
	if err != nil {
		return nil, err
	}
	return proto.Marshal(&envelopes.OriginatorEnvelope{UnsignedOriginatorEnvelope: unsigned})
}
