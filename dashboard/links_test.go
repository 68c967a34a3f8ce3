package dashboard

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// hrefs finds the links and the sources of a page (html/template escapes
// & as &amp; in attributes).
var hrefs = regexp.MustCompile(`(?:href|src|action)="([^"#]*)`)

// TestEveryLinkWorks follows every link of the main pages, within the
// site (pages, API answers in JSON and CSV, static files): each answers
// 200. It also checks that every /methodology#anchor linked exists, and
// logs the compressed size of the main pages.
func TestEveryLinkWorks(t *testing.T) {
	ts := realWebServer(t)
	seeds := []string{"/", "/?lang=es", "/ixps", "/ixps/171", "/ixps/171?at=2019-06-01&lang=pt", "/ixps/171?mq=telecom&msort=-speed&mpage=2", "/countries", "/regions",
		"/countries/BR", "/countries/UY?lang=es", "/countries/BR/brief", "/regions/lac", "/regions/europe",
		"/methodology", "/sources", "/networks/15169", "/search?q=ix.br", "/countries/BR/arda"}
	_, method := fetch(t, ts, "/methodology")
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(method, -1) {
		anchors[m[1]] = true
	}
	links := map[string][]string{} // link → pages linking to it
	for _, seed := range seeds {
		resp, body := fetch(t, ts, seed)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", seed, resp.StatusCode)
			continue
		}
		for _, m := range regexp.MustCompile(`href="/methodology#([^"]+)"`).FindAllStringSubmatch(body, -1) {
			if !anchors[m[1]] {
				t.Errorf("%s links to /methodology#%s, which has no such entry", seed, m[1])
			}
		}
		for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
			u := strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
				continue // external, or the page itself
			}
			links[u] = append(links[u], seed)
		}
	}
	var list []string
	for u := range links {
		list = append(list, u)
	}
	sort.Strings(list)
	t.Logf("%d distinct links on %d pages", len(list), len(seeds))
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan string)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				status, err := statusOf(ts.URL + u)
				if err != nil || status != http.StatusOK {
					mu.Lock()
					t.Errorf("%s (linked from %s): status %d %v", u, strings.Join(links[u][:min(3, len(links[u]))], ", "), status, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, u := range list {
		work <- u
	}
	close(work)
	wg.Wait()

	for _, seed := range []string{"/", "/ixps/171", "/countries/BR", "/countries/BR/brief", "/methodology", "/countries", "/regions/lac"} {
		n, plain := compressedSize(t, ts.URL+seed)
		t.Logf("%-22s %7d bytes, %6d gzip", seed, plain, n)
		if n > 150_000 {
			t.Errorf("%s: %d bytes compressed, over 150 KB", seed, n)
		}
	}
}

func statusOf(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// compressedSize returns the transferred (gzip) and plain sizes of a page.
func compressedSize(t *testing.T, u string) (int, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		return len(b), len(b)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return len(b), len(plain)
}
