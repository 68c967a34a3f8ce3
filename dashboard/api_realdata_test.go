package dashboard_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// apiRequests are the answers compared between backends.
var apiRequests = []string{
	"/api/v1/ixps?per_page=50&sort=-members",
	"/api/v1/ixps?country=BR&sort=name&format=csv",
	"/api/v1/ixps?region=South+America&per_page=10",
	"/api/v1/ixps/171",
	"/api/v1/ixps/171?at=2019-06-01",
	"/api/v1/ixps/171?at=2020-05-05",
	"/api/v1/ixps/171/members?at=2020-05-05&format=csv",
	"/api/v1/ixps/171/members",
	"/api/v1/ixps/171/history",
	"/api/v1/ixps/171/events?from=2019-01-01&to=2022-12-31",
	"/api/v1/ixps/26/history?format=csv",
	"/api/v1/networks/15169",
	"/api/v1/networks/AS28571?at=2020-01-01",
	"/api/v1/ixps/999999",
	"/api/v1/ixps/abc",
	"/api/v1/ixps/171?at=2019-13-45",
	"/api/v1/ixps/171?at=2010-01-01",
}

type loaded struct {
	once sync.Once
	srv  *httptest.Server
}

var (
	backends      = map[string]*loaded{"sqlite": {}, "postgres": {}}
	backendStores = map[string]store.Store{}
)

func serverFor(t *testing.T, backend string) *httptest.Server {
	t.Helper()
	l := backends[backend]
	var err error
	l.once.Do(func() {
		var st store.Store
		ctx := context.Background()
		switch backend {
		case "sqlite":
			dir, derr := os.MkdirTemp("", "ixpobs-api-test")
			if derr != nil {
				err = derr
				return
			}
			st, err = sqlite.Open(ctx, filepath.Join(dir, "api.db"), nil)
		case "postgres":
			st, err = postgres.Open(ctx, testenv.NewPostgresDatabase(t), nil)
		}
		if err != nil {
			return
		}
		realdata.LoadPeeringDB(t, st)
		backendStores[backend] = st
		l.srv = httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	})
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	if l.srv == nil {
		t.Fatalf("%s store was not loaded", backend)
	}
	return l.srv
}

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAPIBackendsAgree imports the three full PeeringDB dumps into SQLite
// and into PostgreSQL and checks that every API answer is the same.
func TestAPIBackendsAgree(t *testing.T) {
	testenv.SharedData(t)
	testenv.PostgresDSN(t)
	lite, pg := serverFor(t, "sqlite"), serverFor(t, "postgres")
	for _, path := range apiRequests {
		t.Run(path, func(t *testing.T) {
			sc, sb := get(t, lite, path)
			pc, pb := get(t, pg, path)
			if sc != pc || sb != pb {
				t.Errorf("GET %s: sqlite %d (%d bytes), postgres %d (%d bytes)\nsqlite:   %.300s\npostgres: %.300s", path, sc, len(sb), pc, len(pb), sb, pb)
			}
		})
	}
}

// reference computes the indicators of one exchange straight from a dump's
// netixlan.json.gz, independently of the collector and the store.
func reference(t *testing.T, dump string, ix int64) (members, conns, v6, rs int, capacity int64) {
	t.Helper()
	f, err := os.Open(filepath.Join(realdata.PeeringDBDir(t, dump), "netixlan.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data []struct {
			IXID     int64   `json:"ix_id"`
			ASN      uint32  `json:"asn"`
			Speed    int64   `json:"speed"`
			IPAddr6  *string `json:"ipaddr6"`
			IsRSPeer bool    `json:"is_rs_peer"`
			Status   string  `json:"status"`
		} `json:"data"`
	}
	if err := json.NewDecoder(gz).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	all, withV6, withRS := map[uint32]bool{}, map[uint32]bool{}, map[uint32]bool{}
	for _, c := range doc.Data {
		if c.IXID != ix || c.Status != "ok" {
			continue
		}
		conns++
		capacity += c.Speed
		all[c.ASN] = true
		if c.IPAddr6 != nil && *c.IPAddr6 != "" {
			withV6[c.ASN] = true
		}
		if c.IsRSPeer {
			withRS[c.ASN] = true
		}
	}
	return len(all), conns, len(withV6), len(withRS), capacity
}

// TestIndicatorsFollowDefinitions checks the figures of well-known
// exchanges at each imported date against the definitions.
func TestIndicatorsFollowDefinitions(t *testing.T) {
	testenv.SharedData(t)
	srv := serverFor(t, "sqlite")
	dates := map[string]string{"ixgen-2019-01-19": "2019-01-19", "ixgen-2020-05-05": "2020-05-05", "ixgen-2022-06-01": "2022-06-01"}
	for _, ix := range []int64{171, 26, 1, 359} { // IX.br SP, AMS-IX, Equinix Ashburn, PTT... (whatever 359 is)
		for dump, date := range dates {
			t.Run(fmt.Sprintf("ix%d/%s", ix, date), func(t *testing.T) {
				m, c, v6, rs, capa := reference(t, dump, ix)
				code, body := get(t, srv, fmt.Sprintf("/api/v1/ixps/%d?at=%s", ix, date))
				if code != http.StatusOK {
					t.Fatalf("GET ixp %d at %s: %d %s", ix, date, code, body)
				}
				var got struct {
					SnapshotDate string `json:"snapshot_date"`
					Members      int    `json:"members"`
					Connections  int    `json:"connections"`
					Capacity     int64  `json:"capacity_mbps"`
					IPv6         int    `json:"ipv6_members"`
					RS           int    `json:"route_server_members"`
					Active       bool   `json:"active"`
				}
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				if got.SnapshotDate != date || got.Members != m || got.Connections != c || got.Capacity != capa || got.IPv6 != v6 || got.RS != rs || got.Active != (m >= 3) {
					t.Errorf("ixp %d at %s = %+v, want members %d connections %d capacity %d ipv6 %d rs %d", ix, date, got, m, c, capa, v6, rs)
				}
			})
		}
	}
}

