package dashboard

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/ixpobs/ixpobs/store/sqlite"
)

// emptyServer is the dashboard over an empty SQLite store.
func emptyServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "empty.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts := httptest.NewServer(New(st, Config{}).Handler())
	t.Cleanup(ts.Close)
	return ts
}

// decode returns the body of resp decoded from its Content-Encoding.
func decode(t *testing.T, resp *http.Response) string {
	t.Helper()
	var r io.Reader = resp.Body
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(resp.Body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTTPEncodingETagHead(t *testing.T) {
	ts := emptyServer(t)
	tests := []struct {
		name, method, path, accept, lang string
		status                           int
		encoding, contains               string
	}{
		{"static brotli", "GET", "/static/style.css", "gzip, br", "", 200, "br", "body"},
		{"static gzip", "GET", "/static/style.css", "gzip", "", 200, "gzip", "body"},
		{"static gzip preferred by q", "GET", "/static/style.css", "br;q=0.5, gzip", "", 200, "gzip", "body"},
		{"static identity", "GET", "/static/style.css", "identity", "", 200, "", "body"},
		{"head", "HEAD", "/static/style.css", "br", "", 200, "br", ""},
		{"favicon", "GET", "/favicon.ico", "", "", 200, "", "<svg"},
		{"unknown static", "GET", "/static/nope.js", "", "", 404, "", "<html"},
		{"unknown path, localised page", "GET", "/no/such/page", "gzip", "es", 404, "gzip", "No encontrado"},
		{"head on an unknown path", "HEAD", "/no/such/page", "", "", 404, "", ""},
		{"post is refused with a page", "POST", "/", "", "pt", 405, "", "Método não permitido"},
		{"api head", "HEAD", "/api/v1/regions", "", "", 200, "", ""},
		{"api not found stays JSON", "GET", "/api/v1/nowhere", "", "", 404, "", `"status":404`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
			req.Header.Set("Accept-Encoding", tc.accept)
			if tc.lang != "" {
				req.Header.Set("Accept-Language", tc.lang)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if tc.method == "HEAD" {
				if b, _ := io.ReadAll(resp.Body); len(b) != 0 {
					t.Errorf("HEAD answered a body of %d bytes", len(b))
				}
				return
			}
			body := decode(t, resp)
			if !strings.Contains(body, tc.contains) {
				t.Errorf("body lacks %q: %.200s", tc.contains, body)
			}
		})
	}
}

func TestHTTPNotModified(t *testing.T) {
	ts := emptyServer(t)
	for _, path := range []string{"/static/app.js", "/api/v1/regions"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") == "" {
			t.Fatalf("%s: ETag %q, Cache-Control %q", path, etag, resp.Header.Get("Cache-Control"))
		}
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("If-None-Match", etag)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s with If-None-Match %s: status %d, want 304", path, etag, resp.StatusCode)
		}
	}
}

func TestPickEncoding(t *testing.T) {
	for accept, want := range map[string]string{
		"": "", "gzip": "gzip", "br": "br", "gzip, deflate, br": "br",
		"br;q=0, gzip": "gzip", "*": "br", "identity": "", "gzip;q=0": "", "br;q=0.2, gzip;q=0.8": "gzip",
	} {
		if got := pickEncoding(accept); got != want {
			t.Errorf("pickEncoding(%q) = %q, want %q", accept, got, want)
		}
	}
}
