package alicelg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/alicelg"
	"github.com/ixpobs/ixpobs/collector/alicelgtest"
	"github.com/ixpobs/ixpobs/collector/vantage"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestRecordedShapes decodes answers in Alice-LG's shapes (testdata) and
// converts their routes.
func TestRecordedShapes(t *testing.T) {
	read := func(name string, v any) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var rss alicelg.RouteServersResponse
	read("routeservers.json", &rss)
	if len(rss.RouteServers) != 2 || rss.RouteServers[0].ID != "rs1-sp-v4" || rss.RouteServers[1].Group != "São Paulo" {
		t.Errorf("route servers: %+v", rss)
	}
	var nr alicelg.NeighborsResponse
	read("neighbors.json", &nr)
	if !nr.Meta.ResultFromCache || nr.Meta.CacheStatus.CachedAt.Format(time.RFC3339) != "2022-06-01T12:00:05Z" || len(nr.Neighbors) != 2 {
		t.Errorf("neighbors meta: %+v", nr.Meta)
	}
	if n := nr.Neighbors[0]; n.ASN != 15169 || n.Uptime != time.Hour || n.RoutesAccepted != 3 || n.State != "up" {
		t.Errorf("neighbor: %+v", n)
	}
	var rr alicelg.RoutesResponse
	read("routes_received.json", &rr)
	if rr.Pagination.TotalPages != 1 || rr.Pagination.TotalResults != 3 || len(rr.Imported) != 3 {
		t.Errorf("routes: %+v", rr.Pagination)
	}
	if p := rr.Imported[1].BGP.AsPath; len(p) != 2 || p[1] != 36040 {
		t.Errorf("as path %v", p)
	}
}

func client(t *testing.T) *safehttp.Client {
	t.Helper()
	cfg := safehttp.DefaultConfig()
	cfg.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	c, err := safehttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fakeRS is a route server with an established neighbour sending n
// routes (in 10.x.y.0/24), one established neighbour sending none and a
// neighbour that is down; all at 187.16.216.0/21.
func fakeRS(n int) alicelgtest.RouteServer {
	rs := alicelgtest.RouteServer{RouteServer: alicelg.RouteServer{ID: "rs1-sp-v4", Name: "rs1 São Paulo", Group: "SP"},
		Routes: map[string][]alicelg.Route{}}
	rs.Neighbors = []alicelg.Neighbor{
		{ID: "n1", Address: "187.16.216.10", ASN: 64500, State: "up", RoutesReceived: n, RoutesAccepted: n, Uptime: time.Hour},
		{ID: "n2", Address: "187.16.216.11", ASN: 64501, State: "Established"},
		{ID: "n3", Address: "187.16.217.12", ASN: 64502, State: "down"},
	}
	for i := 0; i < n; i++ {
		rs.Routes["n1"] = append(rs.Routes["n1"], alicelg.Route{Network: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256),
			BGP: &alicelg.BGPInfo{AsPath: []int64{64500, int64(65000 + i%7)}}})
	}
	return rs
}

var lans = []vantage.LAN{{IXID: 171, Prefix: netip.MustParsePrefix("187.16.216.0/21")}}

func fetcher(t *testing.T, st store.Store, budget int, pageTimeout time.Duration) *alicelg.Fetcher {
	return alicelg.New(client(t), st, alicelg.Config{Pace: time.Millisecond, Budget: budget, PageTimeout: pageTimeout,
		LANs: func(context.Context) ([]vantage.LAN, error) { return lans, nil }})
}

