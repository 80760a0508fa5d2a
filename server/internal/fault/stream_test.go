package fault

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeStream records what a streaming handler sends.
type fakeStream struct {
	grpc.ServerStream
	ctx     context.Context
	sent    []any
	trailer metadata.MD
}

func (f *fakeStream) Context() context.Context    { return f.ctx }
func (f *fakeStream) SendMsg(m any) error         { f.sent = append(f.sent, m); return nil }
func (f *fakeStream) SetTrailer(md metadata.MD)   { f.trailer = metadata.Join(f.trailer, md) }
func (f *fakeStream) SetHeader(metadata.MD) error { return nil }

// sender sends n messages, then with follow waits for the end of the stream
// as WatchExpiringFoods does.
func sender(n int, follow bool) grpc.StreamHandler {
	return func(_ any, ss grpc.ServerStream) error {
		for i := range n {
			if err := ss.SendMsg(i); err != nil {
				return err
			}
		}
		if follow {
			<-ss.Context().Done()
			return status.FromContextError(ss.Context().Err()).Err()
		}
		return nil
	}
}

func TestStream(t *testing.T) {
	failing := func(grpc.ServerStream) error { return status.Error(codes.InvalidArgument, "within_days: bad") }
	tests := []struct {
		name        string
		md          []string
		handler     grpc.StreamHandler
		wantSent    int
		wantCode    codes.Code
		wantMsg     string
		wantTrailer string
	}{
		{name: "a stream without fault metadata is handled", handler: sender(3, false), wantSent: 3},
		{name: "stream-after sends that many messages and fails with UNAVAILABLE",
			md: []string{KeyStreamAfter, "2"}, handler: sender(5, false), wantSent: 2, wantCode: codes.Unavailable, wantMsg: DefaultMessage},
		{name: "stream-after with a code fails with that code",
			md: []string{KeyStreamAfter, "2", KeyCode, "ABORTED", KeyMessage, "cut"}, handler: sender(5, false), wantSent: 2, wantCode: codes.Aborted, wantMsg: "cut"},
		{name: "stream-after cuts off a following handler that waits for more",
			md: []string{KeyStreamAfter, "2"}, handler: sender(2, true), wantSent: 2, wantCode: codes.Unavailable},
		{name: "stream-after fails a stream that ends early after what it sent",
			md: []string{KeyStreamAfter, "3"}, handler: sender(1, false), wantSent: 1, wantCode: codes.Unavailable},
		{name: "stream-after 0 sends nothing",
			md: []string{KeyStreamAfter, "0"}, handler: sender(3, true), wantSent: 0, wantCode: codes.Unavailable},
		{name: "stream-after keeps the handler's own earlier error",
			md: []string{KeyStreamAfter, "2"}, handler: func(_ any, ss grpc.ServerStream) error { return failing(ss) },
			wantCode: codes.InvalidArgument, wantMsg: "within_days"},
		{name: "stream-after with pushback sets the trailer",
			md: []string{KeyStreamAfter, "1", KeyPushbackMS, "40"}, handler: sender(3, false), wantSent: 1, wantCode: codes.Unavailable, wantTrailer: "40"},
		{name: "a code without stream-after fails before sending anything",
			md: []string{KeyCode, "14", KeyPushbackMS, "10"}, handler: sender(3, false), wantCode: codes.Unavailable, wantTrailer: "10"},
		{name: "after on a stream sends everything, then fails",
			md: []string{KeyCode, "INTERNAL", KeyAfter, "true"}, handler: sender(3, false), wantSent: 3, wantCode: codes.Internal},
		{name: "a malformed stream-after is an invalid argument naming the key",
			md: []string{KeyStreamAfter, "many"}, handler: sender(3, false), wantCode: codes.InvalidArgument, wantMsg: KeyStreamAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := &fakeStream{ctx: incoming(t.Context(), tt.md...)}
			err := New(nil).Stream()(nil, ss, &grpc.StreamServerInfo{IsServerStream: true}, tt.handler)
			st := status.Convert(err)
			if st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
				t.Fatalf("status: got %v %q, want %v containing %q", st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
			if len(ss.sent) != tt.wantSent {
				t.Errorf("messages sent: got %d, want %d", len(ss.sent), tt.wantSent)
			}
			if got := strings.Join(ss.trailer.Get(TrailerPushback), ","); got != tt.wantTrailer {
				t.Errorf("pushback trailer: got %q, want %q", got, tt.wantTrailer)
			}
		})
	}
}
