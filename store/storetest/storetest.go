// Package storetest is the conformance suite every store backend passes
// (in the manner of testing/fstest): snapshot atomicity and idempotence,
// validity intervals under backfill, shrink protection, deltas, indicators,
// joins and leaves, collection runs, the text rule (text.go), and the
// migrations of stored rows (migrate.go).
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// Opener returns a new, empty store for one subtest.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("ExportImport", func(t *testing.T) { testExportImport(t, open) })
	t.Run("DeleteSnapshot", func(t *testing.T) { testDeleteSnapshot(t, open) })
	t.Run("ImplausibleTime", func(t *testing.T) { testImplausibleTime(t, open) })
	t.Run("HistoryValues", func(t *testing.T) { testHistoryValues(t, open) })
	t.Run("Derived", func(t *testing.T) { testDerived(t, open) })
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"PublishAndRead", testPublishAndRead},
		{"Idempotent", testIdempotent},
		{"Conflict", testConflict},
		{"History", testHistory},
		{"BackfillOrder", testBackfillOrder},
		{"Shrink", testShrink},
		{"ShrinkAgainstNext", testShrinkAgainstNext},
		{"Delta", testDelta},
		{"UncoveredKindsCarryOver", testUncovered},
		{"Stats", testStats},
		{"InvalidInputWritesNothing", testInvalid},
		{"AtomicForReaders", testAtomic},
		{"Runs", testRuns},
		{"NotFound", testNotFound},
		{"Status", testStatus},
		{"TextRule", testTextRule},
		{"Briefs", testBriefs},
		{"FilterASNs", testFilterASNs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, s)
		})
	}
}

var base = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return base.AddDate(0, 0, n) }

func conn(id, ix int64, asn ixp.ASN, speed int64, v6 bool, rs bool) ixp.Record {
	c := ixp.Connection{ID: id, IXID: ix, ASN: asn, Speed: speed, RouteServer: rs}
	if v6 {
		c.IPv6 = fmt.Sprintf("2001:db8::%x", id)
	}
	return record(ixp.KindConnection, id, ix, asn, c)
}

func exch(id int64, name string) ixp.Record {
	return record(ixp.KindExchange, id, 0, 0, ixp.Exchange{ID: id, Name: name, Country: "BR"})
}

func record(k ixp.Kind, id, ix int64, asn ixp.ASN, v any) ixp.Record {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return ixp.Record{Kind: k, ID: id, IXID: ix, ASN: asn, Data: b}
}

func full(source string, at time.Time, recs ...ixp.Record) ixp.SnapshotInput {
	return ixp.SnapshotInput{Source: source, At: at, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: recs}
}

func mustPublish(t *testing.T, s store.Store, in ixp.SnapshotInput) store.PublishResult {
	t.Helper()
	res, err := s.Publish(context.Background(), in)
	if err != nil {
		t.Fatalf("Publish(%s at %s) error: %v", in.Source, in.At.Format(time.DateOnly), err)
	}
	return res
}

