package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// OpenTwo returns two handles on one new, empty store, as two processes
// would open it.
type OpenTwo func(t *testing.T) (store.Store, store.Store)

// RunTwoWriters checks that a handle publishing one snapshot after another
// stays exact when another handle changes the same source in between: it
// publishes a newer snapshot, deletes an earlier one (which joins the
// validity intervals alive at the newest snapshot) or backfills one before
// the newest (which splits them). A store may keep the state it left at the
// newest snapshot to publish the next one faster; these are the changes
// that make such a state out of date without this handle seeing them.
// Every store ends as a reference store given the same snapshots in order.
func RunTwoWriters(t *testing.T, open Opener, openTwo OpenTwo) {
	ctx := context.Background()
	e := exch(1, "IX.br SP")
	snap := func(d int, speed1, speed2 int64, extra ...ixp.Record) ixp.SnapshotInput {
		recs := append([]ixp.Record{e, conn(10, 1, 64500, speed1, true, true), conn(11, 1, 64501, speed2, false, false),
			conn(12, 1, 64502, 1000, false, true)}, extra...)
		return full("pdb", day(d), recs...)
	}
	type step struct {
		second bool // published or deleted through the other handle
		delete bool
		in     ixp.SnapshotInput
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  []ixp.SnapshotInput // the reference store's snapshots, in order
	}{
		{
			name: "the other deletes an earlier snapshot",
			steps: []step{
				{in: snap(0, 100, 100)},
				{in: snap(1, 200, 100)},
				{in: snap(2, 200, 300)},
				{second: true, delete: true, in: snap(1, 200, 100)},
				{in: snap(3, 400, 300)},
			},
			want: []ixp.SnapshotInput{snap(0, 100, 100), snap(2, 200, 300), snap(3, 400, 300)},
		},
		{
			name: "the other backfills before the newest",
			steps: []step{
				{in: snap(0, 100, 100)},
				{in: snap(4, 200, 300)},
				{second: true, in: snap(2, 200, 300)},
				{in: snap(6, 500, 600)},
			},
			want: []ixp.SnapshotInput{snap(0, 100, 100), snap(2, 200, 300), snap(4, 200, 300), snap(6, 500, 600)},
		},
		{
			name: "the other publishes a newer snapshot",
			steps: []step{
				{in: snap(0, 100, 100)},
				{second: true, in: snap(1, 200, 100, conn(13, 1, 64503, 1000, true, false))},
				{in: snap(2, 300, 100)},
			},
			want: []ixp.SnapshotInput{snap(0, 100, 100), snap(1, 200, 100, conn(13, 1, 64503, 1000, true, false)), snap(2, 300, 100)},
		},
		{
			name: "the other deletes the newest and publishes it again",
			steps: []step{
				{in: snap(0, 100, 100)},
				{in: snap(1, 200, 100)},
				{second: true, delete: true, in: snap(1, 200, 100)},
				{second: true, in: snap(1, 200, 100)},
				{in: snap(2, 200, 700)},
			},
			want: []ixp.SnapshotInput{snap(0, 100, 100), snap(1, 200, 100), snap(2, 200, 700)},
		},
		{
			name: "this handle deletes an earlier snapshot",
			steps: []step{
				{in: snap(0, 100, 100)},
				{in: snap(1, 200, 100)},
				{in: snap(2, 200, 300)},
				{delete: true, in: snap(1, 200, 100)},
				{in: snap(3, 400, 300)},
			},
			want: []ixp.SnapshotInput{snap(0, 100, 100), snap(2, 200, 300), snap(3, 400, 300)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := openTwo(t)
			for _, st := range tc.steps {
				h := a
				if st.second {
					h = b
				}
				if st.delete {
					if _, err := h.DeleteSnapshot(ctx, st.in.Source, st.in.At); err != nil {
						t.Fatalf("DeleteSnapshot(%s): %v", st.in.At.Format(time.DateOnly), err)
					}
					continue
				}
				mustPublish(t, h, st.in)
			}
			ref := open(t)
			for _, in := range tc.want {
				mustPublish(t, ref, in)
			}
			sameStores(t, a, ref, "pdb")
			sameStores(t, b, ref, "pdb")
		})
	}
}
