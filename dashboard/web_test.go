package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// webTestServer is the dashboard over the three real PeeringDB dumps,
// built once per test binary (the import takes about ten seconds).
type webTestServer struct {
	*httptest.Server
	mu      sync.Mutex
	missing map[string]bool // "lang key" of message keys absent from a catalogue
}

var (
	webOnce   sync.Once
	webLoaded *webTestServer
	webErr    error
)

// realWebServer returns the shared server; it skips outside CI (fails in
// CI) when the shared data is absent.
func realWebServer(t *testing.T) *webTestServer {
	t.Helper()
	testenv.SharedData(t)
	webOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ixpobs-web-test")
		if err != nil {
			webErr = err
			return
		}
		st, err := sqlite.Open(context.Background(), filepath.Join(dir, "web.db"), nil)
		if err != nil {
			webErr = err
			return
		}
		realdata.LoadPeeringDB(t, st)
		// One LACNIC file, for registered ASNs and local participation.
		realdata.LoadRIR(t, st, "delegated-lacnic-extended-20220331.gz")
		s := New(st, Config{})
		// Build the snapshot views and country states of every date once,
		// outside the handlers' 30 s timeout: under -race on a loaded
		// machine the first page that needs them can take longer.
		if _, err := s.regionHistory(context.Background(), regionHistoryQuery{ID: worldID, Lang: "en"}); err != nil {
			webErr = err
			return
		}
		ts := &webTestServer{missing: map[string]bool{}}
		ts.Server = httptest.NewServer(pagesHandler(t, s, func(lang, key string) {
			ts.mu.Lock()
			ts.missing[lang+" "+key] = true
			ts.mu.Unlock()
		}))
		webLoaded = ts
	})
	if webErr != nil {
		t.Fatalf("load real data: %v", webErr)
	}
	if webLoaded == nil {
		t.Fatal("the real-data server failed to load in an earlier test")
	}
	return webLoaded
}

// pagesHandler is the API router with the pages mounted, as routes.go
// will do, and the catalogue instrumented to report missing keys.
func pagesHandler(t testing.TB, s *Server, missing func(lang, key string)) http.Handler {
	w, err := newWeb(s)
	if err != nil {
		t.Fatal(err)
	}
	w.missing = missing
	h := s.Handler()
	r, ok := h.(chi.Router)
	if !ok {
		t.Fatalf("Handler returns %T, want a chi router", h)
	}
	w.mount(r) // replaces the routes if routes.go mounted them already
	return h
}

func (ts *webTestServer) missingKeys() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []string
	for k := range ts.missing {
		out = append(out, k)
	}
	return out
}