func ids(recs []ixp.Record) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func objectIDs(t *testing.T, s store.Store, source string, k ixp.Kind, at time.Time, q store.Filter) []int64 {
	t.Helper()
	recs, err := s.Objects(context.Background(), source, k, at, q)
	if err != nil {
		t.Fatalf("Objects(%s, %s, %s) error: %v", source, k, at.Format(time.DateOnly), err)
	}
	return ids(recs)
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testPublishAndRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	res := mustPublish(t, s, full("pdb", day(0), exch(1, "IX.br SP"), conn(10, 1, 64500, 1000, true, true), conn(11, 1, 64501, 10000, false, false)))
	if res.Unchanged || res.Inserted != 3 {
		t.Errorf("first publish: got inserted %d unchanged %v, want 3 false", res.Inserted, res.Unchanged)
	}
	if got := res.Snapshot.Counts["netixlan"]; got != 2 {
		t.Errorf("snapshot counts netixlan = %d, want 2", got)
	}
	recs, err := s.Objects(ctx, "pdb", ixp.KindConnection, time.Time{}, store.Filter{IXID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); !equalIDs(got, []int64{10, 11}) {
		t.Errorf("connections of ix 1 = %v, want [10 11]", got)
	}
	var c ixp.Connection
	if err := json.Unmarshal(recs[0].Data, &c); err != nil || c.ASN != 64500 || c.Speed != 1000 {
		t.Errorf("connection 10 decoded = %+v (%v), want ASN 64500 speed 1000", c, err)
	}
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, time.Time{}, store.Filter{ASN: 64501}); !equalIDs(got, []int64{11}) {
		t.Errorf("connections of AS64501 = %v, want [11]", got)
	}
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, day(-1), store.Filter{}); len(got) != 0 {
		t.Errorf("connections before the first snapshot = %v, want none", got)
	}
	sn, err := s.SnapshotAt(ctx, "pdb", day(5))
	if err != nil || !sn.At.Equal(day(0)) {
		t.Errorf("SnapshotAt(day 5) = %v, %v; want the snapshot of day 0", sn.At, err)
	}
	g1, _ := s.Generation(ctx)
	backfill := full("pdb", day(-30), exch(1, "old"))
	backfill.Force = true // no connections yet: far fewer than the next snapshot
	mustPublish(t, s, backfill)
	if g2, err := s.Generation(ctx); err != nil || g2 <= g1 {
		t.Errorf("Generation after a backfill = %d (%v), want more than %d", g2, err, g1)
	}
	srcs, err := s.Sources(ctx)
	if err != nil || len(srcs) != 1 || srcs[0] != "pdb" {
		t.Errorf("Sources() = %v, %v; want [pdb]", srcs, err)
	}
}

func testIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	in := full("pdb", day(0), exch(1, "A"), conn(10, 1, 64500, 1000, false, false))
	first := mustPublish(t, s, in)
	again := mustPublish(t, s, in)
	if !again.Unchanged || again.Snapshot.ID != first.Snapshot.ID {
		t.Errorf("republish: got unchanged %v id %d, want true %d", again.Unchanged, again.Snapshot.ID, first.Snapshot.ID)
	}
	// Same content, records in another order.
	in2 := full("pdb", day(0), conn(10, 1, 64500, 1000, false, false), exch(1, "A"))
	if res := mustPublish(t, s, in2); !res.Unchanged {
		t.Errorf("republish in another order: got unchanged false, want true")
	}
	snaps, err := s.Snapshots(ctx, "pdb")
	if err != nil || len(snaps) != 1 {
		t.Errorf("Snapshots() = %d, %v; want 1", len(snaps), err)
	}
	vs, err := s.Versions(ctx, "pdb", ixp.KindConnection, day(-10), time.Time{}, store.Filter{})
	if err != nil || len(vs) != 1 {
		t.Errorf("versions after republish = %d, %v; want 1", len(vs), err)
	}
	// Unchanged content at a later date adds a history point but no version.
	res := mustPublish(t, s, full("pdb", day(1), exch(1, "A"), conn(10, 1, 64500, 1000, false, false)))
	if res.Inserted != 0 || res.Ended != 0 {
		t.Errorf("unchanged later snapshot wrote %d and ended %d versions, want 0 and 0", res.Inserted, res.Ended)
	}
}

func testConflict(t *testing.T, s store.Store) {
	mustPublish(t, s, full("pdb", day(0), exch(1, "A")))
	_, err := s.Publish(context.Background(), full("pdb", day(0), exch(1, "B")))
	if !errors.Is(err, ixp.ErrConflict) {
		t.Errorf("publish of other content at the same time: got %v, want ErrConflict", err)
	}
}

