// Package poisson draws Poisson-distributed counts for the history
// generators (scripts/histgen, scripts/rirgen): how many joins, leaves or
// changes happen on a generated day.
package poisson

import (
	"math"
	"math/rand/v2"
)

// Draw returns a count with mean m drawn from r (Knuth's method: fine for
// the small means of a day's changes); 0 for m <= 0.
func Draw(r *rand.Rand, m float64) int {
	if m <= 0 {
		return 0
	}
	n, p, limit := 0, 1.0, math.Exp(-m)
	for {
		p *= r.Float64()
		if p <= limit {
			return n
		}
		n++
	}
}
