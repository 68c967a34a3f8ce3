package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// BenchmarkImportPeeringDB2022 reads the 2022-06-01 PeeringDB dump (144,249
// objects) and publishes it into a new store from open: the whole import.
// open is called with the timer stopped.
func BenchmarkImportPeeringDB2022(b *testing.B, open func(b *testing.B) store.Store) {
	dir := realdata.PeeringDBDir(b, "ixgen-2022-06-01")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st := open(b)
		b.StartTimer()
		in := readDump(ctx, b, dir)
		if _, err := st.Publish(ctx, in); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.ReportMetric(float64(len(in.Records)), "objects")
		b.StartTimer()
	}
}

// readDump reads a PeeringDB dump directory into a snapshot input.
func readDump(ctx context.Context, b *testing.B, dir string) ixp.SnapshotInput {
	d, err := peeringdb.ReadDir(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	in, err := d.Snapshot(time.Time{}, false)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkPublishNextDay is one day of a daily PeeringDB backfill once
// the dump is decoded: the 2022-06-01 dump (144,249 objects) is
// published, then each iteration publishes it again one day later with
// 30 connections' port speeds changed (the rate docs/SCALING.md measured
// between dumps: 76-133 objects a day), so a day writes about 30 versions
// and ends 30. The cost that remains is what Publish does per object of
// the snapshot, whatever changed.
func BenchmarkPublishNextDay(b *testing.B, open func(b *testing.B) store.Store) {
	ctx := context.Background()
	in := readDump(ctx, b, realdata.PeeringDBDir(b, "ixgen-2022-06-01"))
	st := open(b)
	defer st.Close()
	if _, err := st.Publish(ctx, in); err != nil {
		b.Fatal(err)
	}
	var conns []int
	for i, r := range in.Records {
		if r.Kind == ixp.KindConnection && len(conns) < 30 {
			conns = append(conns, i)
		}
	}
	orig := make([][]byte, len(conns))
	for j, i := range conns {
		orig[j] = in.Records[i].Data
	}
	day := 0
	for b.Loop() {
		day++
		b.StopTimer()
		next := in
		next.At = in.At.AddDate(0, 0, day)
		next.Records = slices.Clone(in.Records)
		for j, i := range conns {
			var m map[string]any
			if err := json.Unmarshal(orig[j], &m); err != nil {
				b.Fatal(err)
			}
			m["speed"] = 1000 * (day%7 + 1 + j)
			data, err := json.Marshal(m)
			if err != nil {
				b.Fatal(err)
			}
			next.Records[i].Data = data
		}
		b.StartTimer()
		res, err := st.Publish(ctx, next)
		if err != nil {
			b.Fatal(err)
		}
		if res.Inserted == 0 {
			b.Fatalf("day %d: nothing written (%+v)", day, res)
		}
	}
	b.ReportMetric(float64(len(in.Records)), "objects")
}

// BenchmarkPublishLongHistory publishes backfilled snapshots into a long
// history: a store of 1,000 daily snapshots of 500 connections at 4
// exchanges, of which 50 change speed every day and 5 are replaced by new
// ones (about 55,000 connection versions, 500 alive at any date), then,
// timed, one snapshot at noon of a day in the middle per iteration (the
// state of that day with one more connection), which reads the states
// before and after it and computes its exchange figures. Generated data,
// not real: the shape of a long PeeringDB history, not its contents.
func BenchmarkPublishLongHistory(b *testing.B, open func(b *testing.B) store.Store) {
	const days, conns, changed, replaced = 1000, 500, 50, 5
	st := open(b)
	defer st.Close()
	ctx := context.Background()
	state := func(d int) []ixp.Record {
		recs := []ixp.Record{exch(1, "A"), exch(2, "B"), exch(3, "C"), exch(4, "D")}
		first := int64(d * replaced)
		for id := first; id < first+conns; id++ {
			speed := int64(1000)
			if id%(conns/changed) == int64(d%(conns/changed)) {
				speed = int64(10000 + d) // this day's new version of the connection
			}
			recs = append(recs, conn(id+1, id%4+1, ixp.ASN(64512+id), speed, id%3 == 0, id%2 == 0))
		}
		return recs
	}
	for d := range days {
		if _, err := st.Publish(ctx, full("bench", day(d), state(d)...)); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		d := days/4 + i%(days/2)
		recs := append(state(d), conn(1_000_000+int64(i), 1, 64511, 1000, false, false))
		if _, err := st.Publish(ctx, full("bench", day(d).Add(12*time.Hour+time.Duration(i)*time.Second), recs...)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDerivedLong times the two reads of the derived-figures table
// that grow with the history: one area's rows across every stored state
// (what a 5,800-point country or region history reads), and a backfilled
// snapshot, which drops the rows whose state key names the snapshot after
// it. The store holds 5,800 state keys of 33 areas (191,400 rows of about
// 330 bytes, the size of a country's figures as JSON) beside two
// snapshots. Generated rows, not computed figures: the table's shape at
// sixteen years of daily snapshots, not its contents.
func BenchmarkDerivedLong(b *testing.B, open func(b *testing.B) store.Store) {
	const keys, areas = 5800, 33
	st := open(b)
	defer st.Close()
	ctx := context.Background()
	if _, err := st.Publish(ctx, full("bench", day(0), exch(1, "A"))); err != nil {
		b.Fatal(err)
	}
	next, err := st.Publish(ctx, full("bench", day(100), exch(1, "A"), exch(2, "B")))
	if err != nil {
		b.Fatal(err)
	}
	stats := []byte(`{"ixps":3,"active_ixps":3,"members":1234,"connections":1502,"capacity_mbps":9876543,"ipv6_members":812,"ipv6_share":0.658,"registered_asns":8123,"registered_asns_at_local_ixps":1102,"local_participation":0.1356,"bgp":{"routed_prefixes":81234,"routed_ipv6_prefixes":12034,"routed_ipv6_share":0.148,"locally_reachable_prefixes":45012}}`)
	for k := range keys {
		// Keys as dashboard/aggregates.go writes them: the PeeringDB
		// snapshot, the RIR snapshots, the BGP snapshots. The last
		// key names the snapshot the backfills go before.
		key := fmt.Sprintf("%d/%d,%d,/%d,", 1000+k, 20000+k/30, 30000+k/30, 40000+k/7)
		if k == keys-1 {
			key = fmt.Sprintf("%d/%d,/", next.Snapshot.ID, 20000+k/30)
		}
		rows := make([]store.Derived, areas)
		for a := range rows {
			rows[a] = store.Derived{Area: fmt.Sprintf("A%02d", a), Data: stats}
		}
		rows[0].Area = "*"
		if err := st.PutDerived(ctx, key, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("area-across-keys", func(b *testing.B) {
		for b.Loop() {
			rows, err := st.Derived(ctx, "", "A07")
			if err != nil {
				b.Fatal(err)
			}
			if len(rows) != keys {
				b.Fatalf("%d rows, want %d", len(rows), keys)
			}
		}
	})
	i := 0 // across runs: -count repeats a sub-benchmark on the same store
	b.Run("backfill", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Publish(ctx, full("bench", day(50).Add(time.Duration(i)*time.Second), exch(1, "A"), exch(3+int64(i), "C"))); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	if rows, err := st.Derived(ctx, "", "A07"); err != nil || len(rows) != keys-1 {
		b.Fatalf("after the backfills: %d rows (%v), want %d: the rows naming the next snapshot dropped, no other", len(rows), err, keys-1)
	}
}
