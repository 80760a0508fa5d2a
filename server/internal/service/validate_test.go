package service

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

var today = time.Date(2026, 4, 1, 15, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return today }

// newService returns a service over a store holding food-00000001, two
// bottles of water.
func newService(t *testing.T) *FoodStorage {
	t.Helper()
	st := store.New()
	if _, _, err := st.Add("", store.Food{Name: "保存水 2L", Category: pantryv1.Category_CATEGORY_WATER, Quantity: 2, Unit: "bottle"}); err != nil {
		t.Fatal(err)
	}
	return NewFoodStorage(st, fixedClock)
}

func validFood() *pantryv1.Food {
	return &pantryv1.Food{Name: "乾パン", Category: pantryv1.Category_CATEGORY_STAPLE, Quantity: 3, BestBefore: "2027-03-01"}
}

func foodWith(change func(*pantryv1.Food)) *pantryv1.Food {
	f := validFood()
	change(f)
	return f
}

func TestRequestErrors(t *testing.T) {
	type call func(context.Context, *FoodStorage) error
	add := func(req *pantryv1.AddFoodRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { _, err := s.AddFood(ctx, req); return err }
	}
	get := func(req *pantryv1.GetFoodRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { _, err := s.GetFood(ctx, req); return err }
	}
	list := func(req *pantryv1.ListFoodsRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { _, err := s.ListFoods(ctx, req); return err }
	}
	update := func(req *pantryv1.UpdateFoodRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { _, err := s.UpdateFood(ctx, req); return err }
	}
	consume := func(req *pantryv1.ConsumeFoodRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { _, err := s.ConsumeFood(ctx, req); return err }
	}
	del := func(req *pantryv1.DeleteFoodRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { _, err := s.DeleteFood(ctx, req); return err }
	}
	watch := func(req *pantryv1.WatchExpiringFoodsRequest) call {
		return func(ctx context.Context, s *FoodStorage) error { return s.WatchExpiringFoods(req, nil) }
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	const stocked = "food-00000001"

	tests := []struct {
		name       string
		call       call
		wantCode   codes.Code
		wantMsg    string
		wantFields []string // BadRequest field violations, for INVALID_ARGUMENT
	}{
		{"AddFood without a food names food as required",
			add(&pantryv1.AddFoodRequest{}), codes.InvalidArgument, "food: required", []string{"food"}},
		{"AddFood with an empty name names food.name",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Name = "" })}),
			codes.InvalidArgument, "food.name: must be 1 to 200 characters", []string{"food.name"}},
		{"AddFood with a name of 201 characters names food.name",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Name = strings.Repeat("水", 201) })}),
			codes.InvalidArgument, "food.name: must be 1 to 200 characters", []string{"food.name"}},
		{"AddFood with a negative quantity names food.quantity",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Quantity = -1 })}),
			codes.InvalidArgument, "food.quantity: must not be negative", []string{"food.quantity"}},
		{"AddFood with month 13 names food.best_before and quotes the value",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.BestBefore = "2027-13-01" })}),
			codes.InvalidArgument, `food.best_before: "2027-13-01" is not a YYYY-MM-DD date`, []string{"food.best_before"}},
		{"AddFood with an unpadded month is not a YYYY-MM-DD date",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.BestBefore = "2027-3-01" })}),
			codes.InvalidArgument, `food.best_before: "2027-3-01" is not a YYYY-MM-DD date`, []string{"food.best_before"}},
		{"AddFood with an unknown category names food.category",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Category = 42 })}),
			codes.InvalidArgument, "food.category: 42 is not a known category", []string{"food.category"}},
		{"AddFood with a long unit names food.unit",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Unit = strings.Repeat("u", 51) })}),
			codes.InvalidArgument, "food.unit: must be at most 50 characters", []string{"food.unit"}},
		{"AddFood with a long location names food.location",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Location = strings.Repeat("l", 201) })}),
			codes.InvalidArgument, "food.location: must be at most 200 characters", []string{"food.location"}},
		{"AddFood with a long request_id names request_id",
			add(&pantryv1.AddFoodRequest{Food: validFood(), RequestId: strings.Repeat("r", 201)}),
			codes.InvalidArgument, "request_id: must be at most 200 characters", []string{"request_id"}},
		{"AddFood with several mistakes names every field",
			add(&pantryv1.AddFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Name, f.Quantity = "", -3 })}),
			codes.InvalidArgument, "food.name: must be 1 to 200 characters; food.quantity: must not be negative",
			[]string{"food.name", "food.quantity"}},

		{"GetFood without an id names id",
			get(&pantryv1.GetFoodRequest{}), codes.InvalidArgument, "id: must not be empty", []string{"id"}},
		{"GetFood of an unknown id is not found",
			get(&pantryv1.GetFoodRequest{Id: "food-00000042"}), codes.NotFound, `food "food-00000042" not found`, nil},

		{"ListFoods with a negative page_size names page_size",
			list(&pantryv1.ListFoodsRequest{PageSize: -1}), codes.InvalidArgument, "page_size: must not be negative", []string{"page_size"}},
		{"ListFoods with a page_size over 1000 names page_size",
			list(&pantryv1.ListFoodsRequest{PageSize: 1001}), codes.InvalidArgument, "page_size: must be at most 1000", []string{"page_size"}},
		{"ListFoods with a token that is not base64 names page_token",
			list(&pantryv1.ListFoodsRequest{PageToken: "!!"}), codes.InvalidArgument,
			"page_token: is not a next_page_token of a previous ListFoods response", []string{"page_token"}},
		{"ListFoods with a token of some other text names page_token",
			list(&pantryv1.ListFoodsRequest{PageToken: "aGVsbG8"}), codes.InvalidArgument,
			"page_token: is not a next_page_token of a previous ListFoods response", []string{"page_token"}},
		{"ListFoods with a bad expiring_before names it",
			list(&pantryv1.ListFoodsRequest{ExpiringBefore: "tomorrow"}), codes.InvalidArgument,
			`expiring_before: "tomorrow" is not a YYYY-MM-DD date`, []string{"expiring_before"}},
		{"ListFoods with an unknown category names category",
			list(&pantryv1.ListFoodsRequest{Category: 99}), codes.InvalidArgument, "category: 99 is not a known category", []string{"category"}},

		{"UpdateFood without a food names food as required",
			update(&pantryv1.UpdateFoodRequest{}), codes.InvalidArgument, "food: required", []string{"food"}},
		{"UpdateFood without food.id names food.id",
			update(&pantryv1.UpdateFoodRequest{Food: validFood()}), codes.InvalidArgument, "food.id: must not be empty", []string{"food.id"}},
		{"UpdateFood with an unknown mask path names the path",
			update(&pantryv1.UpdateFoodRequest{Food: &pantryv1.Food{Id: stocked}, UpdateMask: mask("quantity", "created_at")}),
			codes.InvalidArgument, `update_mask.paths: "created_at" is not one of name, category, quantity, unit, best_before, location`,
			[]string{"update_mask.paths"}},
		{"UpdateFood that would make the quantity negative names food.quantity",
			update(&pantryv1.UpdateFoodRequest{Food: &pantryv1.Food{Id: stocked, Quantity: -1}, UpdateMask: mask("quantity")}),
			codes.InvalidArgument, "food.quantity: must not be negative", []string{"food.quantity"}},
		{"UpdateFood with an empty mask validates every field of the result",
			update(&pantryv1.UpdateFoodRequest{Food: &pantryv1.Food{Id: stocked, Quantity: 1}}),
			codes.InvalidArgument, "food.name: must be 1 to 200 characters", []string{"food.name"}},
		{"UpdateFood of an unknown id is not found",
			update(&pantryv1.UpdateFoodRequest{Food: foodWith(func(f *pantryv1.Food) { f.Id = "food-00000042" })}),
			codes.NotFound, `food "food-00000042" not found`, nil},

		{"ConsumeFood without id and quantity names both",
			consume(&pantryv1.ConsumeFoodRequest{}), codes.InvalidArgument,
			"id: must not be empty; quantity: must be at least 1", []string{"id", "quantity"}},
		{"ConsumeFood of more than in stock fails its precondition",
			consume(&pantryv1.ConsumeFoodRequest{Id: stocked, Quantity: 5}), codes.FailedPrecondition,
			"quantity: 5 requested but only 2 in stock", nil},
		{"ConsumeFood of an unknown id is not found",
			consume(&pantryv1.ConsumeFoodRequest{Id: "food-00000042", Quantity: 1}), codes.NotFound, `food "food-00000042" not found`, nil},

		{"DeleteFood without an id names id",
			del(&pantryv1.DeleteFoodRequest{}), codes.InvalidArgument, "id: must not be empty", []string{"id"}},
		{"DeleteFood of an unknown id is not found",
			del(&pantryv1.DeleteFoodRequest{Id: "food-00000042"}), codes.NotFound, `food "food-00000042" not found`, nil},

		{"WatchExpiringFoods with negative within_days names it",
			watch(&pantryv1.WatchExpiringFoodsRequest{WithinDays: -1}), codes.InvalidArgument, "within_days: must be 0 to 3650", []string{"within_days"}},
		{"WatchExpiringFoods with within_days over ten years names it",
			watch(&pantryv1.WatchExpiringFoodsRequest{WithinDays: 3651}), codes.InvalidArgument, "within_days: must be 0 to 3650", []string{"within_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context(), newService(t))
			st := status.Convert(err)
			if st.Code() != tt.wantCode || st.Message() != tt.wantMsg {
				t.Fatalf("got %v %q, want %v %q", st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
			var fields []string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, fv := range br.GetFieldViolations() {
						fields = append(fields, fv.GetField())
					}
				}
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Fatalf("BadRequest fields: got %v, want %v", fields, tt.wantFields)
			}
		})
	}
}

