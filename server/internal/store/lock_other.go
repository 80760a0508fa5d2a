//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "os"

// lockFile does nothing where flock is not available: do not point two
// servers at the same data file there.
func lockFile(*os.File) error { return nil }
