package dashboard_test

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"
)

// benchmarkEndpoint sends sequential requests over loopback HTTP to a
// server with the three PeeringDB dumps loaded (warm: the first requests
// are not counted) and reports p50 and p99 latency.
func benchmarkEndpoint(b *testing.B, path string) {
	srv := serverFor(&testing.T{}, "sqlite")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	do := func() {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
	}
	for range 50 {
		do()
	}
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		do()
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func BenchmarkAPI(b *testing.B) {
	for _, path := range []string{
		"/api/v1/ixps/171",
		"/api/v1/ixps/171/history",
		"/api/v1/ixps/171/members",
		"/api/v1/ixps?per_page=1000",
		"/api/v1/networks/15169",
		"/api/v1/ixps/171/events?from=2019-01-01",
		"/api/v1/regions/world/history",
		"/api/v1/regions/lac/history",
	} {
		b.Run(fmt.Sprintf("GET %s", path), func(b *testing.B) { benchmarkEndpoint(b, path) })
	}
}
