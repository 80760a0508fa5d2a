package store

// Backend is what the services need from a store of the food stock. Store
// (memory, optionally journaled to a data file) and DB (SQLite or
// PostgreSQL, shared by replicas) implement it with the same semantics:
// request_id dedupe with fingerprints, NotFoundError, InsufficientStockError
// and RequestIDReusedError. Errors of the database itself are
// *UnavailableError.
//
//	var st store.Backend = store.New()
//	st, err = store.OpenDB("sqlite:/var/lib/pantry/pantry.db")
type Backend interface {
	Add(requestID string, f Food) (Food, Outcome, error)
	Get(id string) (Food, error)
	Update(id string, change func(*Food) error) (Food, error)
	Consume(requestID, id string, n int32) (Food, Outcome, error)
	Delete(requestID, id string) (Outcome, error)
	List(q Query) (foods []Food, more bool, err error)
	// Snapshot returns the foods for which match is true, in no particular
	// order.
	Snapshot(match func(Food) bool) ([]Food, error)
	// Subscribe returns Snapshot(match) and a subscription to the changes
	// made after it (through this process: see DB).
	Subscribe(buffer int, match func(Food) bool) ([]Food, *Subscription, error)
	Subscribers() int
	Close() error
}

var (
	_ Backend = (*Store)(nil)
	_ Backend = (*DB)(nil)
)
