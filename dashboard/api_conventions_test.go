package dashboard_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
)

// TestAPIConventions: CORS, Accept negotiation, unknown parameters and
// CSV downloads, on the golden data.
func TestAPIConventions(t *testing.T) {
	st := goldenStore(t, "sqlite")
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return goldenNow }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	do := func(path, accept string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	for _, c := range []struct {
		path, accept string
		status       int
		ctype        string
		disposition  string
		body         string
	}{
		{"/api/v1/ixps?per_page=1", "", 200, "application/json", "", `"data"`},
		{"/api/v1/ixps?per_page=1", "text/csv", 200, "text/csv", `attachment; filename="ixpobs-ixps.csv"`, "id,name,city"},
		{"/api/v1/ixps?per_page=1", "text/csv;q=0.5, application/json", 200, "application/json", "", `"data"`},
		{"/api/v1/ixps?per_page=1", "text/html,application/xhtml+xml,*/*;q=0.8", 200, "application/json", "", `"data"`},
		{"/api/v1/ixps?per_page=1&format=json", "text/csv", 200, "application/json", "", `"data"`},
		{"/api/v1/ixps/171/members?format=csv", "", 200, "text/csv", `attachment; filename="ixpobs-ixps-171-members.csv"`, "asn,name"},
		{"/api/v1/ixps?per_page=1", "application/xml", 406, "application/json", "", "application/json or text/csv"},
		{"/api/v1/bgp/sessions", "text/csv", 406, "application/json", "", "answers application/json"},
		{"/api/v1/ixps?nmae=ix.br&colour=red", "", 400, "application/json", "", `unknown query parameter "colour", "nmae" (this endpoint takes `},
		{"/api/v1/bgp/sessions?x=1", "", 400, "application/json", "", `unknown query parameter "x" (this endpoint takes none)`},
	} {
		resp, body := do(c.path, c.accept)
		if resp.StatusCode >= 400 {
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Errorf("GET %s: error body %q is not JSON: %v", c.path, body, err)
			}
			body = e.Error
		}
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) ||
			resp.Header.Get("Content-Disposition") != c.disposition || !strings.Contains(body, c.body) {
			t.Errorf("GET %s (Accept %q) = %d %s, disposition %q, body %.120q; want %d %s %q containing %q", c.path, c.accept,
				resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), body, c.status, c.ctype, c.disposition, c.body)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET %s: no Access-Control-Allow-Origin: *", c.path)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
			t.Errorf("GET %s: Vary %q lacks Accept", c.path, resp.Header.Get("Vary"))
		}
	}
}

