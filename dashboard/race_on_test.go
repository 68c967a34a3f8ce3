//go:build race

package dashboard_test

// raceSlowdown stretches time limits under the race detector, which makes
// code several times slower.
const raceSlowdown = 5
