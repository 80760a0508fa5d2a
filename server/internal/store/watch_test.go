package store

import (
	"slices"
	"testing"
)

func TestSubscribe(t *testing.T) {
	dated := func(f Food) bool { return f.BestBefore != "" }
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store)
	}{
		{"the snapshot holds the matching foods at subscription time", func(t *testing.T, s *Store) {
			add(t, s, "", Food{Name: "a", BestBefore: "2026-01-01"})
			add(t, s, "", Food{Name: "b"})
			snap, sub, _ := s.Subscribe(4, dated)
			defer sub.Close()
			if len(snap) != 1 || snap[0].Name != "a" {
				t.Fatalf("snapshot: got %v, want [a]", names(snap))
			}
		}},
		{"adds, updates and consumptions after it are delivered in order", func(t *testing.T, s *Store) {
			f := add(t, s, "", water(5))
			_, sub, _ := s.Subscribe(4, dated)
			defer sub.Close()
			add(t, s, "", Food{Name: "new"})
			update(t, s, f.ID, func(g *Food) error { g.Name = "renamed"; return nil })
			consume(t, s, "", f.ID, 1)
			del(t, s, "", f.ID)
			var got []string
			for range 3 {
				got = append(got, (<-sub.Changes()).Name)
			}
			if want := []string{"new", "renamed", "renamed"}; !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			select {
			case f := <-sub.Changes():
				t.Fatalf("after the delete: got %v delivered, want nothing", f)
			default:
			}
		}},
		{"a reader that falls behind is closed with ErrLagged", func(t *testing.T, s *Store) {
			_, sub, _ := s.Subscribe(2, dated)
			for range 3 {
				add(t, s, "", water(1))
			}
			n := 0
			for range sub.Changes() {
				n++
			}
			if n != 2 || sub.Err() != ErrLagged || s.Subscribers() != 0 {
				t.Fatalf("got %d changes, err %v, %d subscribers; want 2, ErrLagged, 0", n, sub.Err(), s.Subscribers())
			}
			sub.Close() // harmless after the store closed it
		}},
		{"close unsubscribes and may be called twice", func(t *testing.T, s *Store) {
			_, sub, _ := s.Subscribe(2, dated)
			sub.Close()
			sub.Close()
			add(t, s, "", water(1))
			if _, ok := <-sub.Changes(); ok || s.Subscribers() != 0 || sub.Err() != nil {
				t.Fatalf("after Close: got an open subscription (%d subscribers, err %v), want it closed", s.Subscribers(), sub.Err())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, New()) })
	}
}
