package store

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// backend makes a fresh, empty Backend; replica opens another handle on the
// same state (what a second replica sees), or nil for the memory store.
type backend struct {
	name    string
	open    func(t *testing.T) Backend
	replica func(t *testing.T) Backend
}

// postgresDSN is a throwaway PostgreSQL database the tests may wipe, from
// PANTRY_TEST_POSTGRES (e.g. postgres://pantry@127.0.0.1:55432/pantry_test).
// .ci/run starts one; in CI its absence fails the tests instead of skipping.
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("PANTRY_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PANTRY_TEST_POSTGRES is not set: CI must run the store suite against PostgreSQL")
		}
		t.Skip("needs PANTRY_TEST_POSTGRES=postgres://… (a throwaway database) for the PostgreSQL store")
	}
	return dsn
}

func openDB(t *testing.T, dsn string) Backend {
	t.Helper()
	db, err := OpenDB(dsn, WithClock(fakeClock()))
	if err != nil {
		t.Fatalf("OpenDB: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func backends() []backend {
	var sqlitePath string
	var pgDSN string
	return []backend{
		{name: "memory", open: func(t *testing.T) Backend { return New(WithClock(fakeClock())) }},
		{
			name: "sqlite",
			open: func(t *testing.T) Backend {
				sqlitePath = "sqlite:" + filepath.Join(t.TempDir(), "pantry.db")
				return openDB(t, sqlitePath)
			},
			replica: func(t *testing.T) Backend { return openDB(t, sqlitePath) },
		},
		{
			name: "postgres",
			open: func(t *testing.T) Backend {
				pgDSN = postgresDSN(t)
				wipePostgres(t, pgDSN)
				return openDB(t, pgDSN)
			},
			replica: func(t *testing.T) Backend { return openDB(t, pgDSN) },
		},
	}
}

func wipePostgres(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"pantry_meta", "pantry_foods", "pantry_request_ids"} {
		if _, err := db.Exec("DROP TABLE IF EXISTS " + table); err != nil {
			t.Fatalf("wiping %s: %v", table, err)
		}
	}
}

func mustAdd(t *testing.T, b Backend, requestID string, f Food) (Food, Outcome) {
	t.Helper()
	got, out, err := b.Add(requestID, f)
	if err != nil {
		t.Fatalf("Add(%q): %v", requestID, err)
	}
	return got, out
}

func TestBackends(t *testing.T) {
	rice := Food{Name: "アルファ米", Category: pantryv1.Category_CATEGORY_STAPLE, Quantity: 5, Unit: "pack", BestBefore: "2027-01-01"}
	cases := []struct {
		name string
		run  func(t *testing.T, b Backend)
	}{
		{"add assigns sortable IDs and get returns the food", func(t *testing.T, b Backend) {
			a, _ := mustAdd(t, b, "", rice)
			c, _ := mustAdd(t, b, "", water(2))
			if a.ID != "food-00000001" || c.ID != "food-00000002" {
				t.Fatalf("IDs %s, %s; want food-00000001, food-00000002", a.ID, c.ID)
			}
			got, err := b.Get(a.ID)
			if err != nil || got.Name != rice.Name || got.Quantity != 5 || !got.CreatedAt.Equal(a.CreatedAt) {
				t.Fatalf("Get: %+v, %v; want %+v", got, err, a)
			}
		}},
		{"a repeated request_id stores once and replays with the attempt count", func(t *testing.T, b Backend) {
			first, _ := mustAdd(t, b, "r1", rice)
			again, out := mustAdd(t, b, "r1", rice)
			if again.ID != first.ID || out != (Outcome{Replayed: true, Attempt: 2}) {
				t.Fatalf("replay: %s %+v; want %s {Replayed:true Attempt:2}", again.ID, out, first.ID)
			}
			if foods, _, _ := b.List(Query{Limit: 10}); len(foods) != 1 {
				t.Fatalf("stored %d foods, want 1", len(foods))
			}
		}},
		{"a request_id reused for another food is refused", func(t *testing.T, b Backend) {
			mustAdd(t, b, "r1", rice)
			_, _, err := b.Add("r1", water(1))
			var reused *RequestIDReusedError
			if !errors.As(err, &reused) || reused.Op != "add" {
				t.Fatalf("got %v, want RequestIDReusedError for add", err)
			}
		}},
		{"consume takes stock once per request_id and refuses more than in stock", func(t *testing.T, b Backend) {
			f, _ := mustAdd(t, b, "", rice)
			for range 2 {
				if got, _, err := b.Consume("c1", f.ID, 2); err != nil || got.Quantity != 3 {
					t.Fatalf("Consume: %+v, %v; want quantity 3", got, err)
				}
			}
			_, _, err := b.Consume("c2", f.ID, 4)
			var ise *InsufficientStockError
			if !errors.As(err, &ise) || ise.InStock != 3 {
				t.Fatalf("got %v, want InsufficientStockError with 3 in stock", err)
			}
			_, out, _ := b.Consume("c2", f.ID, 1) // the failed attempt was counted, not applied
			if out != (Outcome{Attempt: 2}) {
				t.Fatalf("outcome after a failed attempt: %+v, want {Attempt:2}", out)
			}
		}},
		{"delete with a request_id replays; without one a second delete is NotFound", func(t *testing.T, b Backend) {
			f, _ := mustAdd(t, b, "", rice)
			if _, err := b.Delete("d1", f.ID); err != nil {
				t.Fatal(err)
			}
			if out, err := b.Delete("d1", f.ID); err != nil || !out.Replayed {
				t.Fatalf("repeat: %+v, %v; want a replay", out, err)
			}
			var nf *NotFoundError
			if _, err := b.Delete("", f.ID); !errors.As(err, &nf) {
				t.Fatalf("got %v, want NotFoundError", err)
			}
			if _, err := b.Get(f.ID); !errors.As(err, &nf) {
				t.Fatalf("Get after delete: %v, want NotFoundError", err)
			}
		}},
		{"update changes fields but not ID or created_at; its error leaves the food", func(t *testing.T, b Backend) {
			f, _ := mustAdd(t, b, "", rice)
			got, err := b.Update(f.ID, func(g *Food) error { g.Location = "棚A"; g.ID = "x"; return nil })
			if err != nil || got.Location != "棚A" || got.ID != f.ID || !got.CreatedAt.Equal(f.CreatedAt) {
				t.Fatalf("Update: %+v, %v", got, err)
			}
			boom := errors.New("boom")
			if _, err := b.Update(f.ID, func(g *Food) error { g.Location = "lost"; return boom }); err != boom {
				t.Fatalf("got %v, want the change's error", err)
			}
			if g, _ := b.Get(f.ID); g.Location != "棚A" {
				t.Fatalf("a failed update changed the food: %q", g.Location)
			}
		}},
		{"list pages in ID order with category and expiry filters", func(t *testing.T, b Backend) {
			for i := range 5 {
				f := rice
				if i%2 == 1 {
					f = water(1)
				}
				mustAdd(t, b, "", f)
			}
			page, more, err := b.List(Query{Limit: 2})
			if err != nil || len(page) != 2 || !more || page[1].ID != "food-00000002" {
				t.Fatalf("first page: %v more=%v err=%v", page, more, err)
			}
			rest, more, _ := b.List(Query{After: page[1].ID, Limit: 10})
			if len(rest) != 3 || more {
				t.Fatalf("rest: %d foods, more=%v; want 3, false", len(rest), more)
			}
			staples, _, _ := b.List(Query{Limit: 10, Category: pantryv1.Category_CATEGORY_STAPLE, ExpiringBefore: "2027-06-01"})
			if len(staples) != 3 {
				t.Fatalf("staples expiring: %d, want 3", len(staples))
			}
		}},
		{"subscribers get changes after the snapshot", func(t *testing.T, b Backend) {
			mustAdd(t, b, "", rice)
			snap, sub, err := b.Subscribe(4, func(Food) bool { return true })
			if err != nil || len(snap) != 1 {
				t.Fatalf("snapshot %d foods, %v", len(snap), err)
			}
			defer sub.Close()
			added, _ := mustAdd(t, b, "", water(1))
			if got := <-sub.Changes(); got.ID != added.ID {
				t.Fatalf("change %s, want %s", got.ID, added.ID)
			}
		}},
	}
	for _, be := range backends() {
		for _, c := range cases {
			t.Run(be.name+"/"+c.name, func(t *testing.T) { c.run(t, be.open(t)) })
		}
	}
}

// TestReplicasShareState runs two handles on one database as two replicas
// would: a retry landing on the other replica is deduplicated, and
// concurrent writes through both keep one order of IDs and stock.
func TestReplicasShareState(t *testing.T) {
	for _, be := range backends() {
		if be.replica == nil {
			continue
		}
		t.Run(be.name, func(t *testing.T) {
			a := be.open(t)
			b := be.replica(t)
			f, _ := mustAdd(t, a, "r1", water(100))
			again, out := mustAdd(t, b, "r1", water(100))
			if again.ID != f.ID || !out.Replayed || out.Attempt != 2 {
				t.Fatalf("retry on the other replica: %s %+v; want a replay of %s", again.ID, out, f.ID)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for i := range 50 {
				for _, r := range []Backend{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						// Both replicas get every request ID: each applies once.
						if _, _, err := r.Consume("c"+string(rune('A'+i%26))+string(rune('a'+i/26)), f.ID, 1); err != nil {
							errs <- err
						}
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("concurrent consume: %v", err)
			}
			if got, _ := a.Get(f.ID); got.Quantity != 50 {
				t.Fatalf("quantity %d after 50 distinct consumes sent twice each, want 50", got.Quantity)
			}
		})
	}
}

func TestOpenDBRefusesUnknownSchemes(t *testing.T) {
	for _, dsn := range []string{"mysql://x", "sqlite:", "/tmp/x.db"} {
		if _, err := OpenDB(dsn); err == nil {
			t.Errorf("OpenDB(%q): got nil error", dsn)
		}
	}
	_, err := OpenDB("postgres://u:secret@127.0.0.1:1/db?connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("OpenDB with a password: %v; want an error without the password", err)
	}
}
