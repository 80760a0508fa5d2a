package fault

import (
	"sync"
	"time"

	"pantry/server/internal/keycache"
)

// counter counts the requests carrying each pantry-fault-key; keys are
// forgotten after an hour or beyond the 100,000 most recent.
type counter struct {
	mu   sync.Mutex
	seen *keycache.Cache[int]
}

func newCounter() *counter {
	return &counter{seen: keycache.New[int](100_000, time.Hour)}
}

// take counts one more request carrying key and reports whether it is among
// the first times.
func (c *counter) take(key string, times int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.seen.GetOrCreate(key, time.Now())
	*n++
	return *n <= times
}
