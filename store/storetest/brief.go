package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// briefNetwork is a network object whose data is raw JSON text.
func briefNetwork(id int64, asn ixp.ASN, data string) ixp.Record {
	return ixp.Record{Kind: ixp.KindNetwork, ID: id, ASN: asn, Data: []byte(data)}
}

// briefHistory publishes networks and connections whose briefs are put to
// the test: renames, speed changes, leaves, a backfilled day, an
// incremental snapshot and a deleted one; objects with repeated and
// case-variant keys, an escaped key, a brief too long to keep (read from
// the data), members of other types. It returns the dates to check.
func briefHistory(t *testing.T, s store.Store) []time.Time {
	t.Helper()
	kinds := []ixp.Kind{ixp.KindExchange, ixp.KindNetwork, ixp.KindConnection}
	snap := func(at time.Time, recs ...ixp.Record) ixp.SnapshotInput {
		return ixp.SnapshotInput{Source: "pdb", At: at, Kinds: kinds, Records: recs, Force: true}
	}
	long := strings.Repeat("x", ixp.MaxBrief)
	nets := func(renamed bool) []ixp.Record {
		name := "Alpha"
		if renamed {
			name = "Alpha Networks"
		}
		return []ixp.Record{
			briefNetwork(1, 64500, fmt.Sprintf(`{"id":1,"asn":64500,"name":%q,"aka":"A","notes":"%s","info_type":"NSP","policy_general":"Open","created":"2010-01-01T00:00:00Z"}`, name, long)),
			briefNetwork(2, 64501, `{"id":2,"ASN":64501,"Name":"Beta","name":"beta (last wins)","irr_as_set":"AS-BETA"}`),
			briefNetwork(3, 64502, `{"id":3,"asn":64502,"n\u0061me":"Gamma (escaped key)","info_scope":"Regional","ixps":7}`),
			briefNetwork(4, 64503, `{"id":4,"asn":64503,"name":"`+long+`"}`),
			briefNetwork(5, 64504, `{"id":5,"asn":"64504","name":null,"aka":12}`),
		}
	}
	conns := func(speed int64, leave bool) []ixp.Record {
		out := []ixp.Record{conn(10, 1, 64500, speed, true, true), conn(11, 1, 64501, 1000, false, false)}
		if !leave {
			out = append(out, conn(12, 2, 64502, 100000, true, false))
		}
		return out
	}
	exchanges := []ixp.Record{exch(1, "IX.br SP"), exch(2, "CABASE")}
	at := func(recs ...[]ixp.Record) []ixp.Record {
		var out []ixp.Record
		for _, r := range recs {
			out = append(out, r...)
		}
		return out
	}
	mustPublish(t, s, snap(day(0), at(exchanges, nets(false), conns(1000, false))...))
	mustPublish(t, s, snap(day(10), at(exchanges, nets(true), conns(10000, false))...))
	mustPublish(t, s, snap(day(20), at(exchanges, nets(true), conns(10000, true))...))
	// A backfilled day between two stored ones.
	mustPublish(t, s, snap(day(5), at(exchanges, nets(true), conns(100000, false))...))
	// A day published, then deleted.
	mustPublish(t, s, snap(day(15), at(exchanges, nets(false), conns(1000, true))...))
	if _, err := s.DeleteSnapshot(context.Background(), "pdb", day(15)); err != nil {
		t.Fatal(err)
	}
	// An incremental snapshot: one network renamed, one connection gone.
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(30), Kinds: kinds, Delta: true,
		Records: []ixp.Record{briefNetwork(2, 64501, `{"id":2,"asn":64501,"name":"Beta 2"}`)},
		Deleted: map[ixp.Kind][]int64{ixp.KindConnection: {11}}, Force: true})
	return []time.Time{day(-1), day(0), day(3), day(5), day(10), day(15), day(20), day(30), day(40), {}}
}

// testBriefs checks that Briefs answers what Objects answers, every
// brief field decoded alike, at every date of a history.
func testBriefs(t *testing.T, s store.Store) {
	for _, at := range briefHistory(t, s) {
		checkBriefs(t, s, "pdb", at)
	}
	if _, err := s.Briefs(context.Background(), "pdb", ixp.KindExchange, day(0)); !errors.Is(err, ixp.ErrInvalid) {
		t.Errorf("Briefs of exchanges: error %v, want ixp.ErrInvalid", err)
	}
	if recs, err := s.Briefs(context.Background(), "nothing", ixp.KindNetwork, day(0)); err != nil || len(recs) != 0 {
		t.Errorf("Briefs of a source without snapshots: %d records, error %v; want none", len(recs), err)
	}
}

