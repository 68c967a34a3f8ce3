package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ixpobs/ixpobs/collector/alicelg"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/metrics"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// metricsServer serves a store with one IXP, one RIR snapshot and runs:
// peeringdb failing now but successful before, rir:lacnic never run.
func metricsServer(t *testing.T) (*httptest.Server, *prometheus.Registry, *dashboard.Server) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	conn := func(id int64, asn ixp.ASN) ixp.Record {
		return rec(ixp.KindConnection, id, 7, asn, ixp.Connection{ID: id, IXID: 7, ASN: asn, Speed: 10000, IPv6: "2001:db8::1"})
	}
	for _, in := range []ixp.SnapshotInput{
		{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: []ixp.Record{
			rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "IX \"Seven\"", Country: "BR", Region: "South America"}),
			conn(1, 100), conn(2, 200), conn(3, 300)}},
		{Source: "rir:lacnic", At: day, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Records: []ixp.Record{
			rec(ixp.KindASNDelegation, 100, 0, 100, ixp.ASNDelegation{ASN: 100, Country: "BR", Status: "allocated"}),
			rec(ixp.KindASNDelegation, 900, 0, 900, ixp.ASNDelegation{ASN: 900, Country: "BR", Status: "allocated"})}},
	} {
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []store.Run{
		{Source: "peeringdb", Started: day, Finished: day.Add(90 * time.Second), OK: true},
		{Source: "peeringdb", Started: day.Add(time.Hour), Finished: day.Add(time.Hour + time.Second), ErrorKind: "http_5xx", Error: "boom"},
	} {
		if err := st.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	runs := metrics.NewRuns(reg)
	if err := metrics.RegisterBuildInfo(reg, "v1.2.3", "0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	runs.Init("peeringdb")
	runs.Observe("peeringdb", "http_5xx")
	d := dashboard.New(st, dashboard.Config{Registry: reg, HTTPMetrics: metrics.NewHTTP(reg), Sources: []string{"peeringdb", "rir:lacnic"}})
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	return srv, reg, d
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestMetricsValues(t *testing.T) {
	srv, _, _ := metricsServer(t)
	get(t, srv, "/api/v1/ixps/7") // one request for the HTTP metrics
	body := scrape(t, srv.URL+"/metrics")
	for _, want := range []string{
		`ixpobs_ixp_info{country="BR",ixp="IX \"Seven\"",ixp_id="7",region="south-america"} 1`,
		`ixpobs_ixp_members{country="BR",ixp_id="7",region="south-america"} 3`,
		`ixpobs_ixp_capacity_bytes_per_second{country="BR",ixp_id="7",region="south-america"} 3.75e+09`,
		`ixpobs_ixp_ipv6_members{country="BR",ixp_id="7",region="south-america"} 3`,
		`ixpobs_country_registered_asns{country="BR",region="south-america"} 2`,
		`ixpobs_country_local_participation_ratio{country="BR",region="south-america"} 0.5`,
		// Every source failing or never run: up 0, the last success kept.
		`ixpobs_source_up{source="peeringdb"} 0`,
		`ixpobs_source_last_success_timestamp_seconds{source="peeringdb"} 1.70406729e+09`,
		`ixpobs_source_up{source="rir:lacnic"} 0`,
		`ixpobs_source_last_success_timestamp_seconds{source="rir:lacnic"} 0`,
		`ixpobs_source_errors_total{kind="http_5xx",source="peeringdb"} 1`,
		`ixpobs_source_objects{kind="netixlan",source="peeringdb"} 3`,
		`ixpobs_metrics_collect_success{part="countries"} 1`,
		`ixpobs_build_info{goversion="` + runtime.Version() + `",revision="0123456789abcdef",version="v1.2.3"} 1`,
		`ixpobs_http_requests_total{code="200",method="GET",route="/api/v1/ixps/{id}"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The IXP series carry no display name: a rename keeps them.
	if regexp.MustCompile(`(?m)^ixpobs_ixp_(members|connections|capacity_bytes_per_second|ipv6_members|route_server_members)\{[^}]*\bixp=`).MatchString(body) {
		t.Error("an IXP series is labelled with the IXP's name (only ixpobs_ixp_info may be)")
	}
	// OpenMetrics to a scraper that asks for it.
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	om, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text") || !strings.HasSuffix(string(om), "# EOF\n") {
		t.Errorf("OpenMetrics scrape: %s, ends %q", resp.Header.Get("Content-Type"), om[max(0, len(om)-20):])
	}
	if lac := scrape(t, srv.URL+"/metrics?region=europe"); strings.Contains(lac, "ixpobs_ixp_members{") {
		t.Errorf("?region=europe still exports the Brazilian IXP")
	}
	if code, _ := get(t, srv, "/metrics?region=atlantis"); code != 400 {
		t.Errorf("/metrics?region=atlantis = %d, want 400", code)
	}
}

// TestMetricsDocumented checks docs/METRICS.md against what is exported,
// and lints the exposition.
func TestMetricsDocumented(t *testing.T) {
	srv, reg, d := metricsServer(t)
	// serve registers the Alice-LG fetcher's series on the same registry
	// when the source is enabled (cmd/ixpobs aliceLGSources).
	alicelg.NewMetrics(reg).Init("ixbr")
	get(t, srv, "/api/v1/ixps/7")
	body := scrape(t, srv.URL+"/metrics")
	exported := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (ixpobs_\w+) `).FindAllStringSubmatch(body, -1) {
		exported[m[1]] = true
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "METRICS.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(ixpobs_\\w+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	// Described but without a value in this store (no BGP data yet).
	exported["ixpobs_country_bgp_reachability_ratio"] = true
	// Needs a vantage point and RIR data: exported in TestARDAAliceLGRealData.
	exported["ixpobs_country_arda_ratio"] = true
	// Counted only when a new snapshot's notes name a quirk (none in this
	// store): its export is tested by collector.TestRunnerCountsQuirks.
	exported["ixpobs_source_quirks_total"] = true
	// Series appear with the first error or request: exercised in
	// collector/alicelg TestMetrics.
	exported["ixpobs_alicelg_errors_total"] = true
	exported["ixpobs_alicelg_request_duration_seconds"] = true
	var missing, extra []string
	for n := range exported {
		if !documented[n] {
			missing = append(missing, n)
		}
	}
	for n := range documented {
		if !exported[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("docs/METRICS.md: undocumented %v; documented but not exported %v", missing, extra)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	ind := prometheus.NewRegistry()
	ind.MustRegister(metrics.NewIndicators(d, metrics.Filter{}, nil))
	more, err := testutil.GatherAndLint(ind)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(problems, more...) {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
