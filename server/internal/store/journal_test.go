package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// open opens the data file at path and closes the store when the test ends.
func open(t *testing.T, path string, opts ...Option) (*Store, Recovery) {
	t.Helper()
	s, rec, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, rec
}

// restart closes s and opens its data file again, as a restarted server does.
func restart(t *testing.T, s *Store, path string, opts ...Option) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = open(t, path, opts...)
	return s
}

func all(s *Store) []Food {
	foods, _, _ := s.List(Query{Limit: 1000})
	return foods
}

func TestRestartRestores(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store, path string, restart func(*Store) *Store)
	}{
		{"added, updated, consumed and deleted foods come back as they were", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			a := add(t, s, "", water(1))
			b := add(t, s, "", Food{Name: "乾パン", Category: pantryv1.Category_CATEGORY_STAPLE, Quantity: 4, Unit: "can",
				BestBefore: "2031-05-01", Location: "押し入れ <上段> & \"奥\""})
			c := add(t, s, "", water(6))
			update(t, s, b.ID, func(f *Food) error { f.Quantity = 9; f.Location = "玄関"; return nil })
			consume(t, s, "", c.ID, 2)
			del(t, s, "", a.ID)
			before := all(s)
			s = restart(s)
			if got := all(s); !slices.Equal(got, before) {
				t.Fatalf("after restart: got\n%+v\nwant\n%+v", got, before)
			}
			consume(t, s, "", c.ID, 1)
			s = restart(s) // a second restart replays what the first one appended
			if got, _ := s.Get(c.ID); got.Quantity != 3 {
				t.Fatalf("quantity after two restarts: got %d, want 3", got.Quantity)
			}
		}},
		{"ids continue after the highest, also when that food was deleted", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			add(t, s, "", water(1))
			add(t, s, "", water(1))
			last := add(t, s, "", water(1))
			del(t, s, "", last.ID)
			s = restart(s)
			if f := add(t, s, "", water(1)); f.ID != "food-00000004" {
				t.Fatalf("new id: got %s, want food-00000004", f.ID)
			}
		}},
		{"an AddFood request_id repeated after a restart returns the original food", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			orig := add(t, s, "r1", water(1))
			s = restart(s)
			got, out, err := s.Add("r1", water(1))
			if err != nil || got != orig || out != (Outcome{Replayed: true, Attempt: 2}) {
				t.Fatalf("got %+v %+v %v, want %+v replayed on attempt 2", got, out, err, orig)
			}
			if s.Len() != 1 {
				t.Fatalf("foods stored: got %d, want 1", s.Len())
			}
		}},
		{"a ConsumeFood request_id repeated after a restart returns the original food and takes nothing", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			f := add(t, s, "", water(5))
			orig := consume(t, s, "c1", f.ID, 2)
			s = restart(s)
			got, out, err := s.Consume("c1", f.ID, 2)
			if err != nil || got != orig || !out.Replayed || got.Quantity != 3 {
				t.Fatalf("got %+v %+v %v, want %+v replayed", got, out, err, orig)
			}
			if now, _ := s.Get(f.ID); now.Quantity != 3 {
				t.Fatalf("quantity: got %d, want 3", now.Quantity)
			}
		}},
		{"a request_id reused with another request after a restart is still refused", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			f := add(t, s, "r1", water(1))
			consume(t, s, "c1", f.ID, 1)
			del(t, s, "d1", f.ID)
			s = restart(s)
			if _, _, err := s.Add("r1", water(24)); !isReused(err, "r1", opAdd) {
				t.Fatalf("Add got %v, want a RequestIDReusedError", err)
			}
			if _, _, err := s.Consume("c1", f.ID, 2); !isReused(err, "c1", opConsume) {
				t.Fatalf("Consume got %v, want a RequestIDReusedError", err)
			}
			if _, err := s.Delete("d1", "food-00000042"); !isReused(err, "d1", opDelete) {
				t.Fatalf("Delete got %v, want a RequestIDReusedError", err)
			}
			if s.Len() != 0 {
				t.Fatalf("foods stored: got %d, want 0", s.Len())
			}
		}},
		{"a DeleteFood request_id repeated after a restart answers OK again", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			f := add(t, s, "", water(1))
			if _, err := s.Delete("d1", f.ID); err != nil {
				t.Fatal(err)
			}
			s = restart(s)
			out, err := s.Delete("d1", f.ID)
			if err != nil || out != (Outcome{Replayed: true, Attempt: 2}) {
				t.Fatalf("got %+v %v, want replayed on attempt 2", out, err)
			}
		}},
		{"a request_id whose attempt failed before the restart is applied after it", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			f := add(t, s, "", water(5))
			if _, _, err := s.Consume("c2", f.ID, 10); err == nil {
				t.Fatal("consuming 10 of 5: got success, want an InsufficientStockError")
			}
			s = restart(s)
			got, out, err := s.Consume("c2", f.ID, 1)
			if err != nil || out.Replayed || got.Quantity != 4 {
				t.Fatalf("got %+v %+v %v, want 4 left, applied", got, out, err)
			}
		}},
		{"every change is one line and a restart replays them all", func(t *testing.T, s *Store, path string, restart func(*Store) *Store) {
			f := add(t, s, "a", water(5))
			s.Add("a", water(5)) // a replay writes nothing
			update(t, s, f.ID, func(f *Food) error { f.Name = "x"; return nil })
			s.Update(f.ID, func(f *Food) error { return errors.New("refused") }) // nor does a refused change
			consume(t, s, "c", f.ID, 1)
			s.Consume("c", f.ID, 1)  // a replay writes nothing
			s.Consume("", f.ID, 100) // nor does a refused consumption
			del(t, s, "", f.ID)
			s.Delete("", f.ID) // nor does a delete of an unknown ID
			s.Close()
			b, _ := os.ReadFile(path)
			if n := strings.Count(string(b), "\n"); n != 4 {
				t.Fatalf("lines in the file: got %d, want 4:\n%s", n, b)
			}
			_, rec := open(t, path)
			if rec != (Recovery{Records: 4}) {
				t.Fatalf("recovery: got %+v, want 4 records", rec)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pantry.jsonl")
			clock := WithClock(fakeClock()) // one clock across restarts
			s, rec := open(t, path, clock)
			if rec != (Recovery{}) || s.Len() != 0 {
				t.Fatalf("new data file: got %+v and %d foods, want an empty recovery and none", rec, s.Len())
			}
			tt.run(t, s, path, func(s *Store) *Store { return restart(t, s, path, clock) })
		})
	}
}

