package poisson

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDrawMeanAndVariance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range []float64{0.3, 2, 18.6} {
		const n = 200000
		var sum, sq float64
		for range n {
			x := float64(Draw(r, m))
			sum += x
			sq += x * x
		}
		mean := sum / n
		variance := sq/n - mean*mean
		// Both are m for a Poisson law; 5 standard errors of the mean.
		if tol := 5 * math.Sqrt(m/n); math.Abs(mean-m) > tol {
			t.Errorf("mean %g: drew %g", m, mean)
		}
		if math.Abs(variance-m) > 0.05*m {
			t.Errorf("mean %g: variance %g", m, variance)
		}
	}
	if Draw(r, 0) != 0 || Draw(r, -1) != 0 {
		t.Error("a non-positive mean drew a count")
	}
}
