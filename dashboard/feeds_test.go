package dashboard_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

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
