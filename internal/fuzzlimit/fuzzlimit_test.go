package fuzzlimit

import (
	"testing"
	"time"
)

var sink []byte

func TestMeasure(t *testing.T) {
	tests := []struct {
		name     string
		fn       func()
		minAlloc uint64
		maxAlloc uint64
		minDur   time.Duration
		over     bool
	}{
		{"nothing", func() {}, 0, 1 << 10, 0, false},
		{"8MiB", func() { sink = make([]byte, 8<<20) }, 8 << 20, 9 << 20, 0, false},
		{"80MiB", func() { sink = make([]byte, 80<<20) }, 80 << 20, 81 << 20, 0, true},
		{"sleep", func() { time.Sleep(1100 * time.Millisecond) }, 0, 1 << 20, 1100 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Measure(tc.fn)
			sink = nil
			if c.Alloc < tc.minAlloc || c.Alloc > tc.maxAlloc {
				t.Errorf("got %d bytes allocated, want %d to %d", c.Alloc, tc.minAlloc, tc.maxAlloc)
			}
			if c.Duration < tc.minDur {
				t.Errorf("got %v, want at least %v", c.Duration, tc.minDur)
			}
			if c.Over() != tc.over {
				t.Errorf("got Over %v for %+v, want %v", c.Over(), c, tc.over)
			}
		})
	}
}

// recorder is a testing.TB that records a failure instead of stopping.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Logf(string, ...any)   {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestCheck(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, func() {})
	if r.failed {
		t.Error("Check failed a cheap function")
	}
	runs := 0
	Check(r, func() { runs++; sink = make([]byte, 70<<20) })
	sink = nil
	if !r.failed || runs != 2 {
		t.Errorf("Check on a 70 MiB function: failed %v after %d runs, want a failure after 2", r.failed, runs)
	}
	r.failed, runs = false, 0
	Check(r, func() {
		runs++
		if runs == 1 {
			sink = make([]byte, 70<<20)
		}
	})
	sink = nil
	if r.failed || runs != 2 {
		t.Errorf("Check on a function over the limit once: failed %v after %d runs, want no failure after 2", r.failed, runs)
	}
}
