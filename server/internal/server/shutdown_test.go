package server

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
	"pantry/server/internal/testutil"
)

func TestShutdown(t *testing.T) {
	st := store.New()
	if _, _, err := st.Add("", store.Food{Name: "缶詰", BestBefore: time.Now().UTC().Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	lis := testutil.Listen(t)
	srv := New(Config{Store: st, Log: t.Output()})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	c := dial(t, lis.Addr().String(), nil)
	stream, err := c.foods.WatchExpiringFoods(t.Context(), &pantryv1.WatchExpiringFoodsRequest{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil { // the follower is now subscribed
		t.Fatal(err)
	}

	start := time.Now()
	srv.Shutdown(10 * time.Second)
	took := time.Since(start)
	_, recvErr := stream.Recv()
	serveErr := <-served

	t.Run("shutdown does not wait out the grace period because of a follower", func(t *testing.T) {
		if took > 5*time.Second {
			t.Fatalf("shutdown took: got %v, want at most 5s", took)
		}
	})
	t.Run("the follower is told to watch again with UNAVAILABLE", func(t *testing.T) {
		if status.Code(recvErr) != codes.Unavailable {
			t.Fatalf("Recv: got %v, want code %v", recvErr, codes.Unavailable)
		}
	})
	t.Run("Serve returns nil", func(t *testing.T) {
		if serveErr != nil {
			t.Fatalf("Serve: got %v, want nil", serveErr)
		}
	})
}