func testHistory(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPublish(t, s, full("pdb", day(0), exch(1, "A"), conn(10, 1, 100, 1000, false, false), conn(11, 1, 101, 1000, false, false)))
	mustPublish(t, s, full("pdb", day(10), exch(1, "A"), conn(10, 1, 100, 10000, false, false), conn(12, 1, 102, 1000, false, false)))
	mustPublish(t, s, full("pdb", day(20), exch(1, "A"), conn(12, 1, 102, 1000, false, false), conn(13, 1, 101, 1000, false, false)))
	cases := []struct {
		at   time.Time
		want []int64
	}{
		{day(0), []int64{10, 11}},
		{day(5), []int64{10, 11}},
		{day(10), []int64{10, 12}},
		{day(19), []int64{10, 12}},
		{day(20), []int64{12, 13}},
		{day(400), []int64{12, 13}},
	}
	for _, c := range cases {
		if got := objectIDs(t, s, "pdb", ixp.KindConnection, c.at, store.Filter{IXID: 1}); !equalIDs(got, c.want) {
			t.Errorf("connections at %s = %v, want %v", c.at.Format(time.DateOnly), got, c.want)
		}
	}
	vs, err := s.Versions(ctx, "pdb", ixp.KindConnection, day(0), day(21), store.Filter{IXID: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 10 has two versions (speed changed), 11, 12 and 13 one each.
	if len(vs) != 5 {
		t.Errorf("versions = %d, want 5: %+v", len(vs), vs)
	}
	for _, v := range vs {
		if v.ID == 11 && (!v.From.Equal(day(0)) || !v.To.Equal(day(10))) {
			t.Errorf("connection 11 valid %s..%s, want %s..%s", v.From, v.To, day(0), day(10))
		}
		if v.ID == 13 && !v.To.IsZero() {
			t.Errorf("connection 13 valid to %s, want open", v.To)
		}
	}
	hist, err := s.ExchangeHistory(ctx, "pdb", 1)
	if err != nil || len(hist) != 3 {
		t.Fatalf("ExchangeHistory = %d points, %v; want 3", len(hist), err)
	}
	if hist[1].CapacityMbps != 11000 || hist[1].Members != 2 {
		t.Errorf("history point 2 = %+v, want capacity 11000, 2 members", hist[1].ExchangeStats)
	}
}

// testBackfillOrder publishes random snapshots in random order and checks
// that the state at every snapshot is exactly what was published.
func testBackfillOrder(t *testing.T, s store.Store) {
	rng := rand.New(rand.NewPCG(7, 11))
	const snaps = 8
	type snap struct {
		at   time.Time
		recs map[int64]ixp.Record
	}
	var all []snap
	for i := 0; i < snaps; i++ {
		recs := map[int64]ixp.Record{}
		for id := int64(1); id <= 12; id++ {
			if rng.IntN(3) == 0 {
				continue // absent in this snapshot
			}
			speed := int64(1000 * (1 + rng.IntN(2))) // two possible versions
			recs[id] = conn(id, 1, ixp.ASN(64500+id), speed, false, false)
		}
		all = append(all, snap{at: day(10 * i), recs: recs})
	}
	order := rng.Perm(snaps)
	for _, i := range order {
		in := ixp.SnapshotInput{Source: "pdb", At: all[i].at, Kinds: []ixp.Kind{ixp.KindConnection}, Force: true}
		for _, r := range all[i].recs {
			in.Records = append(in.Records, r)
		}
		mustPublish(t, s, in)
	}
	ctx := context.Background()
	for i, sn := range all {
		recs, err := s.Objects(ctx, "pdb", ixp.KindConnection, sn.at.Add(time.Hour), store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]string{}
		for _, r := range recs {
			got[r.ID] = string(r.Data)
		}
		if len(got) != len(sn.recs) {
			t.Errorf("snapshot %d (published in order %v): got %d objects, want %d", i, order, len(got), len(sn.recs))
		}
		for id, r := range sn.recs {
			if !jsonEqual(got[id], string(r.Data)) {
				t.Errorf("snapshot %d object %d = %s, want %s", i, id, got[id], r.Data)
			}
		}
	}
	// Intervals never overlap for one object.
	vs, err := s.Versions(ctx, "pdb", ixp.KindConnection, day(-1), time.Time{}, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	last := map[int64]time.Time{}
	for _, v := range vs {
		if end, ok := last[v.ID]; ok && (end.IsZero() || v.From.Before(end)) {
			t.Errorf("object %d: version from %s overlaps the previous one ending %s", v.ID, v.From, end)
		}
		last[v.ID] = v.To
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func testShrink(t *testing.T, s store.Store) {
	var recs []ixp.Record
	for i := int64(1); i <= 10; i++ {
		recs = append(recs, conn(i, 1, ixp.ASN(i), 1000, false, false))
	}
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(0), Kinds: []ixp.Kind{ixp.KindConnection}, Records: recs})
	in := ixp.SnapshotInput{Source: "pdb", At: day(1), Kinds: []ixp.Kind{ixp.KindConnection}, Records: recs[:6]}
	_, err := s.Publish(context.Background(), in)
	var se *ixp.ShrinkError
	if !errors.As(err, &se) || !errors.Is(err, ixp.ErrShrink) || se.Previous != 10 || se.Next != 6 {
		t.Fatalf("40%% shrink: got %v, want a ShrinkError 10 -> 6", err)
	}
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, time.Time{}, store.Filter{}); len(got) != 10 {
		t.Errorf("after a refused snapshot: %d objects, want the last good 10", len(got))
	}
	in.Records = recs[:7] // 30% is allowed
	mustPublish(t, s, in)
	in.At, in.Records, in.Force = day(2), recs[:1], true
	mustPublish(t, s, in)
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, time.Time{}, store.Filter{}); len(got) != 1 {
		t.Errorf("after a forced snapshot: %d objects, want 1", len(got))
	}
}

// testShrinkAgainstNext backfills a partial snapshot before existing
// history: refused unless forced, as it would invent joins at the next
// snapshot.
func testShrinkAgainstNext(t *testing.T, s store.Store) {
	var recs []ixp.Record
	for i := int64(1); i <= 10; i++ {
		recs = append(recs, conn(i, 1, ixp.ASN(i), 1000, false, false))
	}
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(10), Kinds: []ixp.Kind{ixp.KindConnection}, Records: recs})
	in := ixp.SnapshotInput{Source: "pdb", At: day(0), Kinds: []ixp.Kind{ixp.KindConnection}, Records: recs[:6]}
	_, err := s.Publish(context.Background(), in)
	var se *ixp.ShrinkError
	if !errors.As(err, &se) || !se.AgainstNext || se.Previous != 10 || se.Next != 6 {
		t.Fatalf("backfill 40%% smaller than the next snapshot: got %v, want a ShrinkError against the next, 10 -> 6", err)
	}
	if snaps, _ := s.Snapshots(context.Background(), "pdb"); len(snaps) != 1 {
		t.Errorf("after a refused backfill: %d snapshots, want 1", len(snaps))
	}
	in.Records = recs[:7] // 30% is allowed
	mustPublish(t, s, in)
	in.At, in.Records, in.Force = day(5), recs[:1], true
	mustPublish(t, s, in)
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, day(5), store.Filter{}); len(got) != 1 {
		t.Errorf("after a forced backfill: %d objects, want 1", len(got))
	}
}

