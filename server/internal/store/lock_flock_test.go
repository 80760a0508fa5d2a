//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestDataFileLock(t *testing.T) {
	defer func(d time.Duration) { lockWait = d }(lockWait)
	lockWait = 50 * time.Millisecond
	path := filepath.Join(t.TempDir(), "pantry.jsonl")
	first, _ := open(t, path)
	t.Run("a second Open of a data file in use fails after waiting", func(t *testing.T) {
		start := time.Now()
		if _, _, err := Open(path); !errors.Is(err, errInUse) {
			t.Fatalf("err: got %v, want %v", err, errInUse)
		}
		if waited := time.Since(start); waited < lockWait {
			t.Fatalf("gave up after: got %v, want at least %v", waited, lockWait)
		}
	})
	t.Run("a holder that lets go while Open waits is waited for", func(t *testing.T) {
		lockWait = 5 * time.Second
		time.AfterFunc(20*time.Millisecond, func() { first.Close() })
		s, _, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
}
