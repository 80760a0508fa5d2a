package store

import "testing"

// add, consume, update and del make a change that the test needs to succeed,
// and fail the test when it does not.

func add(t testing.TB, s *Store, requestID string, f Food) Food {
	t.Helper()
	got, _, err := s.Add(requestID, f)
	if err != nil {
		t.Fatalf("Add(%q, %s): got %v, want nil", requestID, f.Name, err)
	}
	return got
}

func consume(t testing.TB, s *Store, requestID, id string, n int32) Food {
	t.Helper()
	got, _, err := s.Consume(requestID, id, n)
	if err != nil {
		t.Fatalf("Consume(%q, %s, %d): got %v, want nil", requestID, id, n, err)
	}
	return got
}

func update(t testing.TB, s *Store, id string, change func(*Food) error) Food {
	t.Helper()
	got, err := s.Update(id, change)
	if err != nil {
		t.Fatalf("Update(%s): got %v, want nil", id, err)
	}
	return got
}

func del(t testing.TB, s *Store, requestID, id string) {
	t.Helper()
	if _, err := s.Delete(requestID, id); err != nil {
		t.Fatalf("Delete(%q, %s): got %v, want nil", requestID, id, err)
	}
}