// RunBriefMigration checks migration 0009 on a store written before it:
// the briefs of the versions already stored are filled in the
// migration's transaction, and a version of a kind with briefs written
// without one (by an ixpobs from before 0009) is refused. undo are the
// statements that take the backend's schema back to before 0009 (its
// guard of those writes), run before dropping the indexes and the column.
func RunBriefMigration(t *testing.T, db Database, undo ...string) {
	s := db.Open(t)
	dates := briefHistory(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The database as a version before 0009 left it.
	for _, q := range append(undo,
		`DROP INDEX versions_brief_to`,
		`DROP INDEX versions_brief_from`,
		`ALTER TABLE versions DROP COLUMN brief`,
		`DELETE FROM schema_migrations WHERE version = 9`,
	) {
		db.Exec(t, q)
	}
	upgraded := db.Open(t)
	defer upgraded.Close()
	for _, at := range dates {
		checkBriefs(t, upgraded, "pdb", at)
	}
	// An INSERT as an ixpobs from before 0009 writes it, and one of a
	// kind without briefs.
	insert := `INSERT INTO versions (source_id, kind, obj_id, valid_from, valid_to, hash, ix_id, asn, data)
		SELECT id, %d, 99, 0, 1, 0, 0, 64999, '{"asn":64999}' FROM sources WHERE name = 'pdb'`
	if err := db.Try(fmt.Sprintf(insert, ixp.KindNetwork)); err == nil {
		t.Error("a network version without a brief was written into a migrated store")
	}
	if err := db.Try(fmt.Sprintf(insert, ixp.KindFacility)); err != nil {
		t.Errorf("a facility version (no brief) refused: %v", err)
	}
}

// checkBriefs compares Briefs with Objects for each kind with briefs.
func checkBriefs(t *testing.T, s store.Store, source string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	for kind, names := range ixp.BriefFields {
		objs, err := s.Objects(ctx, source, kind, at, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		briefs, err := s.Briefs(ctx, source, kind, at)
		if err != nil {
			t.Fatalf("Briefs(%s, %s): %v", kind, at.Format(time.DateOnly), err)
		}
		if len(objs) != len(briefs) {
			t.Errorf("at %s: %d %s briefs (%v), %d objects (%v)", at.Format(time.DateOnly), len(briefs), kind, ids(briefs), len(objs), ids(objs))
			continue
		}
		for i, o := range objs {
			b := briefs[i]
			if o.ID != b.ID || o.IXID != b.IXID || o.ASN != b.ASN {
				t.Errorf("at %s: brief %d (ix %d, AS%d), object %d (ix %d, AS%d)", at.Format(time.DateOnly), b.ID, b.IXID, b.ASN, o.ID, o.IXID, o.ASN)
				continue
			}
			want, werr := decodeBriefFields(names, o.Data)
			got, gerr := decodeBriefFields(names, b.Data)
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("at %s, %s %d: brief %s decodes to %v (error %v), data %s to %v (error %v)",
					at.Format(time.DateOnly), kind, o.ID, b.Data, got, gerr, o.Data, want, werr)
			}
		}
	}
}

// decodeBriefFields decodes data with encoding/json into a struct with
// one field per name (of any JSON type), as a list type would.
func decodeBriefFields(names []string, data []byte) ([]string, error) {
	fields := make([]reflect.StructField, len(names))
	for i, n := range names {
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[json.RawMessage](), Tag: reflect.StructTag(`json:"` + n + `"`)}
	}
	v := reflect.New(reflect.StructOf(fields))
	err := json.Unmarshal(data, v.Interface())
	out := make([]string, len(names))
	for i := range names {
		out[i] = string(v.Elem().Field(i).Interface().(json.RawMessage))
	}
	return out, err
}

// testFilterASNs checks Filter.ASNs against one ASN at a time, in
// Versions and Objects.
func testFilterASNs(t *testing.T, s store.Store) {
	ctx := context.Background()
	briefHistory(t, s)
	asns := []ixp.ASN{64502, 64500, 64999}
	var want []store.Version
	for _, asn := range asns {
		vs, err := s.Versions(ctx, "pdb", ixp.KindNetwork, time.Unix(0, 0), time.Time{}, store.Filter{ASN: asn})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, vs...)
	}
	slices.SortFunc(want, func(a, b store.Version) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), a.From.Compare(b.From))
	})
	got, err := s.Versions(ctx, "pdb", ixp.KindNetwork, time.Unix(0, 0), time.Time{}, store.Filter{ASNs: asns})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("Versions of ASNs %v: %d versions, one ASN at a time: %d", asns, len(got), len(want))
	}
	objs, err := s.Objects(ctx, "pdb", ixp.KindConnection, day(10), store.Filter{ASNs: asns})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(objs); !slices.Equal(got, []int64{10, 12}) {
		t.Errorf("connections of ASNs %v at day 10: %v, want [10 12]", asns, got)
	}
	if _, err := s.Versions(ctx, "pdb", ixp.KindNetwork, time.Unix(0, 0), time.Time{}, store.Filter{ASNs: make([]ixp.ASN, store.MaxFilterASNs+1)}); !errors.Is(err, ixp.ErrInvalid) {
		t.Errorf("a filter of %d ASNs: error %v, want ixp.ErrInvalid", store.MaxFilterASNs+1, err)
	}
}
