package node

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1/mlsv1connect"
)

// mlsAPI serves xmtp.mls.api.v1.MlsApi's welcome RPCs; the others answer
// UNIMPLEMENTED (the generated handler has only these two).
type mlsAPI struct{ n *Node }

var _ mlsv1connect.MlsApiHandler = mlsAPI{}

// SendWelcomeMessages stores a batch of WelcomeMessageInput, all or
// nothing, like the v3 node: INVALID_ARGUMENT when one message breaks
// the rules, RESOURCE_EXHAUSTED over the bounds, OK for duplicates.
func (a mlsAPI) SendWelcomeMessages(_ context.Context, req *connect.Request[mlsv1.SendWelcomeMessagesRequest]) (*connect.Response[emptypb.Empty], error) {
	msgs := req.Msg.GetMessages()
	if len(msgs) == 0 {
		return nil, invalid("no welcome messages to send")
	}
	items := make([]item, len(msgs))
	for i, m := range msgs {
		it, err := checkMessage(m)
		if err != nil {
			return nil, refused(i, err)
		}
		items[i] = it
	}
	if _, err := a.n.publish(v3, items); err != nil {
		return nil, publishError(err)
	}
	return connect.NewResponse(&emptypb.Empty{}), nil
}

// QueryWelcomeMessages reads a topic with the v3 node's paging: newest
// first unless ASCENDING is asked for, a limit of 0 or over 100 means
// 100, id_cursor is exclusive, and the answer's id_cursor is the last id
// when the page is full (0 otherwise).
func (a mlsAPI) QueryWelcomeMessages(_ context.Context, req *connect.Request[mlsv1.QueryWelcomeMessagesRequest]) (*connect.Response[mlsv1.QueryWelcomeMessagesResponse], error) {
	key := req.Msg.GetInstallationKey()
	if len(key) == 0 {
		return nil, invalid("installation is required")
	}
	pi := req.Msg.GetPagingInfo()
	dir := mlsv1.SortDirection_SORT_DIRECTION_DESCENDING
	if pi.GetDirection() == mlsv1.SortDirection_SORT_DIRECTION_ASCENDING {
		dir = pi.GetDirection()
	}
	limit := maxPageSize
	if l := pi.GetLimit(); l > 0 && l <= maxPageSize {
		limit = int(l)
	}
	p := a.n.query(key, dir == mlsv1.SortDirection_SORT_DIRECTION_ASCENDING, pi.GetIdCursor(), limit)
	resp := &mlsv1.QueryWelcomeMessagesResponse{
		Messages:   make([]*mlsv1.WelcomeMessage, len(p.entries)),
		PagingInfo: &mlsv1.PagingInfo{Direction: dir, Limit: uint32(limit)},
	}
	for i, e := range p.entries {
		m := new(mlsv1.WelcomeMessage)
		if err := proto.Unmarshal(e.payload, m); err != nil {
			return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("stored message %d: %v", e.id, err))
		}
		resp.Messages[i] = m
	}
	if p.more && len(p.entries) > 0 {
		resp.PagingInfo.IdCursor = p.entries[len(p.entries)-1].id
	}
	return connect.NewResponse(resp), nil
}

// checkMessage re-encodes one decoded WelcomeMessageInput and applies
// the node's rules to it; a pointee is a V1 with SYMMETRIC_KEY.
func checkMessage(m *mlsv1.WelcomeMessageInput) (item, error) {
	input, err := proto.Marshal(m)
	if err != nil {
		return item{}, err
	}
	it, err := checkInput(input)
	if err != nil {
		return item{}, err
	}
	it.pointee = m.GetV1().GetWrapperAlgorithm() == messagecontents.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_SYMMETRIC_KEY
	return it, nil
}

// refused reports message i of a request that the rules refused: too
// large is RESOURCE_EXHAUSTED, anything else INVALID_ARGUMENT.
func refused(i int, err error) error {
	code := connect.CodeInvalidArgument
	if errors.Is(err, core.ErrTooLarge) {
		code = connect.CodeResourceExhausted
	}
	return connect.NewError(code, fmt.Errorf("message %d: %w", i, err))
}

func invalid(format string, args ...any) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf(format, args...))
}

// publishError maps a store failure to its status: over the bounds is
// RESOURCE_EXHAUSTED; anything else is a bug (INTERNAL).
func publishError(err error) error {
	var full errFull
	if errors.As(err, &full) {
		return connect.NewError(connect.CodeResourceExhausted, err)
	}
	return connect.NewError(connect.CodeInternal, err)
}
