package node

import (
	"context"
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
)

// grpc-go is a second, independent implementation of the gRPC protocol
// (its own HTTP/2 stack and framing): it publishes and queries the node
// by method name, as any gRPC client built from xmtp/proto would.
func dialGRPC(t *testing.T, url string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+strings.TrimPrefix(url, "http://"),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(core.DefaultMaxMessageSize), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestGRPCGoClient(t *testing.T) {
	rs := newRecipients(t, 4)
	n := newNode(t, Config{MaxRequest: 1 << 20})
	conn := dialGRPC(t, serve(t, n))
	ctx := context.Background()
	welcome := []byte("a welcome sent over grpc-go")
	inv := newInvite(t, rs, welcome)

	err := conn.Invoke(ctx, mlsv1connect.MlsApiSendWelcomeMessagesProcedure,
		&mlsv1.SendWelcomeMessagesRequest{Messages: inviteInputs(t, inv)}, new(emptypb.Empty))
	if err != nil {
		t.Fatal(err)
	}
	firstOf := func(topic []byte) []byte {
		t.Helper()
		resp := new(mlsv1.QueryWelcomeMessagesResponse)
		err := conn.Invoke(ctx, mlsv1connect.MlsApiQueryWelcomeMessagesProcedure,
			&mlsv1.QueryWelcomeMessagesRequest{InstallationKey: topic, PagingInfo: firstPage}, resp)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Messages) != 1 || resp.GetPagingInfo().GetDirection() != mlsv1.SortDirection_SORT_DIRECTION_ASCENDING {
			t.Fatalf("answer %v", resp)
		}
		b, _ := proto.Marshal(resp.Messages[0])
		return b
	}
	for i, r := range rs {
		got, err := core.OpenWelcome(firstOf(r.in.InstallationKey), []*core.PrivateKey{r.key}, nil)
		if err != nil {
			t.Fatalf("recipient %d: %v", i, err)
		}
		op, err := core.OpenPointee(got.Pointer, firstOf(got.Pointer.Topic()), nil)
		if err != nil || string(op.Welcome) != string(welcome) {
			t.Fatalf("recipient %d: pointee: %v", i, err)
		}
	}

	for _, tc := range []struct {
		name string
		req  *mlsv1.SendWelcomeMessagesRequest
		code codes.Code
	}{
		{"malformed", &mlsv1.SendWelcomeMessagesRequest{Messages: []*mlsv1.WelcomeMessageInput{{}}}, codes.InvalidArgument},
		{"oversized", &mlsv1.SendWelcomeMessagesRequest{Messages: []*mlsv1.WelcomeMessageInput{v1([]byte("k"), 2<<20)}}, codes.ResourceExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := conn.Invoke(ctx, mlsv1connect.MlsApiSendWelcomeMessagesProcedure, tc.req, new(emptypb.Empty))
			if status.Code(err) != tc.code {
				t.Fatalf("error %v, want %v", err, tc.code)
			}
			// The connection and the node keep working.
			firstOf(inv.Destination)
		})
	}
}