func testDelta(t *testing.T, s store.Store) {
	mustPublish(t, s, full("pdb", day(0), exch(1, "A"), conn(10, 1, 100, 1000, false, false), conn(11, 1, 101, 1000, false, false)))
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(1), Delta: true, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection},
		Records: []ixp.Record{conn(12, 1, 102, 1000, false, false), conn(10, 1, 100, 100000, false, false)},
		Deleted: map[ixp.Kind][]int64{ixp.KindConnection: {11}}})
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, time.Time{}, store.Filter{}); !equalIDs(got, []int64{10, 12}) {
		t.Errorf("after delta: %v, want [10 12]", got)
	}
	if got := objectIDs(t, s, "pdb", ixp.KindExchange, time.Time{}, store.Filter{}); !equalIDs(got, []int64{1}) {
		t.Errorf("exchanges after delta: %v, want [1] (untouched)", got)
	}
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, day(0), store.Filter{}); !equalIDs(got, []int64{10, 11}) {
		t.Errorf("state before delta: %v, want [10 11]", got)
	}
	_, err := s.Publish(context.Background(), ixp.SnapshotInput{Source: "pdb", At: day(-5), Delta: true, Kinds: []ixp.Kind{ixp.KindConnection}})
	if !errors.Is(err, ixp.ErrInvalid) {
		t.Errorf("delta older than the newest snapshot: got %v, want ErrInvalid", err)
	}
	sn, _ := s.SnapshotAt(context.Background(), "pdb", time.Time{})
	if sn.Counts["netixlan"] != 2 || sn.Counts["ix"] != 1 || !sn.Delta {
		t.Errorf("delta snapshot counts = %v delta %v, want netixlan 2 ix 1, delta", sn.Counts, sn.Delta)
	}
}

