// Package instance makes one replica of the server tell itself apart: its
// name in a response header, and an optional fixed delay before every pantry
// call (a slow replica, for hedging and balancing tests).
package instance

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Header is the response header that carries the replica's name.
const Header = "pantry-replica"

// Instance is what the -replica-id and -delay flags set; the zero value does nothing.
type Instance struct {
	// Name, when set, is sent as the Header of every pantry and hello call.
	Name string
	// Delay, when positive, is waited before every pantry and hello unary
	// call (health checks and reflection are not delayed); it ends early with
	// the call's deadline or cancellation.
	Delay time.Duration
}

// Active reports whether the instance changes anything.
func (in Instance) Active() bool { return in.Name != "" || in.Delay > 0 }

// covers reports whether a method belongs to the pantry services.
func covers(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/pantry.v1.") || strings.HasPrefix(fullMethod, "/hello.v1.")
}

// Unary returns the interceptor for unary calls.
func (in Instance) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !covers(info.FullMethod) {
			return handler(ctx, req)
		}
		if in.Name != "" {
			_ = grpc.SetHeader(ctx, metadata.Pairs(Header, in.Name))
		}
		if in.Delay > 0 {
			t := time.NewTimer(in.Delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, status.FromContextError(ctx.Err()).Err()
			}
		}
		return handler(ctx, req)
	}
}

// Stream returns the interceptor for streaming calls: the name header only.
func (in Instance) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if in.Name != "" && covers(info.FullMethod) {
			if err := ss.SetHeader(metadata.Pairs(Header, in.Name)); err != nil {
				return status.Error(codes.Internal, err.Error())
			}
		}
		return handler(srv, ss)
	}
}
