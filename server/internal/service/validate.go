package service

import (
	"time"
	"unicode/utf8"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

// Limits on the text fields of a food and on request IDs, in characters.
const (
	maxNameLen      = 200
	maxUnitLen      = 50
	maxLocationLen  = 200
	maxRequestIDLen = 200
)

// validateFood adds a violation for each invalid field of f; prefix names the
// food in the request, e.g. "food".
func validateFood(v *violations, prefix string, f store.Food) {
	if n := utf8.RuneCountInString(f.Name); n < 1 || n > maxNameLen {
		v.add(prefix+".name", "must be 1 to %d characters", maxNameLen)
	}
	validateCategory(v, prefix+".category", f.Category)
	if f.Quantity < 0 {
		v.add(prefix+".quantity", "must not be negative")
	}
	if utf8.RuneCountInString(f.Unit) > maxUnitLen {
		v.add(prefix+".unit", "must be at most %d characters", maxUnitLen)
	}
	if f.BestBefore != "" {
		validateDate(v, prefix+".best_before", f.BestBefore)
	}
	if utf8.RuneCountInString(f.Location) > maxLocationLen {
		v.add(prefix+".location", "must be at most %d characters", maxLocationLen)
	}
}

func validateCategory(v *violations, field string, c pantryv1.Category) {
	if _, ok := pantryv1.Category_name[int32(c)]; !ok {
		v.add(field, "%d is not a known category", int32(c))
	}
}

func validateDate(v *violations, field, s string) {
	if _, ok := parseDate(s); !ok {
		v.add(field, "%q is not a YYYY-MM-DD date", s)
	}
}

func validateID(v *violations, field, id string) {
	if id == "" {
		v.add(field, "must not be empty")
	}
}

func validateRequestID(v *violations, id string) {
	if utf8.RuneCountInString(id) > maxRequestIDLen {
		v.add("request_id", "must be at most %d characters", maxRequestIDLen)
	}
}

const dateLayout = "2006-01-02"

// parseDate parses a "YYYY-MM-DD" calendar date as midnight UTC.
func parseDate(s string) (time.Time, bool) {
	if len(s) != len(dateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, s)
	return t, err == nil
}

// epochDay numbers the calendar day of t in UTC, so that the difference of
// two days is exact for any year (time.Duration overflows after 292 years).
func epochDay(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
