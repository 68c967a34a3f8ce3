package dashboard_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// This file checks issue 15's "How it is checked": the country figures at
// the three PeeringDB dump dates follow the pairing rule (rule 3) and
// equal a computation written here from the raw files — the dumps' JSON
// and the LACNIC delegated files — without ixpobs' collectors, indicator
// package or store. It runs on the shared data (all eight LACNIC files)
// and on the trimmed data of testdata/realdata (three).

// rawCountry is a country's figures computed from one raw dump.
type rawCountry struct {
	ixps, active, conns int
	capacity            int64
	members, v6         map[uint32]bool
}

// rawDumpCountries reads ix.json.gz and netixlan.json.gz of a dump and
// computes, per country: exchanges (status ok), active ones (at least 3
// distinct member ASNs), connections (netixlan status ok at one of those
// exchanges), the sum of their speeds, distinct member ASNs and those
// with an IPv6 address on a connection.
func rawDumpCountries(t *testing.T, dir string) map[string]*rawCountry {
	t.Helper()
	var ix struct {
		Data []struct {
			ID      int64  `json:"id"`
			Country string `json:"country"`
			Status  string `json:"status"`
		} `json:"data"`
	}
	var nix struct {
		Data []struct {
			IXID    int64   `json:"ix_id"`
			ASN     uint32  `json:"asn"`
			Speed   int64   `json:"speed"`
			IPAddr6 *string `json:"ipaddr6"`
			Status  string  `json:"status"`
		} `json:"data"`
	}
	readGzipJSON(t, filepath.Join(dir, "ix.json.gz"), &ix)
	readGzipJSON(t, filepath.Join(dir, "netixlan.json.gz"), &nix)
	out := map[string]*rawCountry{}
	countryOf := map[int64]string{}
	perIX := map[int64]map[uint32]bool{}
	for _, x := range ix.Data {
		if x.Status != "ok" {
			continue
		}
		cc := geo.Normalize(x.Country)
		if cc == "" {
			continue
		}
		countryOf[x.ID] = cc
		perIX[x.ID] = map[uint32]bool{}
		if out[cc] == nil {
			out[cc] = &rawCountry{members: map[uint32]bool{}, v6: map[uint32]bool{}}
		}
		out[cc].ixps++
	}
	for _, c := range nix.Data {
		cc, ok := countryOf[c.IXID]
		if !ok || c.Status != "ok" {
			continue
		}
		rc := out[cc]
		rc.conns++
		rc.capacity += c.Speed
		rc.members[c.ASN] = true
		perIX[c.IXID][c.ASN] = true
		if c.IPAddr6 != nil && *c.IPAddr6 != "" {
			rc.v6[c.ASN] = true
		}
	}
	for id, m := range perIX {
		if len(m) >= 3 {
			out[countryOf[id]].active++
		}
	}
	return out
}