func testUncovered(t *testing.T, s store.Store) {
	mustPublish(t, s, full("pdb", day(0), exch(1, "A"), conn(10, 1, 100, 1000, false, false)))
	// A partial dump with exchanges only keeps the connections as they were.
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(1), Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{exch(1, "A2")}})
	if got := objectIDs(t, s, "pdb", ixp.KindConnection, time.Time{}, store.Filter{}); !equalIDs(got, []int64{10}) {
		t.Errorf("connections after an exchanges-only snapshot: %v, want [10]", got)
	}
	recs, _ := s.Objects(context.Background(), "pdb", ixp.KindExchange, time.Time{}, store.Filter{})
	var e ixp.Exchange
	if len(recs) != 1 || json.Unmarshal(recs[0].Data, &e) != nil || e.Name != "A2" {
		t.Errorf("exchange after update = %+v, want name A2", e)
	}
}

func testStats(t *testing.T, s store.Store) {
	ctx := context.Background()
	res := mustPublish(t, s, full("pdb", day(0), exch(1, "A"), exch(2, "Empty"),
		conn(10, 1, 100, 1000, true, false), conn(11, 1, 100, 10000, false, true), // one member, two ports
		conn(12, 1, 101, 100, false, false),
		conn(13, 99, 102, 100, false, false), // dangling: exchange 99 does not exist
	))
	if res.Dangling != 1 {
		t.Errorf("dangling = %d, want 1", res.Dangling)
	}
	st, err := s.ExchangeStats(ctx, res.Snapshot.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []ixp.ExchangeStats{
		{IXID: 1, Members: 2, Connections: 3, CapacityMbps: 11100, IPv6Members: 1, RSMembers: 1},
		{IXID: 2},
	}
	if len(st) != len(want) {
		t.Fatalf("stats = %+v, want %+v", st, want)
	}
	for i := range want {
		if st[i] != want[i] {
			t.Errorf("stats[%d] = %+v, want %+v", i, st[i], want[i])
		}
	}
	all, err := s.AllExchangeHistory(ctx, "pdb")
	if err != nil || len(all) != 2 {
		t.Errorf("AllExchangeHistory = %d points, %v; want 2", len(all), err)
	}
}

func testInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	bad := []ixp.SnapshotInput{
		{Source: "", At: day(0), Kinds: []ixp.Kind{ixp.KindExchange}},
		{Source: "pdb", Kinds: []ixp.Kind{ixp.KindExchange}},
		{Source: "pdb", At: day(0)},
		{Source: "pdb", At: day(0), Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{exch(1, "A"), exch(1, "A")}},
		{Source: "pdb", At: day(0), Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{conn(1, 1, 1, 1, false, false)}},
		{Source: "pdb", At: day(0), Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{{Kind: ixp.KindExchange, ID: 1, Data: []byte("{not json")}}},
	}
	for i, in := range bad {
		if _, err := s.Publish(ctx, in); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("bad input %d: got %v, want ErrInvalid", i, err)
		}
	}
	if snaps, err := s.Snapshots(ctx, "pdb"); err != nil || len(snaps) != 0 {
		t.Errorf("snapshots after refused inputs = %d, %v; want 0", len(snaps), err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Publish(ctx2, full("pdb", day(0), exch(1, "A"))); err == nil {
		t.Errorf("publish with a cancelled context succeeded, want an error")
	}
	if snaps, _ := s.Snapshots(ctx, "pdb"); len(snaps) != 0 {
		t.Errorf("snapshots after a cancelled publish = %d, want 0", len(snaps))
	}
}

// testAtomic reads while a large snapshot is published: every read sees
// the old state or the new one, never a mix.
func testAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 3000
	var a, b []ixp.Record
	for i := int64(1); i <= n; i++ {
		a = append(a, conn(i, 1, ixp.ASN(i), 1000, false, false))
		b = append(b, conn(i, 1, ixp.ASN(i), 2000, false, false)) // every object changes
	}
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(0), Kinds: []ixp.Kind{ixp.KindConnection}, Records: a})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 10)
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			sn, err := s.SnapshotAt(ctx, "pdb", time.Time{})
			if err != nil {
				errs <- err.Error()
				return
			}
			recs, err := s.Objects(ctx, "pdb", ixp.KindConnection, sn.At, store.Filter{})
			if err != nil {
				errs <- err.Error()
				return
			}
			speeds := map[int64]int{}
			for _, r := range recs {
				var c ixp.Connection
				json.Unmarshal(r.Data, &c)
				speeds[c.Speed]++
			}
			if len(recs) != n || len(speeds) != 1 {
				errs <- fmt.Sprintf("read %d objects with speeds %v, want %d of one speed", len(recs), speeds, n)
				return
			}
		}
	})
	mustPublish(t, s, ixp.SnapshotInput{Source: "pdb", At: day(1), Kinds: []ixp.Kind{ixp.KindConnection}, Records: b})
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func testRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i, ok := range []bool{true, false} {
		r := store.Run{Source: "peeringdb", Started: day(i), Finished: day(i).Add(time.Minute), OK: ok}
		if !ok {
			r.ErrorKind, r.Error = "timeout", "peeringdb: fetch net: timeout"
		}
		if err := s.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs(ctx, "peeringdb", 10)
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %d, %v; want 2", len(runs), err)
	}
	if runs[0].OK || runs[0].ErrorKind != "timeout" || !runs[1].OK {
		t.Errorf("runs newest first = %+v", runs)
	}
	if !runs[0].Started.Equal(day(1)) {
		t.Errorf("run started = %s, want %s", runs[0].Started, day(1))
	}
	if err := s.RecordRun(ctx, store.Run{Source: "never", Started: day(3), Finished: day(3), ErrorKind: "timeout"}); err != nil {
		t.Fatal(err)
	}
	sums, err := s.RunSummaries(ctx)
	if err != nil || len(sums) != 2 {
		t.Fatalf("RunSummaries = %+v, %v; want 2 sources", sums, err)
	}
	if sums[0].Last.Source != "never" || !sums[0].LastSuccess.IsZero() || sums[0].Last.OK {
		t.Errorf("summary of a source that never succeeded = %+v", sums[0])
	}
	if sums[1].Last.Source != "peeringdb" || sums[1].Last.OK || sums[1].Last.ErrorKind != "timeout" || !sums[1].LastSuccess.Equal(day(0).Add(time.Minute)) {
		t.Errorf("summary of peeringdb = %+v, want last run failed (timeout), last success at %s", sums[1], day(0).Add(time.Minute))
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.SnapshotAt(ctx, "nothing", time.Time{}); !errors.Is(err, ixp.ErrNotFound) {
		t.Errorf("SnapshotAt of an unknown source: got %v, want ErrNotFound", err)
	}
	recs, err := s.Objects(ctx, "nothing", ixp.KindExchange, time.Time{}, store.Filter{})
	if err != nil || len(recs) != 0 {
		t.Errorf("Objects of an unknown source = %v, %v; want none, nil", recs, err)
	}
}

