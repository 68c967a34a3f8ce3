package bgp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortUint64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 63, 64, 255, 256, 1000, 70000, 1 << 17} {
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

func TestMergeRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{0, 1, 2, 5, 24, 100} {
		var lists [][]uint64
		want := map[uint64]int{}
		for range k {
			var l []uint64
			for range rng.IntN(300) {
				l = append(l, rng.Uint64N(500))
			}
			slices.Sort(l)
			l = slices.Compact(l)
			for _, x := range l {
				want[x]++
			}
			lists = append(lists, l)
		}
		got := map[uint64]int{}
		last, first := uint64(0), true
		mergeRuns(lists, func(key uint64, n int) {
			if !first && key <= last {
				t.Fatalf("k=%d: key %d after %d", k, key, last)
			}
			first, last = false, key
			got[key] = n
		})
		if len(got) != len(want) {
			t.Fatalf("k=%d: %d keys, want %d", k, len(got), len(want))
		}
		for key, n := range want {
			if got[key] != n {
				t.Fatalf("k=%d: key %d in %d lists, want %d", k, key, got[key], n)
			}
		}
	}
}