func fetch(t *testing.T, ts *webTestServer, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func fetchJSON(t *testing.T, ts *webTestServer, path string, v any) {
	t.Helper()
	resp, body := fetch(t, ts, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.200s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestPagesAgreeWithAPI renders every page in the three languages and
// checks the numbers it shows against the JSON API.
func TestPagesAgreeWithAPI(t *testing.T) {
	ts := realWebServer(t)
	var ixp ixpDetail
	fetchJSON(t, ts, "/api/v1/ixps/171", &ixp)
	var past ixpDetail
	fetchJSON(t, ts, "/api/v1/ixps/171?at=2019-06-01", &past)
	var members memberList
	fetchJSON(t, ts, "/api/v1/ixps/171/members", &members)
	var net networkDetail
	fetchJSON(t, ts, "/api/v1/networks/15169", &net)
	var list ixpList
	fetchJSON(t, ts, "/api/v1/ixps?per_page=5000", &list)
	var br countryDetail
	fetchJSON(t, ts, "/api/v1/countries/BR", &br)
	var lac regionDetail
	fetchJSON(t, ts, "/api/v1/regions/lac", &lac)
	// The JSON names of the figures are the nullable fields (the embedded
	// stats' own are shadowed): read them there.
	if br.NMembers == nil || lac.Totals.NMembers == nil || lac.Totals.NActiveIXPs == nil {
		t.Fatalf("unknown BR or LAC members in the real data")
	}
	br.Members, lac.Totals.Members, lac.Totals.ActiveIXPs = *br.NMembers, *lac.Totals.NMembers, *lac.Totals.NActiveIXPs
	if br.LocalParticipation == nil || lac.Totals.Members < 1000 || br.Members < 1000 {
		t.Fatalf("unexpected real data: BR local participation %v, LAC %d members", br.LocalParticipation, lac.Totals.Members)
	}
	if ixp.Members < 100 || past.Members >= ixp.Members || len(members.Data) == 0 || net.IXPs < 10 || list.Total < 500 {
		t.Fatalf("unexpected real data: ixp 171 has %d members (%d in 2019), %d member rows; AS15169 at %d IXPs; %d IXPs",
			ixp.Members, past.Members, len(members.Data), net.IXPs, list.Total)
	}
	googleConns := 0 // rows (connections) of AS15169 at IX.br São Paulo
	for _, m := range members.Data {
		if m.ASN == 15169 {
			googleConns++
		}
	}
	cat := testCatalog(t)
	for _, lang := range webLangs {
		l := &locale{lang: lang, msgs: cat[lang]}
		pages := []struct {
			path string
			want []string // texts the page must contain
		}{
			{"/", []string{l.Int(int64(lac.Totals.Members)), l.Int(int64(lac.Totals.ActiveIXPs)), l.T("overview.heading"), `data-map="ixps"`, `data-cc="BR"`, `href="/regions/lac"`}},
			{"/countries/BR", []string{`<h1>` + geoName("BR", lang), l.Int(int64(br.Members)), l.Int(int64(*br.RegisteredASNs)),
				l.Percent(*br.LocalASNs, *br.RegisteredASNs), "/api/v1/countries/BR/history", "/countries/AR"}},
			{"/regions/lac", []string{l.Int(int64(lac.Totals.Members)), `data-cc="MX"`, "/countries/BR"}},
			{"/regions/europe?map=capacity", []string{`data-map="capacity"`}},
			{"/?map=capacity", []string{`data-map="capacity"`}},
			{"/ixps", []string{l.T("ixps.count", l.Int(int64(list.Total)), l.Date(list.SnapshotDate))}},
			{"/ixps?country=BR&sort=name", []string{"IX.br"}},
			{"/ixps/171", []string{ixp.Name, l.Int(int64(ixp.Members)), l.Capacity(ixp.CapacityMbps), members.Data[0].Name, "/api/v1/ixps/171/history", "data-chart"}},
			{"/ixps/171?at=2019-06-01", []string{l.Int(int64(past.Members)), "at=2019-06-01", l.T("date.asof", l.Date("2019-06-01"), l.Date(past.SnapshotDate))}},
			{"/networks/15169", []string{"AS15169", net.Network.Name, l.T("net.summary", l.Int(int64(net.IXPs)), l.Int(int64(len(net.Connections))), l.Date(net.SnapshotDate))}},
			{"/sources", []string{"peeringdb", l.T("sources.heading")}},
			{"/search?q=equinix", []string{l.T("search.for", "equinix"), "/ixps/", "/networks/"}},
			{"/search?q=brasil", []string{"/countries/BR"}},
			{"/methodology", []string{`id="local_participation"`, `id="bgp_reachability"`, `id="lac"`, geoName("PR", lang), geoName("JM", lang), l.T("method.pairing_text", 366, 31)}},
			{"/countries/BR/brief", []string{`<h1>` + geoName("BR", lang), l.Int(int64(br.Members)), l.Int(int64(*br.RegisteredASNs)), l.Date(br.PeeringDBDate),
				l.Date(br.AsOf.RIR["lacnic"]), `href="/methodology"`, "<svg"}},
			{"/countries?sort=-local_participation", []string{`href="/countries/BR"`, l.Int(int64(br.Members)), `aria-sort="descending"`}},
			{"/countries?region=lac", []string{`href="/countries/UY"`}},
			{"/ixps/171?msort=-speed&mpage=2", []string{`aria-sort="descending"`, "mpage=3", "mpage=1"}},
			{"/ixps/171?mq=AS15169", []string{`href="/networks/15169"`, l.P("ixp.members_matches", googleConns, "AS15169")}},
			{"/regions/lac?map=participation", []string{`data-map="participation"`, l.T("map.nodata_participation")}},
			{"/regions", []string{`href="/regions/lac"`, `href="/regions/un-caribbean"`, l.Int(int64(lac.Totals.Members))}},
		}
		for _, pg := range pages {
			t.Run(lang+pg.path, func(t *testing.T) {
				resp, body := fetch(t, ts, pg.path, "Accept-Language", lang)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200: %.300s", resp.StatusCode, body)
				}
				if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q, want text/html", got)
				}
				if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
					t.Errorf("no CSP on the page: %q", resp.Header.Get("Content-Security-Policy"))
				}
				if want := fmt.Sprintf(`<html lang="%s">`, lang); !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
				for _, w := range pg.want {
					if !strings.Contains(body, htmlEscape(w)) && !strings.Contains(body, w) {
						t.Errorf("page lacks %q", w)
					}
				}
				if m := inlineCode.FindString(body); m != "" {
					t.Errorf("page has inline script or style, which the CSP blocks: %q", m)
				}
			})
		}
	}
	if m := ts.missingKeys(); len(m) > 0 {
		t.Errorf("message keys missing from the catalogues: %v", m)
	}
}

