package ribs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestTieByPeerAddresses: a collector imported without an exchange is
// tied to the exchange whose PeeringDB LAN prefixes (at the snapshot
// time) hold its peers' addresses (mrtgen's peers are in 80.81.192.0/21
// and 2001:7f8:4::/64); without those prefixes it stays untied; a
// configured exchange is kept.
func TestTieByPeerAddresses(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "rib.gz")
	if err := os.WriteFile(path, gen(t, at, 2000, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	pdb := func(prefixes ...string) ixp.SnapshotInput {
		in := ixp.SnapshotInput{Source: "peeringdb", At: at.Add(-24 * time.Hour), Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindExchangePrefix}}
		for _, ix := range []int64{31, 171} {
			b, _ := json.Marshal(ixp.Exchange{ID: ix, Name: "IX", Country: "DE"})
			in.Records = append(in.Records, ixp.Record{Kind: ixp.KindExchange, ID: ix, IXID: ix, Data: b})
		}
		for i, p := range prefixes {
			ix := int64(31)
			if i == 0 && p == "187.16.216.0/21" {
				ix = 171
			}
			b, _ := json.Marshal(ixp.ExchangePrefix{ID: int64(i + 1), IXID: ix, Prefix: p})
			in.Records = append(in.Records, ixp.Record{Kind: ixp.KindExchangePrefix, ID: int64(i + 1), IXID: ix, Data: b})
		}
		return in
	}
	tests := []struct {
		name     string
		prefixes []string // of ix 31 (ix 171 when the first is IX.br's)
		ixid     int64
		want     int64
		wantBy   string
	}{
		{"tied by its peers", []string{"80.81.192.0/21", "2001:7f8:4::/64"}, 0, 31, "peer-addresses"},
		{"IPv4 LAN only: two thirds of the peers", []string{"80.81.192.0/21"}, 0, 31, "peer-addresses"},
		{"peers in no LAN", []string{"187.16.216.0/21"}, 0, 0, ""},
		{"no PeeringDB", nil, 0, 0, ""},
		{"configured", []string{"80.81.192.0/21"}, 171, 171, "config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if tc.prefixes != nil {
				if _, err := st.Publish(ctx, pdb(tc.prefixes...)); err != nil {
					t.Fatal(err)
				}
			}
			res, err := ribs.ImportFile(ctx, st, path, ribs.ImportOptions{Collector: "pch-x", IXID: tc.ixid})
			if err != nil {
				t.Fatal(err)
			}
			recs, err := st.Objects(ctx, "bgp:pch-x", ixp.KindBGPCollector, at, store.Filter{})
			if err != nil || len(recs) != 1 {
				t.Fatalf("collector record: %v %v", recs, err)
			}
			var c ixp.BGPCollector
			if err := json.Unmarshal(recs[0].Data, &c); err != nil {
				t.Fatal(err)
			}
			if c.IXID != tc.want || c.TiedBy != tc.wantBy || res.IXID != tc.want || res.TiedBy != tc.wantBy {
				t.Errorf("tied to %d by %q (result %d %q), want %d by %q", c.IXID, c.TiedBy, res.IXID, res.TiedBy, tc.want, tc.wantBy)
			}
		})
	}
}
