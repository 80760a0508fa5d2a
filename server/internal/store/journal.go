package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/keycache"
)

// The data file of a Store made by Open is a journal: one JSON line per
// change, appended in the order the changes were applied.
//
//	{"op":"add","food":{"id":"food-00000001","name":"乾パン","quantity":2,...},"request_id":"r1","attempt":1,"fingerprint":"9f2c…"}
//	{"op":"update","food":{"id":"food-00000001",...}}
//	{"op":"consume","food":{"id":"food-00000001","quantity":1,...},"request_id":"r2","attempt":1,"fingerprint":"41d0…"}
//	{"op":"delete","id":"food-00000001","request_id":"r3","attempt":1,"fingerprint":"c7e5…","at":"2026-11-29T17:00:00Z"}
//
// add, update and consume carry the whole food as stored after the change;
// add, consume and delete also carry the request ID they were applied under,
// if any, the attempt that applied it and the fingerprint of the request (a
// delete also its time), so that a retry after a restart is answered from the
// same line that made the change, and a different request under the same
// request ID is still refused. Lines without a fingerprint (older files)
// bind their request ID to no particular request. Each line is written
// with a single write(2) under the store's lock before the change is applied
// in memory and acknowledged, so a process killed at any point loses nothing
// it acknowledged. The file is not synced: a power loss or kernel crash may
// lose the latest changes.
const (
	opAdd     = "add"
	opUpdate  = "update"
	opConsume = "consume"
	opDelete  = "delete"
)

// record is one line of the data file.
type record struct {
	Op string `json:"op"`
	// ID names the food of a delete.
	ID        string    `json:"id,omitempty"`
	Food      *fileFood `json:"food,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Attempt   int       `json:"attempt,omitempty"`
	// Fingerprint identifies the request applied under RequestID.
	Fingerprint string `json:"fingerprint,omitempty"`
	// At is the time of a delete with a request ID, from which its key ages.
	At *time.Time `json:"at,omitempty"`
}

// keyFingerprint is the fingerprint a record keeps: none without a request ID.
func keyFingerprint(requestID, fp string) string {
	if requestID == "" {
		return ""
	}
	return fp
}

// fileFood is a Food as the data file holds it; the category is its number,
// which stays stable when enum names change.
type fileFood struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Category   int32     `json:"category,omitempty"`
	Quantity   int32     `json:"quantity,omitempty"`
	Unit       string    `json:"unit,omitempty"`
	BestBefore string    `json:"best_before,omitempty"`
	Location   string    `json:"location,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toFileFood(f Food) *fileFood {
	return &fileFood{
		ID: f.ID, Name: f.Name, Category: int32(f.Category), Quantity: f.Quantity, Unit: f.Unit,
		BestBefore: f.BestBefore, Location: f.Location, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(),
	}
}

func (ff *fileFood) food() Food {
	return Food{
		ID: ff.ID, Name: ff.Name, Category: pantryv1.Category(ff.Category), Quantity: ff.Quantity, Unit: ff.Unit,
		BestBefore: ff.BestBefore, Location: ff.Location, CreatedAt: ff.CreatedAt, UpdatedAt: ff.UpdatedAt,
	}
}

// WriteError reports a change that could not be written to the data file.
// The change was not applied.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string { return fmt.Sprintf("writing data file %s: %v", e.Path, e.Err) }

func (e *WriteError) Unwrap() error { return e.Err }

