package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// RequestIDReusedError reports a request ID that was applied to another
// request (other fields than the request ID) of the same method. Nothing was
// applied; repeating the call cannot succeed.
type RequestIDReusedError struct {
	RequestID string
	// Op is the change the request ID was applied to: "add", "consume" or
	// "delete".
	Op string
}

func (e *RequestIDReusedError) Error() string {
	return fmt.Sprintf("request_id %q was already used for a different %s request; a request_id may only be repeated with the same request", e.RequestID, e.Op)
}

// replay is what the store remembers about one request ID.
type replay struct {
	attempts int
	applied  bool
	// fingerprint identifies the request that was applied (see fingerprint);
	// empty when unknown (data files written before fingerprints), which
	// matches any request.
	fingerprint string
	food        Food
}

// fingerprint identifies a request by everything but its request ID: the
// change and its inputs. Two requests with the same fingerprint would make
// the same change.
func fingerprint(op string, inputs ...any) string {
	b, err := json.Marshal(append([]any{op}, inputs...))
	if err != nil {
		panic(fmt.Sprintf("store: fingerprint of %s: %v", op, err)) // inputs are strings and numbers
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// lookup counts an attempt of requestID and tells whether it was applied
// before. A request ID applied before to a request with another fingerprint
// is a *RequestIDReusedError, and not counted as an attempt. It returns a nil
// record for an empty requestID. The caller holds s.mu.
func (s *Store) lookup(keys *keycache.Cache[replay], op, requestID, fp string, now time.Time) (*replay, Outcome, error) {
	if requestID == "" {
		return nil, Outcome{}, nil
	}
	r := keys.GetOrCreate(requestID, now)
	if r.applied && r.fingerprint != "" && r.fingerprint != fp {
		return nil, Outcome{}, &RequestIDReusedError{RequestID: requestID, Op: op}
	}
	r.attempts++
	return r, Outcome{Replayed: r.applied, Attempt: r.attempts}, nil
}

// remember records the result of the first successful application of the
// request with fingerprint fp. The caller holds s.mu.
func (s *Store) remember(r *replay, fp string, f Food) {
	if r != nil {
		r.applied = true
		r.fingerprint = fp
		r.food = f
	}
}
