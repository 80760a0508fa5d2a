package store

import (
	"errors"
	"sync"
	"sync/atomic"
)

// ErrLagged ends a subscription whose reader fell so far behind that its
// buffer filled up.
var ErrLagged = errors.New("watcher fell behind")

// Subscription receives every food added or changed after it was made, in
// the order the changes were applied. Deletions are not sent.
type Subscription struct {
	hub    *hub
	c      chan Food
	lagged atomic.Bool
}

// hub holds the open subscriptions of one store. Its lock is the store's own
// (the memory store's, so that a snapshot and a subscription are atomic).
type hub struct {
	mu       *sync.RWMutex
	watchers map[*Subscription]struct{}
}

func newHub(mu *sync.RWMutex) *hub {
	return &hub{mu: mu, watchers: make(map[*Subscription]struct{})}
}

// subscribe adds a subscription; the caller holds h.mu for writing.
func (h *hub) subscribe(buffer int) *Subscription {
	sub := &Subscription{hub: h, c: make(chan Food, buffer)}
	h.watchers[sub] = struct{}{}
	return sub
}

// publish sends f to every subscriber without blocking. The caller holds h.mu
// for writing.
func (h *hub) publish(f Food) {
	for sub := range h.watchers {
		select {
		case sub.c <- f:
		default:
			sub.lagged.Store(true)
			delete(h.watchers, sub)
			close(sub.c)
		}
	}
}

// count returns how many subscriptions are open.
func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.watchers)
}

// Subscribe returns the foods for which match is true, in no particular
// order, and a subscription to the changes applied after that snapshot. The
// subscription buffers up to buffer changes; if its reader falls further
// behind, it is closed and Err returns ErrLagged. Close it when done.
// The error is always nil for a memory store (see Backend).
func (s *Store) Subscribe(buffer int, match func(Food) bool) ([]Food, *Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot(match), s.hub.subscribe(buffer), nil
}

// Snapshot returns the foods for which match is true, in no particular order;
// the error is always nil for a memory store.
func (s *Store) Snapshot(match func(Food) bool) ([]Food, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.snapshot(match), nil
}

func (s *Store) snapshot(match func(Food) bool) []Food {
	var foods []Food
	for _, f := range s.foods {
		if match(f) {
			foods = append(foods, f)
		}
	}
	return foods
}

// Subscribers returns how many subscriptions are open.
func (s *Store) Subscribers() int { return s.hub.count() }

// publish sends f to every subscriber. The caller holds s.mu for writing.
func (s *Store) publish(f Food) { s.hub.publish(f) }

// Changes delivers the changes; it is closed when the subscription ends.
func (sub *Subscription) Changes() <-chan Food { return sub.c }

// Err returns ErrLagged once the subscription was closed because its reader
// fell behind, and nil otherwise.
func (sub *Subscription) Err() error {
	if sub.lagged.Load() {
		return ErrLagged
	}
	return nil
}

// Close ends the subscription; it is safe to call more than once.
func (sub *Subscription) Close() {
	h := sub.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.watchers[sub]; ok {
		delete(h.watchers, sub)
		close(sub.c)
	}
}
