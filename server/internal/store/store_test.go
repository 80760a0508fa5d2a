package store

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeClock returns a clock that advances by a second on every reading.
func fakeClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Second) }
}

func water(qty int32) Food {
	return Food{Name: "保存水 2L", Category: pantryv1.Category_CATEGORY_WATER, Quantity: qty, Unit: "bottle"}
}

func TestAddAssignsSortableIDsAndTimes(t *testing.T) {
	s := New(WithClock(fakeClock()))
	a := add(t, s, "", Food{ID: "ignored", Name: "a", CreatedAt: t0.Add(-time.Hour)})
	b := add(t, s, "", Food{Name: "b"})
	tests := []struct {
		name      string
		got, want any
	}{
		{"the first food gets food-00000001", a.ID, "food-00000001"},
		{"the second food gets food-00000002", b.ID, "food-00000002"},
		{"created_at is set by the store", a.CreatedAt, t0.Add(time.Second)},
		{"updated_at equals created_at on add", a.UpdatedAt, a.CreatedAt},
		{"IDs sort in the order they were assigned", a.ID < b.ID, true},
		{"an assigned ID is recognised as valid", ValidID(a.ID), true},
		{"an arbitrary string is not a valid ID", ValidID("food-12x45678"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestAddIdempotency(t *testing.T) {
	tests := []struct {
		name        string
		requestIDs  []string
		wantStored  int
		wantLast    Outcome
		wantSameIDs bool
	}{
		{"a repeated request ID stores the food once and replays it", []string{"r1", "r1", "r1"}, 1, Outcome{Replayed: true, Attempt: 3}, true},
		{"different request IDs store one food each", []string{"r1", "r2"}, 2, Outcome{Attempt: 1}, false},
		{"an empty request ID never deduplicates", []string{"", ""}, 2, Outcome{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			var ids []string
			var out Outcome
			for _, rid := range tt.requestIDs {
				var f Food
				var err error
				if f, out, err = s.Add(rid, water(1)); err != nil {
					t.Fatalf("Add(%q): got %v, want nil", rid, err)
				}
				ids = append(ids, f.ID)
			}
			if s.Len() != tt.wantStored {
				t.Errorf("foods stored: got %d, want %d", s.Len(), tt.wantStored)
			}
			if out != tt.wantLast {
				t.Errorf("last outcome: got %+v, want %+v", out, tt.wantLast)
			}
			if same := ids[0] == ids[len(ids)-1]; same != tt.wantSameIDs {
				t.Errorf("IDs %v all the same: got %v, want %v", ids, same, tt.wantSameIDs)
			}
		})
	}
}

func TestRequestIDsAreForgottenAfterTheirLimits(t *testing.T) {
	now := t0
	s := New(WithClock(func() time.Time { return now }), WithKeyLimits(2, time.Hour))
	first := add(t, s, "old", water(1))
	add(t, s, "b", water(1))
	add(t, s, "c", water(1))
	t.Run("a key pushed out by newer keys is applied again", func(t *testing.T) {
		again, out, _ := s.Add("old", water(1))
		if out.Replayed || again.ID == first.ID {
			t.Fatalf("got %s replayed=%v, want a new food", again.ID, out.Replayed)
		}
	})
	t.Run("a key older than the time to live is applied again", func(t *testing.T) {
		f := add(t, s, "late", water(1))
		now = now.Add(time.Hour)
		again, out, _ := s.Add("late", water(1))
		if out.Replayed || again.ID == f.ID {
			t.Fatalf("got %s replayed=%v, want a new food", again.ID, out.Replayed)
		}
	})
}

func TestConsume(t *testing.T) {
	tests := []struct {
		name      string
		stock     int32
		calls     []int32 // units per call, all with the same request ID
		requestID string
		wantQty   int32
		wantErr   error
	}{
		{"consuming part of the stock leaves the rest", 5, []int32{2}, "", 3, nil},
		{"consuming everything leaves zero", 5, []int32{5}, "", 0, nil},
		{"consuming more than in stock fails and takes nothing", 2, []int32{5}, "", 2, &InsufficientStockError{Requested: 5, InStock: 2}},
		{"a repeated request ID takes the units once", 5, []int32{2, 2, 2}, "r", 3, nil},
		{"repeats without a request ID each take units", 5, []int32{2, 2}, "", 1, nil},
		{"a failed attempt is not remembered, so its retry applies", 2, []int32{3, 1}, "r", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			f := add(t, s, "", water(tt.stock))
			var err error
			for _, n := range tt.calls {
				_, _, err = s.Consume(tt.requestID, f.ID, n)
			}
			var ise *InsufficientStockError
			if tt.wantErr != nil {
				if !errors.As(err, &ise) || err.Error() != tt.wantErr.Error() {
					t.Fatalf("err: got %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("err: got %v, want nil", err)
			}
			got, _ := s.Get(f.ID)
			if got.Quantity != tt.wantQty {
				t.Fatalf("quantity: got %d, want %d", got.Quantity, tt.wantQty)
			}
		})
	}
}

func TestUnknownIDs(t *testing.T) {
	s := New()
	const id = "food-00000042"
	tests := []struct {
		name string
		call func() error
	}{
		{"Get of an unknown ID is not found", func() error { _, err := s.Get(id); return err }},
		{"Update of an unknown ID is not found", func() error {
			_, err := s.Update(id, func(*Food) error { return nil })
			return err
		}},
		{"Consume of an unknown ID is not found", func() error { _, _, err := s.Consume("", id, 1); return err }},
		{"Delete of an unknown ID is not found", func() error { _, err := s.Delete("", id); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var nf *NotFoundError
			if !errors.As(err, &nf) || err.Error() != `food "food-00000042" not found` {
				t.Fatalf("err: got %v, want NotFoundError for %s", err, id)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	s := New(WithClock(fakeClock()))
	f := add(t, s, "", water(3))
	t.Run("a change is stored and bumps updated_at", func(t *testing.T) {
		got, err := s.Update(f.ID, func(g *Food) error { g.Quantity = 9; return nil })
		if err != nil || got.Quantity != 9 || !got.UpdatedAt.After(f.UpdatedAt) {
			t.Fatalf("got %+v, %v; want quantity 9 and a later updated_at", got, err)
		}
	})
	t.Run("a change cannot alter id or created_at", func(t *testing.T) {
		got, _ := s.Update(f.ID, func(g *Food) error { g.ID, g.CreatedAt = "x", time.Time{}; return nil })
		if got.ID != f.ID || !got.CreatedAt.Equal(f.CreatedAt) {
			t.Fatalf("got %+v, want id %s and created_at %v", got, f.ID, f.CreatedAt)
		}
	})
	t.Run("a change that returns an error is not stored", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := s.Update(f.ID, func(g *Food) error { g.Quantity = 1; return boom }); err != boom {
			t.Fatalf("err: got %v, want boom", err)
		}
		if got, _ := s.Get(f.ID); got.Quantity != 9 {
			t.Fatalf("quantity: got %d, want 9 kept", got.Quantity)
		}
	})
}
