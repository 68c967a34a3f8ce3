package live

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		name string
		rnd  float64
		want []time.Duration
	}{
		{"no jitter", 0, []time.Duration{1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond, 8 * time.Second, 8 * time.Second}},
		{"full jitter", 0.999999, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := backoff{base: 2 * time.Second, limit: 10 * time.Second, rnd: func() float64 { return tc.rnd }}
			for i, want := range tc.want {
				if got := b.next(); got.Round(time.Millisecond) != want {
					t.Errorf("attempt %d: delay %v, want %v", i, got, want)
				}
			}
			b.reset()
			if got := b.next(); got.Round(time.Millisecond) != tc.want[0] {
				t.Errorf("after reset: delay %v, want %v", got, tc.want[0])
			}
		})
	}
	// Jittered delays still grow: the smallest of step n+1 exceeds the
	// largest of step n.
	b := backoff{base: time.Second, limit: time.Hour}
	prev := time.Duration(0)
	for i := range 10 {
		d := b.next()
		if d <= prev {
			t.Fatalf("attempt %d: delay %v not above the previous %v", i, d, prev)
		}
		prev = d
	}
}
