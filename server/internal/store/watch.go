package store

import (
	"errors"
	"sync/atomic"
)

// ErrLagged ends a subscription whose reader fell so far behind that its
// buffer filled up.
var ErrLagged = errors.New("watcher fell behind")

// Subscription receives every food added or changed after it was made, in
// the order the changes were applied. Deletions are not sent.
type Subscription struct {
	store  *Store
	c      chan Food
	lagged atomic.Bool
}

// Subscribe returns the foods for which match is true, in no particular
// order, and a subscription to the changes applied after that snapshot. The
// subscription buffers up to buffer changes; if its reader falls further
// behind, it is closed and Err returns ErrLagged. Close it when done.
func (s *Store) Subscribe(buffer int, match func(Food) bool) ([]Food, *Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &Subscription{store: s, c: make(chan Food, buffer)}
	s.watchers[sub] = struct{}{}
	return s.snapshot(match), sub
}

// Snapshot returns the foods for which match is true, in no particular order.
func (s *Store) Snapshot(match func(Food) bool) []Food {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.snapshot(match)
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
func (s *Store) Subscribers() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.watchers)
}

// publish sends f to every subscriber without blocking. The caller holds s.mu
// for writing.
func (s *Store) publish(f Food) {
	for sub := range s.watchers {
		select {
		case sub.c <- f:
		default:
			sub.lagged.Store(true)
			delete(s.watchers, sub)
			close(sub.c)
		}
	}
}

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
	s := sub.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watchers[sub]; ok {
		delete(s.watchers, sub)
		close(sub.c)
	}
}