func TestErrorDetails(t *testing.T) {
	s := newService(t)
	tests := []struct {
		name string
		err  func() error
		want func(details []any) bool
	}{
		{"NOT_FOUND carries a ResourceInfo naming the id", func() error {
			_, err := s.GetFood(t.Context(), &pantryv1.GetFoodRequest{Id: "food-00000042"})
			return err
		}, func(ds []any) bool {
			ri, ok := ds[0].(*errdetails.ResourceInfo)
			return ok && ri.GetResourceName() == "food-00000042" && ri.GetResourceType() == "pantry.v1.Food"
		}},
		{"FAILED_PRECONDITION carries a PreconditionFailure of type STOCK", func() error {
			_, err := s.ConsumeFood(t.Context(), &pantryv1.ConsumeFoodRequest{Id: "food-00000001", Quantity: 3})
			return err
		}, func(ds []any) bool {
			pf, ok := ds[0].(*errdetails.PreconditionFailure)
			return ok && pf.GetViolations()[0].GetType() == "STOCK" && pf.GetViolations()[0].GetSubject() == "food-00000001"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := status.Convert(tt.err()).Details()
			if len(ds) != 1 || !tt.want(ds) {
				t.Fatalf("details: got %v, want the documented ones", ds)
			}
		})
	}
}