func TestRestartKeepsKeyLimits(t *testing.T) {
	type timedAdd struct {
		requestID string
		at        time.Duration // after t0
	}
	tests := []struct {
		name         string
		maxKeys      int
		adds         []timedAdd
		restartAt    time.Duration
		retry        string
		wantReplayed bool
	}{
		{"a key older than the time to live is applied anew after a restart",
			100, []timedAdd{{"old", 0}}, 75 * time.Minute, "old", false},
		{"a key within the time to live is replayed after a restart",
			100, []timedAdd{{"old", 0}, {"recent", 30 * time.Minute}}, 75 * time.Minute, "recent", true},
		{"a key pushed out by newer keys is applied anew after a restart",
			2, []timedAdd{{"k1", 0}, {"k2", 0}, {"k3", 0}}, 0, "k1", false},
		{"the newest keys are replayed after a restart",
			2, []timedAdd{{"k1", 0}, {"k2", 0}, {"k3", 0}}, 0, "k3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pantry.jsonl")
			now := t0
			opts := []Option{WithClock(func() time.Time { return now }), WithKeyLimits(tt.maxKeys, time.Hour)}
			s, _ := open(t, path, opts...)
			stored := map[string]Food{}
			for _, a := range tt.adds {
				now = t0.Add(a.at)
				stored[a.requestID] = add(t, s, a.requestID, water(1))
			}
			now = t0.Add(tt.restartAt)
			s = restart(t, s, path, opts...)
			got, out, _ := s.Add(tt.retry, water(1))
			if out.Replayed != tt.wantReplayed || (got.ID == stored[tt.retry].ID) != tt.wantReplayed {
				t.Fatalf("got %s replayed=%v, want replayed=%v of %s", got.ID, out.Replayed, tt.wantReplayed, stored[tt.retry].ID)
			}
		})
	}
}

func TestDataFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pantry.jsonl")
	s, _ := open(t, path, WithClock(fakeClock()))
	f := add(t, s, "r1", Food{Name: "乾パン", Category: pantryv1.Category_CATEGORY_STAPLE, Quantity: 2, Unit: "can", BestBefore: "2031-05-01"})
	update(t, s, f.ID, func(f *Food) error { f.Location = "棚 <1>"; return nil })
	consume(t, s, "r2", f.ID, 1)
	del(t, s, "r3", f.ID)
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"op":"add","food":{"id":"food-00000001","name":"乾パン","category":2,"quantity":2,"unit":"can","best_before":"2031-05-01","created_at":"2026-03-01T09:00:01Z","updated_at":"2026-03-01T09:00:01Z"},"request_id":"r1","attempt":1,"fingerprint":"5b5fbefc7b1432fa6f4f0b88247d0c9c"}`,
		`{"op":"update","food":{"id":"food-00000001","name":"乾パン","category":2,"quantity":2,"unit":"can","best_before":"2031-05-01","location":"棚 <1>","created_at":"2026-03-01T09:00:01Z","updated_at":"2026-03-01T09:00:02Z"}}`,
		`{"op":"consume","food":{"id":"food-00000001","name":"乾パン","category":2,"quantity":1,"unit":"can","best_before":"2031-05-01","location":"棚 <1>","created_at":"2026-03-01T09:00:01Z","updated_at":"2026-03-01T09:00:03Z"},"request_id":"r2","attempt":1,"fingerprint":"04070c1ffd3a4c06d019042c5aa0b3d2"}`,
		`{"op":"delete","id":"food-00000001","request_id":"r3","attempt":1,"fingerprint":"d8bac261d73bbfbe0f59f304b4c267cf","at":"2026-03-01T09:00:04Z"}`,
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := range max(len(got), len(want)) {
		t.Run(fmt.Sprintf("line %d is as documented", i+1), func(t *testing.T) {
			if i >= len(got) || i >= len(want) || got[i] != want[i] {
				t.Fatalf("got\n%s\nwant\n%s", at(got, i), at(want, i))
			}
		})
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(no line)"
}

func TestOpenDamagedDataFile(t *testing.T) {
	const (
		add1    = `{"op":"add","food":{"id":"food-00000001","name":"乾パン","quantity":2,"created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-01T09:00:00Z"},"request_id":"r1","attempt":1}` + "\n"
		add2    = `{"op":"add","food":{"id":"food-00000002","name":"保存水","quantity":6,"created_at":"2026-03-01T09:00:01Z","updated_at":"2026-03-01T09:00:01Z"}}` + "\n"
		torn    = `{"op":"add","food":{"id":"food-00000003","name":"缶`
		update9 = `{"op":"update","food":{"id":"food-00000009","name":"x","created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-01T09:00:00Z"}}` + "\n"
	)
	tests := []struct {
		name      string
		content   string
		wantErr   string // empty: opens
		wantFoods int
		wantTorn  int64
	}{
		{"an empty file opens an empty store", "", "", 0, 0},
		{"complete lines all replay", add1 + add2, "", 2, 0},
		{"a torn final line is skipped and reported", add1 + add2 + torn, "", 2, int64(len(torn))},
		{"a torn only line leaves an empty store", torn, "", 0, int64(len(torn))},
		{"a corrupt middle line fails naming line 2", add1 + "{\"op\":\"add\",\"fo\x00\n" + add2, "line 2: invalid character", 0, 0},
		{"a corrupt complete last line fails naming it", add1 + add2 + "}\n", "line 3: invalid character", 0, 0},
		{"an empty line fails naming it", add1 + "\n" + add2, "line 2: unexpected end of JSON input", 0, 0},
		{"an unknown op fails naming its line", add1 + `{"op":"frobnicate"}` + "\n", `line 2: unknown op "frobnicate"`, 0, 0},
		{"an add without food fails naming its line", `{"op":"add"}` + "\n", "line 1: add without food", 0, 0},
		{"an add of an invalid id fails naming its line", strings.Replace(add1, "food-00000001", "food-1", 1), `line 1: add of invalid id "food-1"`, 0, 0},
		{"an add whose id does not follow the last one fails", add2 + add1, "line 2: add of food-00000001, which does not follow food-00000002", 0, 0},
		{"an update of a food not stored fails", add1 + update9, "line 2: update of food-00000009, which is not stored", 0, 0},
		{"a delete of a food not stored fails", add1 + `{"op":"delete","id":"food-00000002"}` + "\n", `line 2: delete of "food-00000002", which is not stored`, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pantry.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			s, rec, err := Open(path)
			if tt.wantErr != "" {
				var ce *CorruptError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err: got %v, want a CorruptError naming %s and containing %q", err, path, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Len() != tt.wantFoods || rec.TornBytes != tt.wantTorn {
				t.Fatalf("opened: got %d foods and %+v, want %d foods and %d torn bytes", s.Len(), rec, tt.wantFoods, tt.wantTorn)
			}
			// The torn line is cut off: what is added now replays after it.
			added, _, err := s.Add("", water(1))
			if err != nil {
				t.Fatal(err)
			}
			s = restart(t, s, path)
			if got, err := s.Get(added.ID); err != nil || got.ID != added.ID || s.Len() != tt.wantFoods+1 {
				t.Fatalf("after adding %s and restarting: got %v and %d foods, want nil and %d", added.ID, err, s.Len(), tt.wantFoods+1)
			}
		})
	}
}

func TestClosedDataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pantry.jsonl")
	s, _ := open(t, path)
	f := add(t, s, "", water(5))
	s.Close()
	tests := []struct {
		name string
		call func() error
	}{
		{"Add fails", func() error { _, _, err := s.Add("r", water(1)); return err }},
		{"Update fails", func() error {
			_, err := s.Update(f.ID, func(f *Food) error { f.Quantity = 1; return nil })
			return err
		}},
		{"Consume fails", func() error { _, _, err := s.Consume("r", f.ID, 1); return err }},
		{"Delete fails", func() error { _, err := s.Delete("r", f.ID); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" with a WriteError and changes nothing", func(t *testing.T) {
			var we *WriteError
			if err := tt.call(); !errors.As(err, &we) || !errors.Is(err, os.ErrClosed) {
				t.Fatalf("err: got %v, want a WriteError of a closed file", err)
			}
			if got := all(s); len(got) != 1 || got[0] != f {
				t.Fatalf("stock: got %+v, want only %+v", got, f)
			}
		})
	}
	t.Run("a failed request_id is not remembered", func(t *testing.T) {
		if _, out, _ := s.Add("r", water(1)); out.Replayed {
			t.Fatal("Add after a failed Add with its request ID: got replayed, want applied anew")
		}
	})
}

// Add with and without a data file (one write(2) per change):
//
//	go test -run '^$' -bench Add ./internal/store
func BenchmarkAdd(b *testing.B) {
	cases := []struct {
		name string
		open func(b *testing.B) *Store
	}{
		{"in memory", func(*testing.B) *Store { return New() }},
		{"with data file", func(b *testing.B) *Store {
			s, _, err := Open(filepath.Join(b.TempDir(), "pantry.jsonl"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.open(b)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, _, err := s.Add(fmt.Sprint("r", i), water(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
