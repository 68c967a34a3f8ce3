package sqlstore

import (
	"math"
	"math/rand/v2"
	"testing"
)

// node is the node of [from, to) in migration 0007's expression.
func node(from, to int64) int64 {
	for k := 62; k >= 0; k-- {
		if p := (to - 1) >> k << k; p >= from {
			return p
		}
	}
	return from
}

// TestNodesAt checks that every interval containing t sits at one of the
// nodes nodesAt lists, in the half whose range condition finds it: at or
// below t in the first, above t in the second.
func TestNodesAt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(from, to, at int64) {
		t.Helper()
		if !(from <= at && at < to) {
			return
		}
		p := node(from, to)
		if p < from || p >= to {
			t.Fatalf("node(%d, %d) = %d, outside the interval", from, to, p)
		}
		nodes := nodesAt(at)
		n := len(nodes) / 2
		found := false
		for i, v := range nodes {
			if v.(int64) == p {
				if (i < n) != (p <= at) {
					t.Fatalf("node %d of [%d, %d) at t=%d in the wrong half", p, from, to, at)
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("[%d, %d) contains %d but its node %d is not in nodesAt", from, to, at, p)
		}
	}
	edges := []int64{math.MinInt64, -1 << 62, -1, 0, 1, 1 << 62, math.MaxInt64 - 2, math.MaxInt64 - 1, math.MaxInt64}
	for _, a := range edges {
		for _, b := range edges {
			for _, c := range edges {
				check(a, b, c)
			}
		}
	}
	for range 50000 {
		// Unix times of the last decades, and open versions.
		from := 1_200_000_000 + r.Int64N(600_000_000)
		to := from + 1 + r.Int64N(1<<uint(r.IntN(31)))
		if r.IntN(4) == 0 {
			to = Open
		}
		at := from + r.Int64N(min(to-from, 1<<40))
		check(from, to, at)
		check(r.Int64(), math.MaxInt64, math.MaxInt64-1)
		x, y := r.Int64()>>1-1<<61, r.Int64()>>1-1<<61
		if x > y {
			x, y = y, x
		}
		if x < y {
			check(x, y, x+r.Int64N(y-x))
		}
	}
}