// testExportImport moves a history with backfills, deltas and runs to a
// new store and checks every read gives the same answer.
func testExportImport(t *testing.T, open Opener) {
	ctx := context.Background()
	a, b := open(t), open(t)
	mustPublish(t, a, full("pdb", day(10), exch(1, "A"), conn(10, 1, 100, 1000, true, false), conn(11, 1, 101, 1000, false, true)))
	older := full("pdb", day(0), exch(1, "A0"), conn(10, 1, 100, 100, false, false))
	older.Force = true // half the connections of the next snapshot
	mustPublish(t, a, older)
	mustPublish(t, a, ixp.SnapshotInput{Source: "pdb", At: day(20), Delta: true, Kinds: []ixp.Kind{ixp.KindConnection},
		Records: []ixp.Record{conn(12, 1, 102, 1000, false, false)}, Deleted: map[ixp.Kind][]int64{ixp.KindConnection: {11}}})
	mustPublish(t, a, ixp.SnapshotInput{Source: "rir:x", At: day(5), Kinds: []ixp.Kind{ixp.KindASNDelegation},
		Records: []ixp.Record{record(ixp.KindASNDelegation, 100, 0, 100, ixp.ASNDelegation{ASN: 100, Country: "BR"})}})
	a.RecordRun(ctx, store.Run{Source: "pdb", Started: day(20), Finished: day(20), OK: true})
	var buf bytes.Buffer
	if err := a.ExportHistory(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if err := b.ImportHistory(ctx, bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if err := b.ImportHistory(ctx, bytes.NewReader(buf.Bytes())); !errors.Is(err, ixp.ErrConflict) {
		t.Errorf("second import into a non-empty store: got %v, want ErrConflict", err)
	}
	for _, at := range []time.Time{day(0), day(10), day(20), {}} {
		for _, k := range []ixp.Kind{ixp.KindExchange, ixp.KindConnection} {
			x, _ := a.Objects(ctx, "pdb", k, at, store.Filter{})
			y, _ := b.Objects(ctx, "pdb", k, at, store.Filter{})
			if len(x) != len(y) {
				t.Errorf("%s at %s: %d objects before, %d after", k, at, len(x), len(y))
				continue
			}
			for i := range x {
				if x[i].ID != y[i].ID || !jsonEqual(string(x[i].Data), string(y[i].Data)) {
					t.Errorf("%s at %s: %s became %s", k, at, x[i].Data, y[i].Data)
				}
			}
		}
	}
	ha, _ := a.ExchangeHistory(ctx, "pdb", 1)
	hb, _ := b.ExchangeHistory(ctx, "pdb", 1)
	if len(ha) != 3 || len(hb) != len(ha) {
		t.Fatalf("history: %d points before, %d after", len(ha), len(hb))
	}
	for i := range ha {
		if ha[i].ExchangeStats != hb[i].ExchangeStats || !ha[i].At.Equal(hb[i].At) {
			t.Errorf("history point %d: %+v became %+v", i, ha[i], hb[i])
		}
	}
	sa, _ := a.Snapshots(ctx, "rir:x")
	sb, _ := b.Snapshots(ctx, "rir:x")
	if len(sb) != 1 || !sa[0].At.Equal(sb[0].At) {
		t.Errorf("rir snapshots: %v became %v", sa, sb)
	}
	runs, _ := b.Runs(ctx, "pdb", 10)
	if len(runs) != 1 || !runs[0].OK {
		t.Errorf("runs after import = %+v", runs)
	}
	// The imported store goes on: republishing the newest snapshot is a
	// no-op, a new one diffs against the imported state.
	res := mustPublish(t, b, ixp.SnapshotInput{Source: "rir:x", At: day(5), Kinds: []ixp.Kind{ixp.KindASNDelegation},
		Records: []ixp.Record{record(ixp.KindASNDelegation, 100, 0, 100, ixp.ASNDelegation{ASN: 100, Country: "BR"})}})
	if !res.Unchanged {
		t.Errorf("republishing an imported snapshot was not a no-op")
	}
	// A truncated export is refused whole.
	c := open(t)
	trunc := buf.Bytes()[:buf.Len()*2/3]
	if err := c.ImportHistory(ctx, bytes.NewReader(trunc)); err == nil {
		t.Errorf("truncated export imported without error")
	}
	if snaps, _ := c.Snapshots(ctx, "pdb"); len(snaps) != 0 {
		t.Errorf("a refused import left %d snapshots", len(snaps))
	}
}

func testStatus(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, v := range []string{`{"v":1}`, `{"v":2}`} {
		if err := s.PutStatus(ctx, "bgp-sessions:rs1", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	s.PutStatus(ctx, "other", []byte(`{}`))
	got, err := s.Statuses(ctx, "bgp-sessions:")
	if err != nil || len(got) != 1 || string(got[0].Value) != `{"v":2}` || got[0].Updated.IsZero() {
		t.Errorf("Statuses = %+v, %v; want the latest value of the one matching key", got, err)
	}
}
