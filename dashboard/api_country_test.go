package dashboard_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

var (
	countryOnce sync.Once
	countrySrv  *httptest.Server
)

// countryServer: the 2022-06-01 PeeringDB dump and the eight LACNIC files.
func countryServer(t *testing.T) *httptest.Server {
	t.Helper()
	testenv.SharedData(t)
	countryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ixpobs-country-test")
		if err != nil {
			t.Fatal(err)
		}
		st, err := sqlite.Open(context.Background(), filepath.Join(dir, "c.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		realdata.LoadRIR(t, st, realdata.LACNICFiles...)
		d, err := readDump(t, "ixgen-2022-06-01")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Publish(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		countrySrv = httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	})
	if countrySrv == nil {
		t.Fatal("country store not loaded")
	}
	return countrySrv
}

// lacnicASNs counts, straight from a LACNIC file, the ASNs allocated or
// assigned to each country.
func lacnicASNs(t *testing.T, name string) map[string]map[uint32]bool {
	t.Helper()
	return rawDelegated(t, realdata.RIRFile(t, name))
}

// localMembers reads, straight from a PeeringDB dump, the ASNs connected
// at an IXP of each country.
func localMembers(t *testing.T, dump string) map[string]map[uint32]bool {
	t.Helper()
	read := func(file string, v any) {
		f, err := os.Open(filepath.Join(realdata.PeeringDBDir(t, dump), file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, _ := gzip.NewReader(f)
		if err := json.NewDecoder(gz).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var ix struct {
		Data []struct {
			ID      int64  `json:"id"`
			Country string `json:"country"`
			Status  string `json:"status"`
		} `json:"data"`
	}
	var nix struct {
		Data []struct {
			IXID   int64  `json:"ix_id"`
			ASN    uint32 `json:"asn"`
			Status string `json:"status"`
		} `json:"data"`
	}
	read("ix.json.gz", &ix)
	read("netixlan.json.gz", &nix)
	country := map[int64]string{}
	for _, x := range ix.Data {
		if x.Status == "ok" {
			country[x.ID] = x.Country
		}
	}
	out := map[string]map[uint32]bool{}
	for _, c := range nix.Data {
		cc, ok := country[c.IXID]
		if !ok || c.Status != "ok" {
			continue
		}
		if out[cc] == nil {
			out[cc] = map[uint32]bool{}
		}
		out[cc][c.ASN] = true
	}
	return out
}

func TestCountryLocalParticipation(t *testing.T) {
	srv := countryServer(t)
	registered := lacnicASNs(t, "delegated-lacnic-extended-20220331.gz")
	local := localMembers(t, "ixgen-2022-06-01")
	for _, cc := range []string{"BR", "AR", "CL", "MX", "CO"} {
		t.Run(cc, func(t *testing.T) {
			wantReg := len(registered[cc])
			wantLocal := 0
			for a := range registered[cc] {
				if local[cc][a] {
					wantLocal++
				}
			}
			code, body := get(t, srv, "/api/v1/countries/"+cc+"?at=2022-06-01")
			if code != 200 {
				t.Fatalf("GET country %s: %d %s", cc, code, body)
			}
			var got struct {
				RIRDates      map[string]string `json:"rir_dates"`
				PeeringDBDate string            `json:"peeringdb_date"`
				Registered    int               `json:"registered_asns"`
				Local         int               `json:"registered_asns_at_local_ixps"`
				Participation float64           `json:"local_participation"`
				Members       int               `json:"members"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if got.RIRDates["lacnic"] != "2022-03-31" || got.PeeringDBDate != "2022-06-01" {
				t.Errorf("data dates = %v / %s, want lacnic 2022-03-31 and PeeringDB 2022-06-01", got.RIRDates, got.PeeringDBDate)
			}
			want := float64(wantLocal) / float64(wantReg)
			if got.Registered != wantReg || got.Local != wantLocal || fmt.Sprintf("%.9f", got.Participation) != fmt.Sprintf("%.9f", want) || got.Members != len(local[cc]) {
				t.Errorf("%s: registered %d local %d participation %.4f members %d; want %d %d %.4f %d",
					cc, got.Registered, got.Local, got.Participation, got.Members, wantReg, wantLocal, want, len(local[cc]))
			}
			t.Logf("%s: %d registered ASNs, %d at a local IXP (%.1f%%), %d local IXP members", cc, wantReg, wantLocal, 100*want, len(local[cc]))
		})
	}
}

// TestCountryHistoryFromLACNIC: BR's history steps at the PeeringDB dates,
// its registered ASNs counted in the LACNIC file paired with each (rule 3
// of docs/INDICATORS.md), recomputed from the raw files.
func TestCountryHistoryFromLACNIC(t *testing.T) {
	srv := countryServer(t)
	code, body := get(t, srv, "/api/v1/countries/BR/history")
	if code != 200 {
		t.Fatalf("history: %d %s", code, body)
	}
	var h struct {
		Points []struct {
			Date       string `json:"date"`
			Registered *int   `json:"registered_asns"`
		} `json:"points"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	// Points only at the PeeringDB snapshots loaded (no carried-forward
	// point at an RIR-only date), each with the LACNIC file the pairing
	// rule picks.
	var fileDates []time.Time
	for _, f := range realdata.LACNICFiles {
		day, err := time.Parse("20060102", strings.TrimSuffix(strings.TrimPrefix(f, "delegated-lacnic-extended-"), ".gz"))
		if err != nil {
			t.Fatal(err)
		}
		fileDates = append(fileDates, day)
	}
	if len(h.Points) == 0 || h.Points[0].Date != "2022-06-01" {
		t.Fatalf("history %s: want points from the 2022-06-01 dump on", body)
	}
	for _, p := range h.Points {
		i, ok := indicator.Nearest(realdata.DumpDate(p.Date), fileDates, indicator.RIRWindow)
		if !ok {
			t.Fatalf("no LACNIC file paired with %s", p.Date)
		}
		n := len(lacnicASNs(t, realdata.LACNICFiles[i])["BR"])
		if p.Registered == nil || *p.Registered != n {
			t.Errorf("%s: registered %v, want %d (from %s)", p.Date, p.Registered, n, realdata.LACNICFiles[i])
		}
	}
}

func TestRegionLAC(t *testing.T) {
	srv := countryServer(t)
	code, body := get(t, srv, "/api/v1/regions/lac?at=2022-06-01")
	if code != 200 {
		t.Fatalf("region: %d %s", code, body)
	}
	var r struct {
		Totals struct {
			IXPs       int  `json:"ixps"`
			Members    int  `json:"members"`
			Registered *int `json:"registered_asns"`
		} `json:"totals"`
		Countries []struct {
			Country string `json:"country"`
			IXPs    int    `json:"ixps"`
		} `json:"countries"`
		Change map[string]float64 `json:"yoy_change"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	sum := 0
	found := false
	for _, c := range r.Countries {
		sum += c.IXPs
		if c.Country == "BR" {
			found = true
		}
	}
	if !found || r.Totals.IXPs != sum || r.Totals.Registered == nil || *r.Totals.Registered == 0 {
		t.Errorf("lac: totals %+v, %d countries summing %d IXPs, BR listed %v", r.Totals, len(r.Countries), sum, found)
	}
	if r.Change != nil {
		t.Errorf("lac at 2022-06-01 has a year-over-year change %v, though no PeeringDB snapshot 300-430 days earlier is loaded (an RIR-only date is no observation of the members)", r.Change)
	}
	for _, path := range []string{"/api/v1/regions/atlantis", "/api/v1/countries/XX", "/api/v1/countries/B1"} {
		if code, _ := get(t, srv, path); code != 404 && code != 400 {
			t.Errorf("GET %s = %d, want 400 or 404", path, code)
		}
	}
	if code, body := get(t, srv, "/api/v1/countries?format=csv&region=lac"); code != 200 || !strings.HasPrefix(body, "country,name,region,lac,") {
		t.Errorf("countries csv: %d %.100s", code, body)
	}
}
