package service

import (
	"context"
	"io"
	"runtime"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

// today is 2026-04-01.
func seedWatch(t *testing.T, s *FoodStorage) {
	t.Helper()
	for _, f := range []struct{ name, bb string }{
		{"in 30 days", "2026-05-01"},
		{"past due", "2026-03-25"},
		{"in 31 days", "2026-05-02"},
		{"no date", ""},
		{"today", "2026-04-01"},
		{"tomorrow a", "2026-04-02"},
		{"tomorrow b", "2026-04-02"},
	} {
		if _, err := s.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: f.name, BestBefore: f.bb}}); err != nil {
			t.Fatal(err)
		}
	}
}

type watched struct {
	name     string
	daysLeft int32
}

func recvN(t *testing.T, stream interface {
	Recv() (*pantryv1.WatchExpiringFoodsResponse, error)
}, n int) []watched {
	t.Helper()
	var got []watched
	for range n {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv after %v: got %v, want a message", got, err)
		}
		got = append(got, watched{resp.GetFood().GetName(), resp.GetDaysLeft()})
	}
	return got
}

func TestWatchExpiringFoodsSnapshot(t *testing.T) {
	s := NewFoodStorage(store.New(), fixedClock)
	seedWatch(t, s)
	client, _ := serve(t, s)
	tests := []struct {
		name       string
		withinDays int32
		want       []watched
	}{
		{"0 days means 30: soonest first, past due included, ties by id", 0, []watched{
			{"past due", -7}, {"today", 0}, {"tomorrow a", 1}, {"tomorrow b", 1}, {"in 30 days", 30}}},
		{"1 day keeps what expires by tomorrow", 1, []watched{
			{"past due", -7}, {"today", 0}, {"tomorrow a", 1}, {"tomorrow b", 1}}},
		{"31 days includes the last day of the window", 31, []watched{
			{"past due", -7}, {"today", 0}, {"tomorrow a", 1}, {"tomorrow b", 1}, {"in 30 days", 30}, {"in 31 days", 31}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, err := client.WatchExpiringFoods(t.Context(), &pantryv1.WatchExpiringFoodsRequest{WithinDays: tt.withinDays})
			if err != nil {
				t.Fatal(err)
			}
			got := recvN(t, stream, len(tt.want))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if _, err := stream.Recv(); err != io.EOF {
				t.Fatalf("Recv after the snapshot: got %v, want io.EOF", err)
			}
		})
	}
}

func TestWatchExpiringFoodsFollow(t *testing.T) {
	st := store.New()
	s := NewFoodStorage(st, fixedClock)
	client, hello := serve(t, s)
	seedWatch(t, s)
	// Connect first, so that the goroutines of the connection are counted.
	if _, err := hello.Hello(t.Context(), &hellov1.HelloRequest{}); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(t.Context())
	stream, err := client.WatchExpiringFoods(ctx, &pantryv1.WatchExpiringFoodsRequest{WithinDays: 1, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	add := func(name, bb string) string {
		resp, err := s.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: name, BestBefore: bb}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetFood().GetId()
	}

	t.Run("the snapshot comes first", func(t *testing.T) {
		if got := recvN(t, stream, 4); got[0].name != "past due" || got[3].name != "tomorrow b" {
			t.Fatalf("got %v, want \"past due\" first and \"tomorrow b\" last", got)
		}
	})
	t.Run("a food added into the window is sent, one outside is not", func(t *testing.T) {
		add("next year", "2027-04-01")
		add("new today", "2026-04-01")
		if got := recvN(t, stream, 1); got[0] != (watched{"new today", 0}) {
			t.Fatalf("got %v, want [{new today 0}]", got)
		}
	})
	t.Run("a food updated into the window is sent", func(t *testing.T) {
		id := add("later", "2026-12-24")
		if _, err := s.UpdateFood(t.Context(), &pantryv1.UpdateFoodRequest{
			Food: &pantryv1.Food{Id: id, BestBefore: "2026-03-31"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"best_before"}},
		}); err != nil {
			t.Fatal(err)
		}
		if got := recvN(t, stream, 1); got[0] != (watched{"later", -1}) {
			t.Fatalf("got %v, want [{later -1}]", got)
		}
	})
	t.Run("cancelling ends the stream and its subscription without leaking goroutines", func(t *testing.T) {
		cancel()
		if _, err := stream.Recv(); status.Code(err) != codes.Canceled {
			t.Fatalf("Recv after cancel: got %v, want CANCELED", err)
		}
		// This subtest runs on a goroutine of its own, hence before+1.
		waitFor(t, func() bool { return st.Subscribers() == 0 && runtime.NumGoroutine() <= before+1 })
	})
}

func TestStopEndsFollowers(t *testing.T) {
	st := store.New()
	s := NewFoodStorage(st, fixedClock)
	client, _ := serve(t, s)
	stream, err := client.WatchExpiringFoods(t.Context(), &pantryv1.WatchExpiringFoodsRequest{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return st.Subscribers() == 1 })
	s.Stop()
	s.Stop() // a second Stop is harmless
	t.Run("a follower is told to watch again with UNAVAILABLE", func(t *testing.T) {
		if _, err := stream.Recv(); status.Code(err) != codes.Unavailable {
			t.Fatalf("Recv: got %v, want UNAVAILABLE", err)
		}
		waitFor(t, func() bool { return st.Subscribers() == 0 })
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("condition: got false after the wait, want true (goroutines: %d)\n%s", runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatchSendsHeadersAtOnce(t *testing.T) {
	// An empty window: no item to send, yet the headers must come (gRPC-Web clients on fetch wait for them).
	client, _ := serve(t, NewFoodStorage(store.New(), fixedClock))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := client.WatchExpiringFoods(ctx, &pantryv1.WatchExpiringFoodsRequest{WithinDays: 1, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := stream.Header()
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Header() = %v; want the headers", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Header() did not return within 10 s of opening an empty watch; want the headers at once")
	}
}
