//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockWait is how long Open waits for another holder of the data file to let
// go of it. A process killed with SIGKILL releases its lock as soon as the
// kernel has finished it off, a moment after the signal, so a restart right
// after the kill need not fail.
var lockWait = 3 * time.Second

// lockFile takes an exclusive flock on f, which lasts until f is closed or
// the process ends.
func lockFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(lockWait)
	for {
		var lerr error
		if err := rc.Control(func(fd uintptr) {
			lerr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
		}); err != nil {
			return err
		}
		switch {
		case lerr == nil:
			return nil
		case !errors.Is(lerr, syscall.EWOULDBLOCK):
			return fmt.Errorf("locking: %w", lerr)
		case time.Now().After(deadline):
			return errInUse
		}
		time.Sleep(10 * time.Millisecond)
	}
}
