package instance

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestDelayEndsWithTheDeadline(t *testing.T) {
	in := Instance{Delay: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	called := false
	_, err := in.Unary()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/pantry.v1.FoodStorageService/GetFood"},
		func(context.Context, any) (any, error) { called = true; return nil, nil })
	if status.Code(err) != codes.DeadlineExceeded || called {
		t.Fatalf("got %v, handler called %v; want DEADLINE_EXCEEDED before the handler", err, called)
	}
}

func TestDelaySkipsHealthChecks(t *testing.T) {
	in := Instance{Delay: time.Hour}
	start := time.Now()
	_, err := in.Unary()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"},
		func(context.Context, any) (any, error) { return "ok", nil })
	if err != nil || time.Since(start) > time.Second {
		t.Fatalf("health check delayed or failed: %v", err)
	}
}

func TestDelayWaits(t *testing.T) {
	in := Instance{Delay: 50 * time.Millisecond}
	start := time.Now()
	_, err := in.Unary()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/hello.v1.HelloService/Hello"},
		func(context.Context, any) (any, error) { return "ok", nil })
	if err != nil || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("want a 50 ms delay, got %v after %v", err, time.Since(start))
	}
}
