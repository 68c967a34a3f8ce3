package snapshot_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func route(peerASN uint32, peer, prefix string, path ...uint32) bgp.Route {
	return bgp.Route{Peer: bgp.Peer{ASN: peerASN, Addr: netip.MustParseAddr(peer)}, Prefix: netip.MustParsePrefix(prefix),
		Path: []bgp.Segment{{ASNs: path}}}
}

func TestBuildAndStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "b.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agg := bgp.NewAggregator()
	agg.Announce(route(64500, "187.16.216.1", "10.0.0.0/8", 64500, 64501))
	agg.Announce(route(64500, "187.16.216.1", "2001:db8::/32", 64500, 64500, 64502))
	agg.Announce(route(64510, "187.16.216.2", "10.0.0.0/8", 64510, 64501))
	c := ixp.BGPCollector{Name: "rrc15", IXID: 171, Type: "mrt", Files: []string{"bview.gz"}}
	day := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	in, err := snapshot.Build(c, day, agg.Summary())
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Publish(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"bgp_collector": 1, "bgp_peer": 2, "bgp_origin": 2, "bgp_link": 2, "bgp_prefix": 2} // links grouped by A: 64500 (2), 64501 (1)
	for k, n := range want {
		if res.Snapshot.Counts[k] != n {
			t.Errorf("%s = %d, want %d (counts %v)", k, res.Snapshot.Counts[k], n, res.Snapshot.Counts)
		}
	}
	recs, _ := st.Objects(ctx, "bgp:rrc15", ixp.KindBGPOrigin, time.Time{}, store.Filter{ASN: 64501})
	var o ixp.BGPOrigin
	if len(recs) != 1 || json.Unmarshal(recs[0].Data, &o) != nil || o.PrefixesV4 != 1 || o.AddrsV4 != 1<<24 || recs[0].IXID != 171 {
		t.Errorf("origin 64501 = %+v (%d records)", o, len(recs))
	}
	// The same table later: no new versions but the collector's route count.
	again, _ := snapshot.Build(c, day.Add(8*time.Hour), agg.Summary())
	res, err = st.Publish(ctx, again)
	if err != nil || res.Inserted != 0 {
		t.Errorf("unchanged table: %d versions written (%v), want 0", res.Inserted, err)
	}
	if err := snapshot.ValidName("bad name/"); err == nil {
		t.Errorf("ValidName accepted a slash")
	}
}
