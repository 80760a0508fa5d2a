package store

import "fmt"

// NotFoundError reports an ID the store does not hold.
type NotFoundError struct {
	ID string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("food %q not found", e.ID) }

// InsufficientStockError reports a consumption of more units than in stock.
type InsufficientStockError struct {
	ID        string
	Requested int32
	InStock   int32
}

func (e *InsufficientStockError) Error() string {
	return fmt.Sprintf("quantity: %d requested but only %d in stock", e.Requested, e.InStock)
}

// UnavailableError reports a database that did not answer or failed a
// statement. A write that fails this way may or may not have been applied; a
// retry with the same request ID tells.
type UnavailableError struct {
	Op  string
	Err error
}

func (e *UnavailableError) Error() string { return fmt.Sprintf("database: %s: %v", e.Op, e.Err) }

func (e *UnavailableError) Unwrap() error { return e.Err }
