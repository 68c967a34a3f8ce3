package dashboard_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/testenv"
)

func TestFeeds(t *testing.T) {
	testenv.SharedData(t)
	srv := serverFor(t, "sqlite")
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title string `xml:"title"`
			ID    string `xml:"id"`
		} `xml:"entry"`
	}
	code, body := get(t, srv, "/feeds/ixps/171.atom")
	if code != 200 || xml.Unmarshal([]byte(body), &feed) != nil {
		t.Fatalf("ixp feed: %d %.200s", code, body)
	}
	_, evBody := get(t, srv, "/api/v1/ixps/171/events?from=1990-01-01")
	var ev struct{ Joins, Leaves int }
	json.Unmarshal([]byte(evBody), &ev)
	want := min(ev.Joins+ev.Leaves, 200)
	if len(feed.Entries) != want || want == 0 {
		t.Errorf("feed has %d entries, want %d (the events, at most 200)", len(feed.Entries), want)
	}
	ids := map[string]bool{}
	for _, e := range feed.Entries {
		if ids[e.ID] || !strings.HasPrefix(e.ID, "tag:ixpobs,2026:ixp/171/") || (!strings.Contains(e.Title, " joined ") && !strings.Contains(e.Title, " left ")) {
			t.Errorf("entry %+v: duplicate id or bad title", e)
		}
		ids[e.ID] = true
	}
	code, body = get(t, srv, "/feeds/countries/BR.atom")
	if code != 200 || xml.Unmarshal([]byte(body), &feed) != nil || len(feed.Entries) == 0 || !strings.Contains(feed.Title, "Brazil") {
		t.Errorf("country feed: %d, %d entries, title %q", code, len(feed.Entries), feed.Title)
	}
	for _, p := range []string{"/feeds/ixps/99999999.atom", "/feeds/countries/QQ.atom"} {
		if code, _ := get(t, srv, p); code != 404 && code != 400 {
			t.Errorf("GET %s = %d, want 404 or 400", p, code)
		}
	}
}

// TestFeedLinksFromPublicURL: the feeds' absolute links come only from
// the configured public URL, never from the client's Host header; without
// one they are relative to the site (issue 20.5).
func TestFeedLinksFromPublicURL(t *testing.T) {
	st := goldenStore(t, "sqlite")
	for _, tc := range []struct{ public, want string }{
		{"https://ixpobs.example.org/", `href="https://ixpobs.example.org/feeds/ixps/171.atom"`},
		{"", `href="/feeds/ixps/171.atom"`},
	} {
		ts := httptest.NewServer(dashboard.New(st, dashboard.Config{PublicURL: tc.public}).Handler())
		req, _ := http.NewRequest("GET", ts.URL+"/feeds/ixps/171.atom", nil)
		req.Host = "attacker.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) || strings.Contains(string(b), "attacker.example") {
			t.Errorf("public_url %q: %d, want a link %s and no trace of the Host header: %.300s", tc.public, resp.StatusCode, tc.want, b)
		}
	}
}
