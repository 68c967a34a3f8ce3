package bgp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortUint64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 255, 256, 1000, 70000} {
		for _, mask := range []uint64{^uint64(0), 0xffff, 0xffff_0000_ffff, 0xff00_0000_0000_0000, 0} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = rng.Uint64() & mask
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			sortUint64(keys, nil)
			if !slices.Equal(keys, want) {
				t.Fatalf("n=%d mask=%x: not sorted like slices.Sort", n, mask)
			}
			if got, want := dedupSorted(keys), slices.Compact(want); !slices.Equal(got, want) {
				t.Fatalf("n=%d mask=%x: dedupSorted differs from slices.Compact", n, mask)
			}
		}
	}
}
