package store

import (
	"slices"
	"testing"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

func names(foods []Food) []string {
	var out []string
	for _, f := range foods {
		out = append(out, f.Name)
	}
	return out
}

func TestList(t *testing.T) {
	s := New()
	for _, f := range []Food{
		{Name: "a", Category: pantryv1.Category_CATEGORY_WATER, BestBefore: "2026-05-01"},
		{Name: "b", Category: pantryv1.Category_CATEGORY_CANNED, BestBefore: "2027-01-01"},
		{Name: "c", Category: pantryv1.Category_CATEGORY_WATER},
		{Name: "d", Category: pantryv1.Category_CATEGORY_WATER, BestBefore: "2026-04-30"},
		{Name: "e", Category: pantryv1.Category_CATEGORY_SNACK, BestBefore: "2026-05-02"},
	} {
		add(t, s, "", f)
	}
	del(t, s, "", "food-00000002") // b

	tests := []struct {
		name     string
		query    Query
		want     []string
		wantMore bool
	}{
		{"all foods come in ID order, skipping deleted ones", Query{Limit: 10}, []string{"a", "c", "d", "e"}, false},
		{"a limit cuts the page and reports more", Query{Limit: 2}, []string{"a", "c"}, true},
		{"a page that ends exactly at the last food reports no more", Query{Limit: 4}, []string{"a", "c", "d", "e"}, false},
		{"after an ID the page starts past it", Query{After: "food-00000001", Limit: 2}, []string{"c", "d"}, true},
		{"after a deleted ID the page starts past it", Query{After: "food-00000002", Limit: 10}, []string{"c", "d", "e"}, false},
		{"after the last ID the page is empty", Query{After: "food-00000005", Limit: 10}, nil, false},
		{"a category keeps only that category", Query{Limit: 10, Category: pantryv1.Category_CATEGORY_WATER}, []string{"a", "c", "d"}, false},
		{"expiring_before keeps dated foods strictly before the date", Query{Limit: 10, ExpiringBefore: "2026-05-02"}, []string{"a", "d"}, false},
		{"filters combine", Query{Limit: 10, Category: pantryv1.Category_CATEGORY_WATER, ExpiringBefore: "2026-05-01"}, []string{"d"}, false},
		{"more is only reported when a matching food follows", Query{Limit: 1, Category: pantryv1.Category_CATEGORY_SNACK}, []string{"e"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			foods, more, _ := s.List(tt.query)
			if got := names(foods); !slices.Equal(got, tt.want) || more != tt.wantMore {
				t.Fatalf("got %v more=%v, want %v more=%v", got, more, tt.want, tt.wantMore)
			}
		})
	}
}

func TestPagingIsStableWhileFoodsChange(t *testing.T) {
	s := New()
	for range 10 {
		add(t, s, "", water(1))
	}
	var seen []string
	after := ""
	for page := 0; ; page++ {
		foods, more, _ := s.List(Query{After: after, Limit: 3})
		for _, f := range foods {
			seen = append(seen, f.ID)
		}
		if page == 0 {
			// Changes between pages neither repeat nor skip the others.
			del(t, s, "", "food-00000002")
			del(t, s, "", "food-00000005")
			add(t, s, "", water(1))
		}
		if !more {
			break
		}
		after = foods[len(foods)-1].ID
	}
	want := []string{"food-00000001", "food-00000002", "food-00000003", "food-00000004", "food-00000006",
		"food-00000007", "food-00000008", "food-00000009", "food-00000010", "food-00000011"}
	t.Run("every food is listed once in ID order", func(t *testing.T) {
		if !slices.Equal(seen, want) {
			t.Fatalf("got %v, want %v", seen, want)
		}
	})
}

func TestDeleteCompactsTheOrder(t *testing.T) {
	s := New()
	for range 100 {
		add(t, s, "", water(1))
	}
	for i := range 90 {
		del(t, s, "", formatID(uint64(i+1)))
	}
	t.Run("the order index shrinks once most IDs are deleted", func(t *testing.T) {
		if len(s.order) > 50 {
			t.Fatalf("order: got %d IDs for %d foods, want at most 50", len(s.order), s.Len())
		}
	})
	t.Run("the remaining foods still list in order", func(t *testing.T) {
		foods, _, _ := s.List(Query{Limit: 100})
		if len(foods) != 10 || foods[0].ID != "food-00000091" {
			t.Fatalf("got %d foods starting %v, want 10 starting food-00000091", len(foods), foods[0].ID)
		}
	})
}
