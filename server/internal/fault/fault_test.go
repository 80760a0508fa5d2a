package fault

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

var clientAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

// fakeTransport stands in for the server stream of a unary call.
type fakeTransport struct {
	mu      sync.Mutex
	trailer metadata.MD
}

func (f *fakeTransport) Method() string               { return "/test.v1.Test/Unary" }
func (f *fakeTransport) SetHeader(metadata.MD) error  { return nil }
func (f *fakeTransport) SendHeader(metadata.MD) error { return nil }
func (f *fakeTransport) SetTrailer(md metadata.MD) error {
	f.mu.Lock()
	f.trailer = metadata.Join(f.trailer, md)
	f.mu.Unlock()
	return nil
}

// fakeDropper records the addresses it was asked to drop.
type fakeDropper struct {
	mu      sync.Mutex
	dropped []net.Addr
}

func (d *fakeDropper) Drop(a net.Addr) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropped = append(d.dropped, a)
	return a.String() == clientAddr.String()
}

func incoming(ctx context.Context, kv ...string) context.Context {
	ctx = metadata.NewIncomingContext(ctx, metadata.Pairs(kv...))
	return peer.NewContext(ctx, &peer.Peer{Addr: clientAddr})
}

func TestUnary(t *testing.T) {
	tests := []struct {
		name        string
		md          []string
		noDropper   bool
		deadline    time.Duration
		wantCode    codes.Code
		wantMsg     string // substring
		wantHandled bool
		wantTrailer string
		wantDropped bool
		minElapsed  time.Duration
	}{
		{name: "a request without fault metadata is handled", wantHandled: true},
		{name: "a code by name fails the request without handling it",
			md: []string{KeyCode, "UNAVAILABLE"}, wantCode: codes.Unavailable, wantMsg: DefaultMessage},
		{name: "a code by number and a message fail the request with that message",
			md: []string{KeyCode, "8", KeyMessage, "quota"}, wantCode: codes.ResourceExhausted, wantMsg: "quota"},
		{name: "a code name in lower case is accepted",
			md: []string{KeyCode, "deadline_exceeded"}, wantCode: codes.DeadlineExceeded},
		{name: "code OK injects nothing", md: []string{KeyCode, "OK"}, wantHandled: true},
		{name: "an unknown code name is an invalid argument naming the key",
			md: []string{KeyCode, "NOPE"}, wantCode: codes.InvalidArgument, wantMsg: KeyCode},
		{name: "a code number above 16 is an invalid argument naming the key",
			md: []string{KeyCode, "17"}, wantCode: codes.InvalidArgument, wantMsg: KeyCode},
		{name: "a delay postpones the handling",
			md: []string{KeyDelayMS, "60"}, wantHandled: true, minElapsed: 60 * time.Millisecond},
		{name: "a delay ends early with the deadline of the request",
			md: []string{KeyDelayMS, "10000"}, deadline: 20 * time.Millisecond, wantCode: codes.DeadlineExceeded},
		{name: "a negative delay is an invalid argument naming the key",
			md: []string{KeyDelayMS, "-5"}, wantCode: codes.InvalidArgument, wantMsg: KeyDelayMS},
		{name: "after runs the handler and still fails",
			md: []string{KeyCode, "UNAVAILABLE", KeyAfter, "true"}, wantCode: codes.Unavailable, wantHandled: true},
		{name: "after without a code or drop just handles the request",
			md: []string{KeyAfter, "true", KeyDelayMS, "1"}, wantHandled: true},
		{name: "a malformed after is an invalid argument naming the key",
			md: []string{KeyCode, "14", KeyAfter, "yes please"}, wantCode: codes.InvalidArgument, wantMsg: KeyAfter},
		{name: "pushback sets the grpc-retry-pushback-ms trailer on the fault",
			md: []string{KeyCode, "UNAVAILABLE", KeyPushbackMS, "250"}, wantCode: codes.Unavailable, wantTrailer: "250"},
		{name: "drop closes the connection of the peer instead of handling",
			md: []string{KeyDrop, "true"}, wantCode: codes.Unavailable, wantDropped: true},
		{name: "drop with after handles the request, then closes the connection",
			md: []string{KeyDrop, "true", KeyAfter, "true"}, wantCode: codes.Unavailable, wantDropped: true, wantHandled: true},
		{name: "drop without a tracked listener fails with a message naming the key",
			md: []string{KeyDrop, "1"}, noDropper: true, wantCode: codes.Unavailable, wantMsg: KeyDrop},
		{name: "times without a key is an invalid argument naming both",
			md: []string{KeyCode, "14", KeyTimes, "2"}, wantCode: codes.InvalidArgument, wantMsg: KeyTimes + " needs " + KeyKey},
		{name: "stream-after is ignored by unary calls",
			md: []string{KeyStreamAfter, "1"}, wantHandled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &fakeDropper{}
			in := New(d)
			if tt.noDropper {
				in = New(nil)
			}
			ctx := t.Context()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			tr := &fakeTransport{}
			ctx = grpc.NewContextWithServerTransportStream(incoming(ctx, tt.md...), tr)
			handled := false
			start := time.Now()
			resp, err := in.Unary()(ctx, "req", &grpc.UnaryServerInfo{FullMethod: tr.Method()},
				func(context.Context, any) (any, error) { handled = true; return "resp", nil })

			st := status.Convert(err)
			if st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
				t.Fatalf("status: got %v %q, want %v containing %q", st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
			if err == nil && resp != "resp" {
				t.Errorf("resp: got %v, want the handler's \"ok\"", resp)
			}
			if handled != tt.wantHandled {
				t.Errorf("handled: got %v, want %v", handled, tt.wantHandled)
			}
			if got := strings.Join(tr.trailer.Get(TrailerPushback), ","); got != tt.wantTrailer {
				t.Errorf("pushback trailer: got %q, want %q", got, tt.wantTrailer)
			}
			if dropped := len(d.dropped) > 0; dropped != tt.wantDropped {
				t.Errorf("dropped: got %v, want %v", d.dropped, tt.wantDropped)
			}
			if elapsed := time.Since(start); elapsed < tt.minElapsed || (tt.deadline > 0 && elapsed > time.Second) {
				t.Errorf("took: got %v, want at least %v (under 1s with a deadline)", elapsed, tt.minElapsed)
			}
		})
	}
}

func TestTimesCountsPerKey(t *testing.T) {
	in := New(nil)
	call := func(key string) codes.Code {
		ctx := incoming(t.Context(), KeyCode, "UNAVAILABLE", KeyTimes, "2", KeyKey, key)
		_, err := in.Unary()(ctx, nil, &grpc.UnaryServerInfo{}, func(context.Context, any) (any, error) { return "ok", nil })
		return status.Code(err)
	}
	tests := []struct {
		name string
		key  string
		want codes.Code
	}{
		{"the first request with a key fails", "retry-test", codes.Unavailable},
		{"the second request with the key fails", "retry-test", codes.Unavailable},
		{"the third request with the key succeeds", "retry-test", codes.OK},
		{"later requests with the key keep succeeding", "retry-test", codes.OK},
		{"another key has a counter of its own", "other", codes.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(tt.key); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("concurrent requests with a key fail exactly times times", func(t *testing.T) {
		var mu sync.Mutex
		failed := 0
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if call("concurrent") != codes.OK {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if failed != 2 {
			t.Fatalf("requests failed: got %d, want 2", failed)
		}
	})
}
