package dashboard_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
)

// csvSamples is one request per API path that answers CSV, over the
// golden store. TestCSVHeaderContract fails when a path of openapi.json
// declares text/csv and has no sample here.
var csvSamples = map[string]string{
	"/api/v1/ixps":                     "/api/v1/ixps?country=BR",
	"/api/v1/ixps/{id}":                "/api/v1/ixps/171",
	"/api/v1/ixps/{id}/members":        "/api/v1/ixps/171/members",
	"/api/v1/ixps/{id}/history":        "/api/v1/ixps/171/history",
	"/api/v1/ixps/{id}/events":         "/api/v1/ixps/171/events?from=2019-01-01&to=2022-12-31",
	"/api/v1/ixps/{id}/sources":        "/api/v1/ixps/171/sources",
	"/api/v1/networks":                 "/api/v1/networks?ixps__gte=4",
	"/api/v1/networks/{asn}":           "/api/v1/networks/15169",
	"/api/v1/countries":                "/api/v1/countries",
	"/api/v1/countries/{cc}":           "/api/v1/countries/BR",
	"/api/v1/countries/{cc}/history":   "/api/v1/countries/BR/history",
	"/api/v1/regions/{region}":         "/api/v1/regions/lac",
	"/api/v1/regions/{region}/history": "/api/v1/regions/lac/history",
	"/api/v1/snapshots":                "/api/v1/snapshots",
	"/api/v1/sources":                  "/api/v1/sources",
	"/api/v1/bgp/collectors":           "/api/v1/bgp/collectors",
	"/api/v1/bgp/collectors/{name}":    "/api/v1/bgp/collectors/rrc15",
	"/api/v1/asns/{asn}/origins":       "/api/v1/asns/6389/origins",
	"/api/v1/arda/countries/{cc}":      "/api/v1/arda/countries/BR",
	"/api/v1/arda/regions/{region}":    "/api/v1/arda/regions/lac",
}

// TestCSVHeaderContract: every operation of openapi.json that answers
// text/csv documents its header row (x-csv-columns on the text/csv
// content, repeated in the schema's description), and the served CSV,
// asked both with ?format=csv and with Accept: text/csv, starts with
// exactly that row. A column added, removed, renamed or reordered without
// the document fails here; so does a duplicated column name.
func TestCSVHeaderContract(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Columns []string `json:"x-csv-columns"`
					Schema  struct {
						Description string `json:"description"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	st := goldenStore(t, "sqlite")
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return goldenNow }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ops := 0
	for path, item := range doc.Paths {
		c, ok := item["get"].Responses["200"].Content["text/csv"]
		if !ok {
			if _, sample := csvSamples[path]; sample {
				t.Errorf("%s: a CSV sample, but openapi.json declares no text/csv answer", path)
			}
			continue
		}
		ops++
		if len(c.Columns) == 0 {
			t.Errorf("%s: text/csv without x-csv-columns", path)
			continue
		}
		if want := "Header row: " + strings.Join(c.Columns, ","); !strings.Contains(c.Schema.Description, want) {
			t.Errorf("%s: the text/csv schema's description does not say %q", path, want)
		}
		if seen := map[string]bool{}; true {
			for _, col := range c.Columns {
				if seen[col] {
					t.Errorf("%s: column %q documented twice", path, col)
				}
				seen[col] = true
			}
		}
		sample, ok := csvSamples[path]
		if !ok {
			t.Errorf("%s: answers text/csv but has no sample request in csvSamples", path)
			continue
		}
		sep := "?"
		if strings.Contains(sample, "?") {
			sep = "&"
		}
		for _, how := range []struct{ url, accept string }{{sample + sep + "format=csv", ""}, {sample, "text/csv"}} {
			got := csvHeaderOf(t, ts.URL+how.url, how.accept)
			if !slices.Equal(got, c.Columns) {
				t.Errorf("%s (Accept %q): CSV header\n got  %s\n want %s (openapi.json x-csv-columns)", how.url, how.accept, strings.Join(got, ","), strings.Join(c.Columns, ","))
			}
		}
	}
	if ops != len(csvSamples) {
		t.Errorf("openapi.json declares text/csv on %d paths, csvSamples has %d", ops, len(csvSamples))
	}
}

func csvHeaderOf(t *testing.T, url, accept string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("%s: %d %s, want 200 text/csv", url, resp.StatusCode, resp.Header.Get("Content-Type"))
		return nil
	}
	row, err := csv.NewReader(resp.Body).Read()
	if err != nil {
		t.Errorf("%s: header row: %v", url, err)
	}
	return row
}