// CorruptError reports a line of the data file that Open cannot replay.
type CorruptError struct {
	Path string
	Line int // 1-based
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("data file %s: line %d: %v (only an incomplete last line is skipped)", e.Path, e.Line, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Recovery tells what Open read back from the data file.
type Recovery struct {
	// Records counts the changes replayed.
	Records int
	// TornBytes is the length of an incomplete last line, written by a
	// process killed in the middle of it. That change was never acknowledged;
	// it was skipped and cut off the file.
	TornBytes int64
}

// journal appends records to the data file. Its methods are called with the
// store's lock held, which keeps the lines in the order of the changes. A nil
// journal, as in a store without data file, writes nothing.
type journal struct {
	path string
	f    *os.File
	size int64 // bytes of complete lines, where the next line starts
	buf  bytes.Buffer
	enc  *json.Encoder
	// err, once set, fails every later append: the file is closed, or holds
	// a partial line that could not be cut off.
	err error
}

func newJournal(path string, f *os.File, size int64) *journal {
	j := &journal{path: path, f: f, size: size}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// append writes rec as one line with a single Write.
func (j *journal) append(rec record) error {
	if j == nil {
		return nil
	}
	if j.err != nil {
		return j.err
	}
	j.buf.Reset()
	if err := j.enc.Encode(rec); err != nil { // Encode ends the line with \n
		return &WriteError{Path: j.path, Err: err}
	}
	n, err := j.f.Write(j.buf.Bytes())
	if err != nil {
		if n > 0 {
			// Cut the partial line off, or the next line would continue it
			// and the file would no longer replay.
			if terr := j.f.Truncate(j.size); terr != nil {
				j.err = &WriteError{Path: j.path, Err: fmt.Errorf("%w; the partial line it left could not be cut off: %v", err, terr)}
				return j.err
			}
		}
		return &WriteError{Path: j.path, Err: err}
	}
	j.size += int64(n)
	return nil
}

func (j *journal) close() error {
	if j == nil || j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if j.err == nil {
		j.err = &WriteError{Path: j.path, Err: os.ErrClosed}
	}
	return err
}

// Open returns a Store kept in the data file at path, which is created if
// missing: the changes in the file are replayed (foods, the ID counter, and
// the request IDs of AddFood, ConsumeFood and DeleteFood with their responses
// and fingerprints), and every later change is appended to it before it is
// applied. An incomplete last line is skipped, cut off and reported in Recovery; any other line that
// cannot be replayed fails Open with a *CorruptError naming it.
//
// The file is locked against a second Open (on systems with flock); Open
// waits a moment for a previous holder that was just killed to go away.
// Close the Store to release it.
func Open(path string, opts ...Option) (*Store, Recovery, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, Recovery{}, fmt.Errorf("opening data file: %w", err)
	}
	fail := func(err error) (*Store, Recovery, error) {
		f.Close()
		return nil, Recovery{}, err
	}
	if err := lockFile(f); err != nil {
		return fail(fmt.Errorf("data file %s: %w", path, err))
	}
	s := New(opts...)
	rec, size, err := s.replay(f, path)
	if err != nil {
		return fail(err)
	}
	if rec.TornBytes > 0 {
		if err := f.Truncate(size); err != nil {
			return fail(fmt.Errorf("cutting the incomplete last line off data file %s: %w", path, err))
		}
	}
	s.journal = newJournal(path, f, size)
	return s, rec, nil
}

// Close closes the data file of a store made by Open; later changes fail with
// a *WriteError. It does nothing for a store made by New.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.journal.close()
}

// replay applies the lines of r and returns the length of the complete ones.
func (s *Store) replay(r io.Reader, path string) (Recovery, int64, error) {
	var rec Recovery
	var size int64
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err == io.EOF {
			rec.TornBytes = int64(len(b))
			return rec, size, nil
		}
		if err != nil {
			return rec, size, fmt.Errorf("reading data file %s: %w", path, err)
		}
		if err := s.apply(b); err != nil {
			return rec, size, &CorruptError{Path: path, Line: line, Err: err}
		}
		size += int64(len(b))
		rec.Records++
	}
}

// apply replays one line. Only Open calls it, before the store is shared.
func (s *Store) apply(line []byte) error {
	var r record
	if err := json.Unmarshal(line, &r); err != nil {
		return err
	}
	switch r.Op {
	case opAdd, opUpdate, opConsume:
		if r.Food == nil {
			return fmt.Errorf("%s without food", r.Op)
		}
		f := r.Food.food()
		n, ok := idNumber(f.ID)
		if !ok {
			return fmt.Errorf("%s of invalid id %q", r.Op, f.ID)
		}
		if r.Op == opAdd {
			if n <= s.nextID {
				return fmt.Errorf("add of %s, which does not follow %s", f.ID, formatID(s.nextID))
			}
			s.nextID = n
			s.insert(f)
			replayKey(s.addKeys, r, f, f.UpdatedAt)
			return nil
		}
		if _, ok := s.foods[f.ID]; !ok {
			return fmt.Errorf("%s of %s, which is not stored", r.Op, f.ID)
		}
		s.foods[f.ID] = f
		if r.Op == opConsume {
			replayKey(s.consumeKeys, r, f, f.UpdatedAt)
		}
	case opDelete:
		if _, ok := s.foods[r.ID]; !ok {
			return fmt.Errorf("delete of %q, which is not stored", r.ID)
		}
		s.remove(r.ID)
		if r.At != nil {
			replayKey(s.deleteKeys, r, Food{ID: r.ID}, *r.At)
		}
	default:
		return fmt.Errorf("unknown op %q", r.Op)
	}
	return nil
}

// replayKey remembers the request ID of a replayed add, consume or delete as
// applied, with its fingerprint, from the time of the change. A later line for
// the same key (applied anew after it was forgotten) replaces it.
func replayKey(keys *keycache.Cache[replay], r record, f Food, at time.Time) {
	if r.RequestID == "" {
		return
	}
	*keys.GetOrCreate(r.RequestID, at) = replay{attempts: max(r.Attempt, 1), applied: true, fingerprint: r.Fingerprint, food: f}
}

// idNumber returns the counter of an ID the store assigns.
func idNumber(id string) (uint64, bool) {
	if !ValidID(id) {
		return 0, false
	}
	n, err := strconv.ParseUint(id[len(idPrefix):], 10, 64)
	return n, err == nil
}

// errInUse is returned by lockFile when another process holds the file.
var errInUse = errors.New("in use by another process")
