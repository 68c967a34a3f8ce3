package alicelg_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ixpobs/ixpobs/collector/alicelg"
	"github.com/ixpobs/ixpobs/collector/alicelgtest"
	"github.com/ixpobs/ixpobs/collector/vantage"
)

// TestMetrics: the fetcher counts its requests by endpoint, the routes it
// read, the time of each request and its errors by kind, on the registry
// it is given.
func TestMetrics(t *testing.T) {
	type counts struct {
		requests map[string]float64 // by endpoint
		routes   float64
		errors   map[string]float64 // by kind
	}
	tests := []struct {
		name    string
		setup   func(*alicelgtest.Server)
		budget  int
		timeout time.Duration
		want    counts
	}{
		// routeservers + neighbors + 3 pages for n1 + 1 (empty) page for n2.
		{"complete", func(*alicelgtest.Server) {}, 100, time.Minute,
			counts{map[string]float64{"routeservers": 1, "neighbors": 1, "routes_received": 4}, 600, nil}},
		{"budget", func(*alicelgtest.Server) {}, 4, time.Minute,
			counts{map[string]float64{"routeservers": 1, "neighbors": 1, "routes_received": 2}, 500, map[string]float64{"budget": 1}}},
		{"page error", func(s *alicelgtest.Server) {
			s.Fail("/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=2", http.StatusServiceUnavailable)
		}, 100, time.Minute,
			counts{map[string]float64{"routeservers": 1, "neighbors": 1, "routes_received": 3}, 500, map[string]float64{"http_5xx": 1}}},
		{"route servers 429", func(s *alicelgtest.Server) { s.Fail("/api/v1/routeservers", http.StatusTooManyRequests) }, 100, time.Minute,
			counts{map[string]float64{"routeservers": 1}, 0, map[string]float64{"http_429": 1}}},
		{"page not honoured", func(s *alicelgtest.Server) { s.IgnorePage() }, 100, time.Minute,
			counts{map[string]float64{"routeservers": 1, "neighbors": 1, "routes_received": 2}, 250, map[string]float64{"pagination": 1}}},
		{"slow page", func(s *alicelgtest.Server) {
			s.Slow("/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=1", 3*time.Second)
		}, 100, 300 * time.Millisecond,
			counts{map[string]float64{"routeservers": 1, "neighbors": 1, "routes_received": 2}, 250, map[string]float64{"timeout": 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := alicelgtest.New(fakeRS(600))
			defer srv.Close()
			tc.setup(srv)
			reg := prometheus.NewRegistry()
			m := alicelg.NewMetrics(reg)
			m.Init("fake")
			f := alicelg.New(client(t), openStore(t), alicelg.Config{Pace: time.Millisecond, Budget: tc.budget, PageTimeout: tc.timeout, Metrics: m,
				LANs: func(context.Context) ([]vantage.LAN, error) { return lans, nil }})
			f.Collect(context.Background(), alicelg.LookingGlass{Name: "fake", BaseURL: srv.URL, Routes: true})
			got := series(t, reg)
			var sent, observed float64
			errs := map[string]float64{}
			for k, v := range got {
				switch {
				case strings.HasPrefix(k, "ixpobs_alicelg_requests_total "):
					sent += v
				case strings.HasPrefix(k, "ixpobs_alicelg_request_duration_seconds "):
					observed += v
				case strings.HasPrefix(k, "ixpobs_alicelg_errors_total "):
					errs[strings.TrimPrefix(k, "ixpobs_alicelg_errors_total glass=fake,kind=")] = v
				}
			}
			for _, e := range alicelg.Endpoints {
				if v := got["ixpobs_alicelg_requests_total endpoint="+e+",glass=fake"]; v != tc.want.requests[e] {
					t.Errorf("requests{%s} = %v, want %v", e, v, tc.want.requests[e])
				}
			}
			if int(sent) != len(srv.Requests()) {
				t.Errorf("%v requests counted, the server saw %d", sent, len(srv.Requests()))
			}
			if observed != sent {
				t.Errorf("%v durations observed, %v requests", observed, sent)
			}
			if v := got["ixpobs_alicelg_routes_fetched_total glass=fake"]; v != tc.want.routes {
				t.Errorf("routes fetched = %v, want %v", v, tc.want.routes)
			}
			if len(errs) != len(tc.want.errors) {
				t.Errorf("errors %v, want %v", errs, tc.want.errors)
			}
			for k, v := range tc.want.errors {
				if errs[k] != v {
					t.Errorf("errors{%s} = %v, want %v (all: %v)", k, errs[k], v, errs)
				}
			}
			if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
				t.Errorf("lint: %v %v", problems, err)
			}
		})
	}
	// A nil *Metrics records nothing and does not fail.
	srv := alicelgtest.New(fakeRS(3))
	defer srv.Close()
	if _, err := fetcher(t, openStore(t), 100, time.Minute).Collect(context.Background(), alicelg.LookingGlass{Name: "fake", BaseURL: srv.URL, Routes: true}); err != nil {
		t.Fatal(err)
	}
}

// series returns the value of every counter series and the sample count
// of every histogram series of reg, by "name label=value,...".
func series(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			key := mf.GetName() + " " + strings.Join(ls, ",")
			if h := m.GetHistogram(); h != nil {
				out[key] = float64(h.GetSampleCount())
			} else {
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}
