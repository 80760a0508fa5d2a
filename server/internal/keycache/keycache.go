// Package keycache is a bounded map from string keys to values that forgets
// its oldest keys first: once it holds more than a maximum number of keys, or
// once a key is older than a time to live.
//
// A Cache is not safe for concurrent use; callers guard it with their own lock
// so that a look-up and the change that follows happen atomically.
package keycache

import "time"

// Cache remembers at most Max keys, each for at most TTL after it was first
// stored.
type Cache[V any] struct {
	max   int
	ttl   time.Duration
	items map[string]*V
	// order lists the keys in insertion order from head; insertion times only
	// grow, so the oldest keys are always at the front.
	order []stamp
	head  int
}

type stamp struct {
	key string
	at  time.Time
}

// New returns a Cache that keeps at most max keys (max > 0) for at most ttl
// (ttl > 0) each.
func New[V any](max int, ttl time.Duration) *Cache[V] {
	if max <= 0 || ttl <= 0 {
		panic("keycache: max and ttl must be positive")
	}
	return &Cache[V]{max: max, ttl: ttl, items: make(map[string]*V)}
}

// Get returns the value stored for key, or nil when the key is unknown or was
// forgotten. The returned value may be changed in place.
func (c *Cache[V]) Get(key string, now time.Time) *V {
	c.expire(now)
	return c.items[key]
}

// GetOrCreate returns the value stored for key, storing a zero value first
// when there is none.
func (c *Cache[V]) GetOrCreate(key string, now time.Time) *V {
	c.expire(now)
	if v, ok := c.items[key]; ok {
		return v
	}
	v := new(V)
	c.items[key] = v
	c.order = append(c.order, stamp{key: key, at: now})
	c.trim()
	return v
}

// TTL returns how long a key is remembered.
func (c *Cache[V]) TTL() time.Duration { return c.ttl }

// Len returns how many keys the cache holds.
func (c *Cache[V]) Len() int { return len(c.items) }

// expire forgets the keys older than the time to live.
func (c *Cache[V]) expire(now time.Time) {
	for c.head < len(c.order) && now.Sub(c.order[c.head].at) >= c.ttl {
		c.popFront()
	}
	c.compact()
}

// trim forgets the oldest keys beyond the maximum.
func (c *Cache[V]) trim() {
	for len(c.items) > c.max {
		c.popFront()
	}
	c.compact()
}

func (c *Cache[V]) popFront() {
	delete(c.items, c.order[c.head].key)
	c.order[c.head] = stamp{}
	c.head++
}

// compact drops the consumed front of order once it is the larger half, so
// the slice does not grow without bound.
func (c *Cache[V]) compact() {
	if c.head > 0 && c.head >= len(c.order)/2 {
		n := copy(c.order, c.order[c.head:])
		clear(c.order[n:])
		c.order = c.order[:n]
		c.head = 0
	}
}
