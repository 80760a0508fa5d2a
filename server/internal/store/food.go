// Package store keeps the food stock in memory, and with Open also in an
// append-only data file that survives restarts. A Store is safe for
// concurrent use; every change is applied atomically, so concurrent requests
// see one consistent order of events.
package store

import (
	"fmt"
	"time"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// Food is one stocked item. The store hands out copies: changing a Food
// never changes the stock.
type Food struct {
	ID       string
	Name     string
	Category pantryv1.Category
	Quantity int32
	Unit     string
	// BestBefore is a "YYYY-MM-DD" date or empty; the store compares these as
	// strings, so callers validate them first.
	BestBefore string
	Location   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// idPrefix starts every ID; the counter after it is zero-padded to eight
// digits, so IDs sort in the order they were assigned.
const idPrefix = "food-"

func formatID(n uint64) string { return fmt.Sprintf("%s%08d", idPrefix, n) }

// ValidID reports whether id has the shape of an ID the store assigns.
func ValidID(id string) bool {
	if len(id) < len(idPrefix)+8 || id[:len(idPrefix)] != idPrefix {
		return false
	}
	for _, r := range id[len(idPrefix):] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
