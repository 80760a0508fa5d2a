package store

import (
	"slices"
	"sync"
	"time"

	"pantry/server/internal/keycache"
)

// Idempotency keys are remembered for this long, and at most this many per
// method; a retry arriving later is applied again.
const (
	DefaultKeyTTL  = time.Hour
	DefaultMaxKeys = 100_000
)

// Store is the in-memory food stock, optionally journaled to a data file (see
// Open).
type Store struct {
	now func() time.Time

	mu    sync.RWMutex
	foods map[string]Food
	// order holds every ID ever assigned, ascending; IDs of deleted foods stay
	// until compaction and are skipped because foods no longer has them.
	order   []string
	deleted int
	nextID  uint64

	addKeys     *keycache.Cache[replay]
	consumeKeys *keycache.Cache[replay]
	deleteKeys  *keycache.Cache[replay]

	hub *hub

	// journal, when not nil, receives every change before it is applied.
	journal *journal
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from now instead of time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithKeyLimits changes how many idempotency keys are remembered per method
// and for how long.
func WithKeyLimits(max int, ttl time.Duration) Option {
	return func(s *Store) {
		s.addKeys = keycache.New[replay](max, ttl)
		s.consumeKeys = keycache.New[replay](max, ttl)
		s.deleteKeys = keycache.New[replay](max, ttl)
	}
}

// New returns an empty Store.
func New(opts ...Option) *Store {
	s := &Store{
		now:         time.Now,
		foods:       make(map[string]Food),
		addKeys:     keycache.New[replay](DefaultMaxKeys, DefaultKeyTTL),
		consumeKeys: keycache.New[replay](DefaultMaxKeys, DefaultKeyTTL),
		deleteKeys:  keycache.New[replay](DefaultMaxKeys, DefaultKeyTTL),
	}
	s.hub = newHub(&s.mu)
	for _, o := range opts {
		o(s)
	}
	return s
}

// Add stores f under a new ID and returns the stored food. f's ID, CreatedAt
// and UpdatedAt are ignored. With a non-empty requestID, a repeat of an
// earlier successful Add returns the food stored then instead of storing
// another; the same requestID with another food is a *RequestIDReusedError.
// The other error is a failure to write the data file. On an error nothing
// is stored.
func (s *Store) Add(requestID string, f Food) (Food, Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	fp := fingerprint(opAdd, f.Name, int32(f.Category), f.Quantity, f.Unit, f.BestBefore, f.Location)
	r, out, err := s.lookup(s.addKeys, opAdd, requestID, fp, now)
	if err != nil {
		return Food{}, out, err
	}
	if out.Replayed {
		return r.food, out, nil
	}
	f.ID = formatID(s.nextID + 1)
	f.CreatedAt, f.UpdatedAt = now, now
	if err := s.journal.append(record{Op: opAdd, Food: toFileFood(f), RequestID: requestID, Attempt: out.Attempt, Fingerprint: keyFingerprint(requestID, fp)}); err != nil {
		return Food{}, out, err
	}
	s.nextID++
	s.insert(f)
	s.remember(r, fp, f)
	s.publish(f)
	return f, out, nil
}

// insert stores f, whose ID follows every ID assigned before. The caller
// holds s.mu.
func (s *Store) insert(f Food) {
	s.foods[f.ID] = f
	s.order = append(s.order, f.ID)
}

// Get returns the food with the given ID.
func (s *Store) Get(id string) (Food, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.foods[id]
	if !ok {
		return Food{}, &NotFoundError{ID: id}
	}
	return f, nil
}

// Update applies change to a copy of the food with the given ID and stores
// the result, unless change returns an error, which Update returns as is.
// change cannot alter ID or CreatedAt; UpdatedAt is set by the store. A
// failure to write the data file is returned too, and nothing is changed.
func (s *Store) Update(id string, change func(*Food) error) (Food, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.foods[id]
	if !ok {
		return Food{}, &NotFoundError{ID: id}
	}
	f := old
	if err := change(&f); err != nil {
		return Food{}, err
	}
	f.ID, f.CreatedAt, f.UpdatedAt = old.ID, old.CreatedAt, s.now()
	if err := s.journal.append(record{Op: opUpdate, Food: toFileFood(f)}); err != nil {
		return Food{}, err
	}
	s.foods[id] = f
	s.publish(f)
	return f, nil
}

// Consume takes n units of the food with the given ID out of stock. With a
// non-empty requestID, a repeat of an earlier successful Consume returns the
// food as it was returned then and takes nothing; the same requestID with
// another id or n is a *RequestIDReusedError. Besides NotFoundError and
// InsufficientStockError, a failure to write the data file is returned. On an
// error nothing is taken.
func (s *Store) Consume(requestID, id string, n int32) (Food, Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	fp := fingerprint(opConsume, id, n)
	r, out, err := s.lookup(s.consumeKeys, opConsume, requestID, fp, now)
	if err != nil {
		return Food{}, out, err
	}
	if out.Replayed {
		return r.food, out, nil
	}
	f, ok := s.foods[id]
	if !ok {
		return Food{}, out, &NotFoundError{ID: id}
	}
	if n > f.Quantity {
		return Food{}, out, &InsufficientStockError{ID: id, Requested: n, InStock: f.Quantity}
	}
	f.Quantity -= n
	f.UpdatedAt = now
	if err := s.journal.append(record{Op: opConsume, Food: toFileFood(f), RequestID: requestID, Attempt: out.Attempt, Fingerprint: keyFingerprint(requestID, fp)}); err != nil {
		return Food{}, out, err
	}
	s.foods[id] = f
	s.remember(r, fp, f)
	s.publish(f)
	return f, out, nil
}

// Delete removes the food with the given ID. With a non-empty requestID, a
// repeat of an earlier successful Delete succeeds again (the food stays
// deleted) instead of reporting NotFoundError, so that a retry after a lost
// response reports the delete that happened; the same requestID with another
// id is a *RequestIDReusedError. A failure to write the data file is
// returned too. On an error nothing is removed.
func (s *Store) Delete(requestID, id string) (Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	fp := fingerprint(opDelete, id)
	r, out, err := s.lookup(s.deleteKeys, opDelete, requestID, fp, now)
	if err != nil || out.Replayed {
		return out, err
	}
	if _, ok := s.foods[id]; !ok {
		return out, &NotFoundError{ID: id}
	}
	rec := record{Op: opDelete, ID: id, RequestID: requestID, Attempt: out.Attempt, Fingerprint: keyFingerprint(requestID, fp)}
	if requestID != "" {
		rec.At = &now
	}
	if err := s.journal.append(rec); err != nil {
		return out, err
	}
	s.remove(id)
	s.remember(r, fp, Food{ID: id})
	return out, nil
}

// remove deletes the food with the given ID, which the store holds. The
// caller holds s.mu.
func (s *Store) remove(id string) {
	delete(s.foods, id)
	s.deleted++
	if s.deleted > len(s.order)/2 {
		s.order = slices.DeleteFunc(s.order, func(id string) bool {
			_, ok := s.foods[id]
			return !ok
		})
		s.deleted = 0
	}
}

// Len returns how many foods are in stock.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.foods)
}
