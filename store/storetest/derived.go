package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// testDerived checks the derived rows: stored per key in one piece,
// replaced whole, read by key and by area, and dropped with a snapshot
// their key names (deleted, or whose state a snapshot published before it
// may change), and not exported.
func testDerived(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	p1 := mustPublish(t, s, full("pdb", day(0), exch(1, "A"), conn(10, 1, 64510, 1000, true, false))).Snapshot
	p2 := mustPublish(t, s, full("pdb", day(20), exch(1, "A"), conn(10, 1, 64510, 1000, true, false), conn(11, 1, 64511, 1000, false, false))).Snapshot
	r1 := mustPublish(t, s, ixp.SnapshotInput{Source: "rir:lacnic", At: day(5), Kinds: []ixp.Kind{ixp.KindASNDelegation},
		Records: []ixp.Record{record(ixp.KindASNDelegation, 64510, 0, 64510, ixp.ASNDelegation{ASN: 64510, Country: "BR"})}}).Snapshot
	key := func(pdb ixp.Snapshot, rir ...ixp.Snapshot) string {
		k := strconv.FormatInt(pdb.ID, 10) + "/"
		for _, r := range rir {
			k += strconv.FormatInt(r.ID, 10) + ","
		}
		return k + "/"
	}
	k1, k2, k2r := key(p1), key(p2), key(p2, r1)
	rows := func(k string, areas ...string) []store.Derived {
		var out []store.Derived
		for _, a := range areas {
			out = append(out, store.Derived{Key: k, Area: a, Data: []byte(fmt.Sprintf(`{"key":%q,"area":%q}`, k, a))})
		}
		return out
	}
	for _, tc := range []struct {
		key   string
		areas []string
	}{{k1, []string{"*", "BR", "lac"}}, {k2, []string{"*", "AR"}}, {k2r, []string{"*", "BR", "world"}}} {
		// A first, bigger write is replaced whole by the second.
		if err := s.PutDerived(ctx, tc.key, rows(tc.key, "*", "XX", "BR")); err != nil {
			t.Fatal(err)
		}
		if err := s.PutDerived(ctx, tc.key, rows(tc.key, tc.areas...)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, got []store.Derived, want ...store.Derived) {
		t.Helper()
		slices.SortFunc(want, func(a, b store.Derived) int {
			if a.Key != b.Key {
				return cmpString(a.Key, b.Key)
			}
			return cmpString(a.Area, b.Area)
		})
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows %v, want %d %v", what, len(got), got, len(want), want)
		}
		for i := range got {
			if got[i].Key != want[i].Key || got[i].Area != want[i].Area || string(got[i].Data) != string(want[i].Data) {
				t.Fatalf("%s: row %d is %s %s %s, want %s %s %s", what, i, got[i].Key, got[i].Area, got[i].Data, want[i].Key, want[i].Area, want[i].Data)
			}
		}
	}
	get := func(key string, areas ...string) []store.Derived {
		t.Helper()
		d, err := s.Derived(ctx, key, areas...)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	check("one key", get(k1), rows(k1, "*", "BR", "lac")...)
	check("one area", get("", "BR"), append(rows(k1, "BR"), rows(k2r, "BR")...)...)
	check("two areas", get("", "*", "AR"), slices.Concat(rows(k1, "*"), rows(k2, "*", "AR"), rows(k2r, "*"))...)
	check("key and area", get(k2r, "world", "AR"), rows(k2r, "world")...)
	check("unknown key", get("999/"))
	for _, tc := range []struct {
		key  string
		id   int64
		want bool
	}{{k2r, p2.ID, true}, {k2r, r1.ID, true}, {k2r, p1.ID, false}, {"12/40,41,/7,", 7, true}, {"12/40,41,/7,", 4, false},
		{"12/40,41,/7,", 1, false}, {"12/40,41,/7,", 41, true}, {"12/40,41,/7,", 12, true}, {"12/40,41,/7,", 2, false}} {
		if got := store.DerivedKeyNames(tc.key, tc.id); got != tc.want {
			t.Errorf("DerivedKeyNames(%q, %d) = %v, want %v", tc.key, tc.id, got, tc.want)
		}
	}

	// Exports do not carry derived rows: they are recomputed.
	other := open(t)
	var buf bytes.Buffer
	if err := s.ExportHistory(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if err := other.ImportHistory(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	imported, err := other.Derived(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	check("imported store", imported)

	// Deleting the RIR snapshot drops the rows naming it only.
	if _, err := s.DeleteSnapshot(ctx, "rir:lacnic", r1.At); err != nil {
		t.Fatal(err)
	}
	check("after deleting the RIR file", get(""), slices.Concat(rows(k1, "*", "BR", "lac"), rows(k2, "*", "AR"))...)
	// A snapshot published between p1 and p2 may change p2's state:
	// p2's rows go, p1's stay.
	between := full("pdb", day(10), exch(1, "A"), conn(10, 1, 64510, 1000, true, false))
	between.Force = true
	mustPublish(t, s, between)
	check("after a backfilled snapshot", get(""), rows(k1, "*", "BR", "lac")...)
	// Deleting p1 drops its rows.
	if _, err := s.DeleteSnapshot(ctx, "pdb", p1.At); err != nil {
		t.Fatal(err)
	}
	check("after deleting the PeeringDB snapshot", get(""))
	// A key with no rows is a valid write (nothing derived).
	if err := s.PutDerived(ctx, "77/", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDerived(ctx, "78/", rows("79/", "*")); err == nil {
		t.Fatal("a row of another key was accepted")
	}
	check("after refused write", get(""))
	// No rows for a stored key drops it (the fill drops unreferenced
	// states so).
	if err := s.PutDerived(ctx, "80/", rows("80/", "*", "BR")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDerived(ctx, "80/", nil); err != nil {
		t.Fatal(err)
	}
	check("after dropping a key", get(""))
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
