package service

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

// TestConcurrentRequestIDsWithDataFile sends AddFood calls from many clients
// at once over a journaled store, each request ID with two different foods:
// per request ID one food is stored, its repeats answer with it, the other
// food is FAILED_PRECONDITION REQUEST_ID_REUSED, and after a restart on the
// data file the repeats are still answered with the stored food.
func TestConcurrentRequestIDsWithDataFile(t *testing.T) {
	const goroutines, keys = 8, 20
	path := filepath.Join(t.TempDir(), "pantry.jsonl")
	st, _, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	client, _ := serve(t, NewFoodStorage(st, fixedClock))
	food := func(variant int) *pantryv1.Food {
		f := validFood()
		f.Quantity = int32(1 + variant)
		return f
	}

	var mu sync.Mutex
	stored := map[string]map[int]string{} // request ID → variant → IDs answered
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			v := g % 2
			for k := range keys {
				rid := fmt.Sprint("add-", k)
				resp, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: food(v), RequestId: rid})
				if err != nil {
					if !isRequestIDReused(err, rid) {
						t.Errorf("AddFood(%s, variant %d): got %v, want OK or REQUEST_ID_REUSED", rid, v, err)
					}
					continue
				}
				mu.Lock()
				if stored[rid] == nil {
					stored[rid] = map[int]string{}
				}
				if prev, ok := stored[rid][v]; ok && prev != resp.GetFood().GetId() {
					t.Errorf("AddFood(%s): got %s, want %s as answered before", rid, resp.GetFood().GetId(), prev)
				}
				stored[rid][v] = resp.GetFood().GetId()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(stored) != keys {
		t.Fatalf("request IDs answered OK: got %d, want %d", len(stored), keys)
	}
	for rid, byVariant := range stored {
		if len(byVariant) != 1 {
			t.Errorf("%s: got OK answers for variants %v, want one variant only", rid, byVariant)
		}
	}

	// A restart on the data file, as after a crash: the retries of every
	// request ID are answered from the journal.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, _, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client, _ = serve(t, NewFoodStorage(st, fixedClock))
	list, err := client.ListFoods(t.Context(), &pantryv1.ListFoodsRequest{PageSize: 100})
	if err != nil || len(list.GetFoods()) != keys {
		t.Fatalf("ListFoods after restart: got %d foods, %v; want %d, nil", len(list.GetFoods()), err, keys)
	}
	for rid, byVariant := range stored {
		for v, id := range byVariant {
			var md metadata.MD
			resp, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: food(v), RequestId: rid}, grpc.Header(&md))
			if err != nil || resp.GetFood().GetId() != id || first(md.Get(HeaderReplayed)) != "true" {
				t.Errorf("AddFood(%s) after restart: got %s, %v, replayed %q; want %s replayed", rid, resp.GetFood().GetId(), err, first(md.Get(HeaderReplayed)), id)
			}
			if _, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: food(1 - v), RequestId: rid}); !isRequestIDReused(err, rid) {
				t.Errorf("AddFood(%s) of the other food after restart: got %v, want REQUEST_ID_REUSED", rid, err)
			}
		}
	}
}

// isRequestIDReused tells whether err is FAILED_PRECONDITION with ErrorInfo
// REQUEST_ID_REUSED for requestID.
func isRequestIDReused(err error, requestID string) bool {
	info := errorInfo(err)
	return status.Code(err) == codes.FailedPrecondition &&
		info.GetReason() == ReasonRequestIDReused && info.GetMetadata()["request_id"] == requestID
}
