package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestCountryBGPPairsCollectorsWithin31Days: a country's BGP figures come
// from the collector snapshots nearest to the PeeringDB snapshot within 31
// days (rule 3 of docs/INDICATORS.md), each named with its RIB date in
// bgp.as_of; without one in the window they are null.
func TestCountryBGPPairsCollectorsWithin31Days(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bgp-pair.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pub := func(in ixp.SnapshotInput) {
		t.Helper()
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	pub(ixp.SnapshotInput{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindExchange, 171, 171, 0, ixp.Exchange{ID: 171, Name: "IX.br SP", Country: "BR"}),
		rec(ixp.KindConnection, 1, 171, 64500, ixp.Connection{ID: 1, IXID: 171, ASN: 64500, IPv4: "187.16.216.1"}),
	}})
	for _, at := range []time.Time{day.AddDate(0, 0, -60), day} {
		pub(ixp.SnapshotInput{Source: "rir:lacnic", At: at, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Records: []ixp.Record{
			rec(ixp.KindASNDelegation, 64500, 0, 64500, ixp.ASNDelegation{ASN: 64500, Country: "BR"}),
			rec(ixp.KindASNDelegation, 64501, 0, 64501, ixp.ASNDelegation{ASN: 64501, Country: "BR"}),
		}})
	}
	collector := func(name string, at time.Time, routes []mrtRoute) {
		t.Helper()
		rib := writeRIB(at, []mrtPeer{{"187.16.216.1", 64500}}, routes)
		r, err := mrt.NewReader(bytes.NewReader(rib), name+".mrt")
		if err != nil {
			t.Fatal(err)
		}
		agg := bgp.NewAggregator()
		if stats, err := r.Aggregate(ctx, agg); err != nil || !stats.Complete {
			t.Fatalf("read the test RIB: %+v, %v", stats, err)
		}
		in, err := snapshot.Build(ixp.BGPCollector{Name: name, IXID: 171, Type: "mrt"}, at, agg.Summary())
		if err != nil {
			t.Fatal(err)
		}
		pub(in)
	}
	// near: 20 days after the PeeringDB snapshot, one BR prefix; far: 40
	// days before, two more (must not count).
	collector("near", day.AddDate(0, 0, 20), []mrtRoute{{"200.0.0.0/16", 0, []uint32{64500}}})
	collector("far", day.AddDate(0, 0, -40), []mrtRoute{{"200.1.0.0/16", 0, []uint32{64501}}, {"200.2.0.0/16", 0, []uint32{64501}}})
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()

	type answer struct {
		BGP *struct {
			Routed int               `json:"routed_prefixes"`
			Reach  *int              `json:"locally_reachable_asns"`
			AsOf   map[string]string `json:"as_of"`
		} `json:"bgp"`
	}
	var got answer
	code, body := get(t, srv, "/api/v1/countries/BR")
	if code != 200 {
		t.Fatalf("BR: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.BGP == nil || got.BGP.Routed != 1 || got.BGP.Reach == nil || *got.BGP.Reach != 1 ||
		len(got.BGP.AsOf) != 1 || got.BGP.AsOf["bgp:near"] != "2024-01-21" {
		t.Errorf("BR bgp = %+v, want 1 routed prefix and 1 reachable ASN from bgp:near of 2024-01-21 only", got.BGP)
	}
	// The country page names the collector snapshot the figures come from.
	if code, page := get(t, srv, "/countries/BR"); code != 200 || !strings.Contains(page, "data-asof-bgp") || !strings.Contains(page, "collector near: Jan 21, 2024") || strings.Contains(page, "collector far") {
		t.Errorf("/countries/BR: %d; want the BGP source line naming collector near of Jan 21, 2024 only", code)
	}
	// Before the PeeringDB snapshot there is nothing to pair with: null,
	// though the far collector's snapshot is in force then.
	got = answer{}
	if code, body = get(t, srv, "/api/v1/countries/BR?at=2023-12-01"); code != 200 {
		t.Fatalf("BR at 2023-12-01: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.BGP != nil {
		t.Errorf("BR at 2023-12-01 (no PeeringDB snapshot) bgp = %+v, want null", got.BGP)
	}
	// The history's point of that snapshot gives the same figures with
	// the same RIB date as the country's answer at its date.
	var hist struct {
		Points []struct {
			Date string `json:"date"`
			answer
		} `json:"points"`
	}
	if code, body = get(t, srv, "/api/v1/countries/BR/history"); code != 200 {
		t.Fatalf("BR history: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &hist); err != nil {
		t.Fatal(err)
	}
	if len(hist.Points) != 1 || hist.Points[0].Date != "2024-01-01" {
		t.Fatalf("BR history points %+v, want the one of 2024-01-01", hist.Points)
	}
	if b := hist.Points[0].BGP; b == nil || b.Routed != 1 || b.Reach == nil || *b.Reach != 1 || len(b.AsOf) != 1 || b.AsOf["bgp:near"] != "2024-01-21" {
		t.Errorf("BR history point bgp = %+v, want 1 routed prefix and 1 reachable ASN from bgp:near of 2024-01-21 only", b)
	}
}
