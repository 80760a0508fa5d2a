package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver (pure Go: static builds stay)

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// DB keeps the food stock in a database that several server processes
// (replicas) share: SQLite (one file on one host, WAL mode) or PostgreSQL
// (replicas on many hosts). IDs, foods and request IDs with their
// fingerprints and replies all live in the database, so a retry that lands on
// another replica is answered like one on the same replica. Every write is one
// transaction, serialized across replicas (SQLite: BEGIN IMMEDIATE;
// PostgreSQL: a row lock on the ID counter), and acknowledged only after its
// commit, so a replica killed at any point loses nothing it acknowledged.
//
// Watch subscriptions see the changes made through this process only.
// Request IDs are forgotten after the key TTL (WithKeyLimits); their number is
// not capped.
//
//	db, err := store.OpenDB("sqlite:/var/lib/pantry/pantry.db")
//	db, err := store.OpenDB("postgres://pantry@db:5432/pantry?sslmode=verify-full")
type DB struct {
	db      *sql.DB
	dialect dialect
	now     func() time.Time
	ttl     time.Duration
	writes  atomic.Uint64

	mu  sync.RWMutex // guards hub only
	hub *hub
}

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// OpenDB opens (and creates the tables of) the database named by dsn:
// "sqlite:PATH" for a SQLite file, created if missing, or a "postgres://" or
// "postgresql://" URL (pgx syntax). Of opts, WithClock and WithKeyLimits's
// TTL apply.
func OpenDB(dsn string, opts ...Option) (*DB, error) {
	cfg := New(opts...) // the options are defined on Store; read them from one
	d := &DB{now: cfg.now, ttl: cfg.addKeys.TTL()}
	d.hub = newHub(&d.mu)
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New(`database "sqlite:" needs a file path, e.g. sqlite:/var/lib/pantry/pantry.db`)
		}
		// busy_timeout: replicas wait for each other's writes instead of
		// failing; WAL: readers never wait for a writer; synchronous NORMAL:
		// a commit survives a killed process (not a power loss);
		// _txlock=immediate: a write transaction takes the write lock at
		// BEGIN, so two replicas never deadlock upgrading a read lock.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(ON)")
		q.Set("_txlock", "immediate")
		d.dialect = sqlite
		d.db, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.dialect = postgres
		d.db, err = sql.Open("pgx", dsn)
	default:
		return nil, fmt.Errorf("database %q: want sqlite:PATH or a postgres:// URL", redactDSN(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", redactDSN(dsn), err)
	}
	if err := d.createTables(); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("database %s: %w", redactDSN(dsn), err)
	}
	return d, nil
}

// redactDSN drops a password from a URL, so that errors and logs never show it.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

// Kind is "sqlite" or "postgres".
func (d *DB) Kind() string {
	if d.dialect == postgres {
		return "postgres"
	}
	return "sqlite"
}

