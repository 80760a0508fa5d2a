//go:build race

package main

// raceEnabled tells that the tests were built with -race, so that the binary
// they build reuses the same compiled packages.
const raceEnabled = true
