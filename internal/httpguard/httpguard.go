// Package httpguard protects the public HTTP listener before routing: a
// token-bucket rate limit per client address (the connection's peer, or
// the rightmost untrusted X-Forwarded-For hop when the peer is a trusted
// proxy), a URI length limit and the refusal of request bodies (the
// surface is read-only). It also holds the loopback-only admin listener's
// handler (net/http/pprof).
package httpguard

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// Config configures the guard.
type Config struct {
	// Rate is the sustained requests per second allowed per client; 0
	// turns rate limiting off.
	Rate float64
	// Burst is how many requests a client may send at once (at least 1
	// when Rate > 0).
	Burst int
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// MaxClients bounds the number of clients tracked (default 100,000);
	// idle clients are evicted first.
	MaxClients int
	// MaxURIBytes is the longest request URI accepted (default 8192);
	// longer ones get 414.
	MaxURIBytes int
	// MaxBodyBytes is the largest request body accepted (default 1024);
	// no route reads one, writes get 405 from the router, and a larger
	// body, or one of unknown length, gets 413.
	MaxBodyBytes int64
	// Refused, when set, is called with the reason of every refusal:
	// "rate_limit", "uri_too_long" or "body".
	Refused func(reason string)
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Guard is the middleware; its zero value is not usable, see New.
type Guard struct {
	cfg     Config
	fromXFF func(http.Handler) http.Handler // chi's X-Forwarded-For walk; nil without trusted proxies
	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a guard with cfg's defaults filled in.
func New(cfg Config) (*Guard, error) {
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("httpguard: rate must be a finite number ≥ 0, not %v", cfg.Rate)
	}
	if cfg.Burst < 0 {
		return nil, fmt.Errorf("httpguard: burst must be ≥ 0, not %d", cfg.Burst)
	}
	if cfg.Rate > 0 && cfg.Burst == 0 {
		cfg.Burst = max(1, int(math.Ceil(cfg.Rate)))
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 100_000
	}
	if cfg.MaxURIBytes <= 0 {
		cfg.MaxURIBytes = 8192
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Refused == nil {
		cfg.Refused = func(string) {}
	}
	g := &Guard{cfg: cfg, buckets: map[netip.Addr]*bucket{}}
	if len(cfg.TrustedProxies) > 0 {
		trusted := make([]string, len(cfg.TrustedProxies))
		for i, p := range cfg.TrustedProxies {
			trusted[i] = p.String()
		}
		g.fromXFF = middleware.ClientIPFromXFF(trusted...)
	}
	return g, nil
}

// Middleware refuses, in this order, a URI over MaxURIBytes (414), a body
// over MaxBodyBytes or of unknown length (413), a client over its rate
// (429 with Retry-After) and a query string that does not parse (400: a
// bad escape such as %A, or a semicolon), which handlers reading
// r.URL.Query() would otherwise see as no parameter at all — a filter
// silently dropped and everything answered.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return g.withClientIP(g.guard(next))
}

// withClientIP puts the X-Forwarded-For client into the request context
// for ClientAddr when there are trusted proxies.
func (g *Guard) withClientIP(next http.Handler) http.Handler {
	if g.fromXFF == nil {
		return next
	}
	return g.fromXFF(next)
}

func (g *Guard) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > g.cfg.MaxURIBytes {
			g.cfg.Refused("uri_too_long")
			http.Error(w, "request URI too long", http.StatusRequestURITooLong)
			return
		}
		if r.ContentLength > g.cfg.MaxBodyBytes || r.ContentLength < 0 {
			g.cfg.Refused("body")
			w.Header().Set("Connection", "close")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes)
		if g.cfg.Rate > 0 {
			if wait, ok := g.allow(g.ClientAddr(r)); !ok {
				g.cfg.Refused("rate_limit")
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				http.Error(w, "too many requests", http.StatusTooManyRequests)
				return
			}
		}
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			g.cfg.Refused("bad_query")
			http.Error(w, "malformed query string: "+err.Error(), http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ClientAddr returns the address a request is limited by: the
// connection's peer; or, when the peer is a trusted proxy, the rightmost
// X-Forwarded-For hop that is not a trusted proxy, as chi's
// middleware.ClientIPFromXFF finds it (hops to its left can be written by
// anyone; an unreadable hop ends the walk without a client, and the peer
// is used). IPv6 clients are keyed by their /64. The request must have
// gone through Middleware.
func (g *Guard) ClientAddr(r *http.Request) netip.Addr {
	addr := remoteAddr(r.RemoteAddr)
	if g.trusted(addr) {
		if a := middleware.GetClientIPAddr(r.Context()); a.IsValid() {
			addr = a.Unmap()
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.Addr()
	}
	return addr
}

func (g *Guard) trusted(a netip.Addr) bool {
	for _, p := range g.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	return netip.Addr{} // the zero address: one shared bucket
}

// allow takes a token from addr's bucket, or says how long until one.
func (g *Guard) allow(addr netip.Addr) (time.Duration, bool) {
	now := g.cfg.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	b, ok := g.buckets[addr]
	if !ok {
		if len(g.buckets) >= g.cfg.MaxClients {
			g.evict(now)
		}
		b = &bucket{tokens: float64(g.cfg.Burst), last: now}
		g.buckets[addr] = b
	}
	b.tokens = min(float64(g.cfg.Burst), b.tokens+now.Sub(b.last).Seconds()*g.cfg.Rate)
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / g.cfg.Rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// evict drops the clients whose bucket has refilled (forgetting them
// changes nothing); if none has, a tenth of the clients, the map's
// iteration order choosing which.
func (g *Guard) evict(now time.Time) {
	full := time.Duration(float64(g.cfg.Burst) / g.cfg.Rate * float64(time.Second))
	for a, b := range g.buckets {
		if now.Sub(b.last) >= full {
			delete(g.buckets, a)
		}
	}
	for a := range g.buckets {
		if len(g.buckets) < g.cfg.MaxClients-g.cfg.MaxClients/10 {
			break
		}
		delete(g.buckets, a)
	}
}

// Clients returns the number of clients tracked.
func (g *Guard) Clients() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.buckets)
}

// ParsePrefixes parses a comma-separated list of CIDRs or addresses.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses a CIDR or a single address.
func ParsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q is neither a CIDR nor an address", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// CheckLoopback refuses a listen address whose host is not a loopback IP
// literal (127.0.0.0/8 or ::1): no name, no wildcard.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin listen address %q: %w", addr, err)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Unmap().IsLoopback() {
		return errors.New("admin listen address " + strconv.Quote(addr) + " is not a loopback address (127.0.0.1:PORT or [::1]:PORT)")
	}
	return nil
}
