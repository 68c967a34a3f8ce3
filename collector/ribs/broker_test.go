package ribs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// fakeBroker answers GET /search like BGPKIT's broker API v3: the
// {"count","page","page_size","error","data"} envelope with BrokerItems
// (ts_start and ts_end as naive UTC date-times, collector_id, data_type,
// url, rough_size, exact_size), filtered by collector_id, data_type and
// the ts_start..ts_end window (unix seconds), paged from 1. Shape from
// bgpkit-broker's BrokerItem and its API wrappers; not checked against the
// live service from this environment.
type fakeBroker struct {
	mu      sync.Mutex
	items   []item
	fail    string // answered as the "error" of the envelope
	queries []string
}

type item struct {
	at        time.Time
	collector string
	dataType  string
	url       string
}

func (b *fakeBroker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queries = append(b.queries, r.URL.RawQuery)
	if r.URL.Path != "/v3/broker/search" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	from, _ := strconv.ParseInt(q.Get("ts_start"), 10, 64)
	to, _ := strconv.ParseInt(q.Get("ts_end"), 10, 64)
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	type out struct {
		TsStart     string `json:"ts_start"`
		TsEnd       string `json:"ts_end"`
		CollectorID string `json:"collector_id"`
		DataType    string `json:"data_type"`
		URL         string `json:"url"`
		RoughSize   int64  `json:"rough_size"`
		ExactSize   int64  `json:"exact_size"`
	}
	var all []out
	for _, it := range b.items {
		if it.collector != q.Get("collector_id") || (q.Get("data_type") != "" && it.dataType != q.Get("data_type")) ||
			it.at.Unix() < from || it.at.Unix() > to {
			continue
		}
		all = append(all, out{it.at.Format("2006-01-02T15:04:05"), it.at.Format("2006-01-02T15:04:05"), it.collector, it.dataType, it.url, 4096, 0})
	}
	data := []out{}
	if lo := (page - 1) * size; page >= 1 && lo < len(all) {
		data = all[lo:min(lo+size, len(all))]
	}
	var errField any
	if b.fail != "" {
		errField, data = b.fail, []out{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"count": len(data), "page": page, "page_size": size, "error": errField, "data": data})
}

func TestBrokerRIBsPagesAndFilters(t *testing.T) {
	fb := &fakeBroker{}
	day := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 130 { // two pages of 100 within the window
		fb.items = append(fb.items, item{day.Add(time.Duration(i) * time.Minute), "rrc15", "rib", fmt.Sprintf("https://archive.example/rrc15/%d.gz", i)})
	}
	fb.items = append(fb.items, item{day, "rrc15", "updates", "https://archive.example/rrc15/updates.gz"}, item{day, "rrc00", "rib", "https://archive.example/rrc00.gz"})
	srv := httptest.NewServer(fb)
	defer srv.Close()
	b, err := ribs.NewBroker(client(t), srv.URL+"/v3/broker/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.RIBs(context.Background(), "rrc15", day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 130 || !got[0].Start.Equal(day) || got[129].URL != "https://archive.example/rrc15/129.gz" || got[0].Size != 4096 {
		t.Errorf("%d items, first %+v", len(got), got[0])
	}
	if len(fb.queries) != 2 || !strings.Contains(fb.queries[1], "page=2") || !strings.Contains(fb.queries[0], "data_type=rib") {
		t.Errorf("queries %v", fb.queries)
	}
	fb.fail = "database unavailable"
	if _, err := b.RIBs(context.Background(), "rrc15", day, day.Add(time.Hour)); !errors.Is(err, ixp.ErrUnavailable) || !strings.Contains(err.Error(), "database unavailable") {
		t.Errorf("error envelope: %v", err)
	}
	if _, err := ribs.NewBroker(client(t), "ftp://broker"); !errors.Is(err, ixp.ErrInvalid) {
		t.Errorf("ftp base URL: %v", err)
	}
}

// TestCollectThroughBroker: with a broker, the newest RIB dump it lists
// is imported from the URL it gives (not the template's); when the broker
// fails, lists nothing or names a file the archive does not have, the
// template walk runs as without it.
func TestCollectThroughBroker(t *testing.T) {
	ctx := context.Background()
	d0800 := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	a := &archive{hits: map[string]int{}, files: map[string][]byte{
		"/mirror/rrc15-0800.gz":                 gen(t, d0800, 4000, 1),
		"/rrc15/2026.11/bview.20261128.0800.gz": gen(t, d0800, 3000, 2),
	}}
	arch := httptest.NewServer(a)
	defer arch.Close()
	now := d0800.Add(8*time.Hour + 30*time.Minute)
	c := ribs.Collector{Name: "rrc15", IXID: 171, Period: 8 * time.Hour, URLTemplate: arch.URL + "/rrc15/{YYYY}.{MM}/bview.{YYYY}{MM}{DD}.{hh}{mm}.gz"}
	for _, tc := range []struct {
		name       string
		items      []item
		fail       string
		wantOrigin string
	}{
		{"broker", []item{{d0800.Add(-8 * time.Hour), "rrc15", "rib", arch.URL + "/mirror/old.gz"}, {d0800, "rrc15", "rib", arch.URL + "/mirror/rrc15-0800.gz"}}, "", "/mirror/rrc15-0800.gz"},
		{"broker error", nil, "internal error", "/rrc15/2026.11/bview.20261128.0800.gz"},
		{"not indexed", []item{{d0800, "rrc00", "rib", arch.URL + "/mirror/rrc15-0800.gz"}}, "", "/rrc15/2026.11/bview.20261128.0800.gz"},
		{"file missing", []item{{d0800, "rrc15", "rib", arch.URL + "/mirror/gone.gz"}}, "", "/rrc15/2026.11/bview.20261128.0800.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &fakeBroker{items: tc.items, fail: tc.fail}
			bs := httptest.NewServer(fb)
			defer bs.Close()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			b, err := ribs.NewBroker(client(t), bs.URL+"/v3/broker")
			if err != nil {
				t.Fatal(err)
			}
			f := ribs.New(client(t), st, ribs.Config{TempDir: t.TempDir(), Broker: b, Now: func() time.Time { return now }})
			res, err := f.Collect(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if res.Snapshot.Origin != arch.URL+tc.wantOrigin || !res.Snapshot.At.Equal(d0800) {
				t.Errorf("snapshot from %s at %s, want %s at %s", res.Snapshot.Origin, res.Snapshot.At, tc.wantOrigin, d0800)
			}
			if len(fb.queries) == 0 || !strings.Contains(fb.queries[0], "collector_id=rrc15") {
				t.Errorf("broker queries %v", fb.queries)
			}
			// Again: the same dump is recognised, nothing downloaded.
			before := a.count(tc.wantOrigin)
			if res, err := f.Collect(ctx, c); err != nil || !res.Unchanged {
				t.Errorf("second collect: %+v, %v; want unchanged", res, err)
			}
			if a.count(tc.wantOrigin) != before {
				t.Errorf("%s downloaded again", tc.wantOrigin)
			}
		})
	}
}
