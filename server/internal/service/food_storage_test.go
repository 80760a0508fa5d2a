package service

import (
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

func TestAddFoodStoresWhatWasSent(t *testing.T) {
	s := NewFoodStorage(store.New(), fixedClock)
	in := &pantryv1.Food{Id: "mine", Name: "保存水 2L", Category: pantryv1.Category_CATEGORY_WATER, Quantity: 6,
		Unit: "bottle", BestBefore: "2030-01-31", Location: "玄関の収納"}
	added, err := s.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: in})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetFood(t.Context(), &pantryv1.GetFoodRequest{Id: added.GetFood().GetId()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"the id is assigned by the server", got.GetFood().GetId() == "food-00000001"},
		{"the writable fields are kept", got.GetFood().GetName() == in.Name && got.GetFood().GetQuantity() == 6 &&
			got.GetFood().GetUnit() == "bottle" && got.GetFood().GetBestBefore() == "2030-01-31" && got.GetFood().GetLocation() == "玄関の収納"},
		{"created_at and updated_at are set", got.GetFood().GetCreatedAt().IsValid() && got.GetFood().GetUpdatedAt().IsValid()},
		{"GetFood returns what AddFood returned", proto.Equal(got.GetFood(), added.GetFood())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Fatalf("got %v, want %s", got.GetFood(), tt.name)
			}
		})
	}
}

func TestUpdateFoodMask(t *testing.T) {
	orig := &pantryv1.Food{Name: "カレー", Category: pantryv1.Category_CATEGORY_RETORT, Quantity: 4, Unit: "pouch",
		BestBefore: "2027-01-01", Location: "台所"}
	tests := []struct {
		name  string
		food  *pantryv1.Food
		paths []string
		want  *pantryv1.Food
	}{
		{"a mask replaces only the named fields",
			&pantryv1.Food{Name: "ignored", Quantity: 9, Location: "倉庫"}, []string{"quantity", "location"},
			&pantryv1.Food{Name: "カレー", Category: pantryv1.Category_CATEGORY_RETORT, Quantity: 9, Unit: "pouch", BestBefore: "2027-01-01", Location: "倉庫"}},
		{"a named field may be cleared",
			&pantryv1.Food{}, []string{"best_before", "unit"},
			&pantryv1.Food{Name: "カレー", Category: pantryv1.Category_CATEGORY_RETORT, Quantity: 4, Location: "台所"}},
		{"an empty mask replaces every writable field",
			&pantryv1.Food{Name: "シチュー", Quantity: 1}, nil,
			&pantryv1.Food{Name: "シチュー", Quantity: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewFoodStorage(store.New(), fixedClock)
			added, _ := s.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: orig})
			tt.food.Id = added.GetFood().GetId()
			resp, err := s.UpdateFood(t.Context(), &pantryv1.UpdateFoodRequest{Food: tt.food, UpdateMask: &fieldmaskpb.FieldMask{Paths: tt.paths}})
			if err != nil {
				t.Fatal(err)
			}
			got := resp.GetFood()
			tt.want.Id, tt.want.CreatedAt, tt.want.UpdatedAt = got.GetId(), got.GetCreatedAt(), got.GetUpdatedAt()
			if !proto.Equal(got, tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
			if !proto.Equal(got.GetCreatedAt(), added.GetFood().GetCreatedAt()) {
				t.Fatalf("created_at: got %v, want %v unchanged", got.GetCreatedAt(), added.GetFood().GetCreatedAt())
			}
		})
	}
}

func TestListFoodsPagesThroughEverything(t *testing.T) {
	s := NewFoodStorage(store.New(), fixedClock)
	for i := range 7 {
		if _, err := s.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: validFood()}); err != nil {
			t.Fatalf("AddFood %d: got %v, want nil", i+1, err)
		}
	}
	tests := []struct {
		name      string
		pageSize  int32
		wantPages []int
	}{
		{"pages of 3 give 3, 3 and 1 foods", 3, []int{3, 3, 1}},
		{"a page size that divides the total ends without an empty page", 7, []int{7}},
		{"page size 0 means 50", 0, []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pages []int
			var ids []string
			token := ""
			for {
				resp, err := s.ListFoods(t.Context(), &pantryv1.ListFoodsRequest{PageSize: tt.pageSize, PageToken: token})
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, len(resp.GetFoods()))
				for _, f := range resp.GetFoods() {
					ids = append(ids, f.GetId())
				}
				if token = resp.GetNextPageToken(); token == "" {
					break
				}
			}
			if len(pages) != len(tt.wantPages) || len(ids) != 7 || ids[0] != "food-00000001" || ids[6] != "food-00000007" {
				t.Fatalf("pages: got %v (ids %v), want %v", pages, ids, tt.wantPages)
			}
			for i := range pages {
				if pages[i] != tt.wantPages[i] {
					t.Fatalf("pages: got %v, want %v", pages, tt.wantPages)
				}
			}
		})
	}
}