// inlineCode finds what the CSP forbids: inline scripts, style attributes
// and elements, event handler attributes.
var inlineCode = regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle="|\son[a-z]+="`)

// htmlEscape escapes text as html/template does in element content.
func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")
	return r.Replace(s)
}

func geoName(cc, lang string) string { return (&page{locale: &locale{lang: lang}}).Country(cc) }

func TestPageErrorsAndRedirects(t *testing.T) {
	ts := realWebServer(t)
	tests := []struct {
		name, path string
		status     int
		location   string // for redirects
		want       string
	}{
		{"unknown ixp", "/ixps/999999", http.StatusNotFound, "", "No data about the exchange with id 999999."},
		{"bad id", "/ixps/abc", http.StatusBadRequest, "", "The exchange id must be a positive whole number, not “abc”."},
		{"before the data", "/ixps/171?at=2010-01-01", http.StatusNotFound, "", "No data on or before Jan 1, 2010."},
		{"bad date", "/ixps/171?at=2019-13-45", http.StatusBadRequest, "", "at must be a date YYYY-MM-DD, not “2019-13-45”."},
		{"bad sort", "/ixps?sort=bogus", http.StatusBadRequest, "", "Sort by one of"},
		{"unknown network", "/networks/4199999999", http.StatusNotFound, "", "not in PeeringDB"},
		{"asn search", "/search?q=AS15169&at=2020-05-05", http.StatusSeeOther, "/networks/15169?at=2020-05-05", ""},
		{"country code search", "/search?q=br", http.StatusSeeOther, "/countries/BR", ""},
		{"unknown country", "/countries/XX", http.StatusBadRequest, "", "“XX” is not a known country"},
		{"unknown region", "/regions/nowhere", http.StatusNotFound, "", "There is no region “nowhere”."},
		{"static css", "/static/style.css", http.StatusOK, "", "--accent"},
		{"vendored uPlot", "/static/vendor/uplot/uPlot.iife.min.js", http.StatusOK, "", "uPlot"},
		{"vendored licence", "/static/vendor/uplot/LICENSE", http.StatusOK, "", "MIT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, ts, tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("body lacks %q: %.400s", tc.want, body)
			}
		})
	}
}

func TestLanguageSwitchSetsCookie(t *testing.T) {
	ts := realWebServer(t)
	resp, body := fetch(t, ts, "/sources?lang=pt", "Accept-Language", "es")
	if !strings.Contains(body, `<html lang="pt">`) {
		t.Errorf("?lang=pt did not give Portuguese")
	}
	var c *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == langCookie {
			c = ck
		}
	}
	if c == nil || c.Value != "pt" {
		t.Fatalf("got cookie %v, want %s=pt", c, langCookie)
	}
	_, body = fetch(t, ts, "/sources", "Cookie", langCookie+"=pt", "Accept-Language", "es")
	if !strings.Contains(body, `<html lang="pt">`) {
		t.Errorf("the cookie did not win over Accept-Language")
	}
	resp, _ = fetch(t, ts, "/sources", "Accept-Language", "es")
	if len(resp.Cookies()) != 0 {
		t.Errorf("a page without ?lang set cookies %v", resp.Cookies())
	}
}
