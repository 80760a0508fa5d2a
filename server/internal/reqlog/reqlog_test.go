package reqlog

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestLogger(t *testing.T) {
	ok := func(context.Context, any) (any, error) { return "ok", nil }
	notFound := func(context.Context, any) (any, error) {
		return nil, status.Error(codes.NotFound, `food "x" not found`)
	}
	tests := []struct {
		name    string
		all     bool
		handler grpc.UnaryHandler
		want    string // regexp; empty for no output
	}{
		{"a success is not logged by default", false, ok, ""},
		{"a success is logged when all requests are", true, ok, `^\S+ \S+ /p.v1.S/M OK \S+\n$`},
		{"an error is logged in one line with its code and message", false, notFound, `^\S+ \S+ /p.v1.S/M NotFound \S+: food "x" not found\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			New(&buf, tt.all).Unary()(t.Context(), nil, &grpc.UnaryServerInfo{FullMethod: "/p.v1.S/M"}, tt.handler)
			if tt.want == "" && buf.Len() > 0 || tt.want != "" && !regexp.MustCompile(tt.want).Match(buf.Bytes()) {
				t.Fatalf("logged: got %q, want %s", buf.String(), tt.want)
			}
		})
	}
	t.Run("a failed stream is logged too", func(t *testing.T) {
		var buf bytes.Buffer
		New(&buf, false).Stream()(nil, nil, &grpc.StreamServerInfo{FullMethod: "/p.v1.S/W"},
			func(any, grpc.ServerStream) error { return status.Error(codes.Canceled, "context canceled") })
		if !regexp.MustCompile(`/p.v1.S/W Canceled \S+: context canceled\n$`).Match(buf.Bytes()) {
			t.Fatalf("logged: got %q, want nothing", buf.String())
		}
	})
}
