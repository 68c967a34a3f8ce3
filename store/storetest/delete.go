package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// testDeleteSnapshot checks that publishing snapshots then deleting one
// leaves exactly the store where it was never published: every snapshot,
// every version row, every state and every indicator.
func testDeleteSnapshot(t *testing.T, open Opener) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 5))
	const n = 5
	snaps := make([]ixp.SnapshotInput, n)
	for i := range snaps {
		in := ixp.SnapshotInput{Source: "pdb", At: day(10 * i), Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Force: true}
		for id := int64(1); id <= 3; id++ {
			if rng.IntN(4) > 0 {
				in.Records = append(in.Records, exch(id, fmt.Sprintf("IX %d v%d", id, rng.IntN(2))))
			}
		}
		for id := int64(10); id <= 21; id++ {
			if rng.IntN(3) > 0 {
				in.Records = append(in.Records, conn(id, 1+id%3, ixp.ASN(64500+id), int64(1000*(1+rng.IntN(2))), id%2 == 0, false))
			}
		}
		snaps[i] = in
	}
	// The same snapshot content, last as an incremental one.
	last := ixp.SnapshotInput{Source: "pdb", At: day(10 * n), Delta: true, Kinds: []ixp.Kind{ixp.KindConnection},
		Records: []ixp.Record{conn(10, 1, 64510, 400000, true, true), conn(30, 2, 64530, 1000, false, false)},
		Deleted: map[ixp.Kind][]int64{ixp.KindConnection: {11, 12}}}

	for _, tc := range []struct {
		name  string
		order []int // indexes into snaps, n for the delta
		del   int
	}{
		{"the first, published first", []int{0, 1, 2, 3, 4}, 0},
		{"a middle one, published in order", []int{0, 1, 2, 3, 4}, 2},
		{"a middle one, published out of order", rng.Perm(n), 2},
		{"the newest, published as a backfill", []int{4, 0, 1, 3, 2}, 4},
		{"a middle one, then an incremental on top", []int{0, 1, 2, 3, 4, n}, 3},
		{"the newest, incremental", []int{0, 1, 2, 3, 4, n}, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t), open(t)
			input := func(i int) ixp.SnapshotInput {
				if i == n {
					return last
				}
				return snaps[i]
			}
			for _, i := range tc.order {
				mustPublish(t, a, input(i))
				if i != tc.del {
					mustPublish(t, b, input(i))
				}
			}
			g1, _ := a.Generation(ctx)
			at := input(tc.del).At
			sn, err := a.DeleteSnapshot(ctx, "pdb", at)
			if err != nil {
				t.Fatalf("DeleteSnapshot(%s) error: %v", at.Format(time.DateOnly), err)
			}
			if !sn.At.Equal(at) {
				t.Errorf("DeleteSnapshot returned the snapshot at %s, want %s", sn.At, at)
			}
			if g2, err := a.Generation(ctx); err != nil || g2 <= g1 {
				t.Errorf("Generation after a deletion = %d (%v), want more than %d", g2, err, g1)
			}
			sameStores(t, a, b, "pdb")
		})
	}

	t.Run("the only one", func(t *testing.T) {
		s := open(t)
		mustPublish(t, s, snaps[0])
		if _, err := s.DeleteSnapshot(ctx, "pdb", snaps[0].At); err != nil {
			t.Fatal(err)
		}
		sameStores(t, s, open(t), "pdb")
		if srcs, err := s.Sources(ctx); err != nil || len(srcs) != 0 {
			t.Errorf("Sources() after deleting the only snapshot = %v, %v; want none", srcs, err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		s := open(t)
		mustPublish(t, s, snaps[0])
		mustPublish(t, s, snaps[1])
		mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(15), Delta: true, Kinds: []ixp.Kind{ixp.KindConnection},
			Records: []ixp.Record{conn(40, 1, 64540, 1000, false, false)}})
		if _, err := s.DeleteSnapshot(ctx, "pdb", day(10)); !errors.Is(err, ixp.ErrConflict) {
			t.Errorf("deleting a snapshot an incremental one builds on: got %v, want ErrConflict", err)
		}
		if _, err := s.DeleteSnapshot(ctx, "pdb", day(11)); !errors.Is(err, ixp.ErrNotFound) {
			t.Errorf("deleting a snapshot that does not exist: got %v, want ErrNotFound", err)
		}
		if _, err := s.DeleteSnapshot(ctx, "nosuch", day(10)); !errors.Is(err, ixp.ErrNotFound) {
			t.Errorf("deleting a snapshot of an unknown source: got %v, want ErrNotFound", err)
		}
		if snaps, _ := s.Snapshots(ctx, "pdb"); len(snaps) != 3 {
			t.Errorf("after refused deletions: %d snapshots, want 3", len(snaps))
		}
	})
}