func TestWriteHeaders(t *testing.T) {
	client, _ := serve(t, NewFoodStorage(store.New(), fixedClock))
	stock, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: validFood()})
	if err != nil {
		t.Fatal(err)
	}
	stockID := stock.GetFood().GetId()
	add := func(rid string) (metadata.MD, string, int32) {
		var md metadata.MD
		resp, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: validFood(), RequestId: rid}, grpc.Header(&md))
		if err != nil {
			t.Fatal(err)
		}
		return md, resp.GetFood().GetId(), resp.GetFood().GetQuantity()
	}
	consume := func(rid string) (metadata.MD, string, int32) {
		var md metadata.MD
		resp, err := client.ConsumeFood(t.Context(), &pantryv1.ConsumeFoodRequest{Id: stockID, Quantity: 1, RequestId: rid}, grpc.Header(&md))
		if err != nil {
			t.Fatal(err)
		}
		return md, resp.GetFood().GetId(), resp.GetFood().GetQuantity()
	}

	tests := []struct {
		name         string
		method       string
		requestID    string
		wantAttempt  string
		wantReplayed string
	}{
		{"a first AddFood is attempt 1 and not replayed", "add", "key-1", "1", ""},
		{"a repeated AddFood is attempt 2, replayed, and returns the same food", "add", "key-1", "2", "true"},
		{"an AddFood without request_id has no attempt header", "add", "", "", ""},
		{"a ConsumeFood with a key used by AddFood is a first attempt", "consume", "key-1", "1", ""},
		{"a repeated ConsumeFood is attempt 2, replayed, and returns the same quantity", "consume", "key-1", "2", "true"},
	}
	calls := map[string]func(string) (metadata.MD, string, int32){"add": add, "consume": consume}
	type result struct {
		id  string
		qty int32
	}
	firsts := map[string]result{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, id, qty := calls[tt.method](tt.requestID)
			if got := first(md.Get(HeaderAttempt)); got != tt.wantAttempt {
				t.Errorf("%s: got %q, want %q", HeaderAttempt, got, tt.wantAttempt)
			}
			if got := first(md.Get(HeaderReplayed)); got != tt.wantReplayed {
				t.Errorf("%s: got %q, want %q", HeaderReplayed, got, tt.wantReplayed)
			}
			key := tt.method + "/" + tt.requestID
			if prev, ok := firsts[key]; !ok {
				firsts[key] = result{id, qty}
			} else if tt.wantReplayed == "true" && prev != (result{id, qty}) {
				t.Errorf("replay: got %v, want the first response %v", result{id, qty}, prev)
			}
		})
	}
	t.Run("the replayed consumption took one unit only", func(t *testing.T) {
		got, _ := client.GetFood(t.Context(), &pantryv1.GetFoodRequest{Id: stockID})
		if got.GetFood().GetQuantity() != 2 {
			t.Fatalf("quantity: got %d, want 2", got.GetFood().GetQuantity())
		}
	})
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func TestDataFileWriteFailures(t *testing.T) {
	st, _, err := store.Open(filepath.Join(t.TempDir(), "pantry.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	client, _ := serve(t, NewFoodStorage(st, fixedClock))
	stock, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: validFood()})
	if err != nil {
		t.Fatal(err)
	}
	id := stock.GetFood().GetId()
	st.Close() // every later write fails
	tests := []struct {
		name string
		call func() error
	}{
		{"AddFood", func() error {
			_, err := client.AddFood(t.Context(), &pantryv1.AddFoodRequest{Food: validFood(), RequestId: "r"})
			return err
		}},
		{"UpdateFood", func() error {
			_, err := client.UpdateFood(t.Context(), &pantryv1.UpdateFoodRequest{Food: &pantryv1.Food{Id: id, Name: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}})
			return err
		}},
		{"ConsumeFood", func() error {
			_, err := client.ConsumeFood(t.Context(), &pantryv1.ConsumeFoodRequest{Id: id, Quantity: 1, RequestId: "r"})
			return err
		}},
		{"DeleteFood", func() error {
			_, err := client.DeleteFood(t.Context(), &pantryv1.DeleteFoodRequest{Id: id})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" that cannot be written to the data file fails with INTERNAL", func(t *testing.T) {
			err := tt.call()
			if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "writing data file") {
				t.Fatalf("err: got %v, want INTERNAL writing data file", err)
			}
			if got, _ := st.Get(id); got.Name != stock.GetFood().GetName() || got.Quantity != stock.GetFood().GetQuantity() {
				t.Fatalf("stock: got %+v, want %v unchanged", got, stock.GetFood())
			}
		})
	}
}
