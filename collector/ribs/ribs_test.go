package ribs_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp/mrt/mrtgen"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func gen(t *testing.T, at time.Time, entries int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := mrtgen.Write(&b, mrtgen.Options{Entries: entries, Peers: 20, Seed: seed, Gzip: true, Time: at}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// archive serves files by path and counts requests per path.
type archive struct {
	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
}

func (a *archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hits[r.URL.Path]++
	b, ok := a.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Write(b)
}

func (a *archive) count(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits[path]
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

func TestURL(t *testing.T) {
	for _, c := range ribs.DefaultCollectors() {
		if err := c.Validate(); err != nil {
			t.Errorf("default %s: %v", c.Name, err)
		}
	}
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		want []string
	}{
		{"rrc15", []string{"https://data.ris.ripe.net/rrc15/2026.11/bview.20261128.0800.gz"}},
		{"route-views.saopaulo", []string{"https://archive.routeviews.org/route-views.saopaulo/bgpdata/2026.11/RIBS/rib.20261128.0800.bz2"}},
		{"pch-scl", []string{
			"https://downloads.pch.net/files/Routing_Data/IPv4_daily_snapshots/2026/11/route-collector.scl.pch.net/route-collector.scl.pch.net-ipv4_bgp_routes.2026.11.28.gz",
			"https://downloads.pch.net/files/Routing_Data/IPv6_daily_snapshots/2026/11/route-collector.scl.pch.net/route-collector.scl.pch.net-ipv6_bgp_routes.2026.11.28.gz",
		}},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range ribs.DefaultCollectors() {
			if c.Name == tt.name {
				got = c.URLs(at)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: URLs = %q, want %q", tt.name, got, tt.want)
		}
	}
	bad := []ribs.Collector{
		{Name: "x", URLTemplate: "https://h/{hh}", Period: 7 * time.Hour},
		{Name: "x", URLTemplate: "ftp://h/{hh}", Period: 8 * time.Hour},
		{Name: "bad name", URLTemplate: "https://h/{hh}", Period: 8 * time.Hour},
		{Name: "x", URLTemplate: "https://h/{DD}", Period: 8 * time.Hour},
		{Name: "x", URLTemplate: "https://h/{DD}", URLTemplateV6: "file:///etc/{DD}", Period: 24 * time.Hour},
		{Name: "x", URLTemplateV6: "https://h/{DD}", Period: 24 * time.Hour},
	}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", c, err)
		}
	}
}

func TestCollectNewestThenSkip(t *testing.T) {
	ctx := context.Background()
	d0800 := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	a := &archive{hits: map[string]int{}, files: map[string][]byte{
		"/rrc15/2026.11/bview.20261128.0800.gz": gen(t, d0800, 4000, 1),
		"/rrc15/2026.11/bview.20261128.0000.gz": gen(t, d0800.Add(-8*time.Hour), 3000, 2),
	}}
	srv := httptest.NewServer(a)
	defer srv.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := ribs.Collector{Name: "rrc15", IXID: 171, Period: 8 * time.Hour, URLTemplate: srv.URL + "/rrc15/{YYYY}.{MM}/bview.{YYYY}{MM}{DD}.{hh}{mm}.gz"}
	now := d0800.Add(8*time.Hour + 30*time.Minute) // 16:30: the 16:00 dump is not out yet
	f := ribs.New(client(t), st, ribs.Config{TempDir: t.TempDir(), Now: func() time.Time { return now }})

	res, err := f.Collect(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged || !res.Snapshot.At.Equal(d0800) || res.Snapshot.Source != "bgp:rrc15" || !strings.HasSuffix(res.Snapshot.Origin, "bview.20261128.0800.gz") {
		t.Fatalf("first collect = %+v", res.Snapshot)
	}
	if a.count("/rrc15/2026.11/bview.20261128.1600.gz") != 1 || a.count("/rrc15/2026.11/bview.20261128.0000.gz") != 0 {
		t.Errorf("requests = %v: want 16:00 tried once, 00:00 not needed", a.hits)
	}
	recs, err := st.Objects(ctx, "bgp:rrc15", ixp.KindBGPPeer, d0800, store.Filter{})
	if err != nil || len(recs) != 20 || recs[0].IXID != 171 {
		t.Errorf("peers = %d (%v), want 20 tied to ix 171", len(recs), err)
	}

	// Same dump again: skipped without downloading it.
	res, err = f.Collect(ctx, c)
	if err != nil || !res.Unchanged || !res.Snapshot.At.Equal(d0800) {
		t.Fatalf("second collect = %+v, %v; want unchanged", res.Snapshot, err)
	}
	if n := a.count("/rrc15/2026.11/bview.20261128.0800.gz"); n != 1 {
		t.Errorf("0800 dump downloaded %d times, want 1", n)
	}

	// Nothing published in the lookback window: unavailable.
	f = ribs.New(client(t), st, ribs.Config{Lookback: 2, Now: func() time.Time { return now.Add(72 * time.Hour) }})
	if _, err := f.Collect(ctx, c); !errors.Is(err, ixp.ErrUnavailable) {
		t.Errorf("empty window: err = %v, want ErrUnavailable", err)
	}
}

func TestCollectErrors(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	full := gen(t, at, 3000, 3)
	a := &archive{hits: map[string]int{}, files: map[string][]byte{
		"/trunc/0800": full[:len(full)/2], // cut in the middle
		"/big/0800":   full,
	}}
	srv := httptest.NewServer(a)
	defer srv.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "e.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := func() time.Time { return at.Add(time.Hour) }

	f := ribs.New(client(t), st, ribs.Config{Now: now})
	_, err = f.Collect(ctx, ribs.Collector{Name: "trunc", Period: 8 * time.Hour, URLTemplate: srv.URL + "/trunc/{hh}{mm}"})
	if err == nil {
		t.Fatal("truncated dump imported")
	}
	if _, err := st.SnapshotAt(ctx, "bgp:trunc", time.Time{}); !errors.Is(err, ixp.ErrNotFound) {
		t.Errorf("truncated dump published a snapshot (%v)", err)
	}

	f = ribs.New(client(t), st, ribs.Config{Now: now, MaxBytes: int64(len(full) / 4)})
	_, err = f.Collect(ctx, ribs.Collector{Name: "big", Period: 8 * time.Hour, URLTemplate: srv.URL + "/big/{hh}{mm}"})
	if !errors.Is(err, safehttp.ErrBodyTooLarge) {
		t.Errorf("oversized dump: err = %v, want ErrBodyTooLarge", err)
	}

	// The hardened client refuses loopback unless allowed.
	strict, err := safehttp.New(safehttp.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	f = ribs.New(strict, st, ribs.Config{Now: now})
	_, err = f.Collect(ctx, ribs.Collector{Name: "big", Period: 8 * time.Hour, URLTemplate: srv.URL + "/big/{hh}{mm}"})
	if !errors.Is(err, safehttp.ErrBlockedAddress) {
		t.Errorf("loopback with the default client: err = %v, want ErrBlockedAddress", err)
	}
}
