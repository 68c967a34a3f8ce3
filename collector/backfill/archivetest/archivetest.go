// Package archivetest serves a fake public archive over HTTPS on loopback
// for backfill tests: a directory tree of real files, with the HTML
// directory indexes the archives' web servers (Apache-style) answer, so
// the backfill finds files the way it does on the real archives. Requests
// can be made to fail, and are counted.
package archivetest

import (
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Archive is a fake archive: files under Root served at URL.
type Archive struct {
	Root   string
	URL    string // https://127.0.0.1:PORT/
	CAFile string // PEM of the server's certificate, to trust it
	srv    *httptest.Server

	mu       sync.Mutex
	fail     map[string]int // path → status to answer
	requests map[string]int
}

// New starts an archive serving an empty tree; it stops with the test.
func New(tb testing.TB) *Archive {
	tb.Helper()
	a := &Archive{Root: tb.TempDir(), fail: map[string]int{}, requests: map[string]int{}}
	a.srv = httptest.NewTLSServer(http.HandlerFunc(a.serve))
	tb.Cleanup(a.srv.Close)
	a.URL = a.srv.URL + "/"
	a.CAFile = filepath.Join(tb.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.srv.Certificate().Raw})
	if err := os.WriteFile(a.CAFile, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return a
}

// Add copies the file src to rel (a slash path under the root).
func (a *Archive) Add(tb testing.TB, rel, src string) {
	tb.Helper()
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	a.AddReader(tb, rel, in)
}

// AddReader writes r to rel.
func (a *Archive) AddReader(tb testing.TB, rel string, r io.Reader) {
	tb.Helper()
	dst := filepath.Join(a.Root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(f, r); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// Fail makes requests for rel answer status (0: serve again).
func (a *Archive) Fail(rel string, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if status == 0 {
		delete(a.fail, "/"+rel)
	} else {
		a.fail["/"+rel] = status
	}
}

// Requests returns how many times rel was asked for.
func (a *Archive) Requests(rel string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests["/"+rel]
}

func (a *Archive) serve(w http.ResponseWriter, r *http.Request) {
	p := path.Clean(r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") && p != "/" {
		p += "/"
	}
	a.mu.Lock()
	a.requests[p]++
	status := a.fail[p]
	a.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	full := filepath.Join(a.Root, filepath.FromSlash(strings.TrimPrefix(p, "/")))
	fi, err := os.Stat(full)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if !fi.IsDir() {
		http.ServeFile(w, r, full)
		return
	}
	if !strings.HasSuffix(p, "/") {
		http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
		return
	}
	entries, err := os.ReadDir(full)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	// The shape of Apache's mod_autoindex pages: a parent link, then one
	// row per entry, directories with a trailing slash.
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	fmt.Fprintf(w, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><head><title>Index of %s</title></head><body>\n<h1>Index of %s</h1>\n<table>\n", html.EscapeString(p), html.EscapeString(p))
	fmt.Fprintf(w, "<tr><td><a href=\"../\">Parent Directory</a></td></tr>\n")
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		info, _ := e.Info()
		size := int64(0)
		if info != nil {
			size = info.Size()
		}
		fmt.Fprintf(w, "<tr><td><a href=\"%s\">%s</a></td><td align=\"right\">%d</td></tr>\n", html.EscapeString(name), html.EscapeString(name), size)
	}
	fmt.Fprintf(w, "</table></body></html>\n")
}
