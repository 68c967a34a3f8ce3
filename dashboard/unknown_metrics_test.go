package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestMetricsUnknownIsAbsent: a figure whose input does not exist is an
// absent series, never 0 (issue 15, rule 2), and every source exports the
// date of its data and whether it is stale.
func TestMetricsUnknownIsAbsent(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "u.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rirDay := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.Publish(ctx, ixp.SnapshotInput{Source: "rir:lacnic", At: rirDay, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Records: []ixp.Record{
		rec(ixp.KindASNDelegation, 100, 0, 100, ixp.ASNDelegation{ASN: 100, Country: "BR", Status: "allocated"})}}); err != nil {
		t.Fatal(err)
	}
	d := dashboard.New(st, dashboard.Config{Intervals: map[string]time.Duration{"peeringdb": time.Hour}})
	now := rirDay.Add(100 * time.Hour)
	d.Now = func() time.Time { return now }
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)

	// Only LACNIC: no PeeringDB figure at all, BR's registered ASNs known.
	body := scrape(t, srv.URL+"/metrics")
	for _, want := range []string{
		`ixpobs_country_registered_asns{country="BR",region="south-america"} 1`,
		`ixpobs_country_source_timestamp_seconds{source="rir:lacnic"} 1.7040672e+09`,
		`ixpobs_source_data_timestamp_seconds{source="rir:lacnic"} 1.7040672e+09`,
		// 100 hours old, rir default 72 hours: stale.
		`ixpobs_source_stale{source="rir:lacnic"} 1`,
		`ixpobs_source_max_age_seconds{source="rir:lacnic"} 259200`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("LACNIC only: /metrics lacks %s", want)
		}
	}
	for _, absent := range []string{`ixpobs_country_ixps{`, `ixpobs_country_active_ixps{`, `ixpobs_country_ixp_members{`,
		`ixpobs_country_registered_asns_at_local_ixps{`, `ixpobs_country_local_participation_ratio{`, `ixpobs_country_source_timestamp_seconds{source="peeringdb"}`} {
		if strings.Contains(body, absent) {
			t.Errorf("LACNIC only: /metrics has %s… though no PeeringDB snapshot exists", absent)
		}
	}

	// A PeeringDB snapshot with an exchange in the US (ARIN: no file) and
	// one whose connection has no port speed.
	pdbDay := rirDay.Add(90 * time.Hour)
	if _, err := st.Publish(ctx, ixp.SnapshotInput{Source: "peeringdb", At: pdbDay, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindExchange, 8, 8, 0, ixp.Exchange{ID: 8, Name: "US IX", Country: "US"}),
		rec(ixp.KindConnection, 1, 8, 100, ixp.Connection{ID: 1, IXID: 8, ASN: 100, Speed: 0}),
	}}); err != nil {
		t.Fatal(err)
	}
	body = scrape(t, srv.URL+"/metrics")
	for _, want := range []string{
		`ixpobs_country_ixps{country="US",region="north-america"} 1`,
		`ixpobs_country_ixp_members{country="US",region="north-america"} 1`,
		`ixpobs_country_source_timestamp_seconds{source="peeringdb"} 1.7043912e+09`,
		// 10 hours old, twice the configured 1h interval but at least 24h.
		`ixpobs_source_stale{source="peeringdb"} 0`,
		`ixpobs_source_max_age_seconds{source="peeringdb"} 86400`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("with PeeringDB: /metrics lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`(?m)^ixpobs_country_registered_asns(_at_local_ixps)?\{country="US".*$`).FindString(body); m != "" {
		t.Errorf("US has no RIR file, yet /metrics exports %s", m)
	}
	if m := regexp.MustCompile(`(?m)^ixpobs_ixp_capacity_bytes_per_second\{[^}]*ixp_id="8".*$`).FindString(body); m != "" {
		t.Errorf("IXP 8 has no known port speed, yet /metrics exports %s", m)
	}

	// /api/v1/sources says the same.
	_, raw := get(t, srv, "/api/v1/sources")
	var src struct {
		Data []struct {
			Source    string `json:"source"`
			Freshness *struct {
				DataDate string   `json:"data_date"`
				AgeHours float64  `json:"age_hours"`
				MaxAge   *float64 `json:"max_age_hours"`
				Stale    *bool    `json:"stale"`
				Rule     string   `json:"rule"`
			} `json:"freshness"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(raw), &src); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		date  string
		age   float64
		max   float64
		stale bool
	}{"rir:lacnic": {"2024-01-01", 100, 72, true}, "peeringdb": {"2024-01-04", 10, 24, false}}
	for _, s := range src.Data {
		w, ok := want[s.Source]
		if !ok {
			continue
		}
		delete(want, s.Source)
		f := s.Freshness
		if f == nil || f.DataDate != w.date || f.AgeHours != w.age || f.MaxAge == nil || *f.MaxAge != w.max || f.Stale == nil || *f.Stale != w.stale {
			t.Errorf("%s freshness %+v, want date %s age %vh max %vh stale %v", s.Source, f, w.date, w.age, w.max, w.stale)
		}
	}
	if len(want) > 0 {
		t.Errorf("/api/v1/sources lacks %v: %s", want, raw)
	}
}
