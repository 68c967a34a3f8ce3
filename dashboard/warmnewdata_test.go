package dashboard

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestWarmOnNewData checks that a snapshot published by someone else than
// the server (another process writing to the same store) gets its view
// built without a request asking for it.
func TestWarmOnNewData(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "warm.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set := realdata.Trimmed(t)
	publish := func(name string) ixp.Snapshot {
		d, err := peeringdb.ReadDir(ctx, set.PeeringDBDir(name))
		if err != nil {
			t.Fatal(err)
		}
		in, err := d.Snapshot(realdata.DumpDate(name), false)
		if err != nil {
			t.Fatal(err)
		}
		sn, err := st.Publish(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return sn.Snapshot
	}
	first := publish(realdata.PeeringDBFullDumps[0])
	s := New(st, Config{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.WarmOnNewData(ctx, 10*time.Millisecond)
	}()
	waitForView := func(sn ixp.Snapshot) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			if _, ok := s.views.peek(sn.ID); ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the view of snapshot %d (%s) was not built", sn.ID, sn.At.Format(time.DateOnly))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitForView(first)
	waitForView(publish(realdata.PeeringDBFullDumps[1]))
	cancel()
	<-done
}