func collector(t *testing.T, st store.Store, src string) (ixp.BGPCollector, []ixp.BGPPeer, ixp.Snapshot) {
	t.Helper()
	ctx := context.Background()
	sn, err := st.SnapshotAt(ctx, src, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Objects(ctx, src, ixp.KindBGPCollector, sn.At, store.Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("collector records: %v %v", recs, err)
	}
	var c ixp.BGPCollector
	if err := json.Unmarshal(recs[0].Data, &c); err != nil {
		t.Fatal(err)
	}
	recs, err = st.Objects(ctx, src, ixp.KindBGPPeer, sn.At, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var peers []ixp.BGPPeer
	for _, r := range recs {
		var p ixp.BGPPeer
		if err := json.Unmarshal(r.Data, &p); err != nil {
			t.Fatal(err)
		}
		peers = append(peers, p)
	}
	return c, peers, sn
}

func TestCollectComplete(t *testing.T) {
	srv := alicelgtest.New(fakeRS(600))
	defer srv.Close()
	st := openStore(t)
	res, err := fetcher(t, st, 100, time.Minute).Collect(context.Background(), alicelg.LookingGlass{Name: "fake", BaseURL: srv.URL, Routes: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Table != "complete" || res[0].Routes != 600 || res[0].IX.IXID != 171 || res[0].IX.By != "peer-addresses" {
		t.Fatalf("result %+v", res)
	}
	// routeservers + neighbors + 3 pages for n1 + 1 (empty) page for n2; n3 is down.
	if got := len(srv.Requests()); got != 6 {
		t.Errorf("%d requests: %v", got, srv.Requests())
	}
	c, peers, _ := collector(t, st, "bgp:alicelg-fake-rs1-sp-v4")
	if c.Table != "complete" || !c.Counted() || c.Prefixes != 600 || c.Origins != 7 || c.IXID != 171 || c.Type != "alicelg" || c.TableStarted == nil {
		t.Errorf("collector %+v", c)
	}
	if len(peers) != 3 {
		t.Fatalf("peers %+v", peers)
	}
	est := 0
	for _, p := range peers {
		if p.Established() {
			est++
		}
		if p.ASN == 64500 && (p.PrefixesV4 != 600 || *p.RoutesReceived != 600 || *p.UptimeSeconds != 3600) {
			t.Errorf("peer 64500: %+v", p)
		}
	}
	if est != 2 {
		t.Errorf("established = %d, want 2", est)
	}
}

// TestCollectBudget: a run cut by the budget stores a partial table (not
// counted); the next run continues where it stopped and completes it.
func TestCollectBudget(t *testing.T) {
	srv := alicelgtest.New(fakeRS(600))
	defer srv.Close()
	st := openStore(t)
	f := fetcher(t, st, 4, time.Minute) // routeservers, neighbors, 2 pages
	g := alicelg.LookingGlass{Name: "fake", BaseURL: srv.URL, Routes: true}
	res, err := f.Collect(context.Background(), g)
	if !errors.Is(err, alicelg.ErrBudget) || len(res) != 0 && res[0].Table != "partial" {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	c, _, sn1 := collector(t, st, "bgp:alicelg-fake-rs1-sp-v4")
	if c.Table != "partial" || c.Counted() || c.Prefixes != 500 {
		t.Errorf("first snapshot %+v", c)
	}
	time.Sleep(1100 * time.Millisecond) // snapshots are stored by the second
	if _, err := f.Collect(context.Background(), g); err != nil {
		t.Fatalf("second run: %v", err)
	}
	c, _, sn2 := collector(t, st, "bgp:alicelg-fake-rs1-sp-v4")
	if c.Table != "complete" || c.Prefixes != 600 || !sn2.At.After(sn1.At) || !c.TableStarted.Equal(sn1.At) {
		t.Errorf("second snapshot %+v at %s (first %s)", c, sn2.At, sn1.At)
	}
	want := []string{"/api/v1/routeservers", "/api/v1/routeservers/rs1-sp-v4/neighbors",
		"/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=0", "/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=1",
		"/api/v1/routeservers", "/api/v1/routeservers/rs1-sp-v4/neighbors",
		"/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=2", "/api/v1/routeservers/rs1-sp-v4/neighbors/n2/routes/received?page=0"}
	if got := srv.Requests(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("requests\n got %v\nwant %v", got, want)
	}
}

func TestCollectFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*alicelgtest.Server)
		timeout   time.Duration
		wantErr   string
		wantTable string // "" when nothing is stored
	}{
		{"neighbors error body", func(s *alicelgtest.Server) {
			s.Fail("/api/v1/routeservers/rs1-sp-v4/neighbors", http.StatusInternalServerError)
		}, time.Minute, "injected failure (tag GENERIC_ERROR, code 42)", ""},
		{"route servers down", func(s *alicelgtest.Server) { s.Fail("/api/v1/routeservers", http.StatusBadGateway) }, time.Minute, "502", ""},
		{"slow page", func(s *alicelgtest.Server) {
			s.Slow("/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=1", 3*time.Second)
		}, 300 * time.Millisecond, "rs1-sp-v4: routes", "partial"},
		{"page not honoured", func(s *alicelgtest.Server) { s.IgnorePage() }, time.Minute, "asked page 1, got page 0", "partial"},
		{"page error", func(s *alicelgtest.Server) {
			s.Fail("/api/v1/routeservers/rs1-sp-v4/neighbors/n1/routes/received?page=2", http.StatusServiceUnavailable)
		}, time.Minute, "503", "partial"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := alicelgtest.New(fakeRS(600))
			defer srv.Close()
			tc.setup(srv)
			st := openStore(t)
			_, err := fetcher(t, st, 100, tc.timeout).Collect(context.Background(), alicelg.LookingGlass{Name: "fake", BaseURL: srv.URL, Routes: true})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			_, serr := st.SnapshotAt(context.Background(), "bgp:alicelg-fake-rs1-sp-v4", time.Now().Add(time.Hour))
			if tc.wantTable == "" {
				if !errors.Is(serr, ixp.ErrNotFound) {
					t.Errorf("snapshot stored: %v", serr)
				}
				return
			}
			if c, _, _ := collector(t, st, "bgp:alicelg-fake-rs1-sp-v4"); c.Table != tc.wantTable || c.Counted() {
				t.Errorf("table %q, want %q", c.Table, tc.wantTable)
			}
		})
	}
}

// TestCollectCachedNeighbours: an answer from Alice-LG's cache dates the
// snapshot at its cached_at; without routes the table is "none".
func TestCollectCachedNeighbours(t *testing.T) {
	srv := alicelgtest.New(fakeRS(10))
	defer srv.Close()
	srv.CachedAt = time.Date(2022, 6, 1, 11, 58, 0, 0, time.UTC)
	st := openStore(t)
	res, err := fetcher(t, st, 100, time.Minute).Collect(context.Background(),
		alicelg.LookingGlass{Name: "fake", BaseURL: srv.URL, IXIDs: map[string]int64{"rs1-sp-v4": 999}})
	if err != nil || len(res) != 1 || res[0].IX != (vantage.Match{IXID: 999, By: "override", Addresses: 3}) {
		t.Fatalf("%+v %v", res, err)
	}
	c, peers, sn := collector(t, st, "bgp:alicelg-fake-rs1-sp-v4")
	if !sn.At.Equal(srv.CachedAt) || c.Table != "none" || c.Counted() || len(peers) != 3 || len(srv.Requests()) != 2 {
		t.Errorf("snapshot at %s, collector %+v, %d peers, requests %v", sn.At, c, len(peers), srv.Requests())
	}
}

func TestLookingGlassValidate(t *testing.T) {
	for _, g := range alicelg.DefaultLookingGlasses() {
		if err := g.Validate(); err != nil {
			t.Errorf("default %s: %v", g.Name, err)
		}
	}
	for _, g := range []alicelg.LookingGlass{{Name: "Bad Name", BaseURL: "https://x"}, {Name: "ok", BaseURL: "ftp://x"}, {Name: "ok", BaseURL: ""}} {
		if err := g.Validate(); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("%+v: err = %v", g, err)
		}
	}
}
