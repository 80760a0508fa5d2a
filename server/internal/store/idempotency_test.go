package store

import (
	"errors"
	"testing"
)

// isReused tells whether err is a *RequestIDReusedError for requestID and op.
func isReused(err error, requestID, op string) bool {
	var e *RequestIDReusedError
	return errors.As(err, &e) && e.RequestID == requestID && e.Op == op
}

func TestRequestIDReusedWithAnotherRequest(t *testing.T) {
	tests := []struct {
		name string
		op   string
		// first applies the request under "k"; other sends another request
		// under "k"; same repeats the first.
		first, other, same func(s *Store, id string) (Outcome, error)
	}{
		{"AddFood with another food", opAdd,
			func(s *Store, _ string) (Outcome, error) { _, out, err := s.Add("k", water(1)); return out, err },
			func(s *Store, _ string) (Outcome, error) { _, out, err := s.Add("k", water(24)); return out, err },
			func(s *Store, _ string) (Outcome, error) { _, out, err := s.Add("k", water(1)); return out, err }},
		{"ConsumeFood of another quantity", opConsume,
			func(s *Store, id string) (Outcome, error) { _, out, err := s.Consume("k", id, 1); return out, err },
			func(s *Store, id string) (Outcome, error) { _, out, err := s.Consume("k", id, 2); return out, err },
			func(s *Store, id string) (Outcome, error) { _, out, err := s.Consume("k", id, 1); return out, err }},
		{"ConsumeFood of another food", opConsume,
			func(s *Store, id string) (Outcome, error) { _, out, err := s.Consume("k", id, 1); return out, err },
			func(s *Store, _ string) (Outcome, error) {
				_, out, err := s.Consume("k", "food-00000002", 1)
				return out, err
			},
			func(s *Store, id string) (Outcome, error) { _, out, err := s.Consume("k", id, 1); return out, err }},
		{"DeleteFood of another food", opDelete,
			func(s *Store, id string) (Outcome, error) { return s.Delete("k", id) },
			func(s *Store, _ string) (Outcome, error) { return s.Delete("k", "food-00000002") },
			func(s *Store, id string) (Outcome, error) { return s.Delete("k", id) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			a := add(t, s, "", water(5))
			b := add(t, s, "", water(5))
			if _, err := tt.first(s, a.ID); err != nil {
				t.Fatal(err)
			}
			before := all(s)
			out, err := tt.other(s, a.ID)
			if !isReused(err, "k", tt.op) {
				t.Fatalf("got %+v %v, want a RequestIDReusedError for k and %s", out, err, tt.op)
			}
			if got := all(s); len(got) != len(before) || got[len(got)-1] != before[len(before)-1] {
				t.Fatalf("foods: got %+v, want %+v unchanged", got, before)
			}
			if got, _ := s.Get(b.ID); got != b {
				t.Fatalf("the other food: got %+v, want %+v unchanged", got, b)
			}
			// The refused request was not an attempt of the key's request.
			out, err = tt.same(s, a.ID)
			if err != nil || out != (Outcome{Replayed: true, Attempt: 2}) {
				t.Fatalf("repeat got %+v %v, want replayed on attempt 2", out, err)
			}
		})
	}
}

func TestDeleteIdempotency(t *testing.T) {
	s := New()
	f := add(t, s, "", water(1))
	if out, err := s.Delete("d", f.ID); err != nil || out != (Outcome{Attempt: 1}) {
		t.Fatalf("first delete got %+v %v, want applied on attempt 1", out, err)
	}
	if out, err := s.Delete("d", f.ID); err != nil || out != (Outcome{Replayed: true, Attempt: 2}) {
		t.Fatalf("repeated delete got %+v %v, want replayed on attempt 2", out, err)
	}
	var nf *NotFoundError
	if _, err := s.Delete("", f.ID); !errors.As(err, &nf) {
		t.Fatalf("delete without request_id got %v, want NotFoundError", err)
	}
	if _, err := s.Delete("e", f.ID); !errors.As(err, &nf) {
		t.Fatalf("delete under a new request_id got %v, want NotFoundError", err)
	}
	// A failed delete binds nothing: the key applies later to an existing food.
	g := add(t, s, "", water(1))
	if out, err := s.Delete("e", g.ID); err != nil || out != (Outcome{Attempt: 2}) {
		t.Fatalf("delete under the failed key got %+v %v, want applied on attempt 2", out, err)
	}
}