// sameStores reports every difference between what two stores answer
// about a source: its snapshots, every version row, the state at and
// between every snapshot, and the indicators.
func sameStores(t *testing.T, a, b store.Store, source string) {
	t.Helper()
	ctx := context.Background()
	sa, err := a.Snapshots(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Snapshots(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	describe := func(s ixp.Snapshot) string {
		return fmt.Sprintf("%s kinds %v delta %v counts %v notes %v", s.At.Format(time.DateOnly), s.Kinds, s.Delta, s.Counts, s.Notes)
	}
	if !slices.EqualFunc(sa, sb, func(x, y ixp.Snapshot) bool { return describe(x) == describe(y) }) {
		t.Errorf("snapshots differ:\n got  %v\n want %v", mapSlice(sa, describe), mapSlice(sb, describe))
		return
	}
	kinds := []ixp.Kind{ixp.KindExchange, ixp.KindConnection}
	for _, k := range kinds {
		va, err := a.Versions(ctx, source, k, time.Time{}, time.Time{}, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		vb, err := b.Versions(ctx, source, k, time.Time{}, time.Time{}, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		dv := func(v store.Version) string {
			return fmt.Sprintf("%d [%s,%s) ix %d as %d %s", v.ID, v.From.Format(time.DateOnly), v.To.Format(time.DateOnly), v.IXID, v.ASN, canonical(v.Data))
		}
		if ga, gb := mapSlice(va, dv), mapSlice(vb, dv); !slices.Equal(ga, gb) {
			t.Errorf("%s versions differ:\n got  %q\n want %q", k, ga, gb)
		}
	}
	var dates []time.Time
	for _, s := range sa {
		dates = append(dates, s.At, s.At.Add(-time.Hour), s.At.Add(time.Hour))
	}
	dates = append(dates, time.Time{})
	for _, at := range dates {
		for _, k := range kinds {
			oa, _ := a.Objects(ctx, source, k, at, store.Filter{})
			ob, _ := b.Objects(ctx, source, k, at, store.Filter{})
			dr := func(r ixp.Record) string { return fmt.Sprintf("%d %s", r.ID, canonical(r.Data)) }
			if ga, gb := mapSlice(oa, dr), mapSlice(ob, dr); !slices.Equal(ga, gb) {
				t.Errorf("%s at %s differ:\n got  %q\n want %q", k, at, ga, gb)
			}
		}
	}
	for i := range sa {
		xa, err := a.ExchangeStats(ctx, sa[i].ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		xb, err := b.ExchangeStats(ctx, sb[i].ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(xa, xb) {
			t.Errorf("indicators at %s differ:\n got  %+v\n want %+v", sa[i].At.Format(time.DateOnly), xa, xb)
		}
	}
	ha, _ := a.AllExchangeHistory(ctx, source)
	hb, _ := b.AllExchangeHistory(ctx, source)
	dh := func(p store.StatsPoint) string {
		return fmt.Sprintf("%s %+v", p.At.Format(time.DateOnly), p.ExchangeStats)
	}
	if ga, gb := mapSlice(ha, dh), mapSlice(hb, dh); !slices.Equal(ga, gb) {
		t.Errorf("indicator history differs:\n got  %v\n want %v", ga, gb)
	}
}

func mapSlice[T any](s []T, f func(T) string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

// canonical is JSON data with its keys in order, as both stores may
// re-encode it.
func canonical(b []byte) string {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return "not JSON: " + string(b)
	}
	out, _ := json.Marshal(x)
	return string(out)
}
