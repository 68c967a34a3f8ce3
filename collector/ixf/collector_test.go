package ixf

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recordingPublisher is an in-test Publisher that keeps what it is given
// and refuses sources listed in fail.
type recordingPublisher struct {
	mu    sync.Mutex
	calls []ixp.SnapshotInput
	fail  map[string]error
}

func (p *recordingPublisher) Publish(_ context.Context, in ixp.SnapshotInput) (ixp.Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fail[in.Source]; err != nil {
		return ixp.Snapshot{}, err
	}
	p.calls = append(p.calls, in)
	return ixp.Snapshot{ID: int64(len(p.calls)), Source: in.Source, At: in.At}, nil
}

func hostileExportServer(t *testing.T) *httptest.Server {
	t.Helper()
	small, err := os.ReadFile("testdata/small.json")
	if err != nil {
		t.Fatal(err)
	}
	quirks, err := os.ReadFile("testdata/quirks.json")
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 32<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("/small.json", func(w http.ResponseWriter, r *http.Request) { w.Write(small) })
	mux.HandleFunc("/quirks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(quirks)
		zw.Close()
	})
	mux.HandleFunc("/moved.json", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/small.json", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"member_list": [`))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	// A gzip bomb: one gzip member of 1 MiB of zeros (about 1 KiB) sent
	// again and again, a valid multi-member stream of 1 TiB.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		for i := 0; i < 1<<20; i++ {
			if _, err := w.Write(member.Bytes()); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop?again", http.StatusFound) })
	mux.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/export.json", http.StatusFound)
	})
	mux.HandleFunc("/metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>Please log in</body></html>")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "internal error", 500) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "slow down", 429)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

