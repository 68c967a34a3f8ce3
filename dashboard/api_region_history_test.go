package dashboard_test

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
)

// areaReference is an area's totals computed straight from a dump's
// ix.json.gz and netixlan.json.gz, independently of the collector, the
// store and the indicator package.
type areaReference struct {
	IXPs, ActiveIXPs, Members, Connections, IPv6Members, Countries int
	Capacity                                                       int64
}

func readGzipJSON(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.NewDecoder(gz).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func areaFromDump(t *testing.T, dump string, in func(cc string) bool) areaReference {
	t.Helper()
	dir := realdata.PeeringDBDir(t, dump)
	var ixs struct {
		Data []struct {
			ID      int64  `json:"id"`
			Country string `json:"country"`
			Status  string `json:"status"`
		} `json:"data"`
	}
	readGzipJSON(t, filepath.Join(dir, "ix.json.gz"), &ixs)
	var conns struct {
		Data []struct {
			IXID    int64   `json:"ix_id"`
			ASN     uint32  `json:"asn"`
			Speed   int64   `json:"speed"`
			IPAddr6 *string `json:"ipaddr6"`
			Status  string  `json:"status"`
		} `json:"data"`
	}
	readGzipJSON(t, filepath.Join(dir, "netixlan.json.gz"), &conns)
	country := map[int64]string{} // exchanges of the area → country
	var ref areaReference
	for _, x := range ixs.Data {
		cc := geo.Normalize(x.Country)
		if x.Status == "ok" && cc != "" && in(cc) {
			country[x.ID] = cc
			ref.IXPs++
		}
	}
	perIX := map[int64]map[uint32]bool{}
	all, v6 := map[uint32]bool{}, map[uint32]bool{}
	for _, c := range conns.Data {
		if _, ok := country[c.IXID]; !ok || c.Status != "ok" {
			continue
		}
		ref.Connections++
		ref.Capacity += c.Speed
		all[c.ASN] = true
		if c.IPAddr6 != nil && *c.IPAddr6 != "" {
			v6[c.ASN] = true
		}
		if perIX[c.IXID] == nil {
			perIX[c.IXID] = map[uint32]bool{}
		}
		perIX[c.IXID][c.ASN] = true
	}
	activeIn := map[string]bool{}
	for id, m := range perIX {
		if len(m) >= 3 {
			ref.ActiveIXPs++
			activeIn[country[id]] = true
		}
	}
	ref.Members, ref.IPv6Members, ref.Countries = len(all), len(v6), len(activeIn)
	return ref
}

// TestRegionHistoryFollowsDumps checks the growth figures of the world
// and of Latin America and the Caribbean at each of the three PeeringDB
// dumps against a computation from the raw files.
func TestRegionHistoryFollowsDumps(t *testing.T) {
	testenv.SharedData(t)
	srv := serverFor(t, "sqlite")
	dumps := map[string]string{"2019-01-19": "ixgen-2019-01-19", "2020-05-05": "ixgen-2020-05-05", "2022-06-01": "ixgen-2022-06-01"}
	for _, area := range []string{"world", "lac", "europe"} {
		t.Run(area, func(t *testing.T) {
			code, body := get(t, srv, "/api/v1/regions/"+area+"/history")
			if code != 200 {
				t.Fatalf("history of %s: %d %s", area, code, body)
			}
			var h struct {
				Region string `json:"region"`
				Points []struct {
					Date          string `json:"date"`
					PeeringDBDate string `json:"peeringdb_date"`
					Countries     int    `json:"countries"`
					IXPs          int    `json:"ixps"`
					ActiveIXPs    int    `json:"active_ixps"`
					Members       int    `json:"members"`
					Connections   int    `json:"connections"`
					Capacity      int64  `json:"capacity_mbps"`
					IPv6Members   int    `json:"ipv6_members"`
				} `json:"points"`
			}
			if err := json.Unmarshal([]byte(body), &h); err != nil {
				t.Fatal(err)
			}
			if h.Region != area || len(h.Points) != len(dumps) {
				t.Fatalf("history of %s: region %q, %d points, want one per dump (%d)", area, h.Region, len(h.Points), len(dumps))
			}
			in := func(cc string) bool { return area == "world" || geo.InRegion(cc, area) }
			prevMembers := 0
			for _, p := range h.Points {
				dump, ok := dumps[p.Date]
				if !ok || p.PeeringDBDate != p.Date {
					t.Errorf("point %s (PeeringDB %s) is not a dump date", p.Date, p.PeeringDBDate)
					continue
				}
				want := areaFromDump(t, dump, in)
				got := areaReference{IXPs: p.IXPs, ActiveIXPs: p.ActiveIXPs, Members: p.Members, Connections: p.Connections,
					IPv6Members: p.IPv6Members, Countries: p.Countries, Capacity: p.Capacity}
				if got != want {
					t.Errorf("%s at %s = %+v, want %+v (from the raw dump)", area, p.Date, got, want)
				}
				if p.Members <= prevMembers {
					t.Errorf("%s members at %s = %d, not above the previous point's %d", area, p.Date, p.Members, prevMembers)
				}
				prevMembers = p.Members
			}
			code, body = get(t, srv, "/api/v1/regions/"+area+"/history?format=csv")
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if code != 200 || err != nil || len(rows) != 1+len(h.Points) || rows[0][0] != "date" || rows[0][5] != "members" {
				t.Fatalf("CSV history of %s: %d, %v, %d rows: %.200s", area, code, err, len(rows), body)
			}
			for i, p := range h.Points {
				if rows[i+1][0] != p.Date || rows[i+1][5] != itoa(p.Members) {
					t.Errorf("CSV row %d = %v, JSON point %+v", i+1, rows[i+1], p)
				}
			}
		})
	}
	if code, body := get(t, srv, "/api/v1/regions/atlantis/history"); code != 404 || !strings.Contains(body, "no region") {
		t.Errorf("unknown region: %d %s", code, body)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
