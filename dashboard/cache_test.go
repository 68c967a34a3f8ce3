package dashboard

import (
	"context"
	"errors"
	"testing"
)

// TestCacheBounds: the cache keeps at most size entries and, weighed, at
// most maxBytes (oldest first, the newest always kept); a failed build is
// forgotten and does not count.
func TestCacheBounds(t *testing.T) {
	ctx := context.Background()
	c := newWeighedCache[string](4, 10, func(v string) int { return len(v) })
	put := func(k, v string) {
		t.Helper()
		if got, err := c.get(ctx, k, func(context.Context) (string, error) { return v, nil }); err != nil || got != v {
			t.Fatalf("get(%s) = %q, %v", k, got, err)
		}
	}
	has := func(k string) bool { _, ok := c.peek(k); return ok }
	put("a", "xxxx")
	put("b", "xxxx")
	if !has("a") || !has("b") || c.bytes != 8 {
		t.Fatalf("a and b (8 bytes) should fit 10: bytes %d", c.bytes)
	}
	put("c", "xxxx") // 12 > 10: a goes
	if has("a") || !has("b") || !has("c") || c.bytes != 8 {
		t.Errorf("after c: a %v b %v c %v, %d bytes; want a evicted, 8 bytes", has("a"), has("b"), has("c"), c.bytes)
	}
	put("big", "xxxxxxxxxxxxxxxxxxxx") // heavier than the budget alone: kept, the rest go
	if !has("big") || has("b") || has("c") || len(c.entries) != 1 || c.bytes != 20 {
		t.Errorf("after big: %d entries, %d bytes; want only big", len(c.entries), c.bytes)
	}
	if _, err := c.get(ctx, "bad", func(context.Context) (string, error) { return "", errors.New("boom") }); err == nil {
		t.Fatal("a failed build returned no error")
	}
	// Adding "bad" evicted the over-budget "big"; the failed build is then
	// forgotten too.
	if has("bad") || has("big") || len(c.order) != 0 || len(c.entries) != 0 || c.bytes != 0 {
		t.Errorf("after a failed build: order %v, %d entries, %d bytes; want empty", c.order, len(c.entries), c.bytes)
	}
	n := newCache[int, int](2)
	for i := range 5 {
		n.get(ctx, i, func(context.Context) (int, error) { return i, nil })
	}
	if len(n.entries) != 2 || len(n.order) != 2 {
		t.Errorf("unweighed cache of size 2 holds %d entries (%d keys in order)", len(n.entries), len(n.order))
	}
}