var schema = []string{
	`CREATE TABLE IF NOT EXISTS pantry_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
	`INSERT INTO pantry_meta (name, value) VALUES ('next_id', 0) ON CONFLICT (name) DO NOTHING`,
	`CREATE TABLE IF NOT EXISTS pantry_foods (
		id TEXT PRIMARY KEY, name TEXT NOT NULL, category INTEGER NOT NULL, quantity INTEGER NOT NULL,
		unit TEXT NOT NULL, best_before TEXT NOT NULL, location TEXT NOT NULL,
		created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
	// One row per request ID of AddFood, ConsumeFood and DeleteFood: the
	// attempts seen, whether it was applied, the fingerprint of the request
	// applied and its reply (a food as JSON), from the time of its first
	// attempt.
	`CREATE TABLE IF NOT EXISTS pantry_request_ids (
		op TEXT NOT NULL, request_id TEXT NOT NULL, attempts INTEGER NOT NULL, applied INTEGER NOT NULL,
		fingerprint TEXT NOT NULL, reply TEXT NOT NULL, at BIGINT NOT NULL,
		PRIMARY KEY (op, request_id))`,
	`CREATE INDEX IF NOT EXISTS pantry_request_ids_at ON pantry_request_ids (at)`,
}

func (d *DB) createTables() error {
	return d.write("creating tables", func(tx *sql.Tx) error {
		if d.dialect == postgres {
			// Replicas starting together: one creates, the others wait.
			if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(7262796)`); err != nil {
				return err
			}
		}
		for _, stmt := range schema {
			if _, err := tx.Exec(stmt); err != nil {
				return err
			}
		}
		return nil
	}, false)
}

// q rewrites the ? placeholders of query for PostgreSQL ($1, $2, …).
func (d *DB) q(query string) string {
	if d.dialect != postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// write runs fn in a write transaction, serialized with every other write of
// every replica, and commits it. A *NotFoundError, *InsufficientStockError or
// *RequestIDReusedError from fn is returned after the commit (what fn wrote,
// such as a counted attempt, stays); other errors roll back and come back as
// *UnavailableError.
func (d *DB) write(op string, fn func(tx *sql.Tx) error, lock bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return &UnavailableError{Op: op, Err: err}
	}
	defer tx.Rollback()
	if lock && d.dialect == postgres {
		// Every write locks the counter row first: writes of all replicas
		// apply one at a time, as in the memory store.
		if _, err := tx.Exec(`SELECT value FROM pantry_meta WHERE name = 'next_id' FOR UPDATE`); err != nil {
			return &UnavailableError{Op: op, Err: err}
		}
	}
	ferr := fn(tx)
	if ferr != nil && !isDomainError(ferr) {
		return &UnavailableError{Op: op, Err: ferr}
	}
	if err := tx.Commit(); err != nil {
		return &UnavailableError{Op: op, Err: err}
	}
	return ferr
}

func isDomainError(err error) bool {
	var nf *NotFoundError
	var ise *InsufficientStockError
	var reused *RequestIDReusedError
	return errors.As(err, &nf) || errors.As(err, &ise) || errors.As(err, &reused)
}

const foodColumns = `id, name, category, quantity, unit, best_before, location, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanFood(row scanner) (Food, error) {
	var f Food
	var category int32
	var created, updated int64
	err := row.Scan(&f.ID, &f.Name, &category, &f.Quantity, &f.Unit, &f.BestBefore, &f.Location, &created, &updated)
	f.Category = pantryv1.Category(category)
	f.CreatedAt, f.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return f, err
}

func (d *DB) getFood(tx *sql.Tx, id string) (Food, error) {
	f, err := scanFood(tx.QueryRow(d.q(`SELECT `+foodColumns+` FROM pantry_foods WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Food{}, &NotFoundError{ID: id}
	}
	return f, err
}

func (d *DB) putFood(tx *sql.Tx, f Food, insert bool) error {
	args := []any{f.Name, int32(f.Category), f.Quantity, f.Unit, f.BestBefore, f.Location,
		f.CreatedAt.UnixNano(), f.UpdatedAt.UnixNano(), f.ID}
	query := `UPDATE pantry_foods SET name = ?, category = ?, quantity = ?, unit = ?, best_before = ?, location = ?,
		created_at = ?, updated_at = ? WHERE id = ?`
	if insert {
		query = `INSERT INTO pantry_foods (name, category, quantity, unit, best_before, location, created_at, updated_at, id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	}
	_, err := tx.Exec(d.q(query), args...)
	return err
}

// key is a request ID's row as read in a write transaction.
type key struct {
	exists  bool
	applied bool
	fp      string
	reply   Food
	attempt int
}

// lookup counts an attempt of requestID in tx, as Store.lookup does: a
// request ID applied before to another fingerprint is a
// *RequestIDReusedError and not counted; one older than the TTL counts as
// new.
func (d *DB) lookup(tx *sql.Tx, op, requestID, fp string, now time.Time) (key, Outcome, error) {
	if requestID == "" {
		return key{}, Outcome{}, nil
	}
	var k key
	var applied int
	var reply string
	var at int64
	err := tx.QueryRow(d.q(`SELECT attempts, applied, fingerprint, reply, at FROM pantry_request_ids WHERE op = ? AND request_id = ?`),
		op, requestID).Scan(&k.attempt, &applied, &k.fp, &reply, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return k, Outcome{}, err
	case now.Sub(time.Unix(0, at)) >= d.ttl: // forgotten: counts as new
		if _, err := tx.Exec(d.q(`DELETE FROM pantry_request_ids WHERE op = ? AND request_id = ?`), op, requestID); err != nil {
			return k, Outcome{}, err
		}
	default:
		k.exists, k.applied = true, applied != 0
		if k.applied {
			var ff fileFood
			if err := json.Unmarshal([]byte(reply), &ff); err != nil {
				return k, Outcome{}, fmt.Errorf("request_id %q: stored reply: %w", requestID, err)
			}
			k.reply = ff.food()
		}
	}
	if k.applied && k.fp != "" && k.fp != fp {
		return k, Outcome{}, &RequestIDReusedError{RequestID: requestID, Op: op}
	}
	k.attempt++
	if k.exists {
		_, err = tx.Exec(d.q(`UPDATE pantry_request_ids SET attempts = ? WHERE op = ? AND request_id = ?`), k.attempt, op, requestID)
	} else {
		_, err = tx.Exec(d.q(`INSERT INTO pantry_request_ids (op, request_id, attempts, applied, fingerprint, reply, at)
			VALUES (?, ?, ?, 0, '', '', ?)`), op, requestID, k.attempt, now.UnixNano())
	}
	return k, Outcome{Replayed: k.applied, Attempt: k.attempt}, err
}

// remember records the first successful application of requestID.
func (d *DB) remember(tx *sql.Tx, op, requestID, fp string, f Food) error {
	if requestID == "" {
		return nil
	}
	reply, err := json.Marshal(toFileFood(f))
	if err != nil {
		return err
	}
	_, err = tx.Exec(d.q(`UPDATE pantry_request_ids SET applied = 1, fingerprint = ?, reply = ? WHERE op = ? AND request_id = ?`),
		fp, string(reply), op, requestID)
	return err
}

// prune forgets expired request IDs now and then (every 256 writes).
func (d *DB) prune(tx *sql.Tx, now time.Time) error {
	if d.writes.Add(1)%256 != 0 {
		return nil
	}
	_, err := tx.Exec(d.q(`DELETE FROM pantry_request_ids WHERE at < ?`), now.Add(-d.ttl).UnixNano())
	return err
}

// Add stores f under a new ID, as Store.Add does.
func (d *DB) Add(requestID string, f Food) (Food, Outcome, error) {
	var out Outcome
	err := d.write("add", func(tx *sql.Tx) error {
		now := d.now()
		fp := fingerprint(opAdd, f.Name, int32(f.Category), f.Quantity, f.Unit, f.BestBefore, f.Location)
		k, o, err := d.lookup(tx, opAdd, requestID, fp, now)
		out = o
		if err != nil {
			return err
		}
		if o.Replayed {
			f = k.reply
			return nil
		}
		var next int64
		if err := tx.QueryRow(`SELECT value FROM pantry_meta WHERE name = 'next_id'`).Scan(&next); err != nil {
			return err
		}
		next++
		if _, err := tx.Exec(d.q(`UPDATE pantry_meta SET value = ? WHERE name = 'next_id'`), next); err != nil {
			return err
		}
		f.ID = formatID(uint64(next))
		f.CreatedAt, f.UpdatedAt = now, now
		if err := d.putFood(tx, f, true); err != nil {
			return err
		}
		if err := d.remember(tx, opAdd, requestID, fp, f); err != nil {
			return err
		}
		return d.prune(tx, now)
	}, true)
	if err != nil {
		return Food{}, out, err
	}
	if !out.Replayed {
		d.publish(f)
	}
	return f, out, nil
}

// Get returns the food with the given ID.
func (d *DB) Get(id string) (Food, error) {
	f, err := scanFood(d.db.QueryRow(d.q(`SELECT `+foodColumns+` FROM pantry_foods WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Food{}, &NotFoundError{ID: id}
	}
	if err != nil {
		return Food{}, &UnavailableError{Op: "get", Err: err}
	}
	return f, nil
}

// Update applies change to the food with the given ID, as Store.Update does.
// An error from change is returned as is and nothing is changed.
func (d *DB) Update(id string, change func(*Food) error) (Food, error) {
	var f Food
	var changeErr error
	err := d.write("update", func(tx *sql.Tx) error {
		old, err := d.getFood(tx, id)
		if err != nil {
			return err
		}
		f = old
		if changeErr = change(&f); changeErr != nil {
			return nil
		}
		f.ID, f.CreatedAt, f.UpdatedAt = old.ID, old.CreatedAt, d.now()
		return d.putFood(tx, f, false)
	}, true)
	if err == nil && changeErr != nil {
		return Food{}, changeErr
	}
	if err != nil {
		return Food{}, err
	}
	d.publish(f)
	return f, nil
}

// Consume takes n units of the food with the given ID, as Store.Consume does.
func (d *DB) Consume(requestID, id string, n int32) (Food, Outcome, error) {
	var out Outcome
	var f Food
	err := d.write("consume", func(tx *sql.Tx) error {
		now := d.now()
		fp := fingerprint(opConsume, id, n)
		k, o, err := d.lookup(tx, opConsume, requestID, fp, now)
		out = o
		if err != nil {
			return err
		}
		if o.Replayed {
			f = k.reply
			return nil
		}
		if f, err = d.getFood(tx, id); err != nil {
			return err
		}
		if n > f.Quantity {
			return &InsufficientStockError{ID: id, Requested: n, InStock: f.Quantity}
		}
		f.Quantity -= n
		f.UpdatedAt = now
		if err := d.putFood(tx, f, false); err != nil {
			return err
		}
		if err := d.remember(tx, opConsume, requestID, fp, f); err != nil {
			return err
		}
		return d.prune(tx, now)
	}, true)
	if err != nil {
		return Food{}, out, err
	}
	if !out.Replayed {
		d.publish(f)
	}
	return f, out, nil
}

// Delete removes the food with the given ID, as Store.Delete does.
func (d *DB) Delete(requestID, id string) (Outcome, error) {
	var out Outcome
	err := d.write("delete", func(tx *sql.Tx) error {
		now := d.now()
		fp := fingerprint(opDelete, id)
		_, o, err := d.lookup(tx, opDelete, requestID, fp, now)
		out = o
		if err != nil || o.Replayed {
			return err
		}
		res, err := tx.Exec(d.q(`DELETE FROM pantry_foods WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmpErr(err, &NotFoundError{ID: id})
		}
		if err := d.remember(tx, opDelete, requestID, fp, Food{ID: id}); err != nil {
			return err
		}
		return d.prune(tx, now)
	}, true)
	return out, err
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// List returns up to q.Limit foods matching q in ID order, and whether more
// matching foods follow them.
func (d *DB) List(q Query) ([]Food, bool, error) {
	query := `SELECT ` + foodColumns + ` FROM pantry_foods WHERE id > ?`
	args := []any{q.After}
	if q.Category != pantryv1.Category_CATEGORY_UNSPECIFIED {
		query += ` AND category = ?`
		args = append(args, int32(q.Category))
	}
	if q.ExpiringBefore != "" {
		query += ` AND best_before <> '' AND best_before < ?`
		args = append(args, q.ExpiringBefore)
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, q.Limit+1)
	foods, err := d.query("list", query, args...)
	if err != nil {
		return nil, false, err
	}
	if len(foods) > q.Limit {
		return foods[:q.Limit], true, nil
	}
	return foods, false, nil
}

func (d *DB) query(op, query string, args ...any) ([]Food, error) {
	rows, err := d.db.Query(d.q(query), args...)
	if err != nil {
		return nil, &UnavailableError{Op: op, Err: err}
	}
	defer rows.Close()
	var foods []Food
	for rows.Next() {
		f, err := scanFood(rows)
		if err != nil {
			return nil, &UnavailableError{Op: op, Err: err}
		}
		foods = append(foods, f)
	}
	if err := rows.Err(); err != nil {
		return nil, &UnavailableError{Op: op, Err: err}
	}
	return foods, nil
}

// Snapshot returns the foods for which match is true.
func (d *DB) Snapshot(match func(Food) bool) ([]Food, error) {
	all, err := d.query("snapshot", `SELECT `+foodColumns+` FROM pantry_foods`)
	if err != nil {
		return nil, err
	}
	foods := all[:0]
	for _, f := range all {
		if match(f) {
			foods = append(foods, f)
		}
	}
	return foods, nil
}

// Subscribe returns Snapshot(match) and a subscription to the changes made
// through this process after it began (a change racing the snapshot may come
// twice).
func (d *DB) Subscribe(buffer int, match func(Food) bool) ([]Food, *Subscription, error) {
	d.mu.Lock()
	sub := d.hub.subscribe(buffer)
	d.mu.Unlock()
	foods, err := d.Snapshot(match)
	if err != nil {
		sub.Close()
		return nil, nil, err
	}
	return foods, sub, nil
}

// Subscribers returns how many subscriptions are open.
func (d *DB) Subscribers() int { return d.hub.count() }

func (d *DB) publish(f Food) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hub.publish(f)
}

// Len returns how many foods are in stock.
func (d *DB) Len() (int, error) {
	var n int
	if err := d.db.QueryRow(`SELECT COUNT(*) FROM pantry_foods`).Scan(&n); err != nil {
		return 0, &UnavailableError{Op: "count", Err: err}
	}
	return n, nil
}

// Close closes the database; later calls fail with *UnavailableError.
func (d *DB) Close() error { return d.db.Close() }
