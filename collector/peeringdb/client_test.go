package peeringdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// newClient returns the hardened client, allowed to reach the loopback
// test server.
func newClient(t *testing.T) *safehttp.Client {
	t.Helper()
	cfg := safehttp.DefaultConfig()
	cfg.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	c, err := safehttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fakePeeringDB serves /api/ix and /api/netixlan, honouring ?since=.
type fakePeeringDB struct {
	mu       sync.Mutex
	objects  map[string][]map[string]any
	requests []string
	throttle int // answer 429 to this many requests first
	auth     []string
}

func (f *fakePeeringDB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.RequestURI())
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("Retry-After", "7")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	tag := filepath.Base(r.URL.Path)
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	var out []map[string]any
	for _, o := range f.objects[tag] {
		up, _ := time.Parse(time.RFC3339, o["updated"].(string))
		if since == 0 && o["status"] != "ok" {
			continue
		}
		if since == 0 || up.Unix() > since {
			out = append(out, o)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"meta": {}, "data": `)
	b, _ := json.Marshal(out)
	w.Write(b)
	fmt.Fprint(w, "}")
}

func obj(id int64, updated string, status string, kv ...any) map[string]any {
	m := map[string]any{"id": id, "updated": updated, "created": "2015-01-01T00:00:00Z", "status": status}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestAPISync(t *testing.T) {
	ctx := context.Background()
	fake := &fakePeeringDB{objects: map[string][]map[string]any{
		"ix": {obj(1, "2020-01-01T00:00:00Z", "ok", "name", "IX One", "country", "BR")},
		"netixlan": {
			obj(10, "2020-01-01T00:00:00Z", "ok", "ix_id", 1, "ixlan_id", 1, "asn", 64500, "speed", 1000),
			obj(11, "2020-01-01T00:00:00Z", "ok", "ix_id", 1, "ixlan_id", 1, "asn", 64501, "speed", 1000),
		},
	}, throttle: 1}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := peeringdb.DefaultConfig()
	cfg.BaseURL = srv.URL + "/api"
	cfg.APIKey = "secret"
	cfg.Objects = []string{"ix", "netixlan"}
	cfg.RequestsPerMinute = 600
	c, err := peeringdb.New(cfg, newClient(t), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	c.Now = func() time.Time { return now }
	c.Sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }

	// Full sync, after one 429.
	res, err := c.Collect(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Snapshot.Delta || res.Snapshot.Counts["netixlan"] != 2 {
		t.Errorf("first sync: delta %v counts %v, want a full snapshot with 2 connections", res.Snapshot.Delta, res.Snapshot.Counts)
	}
	if len(slept) == 0 || slept[0] != 7*time.Second {
		t.Errorf("sleeps = %v, want the 429's Retry-After of 7s first", slept)
	}
	for _, a := range fake.auth {
		if a != "Api-Key secret" {
			t.Errorf("Authorization = %q, want Api-Key secret", a)
		}
	}

	// The source changes: 11 deleted, 12 added, 10 updated.
	fake.mu.Lock()
	fake.objects["netixlan"] = []map[string]any{
		obj(10, "2021-01-05T00:00:00Z", "ok", "ix_id", 1, "ixlan_id", 1, "asn", 64500, "speed", 10000),
		obj(11, "2021-01-05T00:00:00Z", "deleted", "ix_id", 1, "ixlan_id", 1, "asn", 64501, "speed", 1000),
		obj(12, "2021-01-05T00:00:00Z", "ok", "ix_id", 1, "ixlan_id", 1, "asn", 64502, "speed", 1000),
	}
	fake.requests = nil
	fake.mu.Unlock()
	now = now.Add(6 * 24 * time.Hour)
	res, err = c.Collect(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Snapshot.Delta {
		t.Errorf("second sync is not incremental")
	}
	wantSince := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(-cfg.Overlap).Unix()
	for _, r := range fake.requests {
		if want := "since=" + strconv.FormatInt(wantSince, 10); !strings.Contains(r, want) {
			t.Errorf("request %s does not ask %s", r, want)
		}
	}
	recs, err := st.Objects(ctx, ixp.SourcePeeringDB, ixp.KindConnection, time.Time{}, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range recs {
		got = append(got, r.ID)
	}
	if fmt.Sprint(got) != "[10 12]" {
		t.Errorf("connections after the incremental sync = %v, want [10 12]", got)
	}
	// After FullSyncInterval, a full sync again.
	now = now.Add(cfg.FullSyncInterval + time.Hour)
	fake.mu.Lock()
	fake.requests = nil
	fake.mu.Unlock()
	if res, err = c.Collect(ctx, false); err != nil || res.Snapshot.Delta {
		t.Errorf("sync after the full-sync interval: delta %v err %v, want a full one", res.Snapshot.Delta, err)
	}
}

func TestAPISyncGivesUp(t *testing.T) {
	fake := &fakePeeringDB{objects: map[string][]map[string]any{}, throttle: 100}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := peeringdb.DefaultConfig()
	cfg.BaseURL, cfg.Objects, cfg.MaxRetries = srv.URL+"/api", []string{"ix"}, 3
	c, _ := peeringdb.New(cfg, newClient(t), st, nil)
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	_, err = c.Collect(context.Background(), false)
	var se *safehttp.StatusError
	if !errors.As(err, &se) || se.Code != 429 {
		t.Errorf("Collect against a server that always throttles = %v, want the 429 after retries", err)
	}
	if n := len(fake.requests); n != 4 {
		t.Errorf("requests = %d, want 1 + 3 retries", n)
	}
	if _, err := st.SnapshotAt(context.Background(), ixp.SourcePeeringDB, time.Time{}); !errors.Is(err, ixp.ErrNotFound) {
		t.Errorf("a failed sync published something: %v", err)
	}
}