func TestHistoryAndEvents(t *testing.T) {
	testenv.SharedData(t)
	srv := serverFor(t, "sqlite")
	code, body := get(t, srv, "/api/v1/ixps/171/history")
	var h struct {
		Points []struct {
			Date    string `json:"date"`
			Members int    `json:"members"`
		} `json:"points"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &h) != nil {
		t.Fatalf("history: %d %s", code, body)
	}
	var dates []string
	for _, p := range h.Points {
		dates = append(dates, p.Date)
	}
	if fmt.Sprint(dates) != "[2019-01-19 2020-05-05 2022-06-01]" {
		t.Errorf("history dates = %v, want one point per imported dump", dates)
	}
	code, body = get(t, srv, "/api/v1/ixps/171/events?from=2019-01-01&to=2022-12-31")
	var ev struct {
		Joins, Leaves int
		Data          []struct {
			Date string `json:"date"`
			Type string `json:"type"`
			ASN  uint32 `json:"asn"`
		} `json:"data"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &ev) != nil {
		t.Fatalf("events: %d %s", code, body)
	}
	if ev.Joins == 0 || ev.Leaves == 0 {
		t.Errorf("events 2019-2022 at IX.br SP: %d joins, %d leaves; want both", ev.Joins, ev.Leaves)
	}
	// Members at the end = members at the start + joins - leaves, when
	// each ASN joins or leaves at most once per date boundary.
	first, last := h.Points[0].Members, h.Points[len(h.Points)-1].Members
	if first+ev.Joins-ev.Leaves != last {
		t.Errorf("members %d + joins %d - leaves %d = %d, want %d", first, ev.Joins, ev.Leaves, first+ev.Joins-ev.Leaves, last)
	}
	for _, e := range ev.Data {
		if e.Date != "2020-05-05" && e.Date != "2022-06-01" {
			t.Errorf("event %+v on a date that is not a snapshot date", e)
		}
	}
}

func TestErrors(t *testing.T) {
	testenv.SharedData(t)
	srv := serverFor(t, "sqlite")
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/v1/ixps/999999", 404},
		{"/api/v1/ixps/abc", 400},
		{"/api/v1/ixps/171?at=2019-13-45", 400},
		{"/api/v1/ixps/171?at=2010-01-01", 404},
		{"/api/v1/ixps?sort=bogus", 400},
		{"/api/v1/ixps?per_page=0", 400},
		{"/api/v1/ixps/171/history?format=xml", 400},
		{"/api/v1/ixps/171/events?from=2022-01-01&to=2019-01-01", 400},
		{"/api/v1/networks/notanasn", 400},
		{"/api/v1/networks/4294967295", 404},
		{"/api/v1/nothing", 404},
	} {
		code, body := get(t, srv, c.path)
		var e struct {
			Error  string `json:"error"`
			Status int    `json:"status"`
		}
		if code != c.want || json.Unmarshal([]byte(body), &e) != nil || e.Status != c.want || e.Error == "" {
			t.Errorf("GET %s = %d %s, want %d with a JSON error", c.path, code, body, c.want)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/ixps", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/v1/ixps = %d, want 405", resp.StatusCode)
	}
}

func readDump(t *testing.T, name string) (ixp.SnapshotInput, error) {
	t.Helper()
	d, err := peeringdb.ReadDir(context.Background(), realdata.PeeringDBDir(t, name))
	if err != nil {
		return ixp.SnapshotInput{}, err
	}
	return d.Snapshot(time.Time{}, false)
}

// TestMoveSQLiteToPostgres exports the SQLite store loaded with the three
// dumps, imports it into an empty PostgreSQL database, and checks that
// every API answer stays the same.
func TestMoveSQLiteToPostgres(t *testing.T) {
	testenv.SharedData(t)
	lite := serverFor(t, "sqlite")
	src := backendStores["sqlite"]
	var buf bytes.Buffer
	if err := src.ExportHistory(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	pg, err := postgres.Open(context.Background(), testenv.NewPostgresDatabase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.ImportHistory(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	moved := httptest.NewServer(dashboard.New(pg, dashboard.Config{}).Handler())
	defer moved.Close()
	for _, path := range apiRequests {
		sc, sb := get(t, lite, path)
		mc, mb := get(t, moved, path)
		if sc != mc || sb != mb {
			t.Errorf("GET %s: sqlite %d, moved to postgres %d\nsqlite: %.300s\nmoved:  %.300s", path, sc, mc, sb, mb)
		}
	}
}
