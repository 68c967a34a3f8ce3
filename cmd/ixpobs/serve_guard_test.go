package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/metrics"
)

func TestHTTPConfig(t *testing.T) {
	env := &environment{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string {
		return map[string]string{"IXPOBS_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.7"}[k]
	}}
	o := newOptions("serve", "serve", env, "rate-limit", "rate-burst", "trusted-proxies", "admin-listen", "read-header-timeout")
	if err := o.fs.Parse([]string{"--rate-limit", "0", "--admin-listen", "127.0.0.1:6060", "--read-header-timeout", "2s"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := o.load(env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.RateLimit != 0 || cfg.HTTP.RateBurst != 40 || len(cfg.HTTP.TrustedProxies) != 2 || cfg.HTTP.AdminListen != "127.0.0.1:6060" || cfg.HTTP.ReadHeaderTimeout != 2*time.Second {
		t.Errorf("http config = %+v", cfg.HTTP)
	}
	for _, args := range [][]string{
		{"--admin-listen", "0.0.0.0:6060"}, {"--admin-listen", ":6060"}, {"--admin-listen", "localhost:6060"},
		{"--trusted-proxies", "10.0.0.0/33"}, {"--rate-limit", "-1"}, {"--read-header-timeout", "0s"},
	} {
		o := newOptions("serve", "serve", env, "rate-limit", "rate-burst", "trusted-proxies", "admin-listen", "read-header-timeout")
		if err := o.fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := o.load(env); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestGuardedHandler checks the public handler as serve builds it: no
// pprof, refusals with the security headers, a spoofed X-Forwarded-For
// from an untrusted peer still limited, and counted.
func TestGuardedHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.NewHTTP(reg)
	inner := http.NewServeMux()
	inner.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	inner.HandleFunc("GET /debug/pprof/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	cfg := defaultConfig().HTTP
	cfg.RateLimit, cfg.RateBurst = 1, 5
	h, err := guardedHandler(inner, cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	codes := map[int]int{}
	for i := range 20 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Header.Set("X-Forwarded-For", "198.51.100."+string(rune('0'+i%10)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests && (resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")) {
			t.Errorf("429 without Retry-After or security headers: %v", resp.Header)
		}
	}
	if codes[200] != 5 || codes[429] != 15 {
		t.Errorf("spoofed X-Forwarded-For from an untrusted peer: %v, want 5 ok and 15 limited", codes)
	}
	resp, err := http.Get(srv.URL + "/?q=" + strings.Repeat("A", 9000))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("9 kB URI: %d, want 414", resp.StatusCode)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "ixpobs_http_refused_requests_total" {
			continue
		}
		for _, c := range mf.GetMetric() {
			if l := c.GetLabel()[0].GetValue(); l == "rate_limit" && c.GetCounter().GetValue() != 15 || l == "uri_too_long" && c.GetCounter().GetValue() != 1 {
				t.Errorf("refused{%s} = %v", l, c.GetCounter().GetValue())
			}
		}
	}
}
