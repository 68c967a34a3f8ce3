package storetest

import (
	"context"
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
		d, err := peeringdb.ReadDir(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		in, err := d.Snapshot(time.Time{}, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Publish(ctx, in); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.ReportMetric(float64(len(in.Records)), "objects")
		b.StartTimer()
	}
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
