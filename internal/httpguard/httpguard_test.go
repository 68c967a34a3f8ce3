package httpguard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newGuard(t *testing.T, cfg Config) (*Guard, *clock, map[string]int) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	refused := map[string]int{}
	cfg.Now, cfg.Refused = c.now, func(r string) { refused[r]++ }
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, c, refused
}

func serve(g *Guard, method, target, remote string, hdr map[string]string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = remote
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })).ServeHTTP(w, req)
	return w
}

func TestRateLimit(t *testing.T) {
	g, c, refused := newGuard(t, Config{Rate: 2, Burst: 3})
	codes := func(remote string, n int, hdr map[string]string) (ok, limited int) {
		for range n {
			w := serve(g, http.MethodGet, "/", remote, hdr, nil)
			switch w.Code {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited++
				if w.Header().Get("Retry-After") != "1" {
					t.Errorf("Retry-After = %q, want 1", w.Header().Get("Retry-After"))
				}
			default:
				t.Fatalf("status %d", w.Code)
			}
		}
		return ok, limited
	}
	if ok, lim := codes("192.0.2.1:1000", 10, nil); ok != 3 || lim != 7 {
		t.Errorf("burst: %d ok, %d limited; want 3, 7", ok, lim)
	}
	if ok, _ := codes("192.0.2.2:1000", 3, nil); ok != 3 {
		t.Errorf("another client was limited too: %d ok", ok)
	}
	c.t = c.t.Add(time.Second) // 2 tokens back
	if ok, lim := codes("192.0.2.1:2000", 5, nil); ok != 2 || lim != 3 {
		t.Errorf("after 1 s: %d ok, %d limited; want 2, 3", ok, lim)
	}
	if refused["rate_limit"] != 10 {
		t.Errorf("counted %d refusals, want 10", refused["rate_limit"])
	}
	// IPv6 clients share their /64.
	codes("[2001:db8::1]:1", 3, nil)
	if ok, _ := codes("[2001:db8::2]:1", 1, nil); ok != 0 {
		t.Error("another address of the same /64 escaped the limit")
	}
}

