package store

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests in this file run writes from many goroutines at once; run them
// with -race, which also fails them when the store's lock is missing.

// ids collects the IDs that goroutines report.
type ids struct {
	mu  sync.Mutex
	ids []string
}

func (c *ids) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, id)
}

// count is a number a test expects, checked in a subtest of its own.
type count struct {
	name      string
	got, want int
}

func checkCounts(t *testing.T, counts []count) {
	t.Helper()
	for _, c := range counts {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Fatalf("got %d, want %d", c.got, c.want)
			}
		})
	}
}

func TestConcurrentWrites(t *testing.T) {
	const goroutines, perGoroutine = 16, 50

	t.Run("within the key limit every request ID is applied once", func(t *testing.T) {
		const spare = 10
		s := New()
		// Enough stock for one unit per shared key, one per own key, and spare.
		stock, _, err := s.Add("", water(perGoroutine+goroutines*perGoroutine+spare))
		if err != nil {
			t.Fatal(err)
		}
		var shared ids
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range perGoroutine {
					// Every goroutine adds and consumes under keys it shares
					// with all the others and under keys of its own, and reads.
					sharedKey, ownKey := fmt.Sprint("shared-", i), fmt.Sprintf("own-%d-%d", g, i)
					f, _, err := s.Add(sharedKey, water(1))
					if err != nil {
						t.Errorf("Add(%s): got %v, want nil", sharedKey, err)
						return
					}
					shared.add(f.ID)
					if _, out, err := s.Add(ownKey, water(1)); err != nil || out.Replayed {
						t.Errorf("Add(%s): got %+v, %v; want applied", ownKey, out, err)
						return
					}
					if _, _, err := s.Consume(sharedKey, stock.ID, 1); err != nil {
						t.Errorf("Consume(%s): got %v, want nil", sharedKey, err)
						return
					}
					if _, out, err := s.Consume(ownKey, stock.ID, 1); err != nil || out.Replayed {
						t.Errorf("Consume(%s): got %+v, %v; want applied", ownKey, out, err)
						return
					}
					if foods, _, _ := s.List(Query{Limit: 10}); len(foods) == 0 {
						t.Errorf("List: got no foods, want at least the stock")
						return
					}
					if _, err := s.Get(stock.ID); err != nil {
						t.Errorf("Get(%s): got %v, want nil", stock.ID, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		slices.Sort(shared.ids)
		got, err := s.Get(stock.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, []count{
			{"each shared add key stored exactly one food", len(slices.Compact(shared.ids)), perGoroutine},
			{"each own add key stored one food", s.Len(), 1 + perGoroutine + goroutines*perGoroutine},
			{"each consume key took exactly one unit", int(got.Quantity), spare},
		})
	})

	t.Run("beyond the key limit the oldest keys are evicted while writes run", func(t *testing.T) {
		// 16 × 50 keys per method through caches of 32: eviction runs on
		// almost every write, from every goroutine.
		const maxKeys = 32
		const stockQty = 2 * goroutines * perGoroutine
		s := New(WithKeyLimits(maxKeys, time.Hour))
		stock, _, err := s.Add("", water(stockQty))
		if err != nil {
			t.Fatal(err)
		}
		var adds, consumes, deletes atomic.Int64 // applied, not replayed
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range perGoroutine {
					key := fmt.Sprintf("key-%d-%d", g, i)
					// Each write is sent twice, as a retry does: the second is
					// replayed, or applied again once its key was evicted.
					var first Food
					for attempt := range 2 {
						f, out, err := s.Add(key, water(1))
						if err != nil {
							t.Errorf("Add(%s) attempt %d: got %v, want nil", key, attempt+1, err)
							return
						}
						switch {
						case !out.Replayed:
							adds.Add(1)
							first = f
						case f.ID != first.ID:
							t.Errorf("Add(%s) replayed: got %s, want %s stored under that key", key, f.ID, first.ID)
							return
						}
					}
					for attempt := range 2 {
						_, out, err := s.Consume(key, stock.ID, 1)
						if err != nil {
							t.Errorf("Consume(%s) attempt %d: got %v, want nil", key, attempt+1, err)
							return
						}
						if !out.Replayed {
							consumes.Add(1)
						}
					}
					for attempt := range 2 {
						out, err := s.Delete(key, first.ID)
						var nf *NotFoundError
						switch {
						case attempt == 1 && errors.As(err, &nf):
							// the key was evicted and the food is gone
						case err != nil:
							t.Errorf("Delete(%s, %s) attempt %d: got %v, want nil", key, first.ID, attempt+1, err)
							return
						case !out.Replayed:
							deletes.Add(1)
						}
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		left, err := s.Get(stock.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, []count{
			{"each applied add stored one food and each applied delete removed one", s.Len(), 1 + int(adds.Load()) - int(deletes.Load())},
			{"each applied consume took one unit", int(left.Quantity), stockQty - int(consumes.Load())},
			{"every key was deleted once", int(deletes.Load()), goroutines * perGoroutine},
			{"the add keys are cut to the limit", s.addKeys.Len(), maxKeys},
			{"the consume keys are cut to the limit", s.consumeKeys.Len(), maxKeys},
			{"the delete keys are cut to the limit", s.deleteKeys.Len(), maxKeys},
		})
	})
}

// TestConcurrentRequestIDReuse sends every request ID from many goroutines
// at once with two different requests: one request wins the ID, its repeats
// are replayed, and every other request is refused.
func TestConcurrentRequestIDReuse(t *testing.T) {
	const goroutines, keys = 16, 20
	s := New()
	stock, _, err := s.Add("", water(1000))
	if err != nil {
		t.Fatal(err)
	}
	// Two foods per key for the two deletes that compete for it.
	var victims [keys][2]Food
	for k := range keys {
		for v := range 2 {
			if victims[k][v], _, err = s.Add("", water(1)); err != nil {
				t.Fatal(err)
			}
		}
	}

	// result is what one call of one of the two requests (variant 0 or 1)
	// got.
	type result struct {
		variant int
		food    Food
		out     Outcome
		err     error
	}
	var mu sync.Mutex
	results := map[string][]result{} // by method and request ID
	record := func(key string, r result) {
		mu.Lock()
		defer mu.Unlock()
		results[key] = append(results[key], r)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			v := g % 2
			for k := range keys {
				key := fmt.Sprint("rid-", k)
				f, out, err := s.Add(key, water(int32(1+v)))
				record("add "+key, result{v, f, out, err})
				f, out, err = s.Consume(key, stock.ID, int32(1+v))
				record("consume "+key, result{v, f, out, err})
				out, err = s.Delete(key, victims[k][v].ID)
				record("delete "+key, result{v, Food{}, out, err})
			}
		})
	}
	wg.Wait()

	if len(results) != 3*keys {
		t.Fatalf("request IDs with results: got %d, want %d", len(results), 3*keys)
	}
	taken := 0
	for key, rs := range results {
		var winner *result
		for i := range rs {
			if rs[i].err == nil && !rs[i].out.Replayed {
				if winner != nil {
					t.Errorf("%s: got two applied requests (%+v and %+v), want one", key, *winner, rs[i])
				}
				winner = &rs[i]
			}
		}
		if winner == nil {
			t.Errorf("%s: got no applied request, want one", key)
			continue
		}
		if strings.HasPrefix(key, "consume ") {
			taken += 1 + winner.variant
		}
		var attempts []int
		for _, r := range rs {
			var reused *RequestIDReusedError
			switch {
			case r.variant != winner.variant:
				if !errors.As(r.err, &reused) {
					t.Errorf("%s: the other request got %+v, %v; want a RequestIDReusedError", key, r.out, r.err)
				}
			case r.err != nil:
				t.Errorf("%s: a repeat got %v, want nil", key, r.err)
			case r.food != winner.food:
				t.Errorf("%s: a repeat got %+v, want %+v as applied", key, r.food, winner.food)
			default:
				attempts = append(attempts, r.out.Attempt)
			}
		}
		slices.Sort(attempts)
		for i, a := range attempts {
			if a != i+1 {
				t.Errorf("%s: attempts got %v, want 1 to %d once each", key, attempts, len(attempts))
				break
			}
		}
	}
	left, err := s.Get(stock.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1000 - int32(taken); left.Quantity != want {
		t.Errorf("stock: got %d, want %d", left.Quantity, want)
	}
	// The stock, one food per add key, one victim per key left undeleted.
	if got, want := s.Len(), 1+keys+keys; got != want {
		t.Errorf("foods stored: got %d, want %d", got, want)
	}
}

// TestConcurrentJournalWrites journals writes from many goroutines at once
// and checks that a restart restores what the store held: every line is
// whole and in the order the changes were applied.
func TestConcurrentJournalWrites(t *testing.T) {
	const goroutines, perGoroutine = 8, 25
	path := t.TempDir() + "/pantry.jsonl"
	s, _ := open(t, path, WithClock(fakeClock()))
	stock, _, err := s.Add("", water(goroutines*perGoroutine))
	if err != nil {
		t.Fatal(err)
	}
	var applied atomic.Int64 // changes that wrote a line
	applied.Add(1)
	var added ids // IDs stored under a request ID, for the replays below
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				key := fmt.Sprintf("key-%d-%d", g, i)
				f, _, err := s.Add(key, Food{Name: key, Quantity: 5, Unit: "can"})
				if err != nil {
					t.Errorf("Add(%s): got %v, want nil", key, err)
					return
				}
				added.add(f.ID)
				if _, out, err := s.Add(key, Food{Name: key, Quantity: 5, Unit: "can"}); err != nil || !out.Replayed {
					t.Errorf("repeated Add(%s): got %+v, %v; want replayed", key, out, err)
					return
				}
				if _, err := s.Update(f.ID, func(f *Food) error { f.Location = "棚 " + key; return nil }); err != nil {
					t.Errorf("Update(%s): got %v, want nil", f.ID, err)
					return
				}
				if _, _, err := s.Consume(key, stock.ID, 1); err != nil {
					t.Errorf("Consume(%s): got %v, want nil", key, err)
					return
				}
				if _, _, err := s.Consume("", f.ID, 2); err != nil {
					t.Errorf("Consume(%s): got %v, want nil", f.ID, err)
					return
				}
				applied.Add(4)
				if i%3 == 0 {
					if _, err := s.Delete(key, f.ID); err != nil {
						t.Errorf("Delete(%s): got %v, want nil", f.ID, err)
						return
					}
					applied.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	before := all(s)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(string(b), "\n"), int(applied.Load()); got != want {
		t.Fatalf("lines in the data file: got %d, want one per applied change, %d", got, want)
	}

	s = restart(t, s, path, WithClock(fakeClock()))
	t.Run("the store comes back as it was", func(t *testing.T) {
		got := all(s)
		if len(got) != len(before) {
			t.Fatalf("foods after restart: got %d, want %d", len(got), len(before))
		}
		for i := range got {
			if got[i] != before[i] {
				t.Fatalf("food %d after restart: got %+v, want %+v", i, got[i], before[i])
			}
		}
	})
	t.Run("every request ID is replayed after the restart", func(t *testing.T) {
		for g := range goroutines {
			for i := range perGoroutine {
				key := fmt.Sprintf("key-%d-%d", g, i)
				f, out, err := s.Add(key, Food{Name: key, Quantity: 5, Unit: "can"})
				if err != nil || !out.Replayed || !slices.Contains(added.ids, f.ID) {
					t.Fatalf("Add(%s) after restart: got %s, %+v, %v; want one of the IDs stored before, replayed", key, f.ID, out, err)
				}
			}
		}
	})
	t.Run("ids continue after the highest", func(t *testing.T) {
		f, _, err := s.Add("", water(1))
		if want := formatID(uint64(1 + goroutines*perGoroutine + 1)); err != nil || f.ID != want {
			t.Fatalf("new id: got %s, %v; want %s", f.ID, err, want)
		}
	})
}
