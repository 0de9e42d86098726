//go:build race

package wire_test

// raceEnabled: the race detector allocates on its own, so allocation
// counts are checked without it (make test-race runs these tests too).
const raceEnabled = true
