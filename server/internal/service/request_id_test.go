package service

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

func TestRequestIDReusedWithAnotherRequest(t *testing.T) {
	client, _ := serve(t, NewFoodStorage(store.New(), fixedClock))
	ctx := t.Context()
	rice, err := client.AddFood(ctx, &pantryv1.AddFoodRequest{Food: validFood(), RequestId: "add-1"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := client.AddFood(ctx, &pantryv1.AddFoodRequest{Food: validFood()})
	if err != nil {
		t.Fatal(err)
	}
	id, otherID := rice.GetFood().GetId(), other.GetFood().GetId()
	if _, err := client.ConsumeFood(ctx, &pantryv1.ConsumeFoodRequest{Id: id, Quantity: 1, RequestId: "consume-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteFood(ctx, &pantryv1.DeleteFoodRequest{Id: otherID, RequestId: "delete-1"}); err != nil {
		t.Fatal(err)
	}
	water := validFood()
	water.Quantity = 24

	tests := []struct {
		name      string
		requestID string
		call      func() error
	}{
		{"AddFood with another food", "add-1", func() error {
			_, err := client.AddFood(ctx, &pantryv1.AddFoodRequest{Food: water, RequestId: "add-1"})
			return err
		}},
		{"ConsumeFood of another food", "consume-1", func() error {
			_, err := client.ConsumeFood(ctx, &pantryv1.ConsumeFoodRequest{Id: otherID, Quantity: 1, RequestId: "consume-1"})
			return err
		}},
		{"DeleteFood of another food", "delete-1", func() error {
			_, err := client.DeleteFood(ctx, &pantryv1.DeleteFoodRequest{Id: id, RequestId: "delete-1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is FAILED_PRECONDITION with ErrorInfo REQUEST_ID_REUSED", func(t *testing.T) {
			st := status.Convert(tt.call())
			if st.Code() != codes.FailedPrecondition {
				t.Fatalf("got %v %q, want FailedPrecondition", st.Code(), st.Message())
			}
			info := errorInfo(st.Err())
			if info == nil || info.GetReason() != ReasonRequestIDReused || info.GetDomain() != "pantry.v1" || info.GetMetadata()["request_id"] != tt.requestID {
				t.Fatalf("got ErrorInfo %v, want reason %s, domain pantry.v1, request_id %s", info, ReasonRequestIDReused, tt.requestID)
			}
		})
	}
	t.Run("nothing was applied", func(t *testing.T) {
		got, err := client.GetFood(ctx, &pantryv1.GetFoodRequest{Id: id})
		if err != nil || got.GetFood().GetQuantity() != validFood().GetQuantity()-1 {
			t.Fatalf("got %v %v, want the food with one unit consumed", got, err)
		}
		list, err := client.ListFoods(ctx, &pantryv1.ListFoodsRequest{})
		if n := len(list.GetFoods()); err != nil || n != 1 {
			t.Fatalf("ListFoods: got %d foods, %v; want 1, nil", n, err)
		}
	})
}

func TestDeleteFoodRequestID(t *testing.T) {
	client, _ := serve(t, NewFoodStorage(store.New(), fixedClock))
	ctx := t.Context()
	f, err := client.AddFood(ctx, &pantryv1.AddFoodRequest{Food: validFood()})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct{ attempt, replayed string }{{"1", ""}, {"2", "true"}} {
		var md metadata.MD
		if _, err := client.DeleteFood(ctx, &pantryv1.DeleteFoodRequest{Id: f.GetFood().GetId(), RequestId: "d-1"}, grpc.Header(&md)); err != nil {
			t.Fatalf("delete %d: got %v, want OK", i+1, err)
		}
		if got := first(md.Get(HeaderAttempt)); got != want.attempt {
			t.Errorf("delete %d: %s: got %q, want %q", i+1, HeaderAttempt, got, want.attempt)
		}
		if got := first(md.Get(HeaderReplayed)); got != want.replayed {
			t.Errorf("delete %d: %s: got %q, want %q", i+1, HeaderReplayed, got, want.replayed)
		}
	}
	_, err = client.DeleteFood(ctx, &pantryv1.DeleteFoodRequest{Id: f.GetFood().GetId()})
	if got := status.Code(err); got != codes.NotFound {
		t.Fatalf("delete without request_id: got %v, want NotFound", got)
	}
}
