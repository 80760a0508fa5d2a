package store

import (
	"time"

	"pantry/server/internal/keycache"
)

// Outcome tells how a write carrying a request ID was handled.
type Outcome struct {
	// Replayed is true when the request ID was applied before and the
	// earlier result was returned instead of applying it again.
	Replayed bool
	// Attempt counts the requests seen with this request ID, this one
	// included; 0 when the request had no request ID.
	Attempt int
}

// replay is what the store remembers about one request ID.
type replay struct {
	attempts int
	applied  bool
	food     Food
}

// lookup counts an attempt of requestID and tells whether it was applied
// before. It returns a nil record for an empty requestID. The caller holds
// s.mu.
func (s *Store) lookup(keys *keycache.Cache[replay], requestID string, now time.Time) (*replay, Outcome) {
	if requestID == "" {
		return nil, Outcome{}
	}
	r := keys.GetOrCreate(requestID, now)
	r.attempts++
	return r, Outcome{Replayed: r.applied, Attempt: r.attempts}
}

// remember records the result of the first successful application. The
// caller holds s.mu.
func (s *Store) remember(r *replay, f Food) {
	if r != nil {
		r.applied = true
		r.food = f
	}
}