// TestAPIQueries checks the PeeringDB-style filters, limit/skip and fields
// against the unfiltered answer of the same server: every kept item passes
// the filter and every dropped one fails it.
func TestAPIQueries(t *testing.T) {
	st := goldenStore(t, "sqlite")
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return goldenNow }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	type item map[string]any
	type list struct {
		Total   int    `json:"total"`
		Page    int    `json:"page"`
		PerPage int    `json:"per_page"`
		Skip    *int   `json:"skip"`
		Limit   *int   `json:"limit"`
		Data    []item `json:"data"`
	}
	get := func(path string, want int) list {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var l list
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d %s, want %d", path, resp.StatusCode, b, want)
		}
		if want == 200 {
			if err := json.Unmarshal(b, &l); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return l
	}
	str := func(v any) string { s, _ := v.(string); return strings.ToLower(s) }
	num := func(v any) float64 { f, _ := v.(float64); return f }
	for _, c := range []struct {
		base, query string
		keep        func(item) bool
	}{
		{"/api/v1/ixps?per_page=5000", "name__contains=ix.br", func(x item) bool { return strings.Contains(str(x["name"]), "ix.br") }},
		{"/api/v1/ixps?per_page=5000", "name__startswith=IX.BR", func(x item) bool { return strings.HasPrefix(str(x["name"]), "ix.br") }},
		{"/api/v1/ixps?per_page=5000", "country__in=AR,cl", func(x item) bool { return x["country"] == "AR" || x["country"] == "CL" }},
		{"/api/v1/ixps?per_page=5000", "id__in=171,119,999999", func(x item) bool { return num(x["id"]) == 171 || num(x["id"]) == 119 }},
		{"/api/v1/ixps?per_page=5000", "members__gte=100", func(x item) bool { return num(x["members"]) >= 100 }},
		{"/api/v1/ixps?per_page=5000", "members__lt=3&capacity_mbps__gt=0", func(x item) bool { return num(x["members"]) < 3 && num(x["capacity_mbps"]) > 0 }},
		{"/api/v1/ixps?per_page=5000", "created__lt=2015-01-01", func(x item) bool { return str(x["created"]) < "2015-01-01" }},
		{"/api/v1/networks?per_page=5000", "ixps__gte=3", func(x item) bool { return num(x["ixps"]) >= 3 }},
		{"/api/v1/networks?per_page=5000", "name__contains=telecom&info_type=NSP", func(x item) bool {
			return strings.Contains(str(x["name"]), "telecom") && str(x["info_type"]) == "nsp"
		}},
		{"/api/v1/networks?per_page=5000", "asn__in=28571,15169", func(x item) bool { return num(x["asn"]) == 28571 || num(x["asn"]) == 15169 }},
	} {
		all := get(c.base, 200)
		got := get(c.base+"&"+c.query, 200)
		if len(all.Data) != all.Total {
			t.Fatalf("%s: %d items of %d: raise per_page", c.base, len(all.Data), all.Total)
		}
		var want []any
		for _, x := range all.Data {
			if c.keep(x) {
				want = append(want, x["id"], x["asn"])
			}
		}
		var have []any
		for _, x := range got.Data {
			have = append(have, x["id"], x["asn"])
		}
		if len(want) == 0 || got.Total != len(got.Data) || fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("%s&%s: total %d, kept %v; want %v (non-empty)", c.base, c.query, got.Total, have, want)
		}
	}

	// limit/skip is the same window as page/per_page.
	paged := get("/api/v1/ixps?page=3&per_page=7&sort=-members", 200)
	skipped := get("/api/v1/ixps?skip=14&limit=7&sort=-members", 200)
	if fmt.Sprint(paged.Data) != fmt.Sprint(skipped.Data) || len(paged.Data) != 7 || skipped.Skip == nil || *skipped.Skip != 14 ||
		skipped.Limit == nil || *skipped.Limit != 7 || skipped.Page != 0 || skipped.Total != paged.Total {
		t.Errorf("skip=14&limit=7 gave %+v; page=3&per_page=7 gave %+v", skipped, paged)
	}
	// fields keeps only the named keys.
	for _, x := range get("/api/v1/networks?fields=asn,name&limit=20", 200).Data {
		if len(x) != 2 || x["asn"] == nil || x["name"] == nil {
			t.Errorf("fields=asn,name gave item %v", x)
		}
	}
	for _, bad := range []string{
		"/api/v1/ixps?members__gte=many", "/api/v1/ixps?name__gte", "/api/v1/ixps?members__contains=3",
		"/api/v1/ixps?limit=5&page=2", "/api/v1/ixps?fields=nope", "/api/v1/ixps?name__regex=x", "/api/v1/networks?sort=color",
		"/api/v1/ixps/171?fields=id",
	} {
		if bad == "/api/v1/ixps?name__gte" {
			get(bad, 200) // an empty bound is a valid string bound
			continue
		}
		get(bad, 400)
	}

	// CSV with fields keeps those columns, in that order.
	resp, err := http.Get(ts.URL + "/api/v1/networks?format=csv&fields=name,asn&limit=3")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 4 || lines[0] != "name,asn" {
		t.Errorf("networks csv fields=name,asn: %q", b)
	}

	// A CORS preflight is answered without reaching the endpoint.
	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/api/v1/ixps", nil)
	req.Header.Set("Origin", "https://example.org")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
}