// rawDelegated reads a delegated-extended file: the ASNs allocated or
// assigned to each country.
func rawDelegated(t *testing.T, path string) map[string]map[uint32]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[uint32]bool{}
	sc := bufio.NewScanner(gz)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "|")
		if len(p) < 7 || p[2] != "asn" || (p[6] != "allocated" && p[6] != "assigned") {
			continue
		}
		start, err1 := strconv.ParseUint(p[3], 10, 32)
		n, err2 := strconv.ParseUint(p[4], 10, 32)
		if err1 != nil || err2 != nil {
			continue // the summary line
		}
		if out[p[1]] == nil {
			out[p[1]] = map[uint32]bool{}
		}
		for a := start; a < start+n; a++ {
			out[p[1]][uint32(a)] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fileDate is the date in a delegated file's name.
func fileDate(t *testing.T, name string) time.Time {
	t.Helper()
	d, err := time.Parse("20060102", regexp.MustCompile(`\d{8}`).FindString(name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// pairedFile applies rule 3 as docs/INDICATORS.md words it: the file
// nearest to the dump date, before or after, within 366 days, the earlier
// on a tie; "" when none.
func pairedFile(t *testing.T, dump time.Time, files []string) string {
	best, bestGap := "", time.Duration(math.MaxInt64)
	for _, f := range files {
		d := fileDate(t, f)
		gap := d.Sub(dump)
		if gap < 0 {
			gap = -gap
		}
		if gap > 366*24*time.Hour {
			continue
		}
		if gap < bestGap || gap == bestGap && d.Before(fileDate(t, best)) {
			best, bestGap = f, gap
		}
	}
	return best
}

// apiCountry is a country of /api/v1/countries.
type apiCountry struct {
	Country       string   `json:"country"`
	IXPs          *int     `json:"ixps"`
	Active        *int     `json:"active_ixps"`
	Members       *int     `json:"members"`
	Connections   *int     `json:"connections"`
	Capacity      *int64   `json:"capacity_mbps"`
	IPv6Members   *int     `json:"ipv6_members"`
	Registered    *int     `json:"registered_asns"`
	Local         *int     `json:"registered_asns_at_local_ixps"`
	Participation *float64 `json:"local_participation"`
	AsOf          struct {
		PeeringDB string            `json:"peeringdb"`
		RIR       map[string]string `json:"rir"`
	} `json:"as_of"`
}

func pint(p *int) string {
	if p == nil {
		return "null"
	}
	return strconv.Itoa(*p)
}

func TestCountryFiguresFromRawFiles(t *testing.T) {
	t.Run("trimmed", func(t *testing.T) { checkCountryFigures(t, realdata.Trimmed(t)) })
	t.Run("shared", func(t *testing.T) {
		testenv.SharedData(t)
		checkCountryFigures(t, realdata.Shared(t))
	})
}

func checkCountryFigures(t *testing.T, set realdata.Set) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "raw.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set.LoadPeeringDB(t, st)
	files := set.LACNICFiles()
	set.LoadRIR(t, st, files...)
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()

	// The files rule 3 picks, as written in docs/INDICATORS.md.
	wantPair := map[string]string{"2019-01-19": "2019-09-10", "2020-05-05": "2019-09-10", "2022-06-01": "2022-03-31"}
	for _, dump := range realdata.PeeringDBFullDumps {
		date := dump[len(dump)-10:]
		t.Run(date, func(t *testing.T) {
			file := pairedFile(t, realdata.DumpDate(dump), files)
			if file == "" || fileDate(t, file).Format(time.DateOnly) != wantPair[date] {
				t.Fatalf("rule 3 computed here pairs %s with %q, docs/INDICATORS.md says %s", date, file, wantPair[date])
			}
			fileDay := fileDate(t, file).Format(time.DateOnly)
			raw := rawDumpCountries(t, set.PeeringDBDir(dump))
			reg := rawDelegated(t, set.RIRFile(file))
			code, body := get(t, srv, "/api/v1/countries?at="+date)
			if code != 200 {
				t.Fatalf("countries at %s: %d %.300s", date, code, body)
			}
			var got struct {
				Data []apiCountry `json:"data"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			byCC := map[string]apiCountry{}
			for _, c := range got.Data {
				byCC[c.Country] = c
			}
			// Every country with an exchange in the dump or ASNs in the
			// paired file.
			want := map[string]bool{}
			for cc := range raw {
				want[cc] = true
			}
			for cc := range reg {
				// A LACNIC record of a country another registry serves
				// (a few exist) makes no figure: its registry has no file.
				if cc = geo.Normalize(cc); cc != "" && geo.RIROf(cc) == "lacnic" {
					want[cc] = true
				}
			}
			checked := 0
			for cc := range want {
				c, ok := byCC[cc]
				if !ok {
					t.Errorf("%s: country %s missing from the answer", date, cc)
					continue
				}
				rc := raw[cc]
				if rc == nil {
					rc = &rawCountry{members: map[uint32]bool{}, v6: map[uint32]bool{}}
				}
				exp := fmt.Sprintf("ixps %d active %d members %d conns %d v6 %d", rc.ixps, rc.active, len(rc.members), rc.conns, len(rc.v6))
				gotS := fmt.Sprintf("ixps %s active %s members %s conns %s v6 %s", pint(c.IXPs), pint(c.Active), pint(c.Members), pint(c.Connections), pint(c.IPv6Members))
				if exp != gotS {
					t.Errorf("%s %s: %s, from the raw dump %s", date, cc, gotS, exp)
				}
				if rc.capacity > 0 && (c.Capacity == nil || *c.Capacity != rc.capacity) {
					t.Errorf("%s %s: capacity %v, from the raw dump %d", date, cc, c.Capacity, rc.capacity)
				}
				if c.AsOf.PeeringDB != date {
					t.Errorf("%s %s: as_of.peeringdb %q", date, cc, c.AsOf.PeeringDB)
				}
				if geo.RIROf(cc) != "lacnic" {
					// Only LACNIC's files are loaded: unknown, never 0.
					if c.Registered != nil || c.Local != nil || c.Participation != nil || c.AsOf.RIR != nil {
						t.Errorf("%s %s (registry %s, no file): registered %s local %s participation %v as_of.rir %v, want null",
							date, cc, geo.RIROf(cc), pint(c.Registered), pint(c.Local), c.Participation, c.AsOf.RIR)
					}
					continue
				}
				asns := reg[cc]
				local := 0
				for a := range asns {
					if rc.members[a] {
						local++
					}
				}
				if c.Registered == nil || *c.Registered != len(asns) || c.Local == nil || *c.Local != local {
					t.Errorf("%s %s: registered %s local %s, from %s %d and %d", date, cc, pint(c.Registered), pint(c.Local), file, len(asns), local)
				}
				if len(asns) > 0 {
					p := float64(local) / float64(len(asns))
					if c.Participation == nil || math.Abs(*c.Participation-p) > 1e-12 {
						t.Errorf("%s %s: local participation %v, from the raw files %v", date, cc, c.Participation, p)
					}
				}
				if c.AsOf.RIR["lacnic"] != fileDay {
					t.Errorf("%s %s: as_of.rir %v, want lacnic %s", date, cc, c.AsOf.RIR, fileDay)
				}
				checked++
			}
			if checked < 20 {
				t.Errorf("%s: only %d LACNIC countries checked", date, checked)
			}
			if br, ok := byCC["BR"]; ok && br.Participation != nil {
				t.Logf("%s: %d countries checked against %s; BR registered %d, local participation %.1f%%", date, len(want), file, *br.Registered, 100**br.Participation)
			}
		})
	}

	// The default answer (latest) is the answer of the newest dump's date.
	_, latest := get(t, srv, "/api/v1/countries")
	_, at := get(t, srv, "/api/v1/countries?at=2022-06-01")
	if strings.Replace(at, `"date":"2022-06-01",`, "", 1) != latest {
		t.Errorf("/api/v1/countries and ?at=2022-06-01 differ:\n%.400s\n%.400s", latest, at)
	}
	kpis := regexp.MustCompile(`(?s)<p class="note asof".*?</dl>`)
	_, page := get(t, srv, "/countries/BR")
	_, pageAt := get(t, srv, "/countries/BR?at=2022-06-01")
	if k := kpis.FindString(page); k == "" || k != kpis.FindString(pageAt) {
		t.Errorf("the BR page's sources and figures differ between the default and ?at=2022-06-01:\n%s\n%s", k, kpis.FindString(pageAt))
	}
}

// TestUnknownCountryFigures: with only LACNIC imported, a country of
// another registry has registered_asns null; before the first PeeringDB
// snapshot the PeeringDB figures are null (issue 15, "How it is checked").
func TestUnknownCountryFigures(t *testing.T) {
	ctx := context.Background()
	set := realdata.Trimmed(t)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "u.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set.LoadRIR(t, st, set.LACNICFiles()...)
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()
	check := func(path string, nulls ...string) {
		t.Helper()
		code, body := get(t, srv, path)
		if code != 200 {
			t.Fatalf("%s: %d %.300s", path, code, body)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range nulls {
			if v, ok := m[k]; !ok || v != nil {
				t.Errorf("%s: %s = %v, want null", path, k, v)
			}
		}
	}
	check("/api/v1/countries/US", "registered_asns", "registered_asns_at_local_ixps", "local_participation", "ixps", "members")
	// Only LACNIC: BR's registered ASNs are known, the PeeringDB figures not.
	check("/api/v1/countries/BR", "ixps", "active_ixps", "members", "connections", "capacity_mbps", "local_participation")
	set.LoadPeeringDB(t, st)
	check("/api/v1/countries/BR?at=2018-01-01", "ixps", "active_ixps", "members", "connections", "capacity_mbps", "ipv6_members",
		"ipv6_share", "registered_asns_at_local_ixps", "local_participation", "bgp")
	check("/api/v1/countries/US", "registered_asns", "registered_asns_at_local_ixps", "local_participation")
	check("/api/v1/regions/lac?at=2018-01-01")
	code, body := get(t, srv, "/api/v1/regions/lac?at=2018-01-01")
	var r struct {
		Totals    map[string]any `json:"totals"`
		NoYearAgo string         `json:"no_year_ago"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &r) != nil {
		t.Fatalf("lac at 2018-01-01: %d %.300s", code, body)
	}
	for _, k := range []string{"ixps", "members", "connections", "local_participation"} {
		if v, ok := r.Totals[k]; !ok || v != nil {
			t.Errorf("lac totals at 2018-01-01: %s = %v, want null (no PeeringDB snapshot)", k, v)
		}
	}
	if r.Totals["registered_asns"] == nil || r.NoYearAgo == "" {
		t.Errorf("lac at 2018-01-01: registered %v (want LACNIC's), no_year_ago %q (want a reason)", r.Totals["registered_asns"], r.NoYearAgo)
	}
	// The world: LACNIC countries only, the others counted as unknown.
	code, body = get(t, srv, "/api/v1/regions/world/history")
	var h struct {
		Points []struct {
			Unknown int `json:"countries_without_rir_data"`
		} `json:"points"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &h) != nil || len(h.Points) != 3 || h.Points[0].Unknown < 100 {
		t.Errorf("world history: %d, %+v: want 3 points each with the countries without an RIR file counted", code, h.Points)
	}
}
