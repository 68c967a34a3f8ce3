// Package fuzzlimit bounds the cost of one fuzz input: a fuzz target wraps
// the work it does on each input in Check, which fails the test when that
// work took longer than MaxDuration of wall time or allocated more than
// MaxAlloc bytes on the heap.
//
// The figures are read around the call: wall time from time.Now and heap
// allocation from the runtime/metrics counter "/gc/heap/allocs:bytes",
// which is process-wide. They are meaningful when one input runs at a time
// in the process, as under `go test -fuzz` with `-parallel 1` (each fuzz
// worker is its own process). Since wall time also counts time the machine
// spent on other processes, an input over a limit is run a second time and
// the test fails only if both runs were over: a slow input is slow every
// time, a busy machine rarely twice in a row.
package fuzzlimit

import (
	"runtime/metrics"
	"testing"
	"time"
)

const (
	// MaxDuration is the wall time one input may take.
	MaxDuration = time.Second
	// MaxAlloc is the number of heap bytes one input may allocate.
	MaxAlloc = 64 << 20
)

const allocsMetric = "/gc/heap/allocs:bytes"

// Cost is what one run of a function cost.
type Cost struct {
	Duration time.Duration
	Alloc    uint64 // bytes allocated on the heap
}

// Over reports whether c exceeds MaxDuration or MaxAlloc.
func (c Cost) Over() bool { return c.Duration > MaxDuration || c.Alloc > MaxAlloc }

// Measure runs fn once and returns its wall time and heap allocation.
func Measure(fn func()) Cost {
	s := []metrics.Sample{{Name: allocsMetric}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	start := time.Now()
	fn()
	d := time.Since(start)
	metrics.Read(s)
	return Cost{Duration: d, Alloc: s[0].Value.Uint64() - before}
}

// Check runs fn and fails t when it took over MaxDuration or allocated over
// MaxAlloc, on two runs in a row. fn must be safe to run twice on the same
// input (fuzz targets are).
func Check(t testing.TB, fn func()) {
	t.Helper()
	first := Measure(fn)
	if !first.Over() {
		return
	}
	second := Measure(fn)
	if !second.Over() {
		t.Logf("fuzzlimit: input over the limit once (%v, %d bytes allocated), within it on a second run (%v, %d bytes)",
			first.Duration, first.Alloc, second.Duration, second.Alloc)
		return
	}
	t.Fatalf("fuzzlimit: input took %v and allocated %d bytes (%.1f MiB), then %v and %d bytes; limits %v and %d MiB",
		first.Duration, first.Alloc, float64(first.Alloc)/(1<<20), second.Duration, second.Alloc, MaxDuration, MaxAlloc>>20)
}
