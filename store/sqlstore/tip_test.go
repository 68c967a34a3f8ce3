package sqlstore

import (
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

func tipOf(snapID int64, n int) *tipState {
	e := &tipState{snapID: snapID, at: 100, digest: "d", kinds: kindsString([]ixp.Kind{ixp.KindConnection}),
		counts: map[ixp.Kind]int{ixp.KindConnection: n}, state: make(map[objKey]rowState, n)}
	for i := range n {
		e.state[objKey{ixp.KindConnection, int64(i)}] = rowState{from: 100, to: Open, hash: int64(i)}
	}
	return e
}

// TestTipCacheTake: the cached state is given only for the snapshot it
// describes, and taking it (given or not) removes it.
func TestTipCacheTake(t *testing.T) {
	kinds := []ixp.Kind{ixp.KindConnection}
	prev := &snapRow{id: 7, at: 100, digest: "d", counts: map[string]int{"netixlan": 3}}
	for _, tc := range []struct {
		name  string
		prev  snapRow
		kinds []ixp.Kind
		want  bool
	}{
		{"the same snapshot", *prev, kinds, true},
		{"another id", snapRow{id: 8, at: 100, digest: "d", counts: prev.counts}, kinds, false},
		{"another time", snapRow{id: 7, at: 101, digest: "d", counts: prev.counts}, kinds, false},
		{"another digest", snapRow{id: 7, at: 100, digest: "e", counts: prev.counts}, kinds, false},
		{"other counts", snapRow{id: 7, at: 100, digest: "d", counts: map[string]int{"netixlan": 4}}, kinds, false},
		{"other kinds", *prev, []ixp.Kind{ixp.KindConnection, ixp.KindExchange}, false},
	} {
		var c tipCache
		c.put(1, tipOf(7, 3))
		got := c.take(1, &tc.prev, tc.kinds)
		if (got != nil) != tc.want {
			t.Errorf("%s: take gave %v, want a state: %v", tc.name, got != nil, tc.want)
		}
		if again := c.take(1, prev, kinds); again != nil || c.size != 0 || len(c.order) != 0 {
			t.Errorf("%s: the entry is still there after a take (size %d)", tc.name, c.size)
		}
	}
}

// TestTipCacheBounded: the cache keeps at most its limit of objects,
// pushing the oldest entries out, and keeps no state larger than that.
func TestTipCacheBounded(t *testing.T) {
	c := tipCache{limit: 30}
	third := c.limit / 3
	for src := int64(1); src <= 3; src++ {
		c.put(src, tipOf(src, third))
	}
	c.put(4, tipOf(4, third)) // pushes source 1 out
	if _, ok := c.m[1]; ok || len(c.m) != 3 || c.size != 3*third {
		t.Errorf("after a fourth entry: sources %v, size %d; want 2, 3 and 4, %d", c.order, c.size, 3*third)
	}
	c.put(3, tipOf(3, 10)) // replacing an entry frees its objects
	if c.size != 2*third+10 || len(c.order) != 3 || c.order[2] != 3 {
		t.Errorf("after replacing source 3: order %v, size %d", c.order, c.size)
	}
	c.put(5, tipOf(5, c.limit+1))
	if _, ok := c.m[5]; ok || c.size != 2*third+10 {
		t.Errorf("a state over the bound was kept (size %d)", c.size)
	}
	c.dropAll()
	if len(c.m) != 0 || c.size != 0 || len(c.order) != 0 {
		t.Errorf("dropAll left %d entries, size %d", len(c.m), c.size)
	}
}
