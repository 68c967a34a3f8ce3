package dashboard_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
)

// TestSlowHeaders opens 1,000 connections that send their request headers
// one byte every 100 ms (slowloris) against the server as serve configures
// it, with ReadHeaderTimeout 2 s: every connection must be closed by the
// server within ReadHeaderTimeout + 1 s, while a normal client requesting
// meanwhile keeps p99 under 500 ms.
//
// With IXPOBS_SLOWHEADER_ADDR=host:port (and IXPOBS_SLOWHEADER_TIMEOUT, the
// server's --read-header-timeout, default 5s) it attacks a running
// `ixpobs serve` instead: scripts/reliability/slowheader.sh does.
func TestSlowHeaders(t *testing.T) {
	const conns = 1000
	timeout := 2 * time.Second
	addr := os.Getenv("IXPOBS_SLOWHEADER_ADDR")
	if addr == "" {
		_, _, d := metricsServer(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := dashboard.HTTPServer(ln.Addr().String(), d.Handler(), timeout)
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		addr = ln.Addr().String()
	} else if v := os.Getenv("IXPOBS_SLOWHEADER_TIMEOUT"); v != "" {
		var err error
		if timeout, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	} else {
		timeout = dashboard.DefaultReadHeaderTimeout
	}
	paths := []string{"/healthz", "/api/v1/ixps", "/", "/api/v1/countries"}
	if v := os.Getenv("IXPOBS_SLOWHEADER_PATHS"); v != "" {
		paths = nil
		paths = strings.Split(v, ",")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, p := range paths { // warm the caches: the test is about the attack
		if resp, err := client.Get("http://" + addr + p); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}

	// A normal client from before the attack until every slow connection
	// is gone.
	done := make(chan struct{})
	var lat []time.Duration
	var normalErrs []string
	normal := sync.WaitGroup{}
	normal.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			p := paths[i%len(paths)]
			t0 := time.Now()
			resp, err := client.Get("http://" + addr + p)
			if err != nil {
				normalErrs = append(normalErrs, err.Error())
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				normalErrs = append(normalErrs, p+": "+resp.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	lives := make([]time.Duration, conns)
	var wg sync.WaitGroup
	var dialErrs, neverClosed int
	var mu sync.Mutex
	start := time.Now()
	for i := range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			mu.Lock()
			dialErrs++
			mu.Unlock()
			lives[i] = -1
			continue
		}
		opened := time.Now()
		wg.Go(func() {
			defer c.Close()
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				c.SetReadDeadline(time.Now().Add(timeout + 10*time.Second))
				_, err := io.Copy(io.Discard, c)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					mu.Lock()
					neverClosed++
					mu.Unlock()
				}
			}()
			req := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + fmt.Sprint(i)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for j := 0; ; j = (j + 1) % len(req) {
				select {
				case <-closed:
					lives[i] = time.Since(opened)
					return
				case <-tick.C:
					c.Write([]byte{req[j]})
				}
			}
		})
	}
	opening := time.Since(start)
	wg.Wait()
	close(done)
	normal.Wait()

	// Under -race (and a loaded machine) opening the connections alone
	// takes seconds: the slack grows with the race factor.
	limit := timeout + time.Second*raceSlowdown
	var longest time.Duration
	over := 0
	for _, l := range lives {
		longest = max(longest, l)
		if l > limit {
			over++
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		t.Fatalf("the normal client got no answer: %v", normalErrs)
	}
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("%d slow-header connections opened in %v (%d dial errors); closed by the server after at most %v (ReadHeaderTimeout %v); %d over %v, %d never closed",
		conns, opening.Round(time.Millisecond), dialErrs, longest.Round(time.Millisecond), timeout, over, limit, neverClosed)
	t.Logf("normal client meanwhile: %d requests, p50 %v, p99 %v, max %v, %d errors", len(lat), p50.Round(time.Microsecond), p99.Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), len(normalErrs))
	if dialErrs > 0 || over > 0 || neverClosed > 0 {
		t.Errorf("slow connections: %d dial errors, %d lived over %v, %d never closed", dialErrs, over, limit, neverClosed)
	}
	if p99 > 500*time.Millisecond*raceSlowdown || len(normalErrs) > 0 {
		t.Errorf("normal client p99 %v (limit %v), errors %v", p99, 500*time.Millisecond*raceSlowdown, normalErrs[:min(5, len(normalErrs))])
	}
}
