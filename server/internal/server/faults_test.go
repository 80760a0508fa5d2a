package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

func TestFaults(t *testing.T) {
	addr, _ := start(t, Config{FaultInjection: true})
	c := dial(t, addr, nil)
	withFault := func(ctx context.Context, kv ...string) context.Context {
		return metadata.AppendToOutgoingContext(ctx, kv...)
	}

	t.Run("a write whose response was lost is stored once when retried", func(t *testing.T) {
		req := &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: "乾パン", Quantity: 1}, RequestId: "lost-response"}
		_, err := c.foods.AddFood(withFault(t.Context(), "pantry-fault-code", "UNAVAILABLE", "pantry-fault-after", "true"), req)
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("first attempt: got %v, want UNAVAILABLE", err)
		}
		var header metadata.MD
		resp, err := c.foods.AddFood(t.Context(), req, grpc.Header(&header))
		if err != nil {
			t.Fatal(err)
		}
		if got := header.Get("pantry-replayed"); len(got) != 1 || got[0] != "true" {
			t.Errorf("pantry-replayed: got %v, want true", got)
		}
		if got := header.Get("pantry-attempt"); len(got) != 1 || got[0] != "2" {
			t.Errorf("pantry-attempt: got %v, want 2", got)
		}
		list, err := c.foods.ListFoods(t.Context(), &pantryv1.ListFoodsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetFoods()) != 1 || list.GetFoods()[0].GetId() != resp.GetFood().GetId() {
			t.Fatalf("stored: got %v, want only %s", list.GetFoods(), resp.GetFood().GetId())
		}
	})

	t.Run("a request keyed to fail twice succeeds on the third attempt", func(t *testing.T) {
		var got []codes.Code
		for range 3 {
			_, err := c.hello.Hello(withFault(t.Context(), "pantry-fault-code", "14", "pantry-fault-times", "2", "pantry-fault-key", "twice"), &hellov1.HelloRequest{})
			got = append(got, status.Code(err))
		}
		if got[0] != codes.Unavailable || got[1] != codes.Unavailable || got[2] != codes.OK {
			t.Fatalf("got %v, want UNAVAILABLE, UNAVAILABLE, OK", got)
		}
	})

	t.Run("the pushback trailer reaches the client", func(t *testing.T) {
		var trailer metadata.MD
		_, err := c.hello.Hello(withFault(t.Context(), "pantry-fault-code", "RESOURCE_EXHAUSTED", "pantry-fault-pushback-ms", "1500"),
			&hellov1.HelloRequest{}, grpc.Trailer(&trailer))
		if status.Code(err) != codes.ResourceExhausted || len(trailer.Get("grpc-retry-pushback-ms")) != 1 || trailer.Get("grpc-retry-pushback-ms")[0] != "1500" {
			t.Fatalf("got %v with trailer %v, want RESOURCE_EXHAUSTED with grpc-retry-pushback-ms 1500", err, trailer)
		}
	})

	t.Run("a delay longer than the deadline fails with DEADLINE_EXCEEDED", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(withFault(t.Context(), "pantry-fault-delay-ms", "5000"), 100*time.Millisecond)
		defer cancel()
		if _, err := c.hello.Hello(ctx, &hellov1.HelloRequest{}); status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("got %v, want DEADLINE_EXCEEDED", err)
		}
	})

	t.Run("a dropped connection fails the call and the next call reconnects", func(t *testing.T) {
		_, err := c.hello.Hello(withFault(t.Context(), "pantry-fault-drop", "true"), &hellov1.HelloRequest{})
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("dropped call: got %v, want UNAVAILABLE", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if _, err := c.hello.Hello(ctx, &hellov1.HelloRequest{}, grpc.WaitForReady(true)); err != nil {
			t.Fatalf("call after the drop: got %v, want nil", err)
		}
	})

	t.Run("a stream interrupted after two messages ends with UNAVAILABLE", func(t *testing.T) {
		today := time.Now().UTC().Format("2006-01-02")
		for range 3 {
			if _, err := c.foods.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: "缶詰", BestBefore: today}}); err != nil {
				t.Fatal(err)
			}
		}
		stream, err := c.foods.WatchExpiringFoods(withFault(t.Context(), "pantry-fault-stream-after", "2"),
			&pantryv1.WatchExpiringFoodsRequest{Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		received := 0
		for {
			if _, err = stream.Recv(); err != nil {
				break
			}
			received++
		}
		if received != 2 || status.Code(err) != codes.Unavailable {
			t.Fatalf("received: got %d then %v; want 2 then UNAVAILABLE", received, err)
		}
	})
}
