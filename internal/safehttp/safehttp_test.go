package safehttp_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ixpobs/ixpobs/internal/safehttp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// testConfig allows loopback (where httptest servers listen) and uses short
// timeouts.
func testConfig() safehttp.Config {
	cfg := safehttp.DefaultConfig()
	cfg.ConnectTimeout = 2 * time.Second
	cfg.ReadTimeout = 2 * time.Second
	cfg.TotalTimeout = 3 * time.Second
	cfg.AllowPrefixes = loopback
	return cfg
}

func newClient(t *testing.T, cfg safehttp.Config) *safehttp.Client {
	t.Helper()
	c, err := safehttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// serve starts an httptest server whose handler returns when the client
// goes away or the test ends.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*safehttp.Config)
		ok     bool
	}{
		{"default", func(*safehttp.Config) {}, true},
		{"zero connect timeout", func(c *safehttp.Config) { c.ConnectTimeout = 0 }, false},
		{"zero read timeout", func(c *safehttp.Config) { c.ReadTimeout = 0 }, false},
		{"negative total timeout", func(c *safehttp.Config) { c.TotalTimeout = -1 }, false},
		{"zero body cap", func(c *safehttp.Config) { c.MaxBodyBytes = 0 }, false},
		{"zero header cap", func(c *safehttp.Config) { c.MaxHeaderBytes = 0 }, false},
		{"21 redirects", func(c *safehttp.Config) { c.MaxRedirects = 21 }, false},
		{"no redirects", func(c *safehttp.Config) { c.MaxRedirects = 0 }, true},
		{"empty user agent", func(c *safehttp.Config) { c.UserAgent = " " }, false},
		{"header injection", func(c *safehttp.Config) { c.Header = http.Header{"X-A": {"a\r\nHost: evil"}} }, false},
		{"api key header", func(c *safehttp.Config) { c.Header = http.Header{"Authorization": {"Api-Key abc"}} }, true},
		{"invalid prefix", func(c *safehttp.Config) { c.AllowPrefixes = []netip.Prefix{{}} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := safehttp.DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if _, err := safehttp.New(cfg); (err == nil) != tc.ok {
				t.Errorf("New() error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestCheckAddr(t *testing.T) {
	strict := newClient(t, safehttp.DefaultConfig())
	lenient := newClient(t, testConfig())
	tests := []struct {
		addr          string
		strict, allow bool // allowed by the default client, by the loopback-allowing one
	}{
		{"8.8.8.8", true, true},
		{"2001:4860:4860::8888", true, true},
		{"::ffff:8.8.8.8", true, true},
		{"127.0.0.1", false, true},
		{"127.1.2.3", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.0.0.1", false, false},
		{"172.16.5.4", false, false},
		{"192.168.1.1", false, false},
		{"100.64.0.1", false, false},
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"::ffff:10.0.0.1", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"255.255.255.255", false, false},
		{"fe80::1", false, false},
		{"fc00::1", false, false},
		{"fd12:3456::1", false, false},
		{"ff02::1", false, false},
		{"64:ff9b::a00:1", false, false}, // NAT64 of 10.0.0.1
		{"64:ff9b::808:808", true, true}, // NAT64 of 8.8.8.8
		{"2002:a00:1::1", false, false},  // 6to4 of 10.0.0.1
		{"2002:808:808::1", true, true},  // 6to4 of 8.8.8.8
		{"::7f00:1", false, false},       // IPv4-compatible 127.0.0.1
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tc.addr)
			err := strict.CheckAddr(a)
			if (err == nil) != tc.strict {
				t.Errorf("default CheckAddr(%s) = %v, want allowed=%v", a, err, tc.strict)
			}
			if err != nil && !errors.Is(err, safehttp.ErrBlockedAddress) {
				t.Errorf("CheckAddr(%s) = %v, want ErrBlockedAddress", a, err)
			}
			if err := lenient.CheckAddr(a); (err == nil) != tc.allow {
				t.Errorf("allow-listing CheckAddr(%s) = %v, want allowed=%v", a, err, tc.allow)
			}
		})
	}
}

// hostile runs one fetch and checks its error kind and duration.
func hostile(t *testing.T, c *safehttp.Client, url string, want error, wantKind string, within time.Duration) error {
	t.Helper()
	start := time.Now()
	resp, err := c.Get(context.Background(), url)
	took := time.Since(start)
	if err == nil {
		t.Fatalf("Get(%s) = %d bytes, nil error; want %v", url, len(resp.Body), want)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("Get(%s) error = %v, want %v", url, err, want)
	}
	if k := safehttp.Kind(err); k != wantKind {
		t.Errorf("Kind(%v) = %q, want %q", err, k, wantKind)
	}
	if took > within {
		t.Errorf("Get(%s) took %v, want at most %v", url, took, within)
	}
	return err
}

func TestDripFeed(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for {
			if _, err := w.Write([]byte("x")); err != nil {
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
	cfg := testConfig()
	cfg.TotalTimeout = 800 * time.Millisecond // each byte comes well within ReadTimeout
	hostile(t, newClient(t, cfg), srv.URL, safehttp.ErrTimeout, "timeout", 800*time.Millisecond+time.Second)
}

func TestStalls(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	afterHeaders := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.Write([]byte("{"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	beforeHeaders := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	cfg := testConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	cfg.TotalTimeout = 10 * time.Second
	c := newClient(t, cfg)
	for name, url := range map[string]string{"after headers": afterHeaders.URL, "before headers": beforeHeaders.URL} {
		t.Run(name, func(t *testing.T) {
			hostile(t, c, url, safehttp.ErrTimeout, "timeout", 300*time.Millisecond+time.Second)
		})
	}
}

// rawServer accepts connections and hands them to fn.
func rawServer(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			fn(conn)
			conn.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return "http://" + ln.Addr().String() + "/"
}

func TestEndlessHeaders(t *testing.T) {
	url := rawServer(t, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for { // read the request head first
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
		}
		w := bufio.NewWriter(conn)
		w.WriteString("HTTP/1.1 200 OK\r\n")
		line := "X-Junk: " + strings.Repeat("a", 1000) + "\r\n"
		for i := 0; i < 1<<20; i++ { // up to 1 GiB, stops when the client hangs up
			if _, err := w.WriteString(line); err != nil {
				return
			}
		}
	})
	cfg := testConfig()
	cfg.MaxHeaderBytes = 64 << 10
	hostile(t, newClient(t, cfg), url, safehttp.ErrHeaderTooLarge, "header_too_large", 2*time.Second)
}

// allocated returns the bytes allocated while fn runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestEndlessBody(t *testing.T) {
	chunk := make([]byte, 32<<10)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 20
	c := newClient(t, cfg)
	var err error
	n := allocated(func() { err = hostile(t, c, srv.URL, safehttp.ErrBodyTooLarge, "body_too_large", 2*time.Second) })
	if n > 16<<20 {
		t.Errorf("endless body with a 1 MiB cap allocated %d MiB, want under 16 MiB", n>>20)
	}
	t.Logf("error: %v; allocated %d KiB", err, n>>10)
}

func TestHugeContentLength(t *testing.T) {
	var wrote atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(int64(10)<<30))
		w.WriteHeader(200)
		n, _ := w.Write(make([]byte, 1<<20))
		wrote.Add(int64(n))
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 32 << 20
	err := hostile(t, newClient(t, cfg), srv.URL, safehttp.ErrBodyTooLarge, "body_too_large", 2*time.Second)
	if !strings.Contains(err.Error(), "content-length") {
		t.Errorf("error %q does not say the declared length was refused", err)
	}
}

func TestGzipBomb(t *testing.T) {
	// One gzip member of 1 MiB of zeros (about 1 KiB), sent 10240 times: a
	// valid multi-member stream of 10 GiB.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("client did not offer gzip")
		}
		w.Header().Set("Content-Encoding", "gzip")
		for i := 0; i < 10<<10; i++ {
			if _, err := w.Write(member.Bytes()); err != nil {
				return
			}
		}
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 4 << 20
	c := newClient(t, cfg)
	n := allocated(func() { hostile(t, c, srv.URL, safehttp.ErrBodyTooLarge, "body_too_large", 3*time.Second) })
	if n > 64<<20 {
		t.Errorf("gzip bomb with a 4 MiB cap allocated %d MiB, want under 64 MiB", n>>20)
	}
	t.Logf("gzip bomb: %d bytes per member, allocated %d KiB", member.Len(), n>>10)
}

func TestRedirects(t *testing.T) {
	var hits atomic.Int64
	loop := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		next := "/a"
		if r.URL.Path == "/a" {
			next = "/b"
		}
		http.Redirect(w, r, next, http.StatusFound)
	})
	to := func(target string) string {
		return serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusMovedPermanently)
		}).URL
	}
	cfg := testConfig()
	cfg.ConnectTimeout = 5 * time.Second // a real connect to these would take this long
	c := newClient(t, cfg)

	t.Run("loop", func(t *testing.T) {
		hostile(t, c, loop.URL, safehttp.ErrTooManyRedirects, "too_many_redirects", time.Second)
		if got := hits.Load(); got != 6 {
			t.Errorf("server saw %d requests, want 6 (the first and 5 redirects)", got)
		}
	})
	for _, target := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/",
		"http://[fd00::1]/",
		"http://[::ffff:192.168.0.1]:8080/",
		"http://100.64.1.1/",
	} {
		t.Run("to "+target, func(t *testing.T) {
			hostile(t, c, to(target), safehttp.ErrBlockedAddress, "blocked_address", time.Second)
		})
	}
	t.Run("to file", func(t *testing.T) {
		hostile(t, c, to("file:///etc/passwd"), safehttp.ErrScheme, "scheme", time.Second)
	})
	t.Run("followed", func(t *testing.T) {
		ok := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
		resp, err := c.Get(context.Background(), to(ok.URL+"/final"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.URL != ok.URL+"/final" || string(resp.Body) != "ok" {
			t.Errorf("Get = %q from %s, want \"ok\" from %s/final", resp.Body, resp.URL, ok.URL)
		}
	})
}

func TestLoopbackRefused(t *testing.T) {
	var hits atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := newClient(t, safehttp.DefaultConfig())
	for _, url := range []string{
		"http://localhost:" + port + "/",
		srv.URL,
		"http://[::ffff:127.0.0.1]:" + port + "/",
	} {
		t.Run(url, func(t *testing.T) {
			hostile(t, c, url, safehttp.ErrBlockedAddress, "blocked_address", time.Second)
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server was contacted %d times, want 0", n)
	}
}

func TestStatus(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			http.Error(w, "boom", 500)
		case "/429":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", 429)
		case "/503":
			w.Header().Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
			http.Error(w, "maintenance", 503)
		case "/404":
			w.Header().Set("Retry-After", "soon")
			http.NotFound(w, r)
		}
	})
	cfg := testConfig()
	cfg.Now = func() time.Time { return now }
	c := newClient(t, cfg)
	tests := []struct {
		path  string
		code  int
		retry time.Duration
		kind  string
		temp  bool
	}{
		{"/500", 500, 0, "http_5xx", true},
		{"/429", 429, 120 * time.Second, "http_429", true},
		{"/503", 503, 90 * time.Second, "http_5xx", true},
		{"/404", 404, 0, "http_4xx", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			err := hostile(t, c, srv.URL+tc.path, nil, tc.kind, time.Second)
			var se *safehttp.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want *StatusError", err)
			}
			if se.Code != tc.code || se.RetryAfter != tc.retry || se.Temporary() != tc.temp {
				t.Errorf("StatusError = code %d retry %v temporary %v, want %d %v %v", se.Code, se.RetryAfter, se.Temporary(), tc.code, tc.retry, tc.temp)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	var gotUA, gotAuth, gotExtra string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAuth, gotExtra = r.UserAgent(), r.Header.Get("Authorization"), r.Header.Get("If-None-Match")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, `{"ok":true}`)
		zw.Close()
	})
	cfg := testConfig()
	cfg.UserAgent = safehttp.UserAgent("1.2.3")
	cfg.Header = http.Header{"Authorization": {"Api-Key secret"}}
	c := newClient(t, cfg)
	resp, err := c.Get(context.Background(), srv.URL, safehttp.WithHeader("If-None-Match", `"v1"`))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"ok":true}` {
		t.Errorf("body = %q, want the decompressed JSON", resp.Body)
	}
	if want := "ixpobs/1.2.3 (+https://github.com/ixpobs/ixpobs)"; gotUA != want {
		t.Errorf("User-Agent = %q, want %q", gotUA, want)
	}
	if gotAuth != "Api-Key secret" || gotExtra != `"v1"` {
		t.Errorf("headers = %q, %q, want the configured and the per-call one", gotAuth, gotExtra)
	}
	for _, url := range []string{"ftp://example.com/x", "file:///etc/passwd", "gopher://x/"} {
		if _, err := c.Get(context.Background(), url); !errors.Is(err, safehttp.ErrScheme) {
			t.Errorf("Get(%s) error = %v, want ErrScheme", url, err)
		}
	}
}

func TestPerCallOptions(t *testing.T) {
	body := strings.Repeat("y", 100<<10)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body) // chunked: no Content-Length
		w.(http.Flusher).Flush()
		io.WriteString(w, body)
	})
	c := newClient(t, testConfig())
	if _, err := c.Get(context.Background(), srv.URL, safehttp.WithMaxBodyBytes(150<<10)); !errors.Is(err, safehttp.ErrBodyTooLarge) {
		t.Errorf("Get with a 150 KiB cap of a 200 KiB body: error = %v, want ErrBodyTooLarge", err)
	}
	resp, err := c.Get(context.Background(), srv.URL, safehttp.WithMaxBodyBytes(200<<10))
	if err != nil || len(resp.Body) != 200<<10 {
		t.Errorf("Get with a cap equal to the body = %v, want the whole body", err)
	}
	s, err := c.Open(context.Background(), srv.URL, safehttp.WithMaxBodyBytes(150<<10))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, s)
	s.Close()
	if !errors.Is(err, safehttp.ErrBodyTooLarge) || n > 150<<10+1 {
		t.Errorf("Open stream read %d bytes, error %v; want at most the cap and ErrBodyTooLarge", n, err)
	}
}

func TestCanceled(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := newClient(t, testConfig())
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.Get(ctx, srv.URL)
	if !errors.Is(err, context.Canceled) || safehttp.Kind(err) != "canceled" {
		t.Errorf("Get with a canceled context: error = %v (kind %q), want context.Canceled", err, safehttp.Kind(err))
	}
}