func TestSpoofedForwardedFor(t *testing.T) {
	trusted, _ := ParsePrefixes("10.0.0.0/8, 2001:db8:ffff::1")
	g, _, _ := newGuard(t, Config{Rate: 1, Burst: 2, TrustedProxies: trusted})
	// An untrusted peer rotating X-Forwarded-For stays one client.
	for i, want := range []int{200, 200, 429, 429} {
		hdr := map[string]string{"X-Forwarded-For": "198.51.100." + string(rune('1'+i)), "X-Real-Ip": "198.51.100.9", "Forwarded": "for=198.51.100.8"}
		if w := serve(g, http.MethodGet, "/", "203.0.113.5:4000", hdr, nil); w.Code != want {
			t.Errorf("untrusted peer, request %d: %d, want %d", i, w.Code, want)
		}
	}
	// Behind a trusted proxy, each real client has its own bucket …
	for i := range 3 {
		hdr := map[string]string{"X-Forwarded-For": "198.51.100." + string(rune('1'+i))}
		if w := serve(g, http.MethodGet, "/", "10.1.2.3:4000", hdr, nil); w.Code != 200 {
			t.Errorf("trusted proxy, client %d: %d, want 200", i, w.Code)
		}
	}
	// … and a client prepending a fake hop is keyed by the hop the proxy
	// appended (the rightmost untrusted one).
	for i, want := range []int{200, 200, 429} {
		hdr := map[string]string{"X-Forwarded-For": "1.1.1." + string(rune('1'+i)) + ", 198.51.100.200, 10.9.9.9"}
		if w := serve(g, http.MethodGet, "/", "10.1.2.3:4000", hdr, nil); w.Code != want {
			t.Errorf("fake hop, request %d: %d, want %d", i, w.Code, want)
		}
	}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:1", "198.51.100.1", "203.0.113.5"},
		{"10.0.0.1:1", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.1:1", "garbage, 10.0.0.2", "10.0.0.1"}, // fail closed: the proxy itself
		{"10.0.0.1:1", "", "10.0.0.1"},
		{"[::ffff:10.0.0.1]:1", "::ffff:198.51.100.7", "198.51.100.7"},
		{"[2001:db8:ffff::1]:1", "2001:db8:1:2:3::9", "2001:db8:1:2::"},
		{"not an address", "198.51.100.1", "invalid IP"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		var addr netip.Addr
		g.withClientIP(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { addr = g.ClientAddr(r) })).ServeHTTP(httptest.NewRecorder(), req)
		if got := addr.String(); got != tc.want {
			t.Errorf("ClientAddr(%s, XFF %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestEvictionBounded(t *testing.T) {
	g, c, _ := newGuard(t, Config{Rate: 1, Burst: 1, MaxClients: 100})
	for i := range 1000 {
		a := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		serve(g, http.MethodGet, "/", netip.AddrPortFrom(a, 1).String(), nil, nil)
		if n := g.Clients(); n > 100 {
			t.Fatalf("%d clients tracked, max 100", n)
		}
	}
	c.t = c.t.Add(time.Minute)
	serve(g, http.MethodGet, "/", "192.0.2.1:1", nil, nil)
	serve(g, http.MethodGet, "/", "192.0.2.2:1", nil, nil)
	if n := g.Clients(); n > 100 {
		t.Errorf("%d clients tracked after the idle ones refilled", n)
	}
}

func TestSizeLimits(t *testing.T) {
	g, _, refused := newGuard(t, Config{MaxURIBytes: 100})
	for _, tc := range []struct {
		name, method, target string
		body                 io.Reader
		want                 int
	}{
		{"short", http.MethodGet, "/api/v1/ixps?q=x", nil, 200},
		{"long query", http.MethodGet, "/api/v1/ixps?q=" + strings.Repeat("A", 100), nil, 414},
		{"long path", http.MethodGet, "/" + strings.Repeat("A", 200), nil, 414},
		{"small body passes to the router", http.MethodPost, "/", strings.NewReader("x"), 200},
		{"large body", http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 2<<20)), 413},
		{"body on GET", http.MethodGet, "/", strings.NewReader(strings.Repeat("x", 2000)), 413},
		{"unknown length", http.MethodPut, "/", io.MultiReader(strings.NewReader("x")), 413},
	} {
		req := httptest.NewRequest(tc.method, tc.target, tc.body)
		if tc.name == "unknown length" {
			req.ContentLength = -1
			req.TransferEncoding = []string{"chunked"}
		}
		w := httptest.NewRecorder()
		g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.want)
		}
	}
	if refused["uri_too_long"] != 2 || refused["body"] != 3 {
		t.Errorf("refusals counted %v", refused)
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []Config{{Rate: -1}, {Burst: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if _, err := ParsePrefixes("10.0.0.0/8,nonsense"); err == nil {
		t.Error("ParsePrefixes accepted nonsense")
	}
}

func TestAdminLoopbackOnly(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.0.2.1:6060", "localhost:6060", "example.com:6060", "6060"} {
		if ln, err := ListenAdmin(addr); err == nil {
			ln.Close()
			t.Errorf("ListenAdmin(%q) accepted a non-loopback address", addr)
		}
	}
	ln, err := ListenAdmin("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := AdminServer(AdminHandler())
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine profile") {
		t.Errorf("pprof on the admin listener: %d %.100s", resp.StatusCode, b)
	}
}

// TestMalformedQuery: a query string that does not parse is a 400, not a
// request answered without the filter it meant (issue 20: country=%E0%A4%A
// returned every country).
func TestMalformedQuery(t *testing.T) {
	g, _, refused := newGuard(t, Config{})
	for _, tc := range []struct {
		target string
		want   int
	}{
		{"/api/v1/countries?country=BR", 200},
		{"/api/v1/countries?country=%E0%A4%A4", 200},
		{"/api/v1/countries?country=%E0%A4%A", 400},
		{"/api/v1/countries?country=%zz", 400},
		{"/api/v1/countries?country=BR;region=x", 400},
		{"/api/v1/countries?", 200},
		{"/api/v1/countries?a&b=&=c", 200},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.target, nil)
		w := httptest.NewRecorder()
		reached := false
		g.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })).ServeHTTP(w, req)
		if w.Code != tc.want || reached != (tc.want == 200) {
			t.Errorf("%s: %d (handler reached %v), want %d", tc.target, w.Code, reached, tc.want)
		}
		if tc.want == 400 && !strings.Contains(w.Body.String(), "malformed query string") {
			t.Errorf("%s: body %q", tc.target, w.Body.String())
		}
	}
	if refused["bad_query"] != 3 {
		t.Errorf("refusals counted %v, want bad_query 3", refused)
	}
}