func TestCollectorRun(t *testing.T) {
	srv := hostileExportServer(t)
	hc := safehttp.DefaultConfig()
	hc.ConnectTimeout = time.Second
	hc.ReadTimeout = 500 * time.Millisecond
	hc.TotalTimeout = time.Second
	hc.MaxBodyBytes = 1 << 20
	hc.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	client, err := safehttp.New(hc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	pub := &recordingPublisher{fail: map[string]error{"ixf:shrinking": &ixp.ShrinkError{Source: "ixf:shrinking", Kind: ixp.KindConnection, Previous: 100, Next: 2, MaxDrop: 0.3}}}
	now := time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC)
	c, err := New(client, pub, Config{Concurrency: 4, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		stage, kind string
		conns       int
	}
	cases := []struct {
		target Target
		want   want
	}{
		{Target{Name: "small", URL: srv.URL + "/small.json"}, want{"", "", 2}},
		{Target{Name: "quirks", URL: srv.URL + "/quirks.json"}, want{"", "", 7}},
		{Target{Name: "moved", URL: srv.URL + "/moved.json"}, want{"", "", 2}},
		{Target{Name: "file", Path: "testdata/small.json"}, want{"", "", 2}},
		{Target{Name: "slow", URL: srv.URL + "/slow"}, want{StageFetch, "timeout", 0}},
		{Target{Name: "endless", URL: srv.URL + "/endless"}, want{StageFetch, "body_too_large", 0}},
		{Target{Name: "bomb", URL: srv.URL + "/bomb"}, want{StageFetch, "body_too_large", 0}},
		{Target{Name: "loop", URL: srv.URL + "/loop"}, want{StageFetch, "too_many_redirects", 0}},
		{Target{Name: "private", URL: srv.URL + "/private"}, want{StageFetch, "blocked_address", 0}},
		{Target{Name: "metadata", URL: srv.URL + "/metadata"}, want{StageFetch, "blocked_address", 0}},
		{Target{Name: "html", URL: srv.URL + "/html"}, want{StageDecode, "html", 0}},
		{Target{Name: "empty", URL: srv.URL + "/empty"}, want{StageDecode, "empty", 0}},
		{Target{Name: "500", URL: srv.URL + "/500"}, want{StageFetch, "http_5xx", 0}},
		{Target{Name: "429", URL: srv.URL + "/429"}, want{StageFetch, "http_429", 0}},
		{Target{Name: "missing file", Path: "testdata/does-not-exist.json"}, want{StageFetch, "file", 0}},
		{Target{Name: "shrinking", URL: srv.URL + "/small.json"}, want{StagePublish, "shrink", 2}},
	}
	targets := make([]Target, len(cases))
	for i, tc := range cases {
		targets[i] = tc.target
	}
	exs := []ixp.Exchange{{ID: 4242, Name: "Small IX"}}
	m := NewMatcher(MatchData{Exchanges: exs, Prefixes: []ixp.ExchangePrefix{{IXID: 4242, Prefix: "2001:db8:99::/64"}}})

	start := time.Now()
	results := c.Run(context.Background(), targets, m)
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("Run took %v, want under 4 s (1 s fetch timeout, 4 at once)", took)
	}
	if len(results) != len(cases) {
		t.Fatalf("results = %d, want %d", len(results), len(cases))
	}
	for i, tc := range cases {
		r := results[i]
		t.Run(tc.target.Name, func(t *testing.T) {
			if r.Target.Name != tc.target.Name {
				t.Fatalf("result %d is for %q, want %q", i, r.Target.Name, tc.target.Name)
			}
			if r.Stage != tc.want.stage || r.ErrKind != tc.want.kind || (r.Err == nil) != (tc.want.stage == "") {
				t.Errorf("stage %q kind %q err %v, want stage %q kind %q", r.Stage, r.ErrKind, r.Err, tc.want.stage, tc.want.kind)
			}
			if r.Connections != tc.want.conns {
				t.Errorf("connections = %d, want %d", r.Connections, tc.want.conns)
			}
			if r.Duration > 2*time.Second {
				t.Errorf("took %v, want at most the 1 s fetch timeout + 1 s", r.Duration)
			}
		})
	}

	published := map[string]ixp.SnapshotInput{}
	for _, in := range pub.calls {
		published[in.Source] = in
	}
	if len(pub.calls) != 4 {
		t.Errorf("published %d snapshots, want 4 (small, quirks, moved, file)", len(pub.calls))
	}
	small, ok := published["ixf:small"]
	if !ok {
		t.Fatal("ixf:small not published")
	}
	if len(small.Records) != 3 || !small.At.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) || small.Origin != srv.URL+"/small.json" {
		t.Errorf("ixf:small = %d records at %v from %q, want 3 at 2026-05-01 from the URL", len(small.Records), small.At, small.Origin)
	}
	for _, rec := range small.Records {
		if rec.IXID != 4242 {
			t.Errorf("record %v of ixf:small has IXID %d, want 4242 (matched by prefix)", rec.Kind, rec.IXID)
		}
	}
	if results[0].Matched != 1 || results[0].Snapshot.Source != "ixf:small" {
		t.Errorf("result = %+v, want 1 matched exchange and the published snapshot", results[0])
	}
	if q := published["ixf:quirks"]; len(q.Notes) == 0 {
		t.Errorf("ixf:quirks published without notes about its drops")
	}
	var se *safehttp.StatusError
	if !errors.As(results[13].Err, &se) || se.RetryAfter != time.Minute {
		t.Errorf("429 error = %v, want a StatusError with RetryAfter 1m", results[13].Err)
	}
}

func TestCollectorCanceled(t *testing.T) {
	srv := hostileExportServer(t)
	hc := safehttp.DefaultConfig()
	hc.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	client, err := safehttp.New(hc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := New(client, &recordingPublisher{}, Config{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	results := c.Run(ctx, []Target{{Name: "a", URL: srv.URL + "/slow"}, {Name: "b", URL: srv.URL + "/slow"}}, nil)
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run took %v after its context ended, want under 1 s", took)
	}
	for _, r := range results {
		if r.Err == nil {
			t.Errorf("%s: nil error after cancellation", r.Target.Name)
		}
	}
}

func TestCollectorConfig(t *testing.T) {
	client, err := safehttp.New(safehttp.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for _, cfg := range []Config{{Concurrency: -1}, {Concurrency: 65}, {MaxBodyBytes: -1}, {FetchTimeout: -1}} {
		if _, err := New(client, &recordingPublisher{}, cfg); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("New(%+v) error = %v, want ErrInvalid", cfg, err)
		}
	}
	if _, err := New(nil, &recordingPublisher{}, DefaultConfig()); err == nil {
		t.Error("New without a client: nil error")
	}
}
