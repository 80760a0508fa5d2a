package store

import (
	"slices"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// Query selects one page of foods in ID order.
type Query struct {
	// After skips every ID up to and including this one; empty starts at the
	// first food.
	After string
	// Limit is the most foods to return; it must be positive.
	Limit int
	// Category keeps only this category unless it is CATEGORY_UNSPECIFIED.
	Category pantryv1.Category
	// ExpiringBefore, a "YYYY-MM-DD" date, keeps only foods with a best-before
	// date strictly before it; empty keeps all.
	ExpiringBefore string
}

func (q Query) match(f Food) bool {
	if q.Category != pantryv1.Category_CATEGORY_UNSPECIFIED && f.Category != q.Category {
		return false
	}
	if q.ExpiringBefore != "" && (f.BestBefore == "" || f.BestBefore >= q.ExpiringBefore) {
		return false
	}
	return true
}

// List returns up to q.Limit foods matching q in ID order, and whether more
// matching foods follow them; the error is always nil for a memory store.
func (s *Store) List(q Query) (foods []Food, more bool, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := 0
	if q.After != "" {
		var found bool
		i, found = slices.BinarySearch(s.order, q.After)
		if found {
			i++
		}
	}
	foods = make([]Food, 0, min(q.Limit, len(s.foods)))
	for ; i < len(s.order); i++ {
		f, ok := s.foods[s.order[i]]
		if !ok || !q.match(f) {
			continue
		}
		if len(foods) == q.Limit {
			return foods, true, nil
		}
		foods = append(foods, f)
	}
	return foods, false, nil
}
