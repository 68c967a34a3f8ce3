// Package safehttp is the one hardened HTTP client every collector uses to
// fetch from the Internet (PeeringDB, IX-F exports, RIR statistics, MRT
// archives). URLs come from third parties (PeeringDB publishes IX-F URLs
// anyone can edit), so the client assumes hostile servers and hostile URLs:
//
//   - it connects only to public unicast addresses, checked on the resolved
//     address at connect time (net.Dialer.Control), so DNS names resolving to
//     loopback, DNS rebinding and redirects to private or metadata addresses
//     are refused before any packet is sent; AllowPrefixes opens chosen
//     ranges for private deployments and tests;
//   - it follows at most MaxRedirects redirects, to http and https only;
//   - it bounds connect time, the idle time between bytes and the total
//     time of a fetch, the response header size and the body size (after
//     transparent gzip decompression, so a gzip bomb stops at the cap);
//   - it never uses proxies from the environment on its own (they would
//     bypass the address check): a proxy is used only when Config.Proxy
//     names it, and then the address check applies to the proxy (a
//     private proxy must be allow-listed) and, before the request, to the
//     target's literal or locally resolved addresses;
//   - it returns typed errors (ErrBlockedAddress, ErrBodyTooLarge,
//     ErrTooManyRedirects, ErrTimeout, *StatusError…) that Kind maps to a
//     short label for metrics.
package safehttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Errors returned (wrapped) by Get and Open. Test with errors.Is.
var (
	// ErrBlockedAddress means the URL's host resolved to, or a redirect
	// led to, an address that is not public unicast and not allow-listed.
	ErrBlockedAddress = errors.New("address not allowed")
	// ErrBodyTooLarge means the body (after decompression) exceeds the cap.
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrHeaderTooLarge means the response headers exceed MaxHeaderBytes.
	ErrHeaderTooLarge = errors.New("response headers too large")
	// ErrTooManyRedirects means more than MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrScheme means a URL or a redirect is not http or https.
	ErrScheme = errors.New("scheme not allowed")
	// ErrTimeout means the connect, idle (read) or total timeout expired.
	ErrTimeout = errors.New("timeout")
)

// StatusError is a response with a status other than 2xx.
type StatusError struct {
	URL    string // redacted final URL
	Code   int
	Status string
	// RetryAfter is the delay asked by a Retry-After header (seconds or an
	// HTTP date), 0 when absent or unreadable.
	RetryAfter time.Duration
	// Body is the start of the response body (at most 512 bytes).
	Body string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("safehttp: get %s: status %s", e.URL, e.Status)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Temporary reports whether a later try may succeed (429 and 5xx).
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// DefaultUserAgent is the User-Agent of DefaultConfig.
const DefaultUserAgent = "ixpobs/dev (+https://github.com/ixpobs/ixpobs)"

// UserAgent returns the User-Agent for an ixpobs version.
func UserAgent(version string) string {
	return "ixpobs/" + version + " (+https://github.com/ixpobs/ixpobs)"
}

// Config configures a Client. Start from DefaultConfig.
type Config struct {
	ConnectTimeout time.Duration // TCP connect and TLS handshake, each
	ReadTimeout    time.Duration // longest wait for the next byte (idle)
	TotalTimeout   time.Duration // whole fetch: connect, redirects, headers and body
	MaxBodyBytes   int64         // default body cap, after decompression; per call WithMaxBodyBytes
	MaxHeaderBytes int64         // response header cap
	MaxRedirects   int           // redirects followed, at most 20
	UserAgent      string
	// Header holds extra headers sent with every request, e.g.
	// "Authorization: Api-Key …". Go does not forward Authorization and
	// Cookie on redirects to another host.
	Header http.Header
	// AllowPrefixes are address ranges allowed even though they are not
	// public unicast (private deployments, tests on 127.0.0.0/8).
	AllowPrefixes []netip.Prefix
	// Now is the clock used for Retry-After dates; nil means time.Now.
	Now func() time.Time
	// Proxy is an http(s) proxy URL for every request (nil: none), except
	// to the hosts of NoProxy (exact names, or ".example.org" suffixes).
	Proxy   *url.URL
	NoProxy []string
	// CAFile is a PEM file of certificate authorities trusted in addition
	// to the system's (a mirror or proxy with an internal CA).
	CAFile string
}

// DefaultConfig returns the defaults: connect 10 s, idle read 30 s, total
// 2 min, body 32 MiB, headers 1 MiB, 5 redirects, DefaultUserAgent.
func DefaultConfig() Config {
	return Config{
		ConnectTimeout: 10 * time.Second,
		ReadTimeout:    30 * time.Second,
		TotalTimeout:   2 * time.Minute,
		MaxBodyBytes:   32 << 20,
		MaxHeaderBytes: 1 << 20,
		MaxRedirects:   5,
		UserAgent:      DefaultUserAgent,
	}
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	switch {
	case c.ConnectTimeout <= 0:
		return errors.New("safehttp: connect timeout must be positive")
	case c.ReadTimeout <= 0:
		return errors.New("safehttp: read timeout must be positive")
	case c.TotalTimeout <= 0:
		return errors.New("safehttp: total timeout must be positive")
	case c.MaxBodyBytes <= 0:
		return errors.New("safehttp: body size cap must be positive")
	case c.MaxHeaderBytes <= 0:
		return errors.New("safehttp: header size cap must be positive")
	case c.MaxRedirects < 0 || c.MaxRedirects > 20:
		return fmt.Errorf("safehttp: max redirects %d not in 0..20", c.MaxRedirects)
	case strings.TrimSpace(c.UserAgent) == "" || strings.ContainsAny(c.UserAgent, "\r\n"):
		return errors.New("safehttp: user agent must be a non-empty single line")
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			if k == "" || strings.ContainsAny(k+v, "\r\n") {
				return fmt.Errorf("safehttp: invalid header %q", k)
			}
		}
	}
	if c.Proxy != nil && (c.Proxy.Scheme != "http" && c.Proxy.Scheme != "https" || c.Proxy.Host == "") {
		return fmt.Errorf("safehttp: proxy %q must be an http(s) URL with a host", c.Proxy.Redacted())
	}
	for _, p := range c.AllowPrefixes {
		if !p.IsValid() {
			return fmt.Errorf("safehttp: invalid allow prefix %v", p)
		}
	}
	return nil
}

// Client fetches URLs under a Config. It is safe for concurrent use.
type Client struct {
	cfg Config
	tr  *http.Transport
	hc  *http.Client
}

// New returns a Client for a valid cfg.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Header = cfg.Header.Clone()
	cfg.AllowPrefixes = append([]netip.Prefix(nil), cfg.AllowPrefixes...)
	c := &Client{cfg: cfg}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second, Control: c.control}
	tlsConf, err := tlsConfig(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	c.tr = &http.Transport{
		Proxy:           c.proxy, // only the configured one, never the environment's
		TLSClientConfig: tlsConf,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &idleConn{Conn: conn, timeout: cfg.ReadTimeout}, nil
		},
		TLSHandshakeTimeout:    cfg.ConnectTimeout,
		MaxResponseHeaderBytes: cfg.MaxHeaderBytes,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
	}
	c.hc = &http.Client{Transport: c.tr, CheckRedirect: c.checkRedirect}
	return c, nil
}

// tlsConfig trusts the system roots plus those of caFile.
func tlsConfig(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("safehttp: ca file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("safehttp: ca file %s: no PEM certificate in it", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// proxy returns the configured proxy for req, after checking the target:
// the proxy connects to it, so the dial-time check cannot. An address
// literal is checked; a name is resolved locally and each address checked
// (a name that does not resolve locally, as in networks where only the
// proxy resolves, is left to the proxy).
func (c *Client) proxy(req *http.Request) (*url.URL, error) {
	if c.cfg.Proxy == nil {
		return nil, nil
	}
	host := req.URL.Hostname()
	for _, np := range c.cfg.NoProxy {
		np = strings.ToLower(strings.TrimSpace(np))
		if np != "" && (strings.EqualFold(host, np) || strings.HasPrefix(np, ".") && strings.HasSuffix(strings.ToLower(host), np)) {
			return nil, nil
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := c.CheckAddr(a); err != nil {
			return nil, err
		}
	} else if addrs, err := net.DefaultResolver.LookupNetIP(req.Context(), "ip", host); err == nil {
		for _, a := range addrs {
			if err := c.CheckAddr(a); err != nil {
				return nil, err
			}
		}
	}
	return c.cfg.Proxy, nil
}

// Close closes idle connections.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// idleConn sets a fresh deadline before every read and write, so a server
// that stops sending for longer than the timeout ends the fetch.
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// control runs after the socket is created and before it connects: the
// address is the resolved one, so this is where names and redirects are
// judged.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: dial address %q", ErrBlockedAddress, address)
	}
	return c.CheckAddr(ap.Addr())
}

// CheckAddr returns nil when the client may connect to a, and an error
// wrapping ErrBlockedAddress that says why not otherwise.
func (c *Client) CheckAddr(a netip.Addr) error {
	for _, p := range c.cfg.AllowPrefixes {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return nil
		}
	}
	if why := blockedReason(a); why != "" {
		return &AddrError{Addr: a, Reason: why}
	}
	return nil
}

// AddrError is a refused address. It matches ErrBlockedAddress.
type AddrError struct {
	Addr   netip.Addr
	Reason string // e.g. "loopback", "private", "link-local"
}

func (e *AddrError) Error() string {
	return fmt.Sprintf("%s is %s: %s", e.Addr, e.Reason, ErrBlockedAddress)
}

// Is makes errors.Is(err, ErrBlockedAddress) true.
func (e *AddrError) Is(target error) bool { return target == ErrBlockedAddress }

var blocked = []struct {
	p   netip.Prefix
	why string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade nat"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "ietf protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "ipv4-compatible"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local nat64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var (
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	six4  = netip.MustParsePrefix("2002::/16")
)

// blockedReason says why a is not a public unicast address, or "".
func blockedReason(a netip.Addr) string {
	if !a.IsValid() {
		return "invalid"
	}
	if a.Zone() != "" {
		return "scoped"
	}
	if a.Is4In6() {
		if why := blockedReason(a.Unmap()); why != "" {
			return "ipv4-mapped " + why
		}
		return ""
	}
	for _, b := range blocked {
		if b.p.Contains(a) {
			return b.why
		}
	}
	// Addresses that embed an IPv4 address are judged by it.
	b := a.As16()
	switch {
	case nat64.Contains(a):
		if why := blockedReason(netip.AddrFrom4([4]byte(b[12:16]))); why != "" {
			return "nat64 of " + why
		}
	case six4.Contains(a):
		if why := blockedReason(netip.AddrFrom4([4]byte(b[2:6]))); why != "" {
			return "6to4 of " + why
		}
	}
	return ""
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.cfg.MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, c.cfg.MaxRedirects)
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("%w: redirect to %q", ErrScheme, s)
	}
	return nil
}

// Option changes one call.
type Option func(*callOptions)

type callOptions struct {
	maxBody int64
	timeout time.Duration
	header  http.Header
}

// WithMaxBodyBytes sets the body cap of one call (e.g. larger for MRT
// archives).
func WithMaxBodyBytes(n int64) Option { return func(o *callOptions) { o.maxBody = n } }

// WithTimeout sets the total timeout of one call.
func WithTimeout(d time.Duration) Option { return func(o *callOptions) { o.timeout = d } }

// WithHeader adds a request header to one call (e.g. If-None-Match).
func WithHeader(key, value string) Option {
	return func(o *callOptions) {
		if o.header == nil {
			o.header = http.Header{}
		}
		o.header.Add(key, value)
	}
}

// Response is a successful (2xx) response read whole.
type Response struct {
	StatusCode int
	Header     http.Header
	URL        string // final URL, after redirects
	Body       []byte
}

// Get fetches rawURL and reads the whole body, within the body cap. Any
// status other than 2xx is a *StatusError.
func (c *Client) Get(ctx context.Context, rawURL string, opts ...Option) (*Response, error) {
	s, err := c.Open(ctx, rawURL, opts...)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var buf bytes.Buffer
	if n := s.contentLength; n > 0 && n <= s.max {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(s); err != nil {
		return nil, err
	}
	return &Response{StatusCode: s.StatusCode, Header: s.Header, URL: s.URL, Body: buf.Bytes()}, nil
}

// Stream is a successful (2xx) response whose body is read by the caller:
// reading past the body cap fails with ErrBodyTooLarge, and the total
// timeout runs until Close.
type Stream struct {
	StatusCode int
	Header     http.Header
	URL        string // final URL, after redirects

	c             *Client
	ctx           context.Context
	cancel        context.CancelFunc
	body          io.ReadCloser
	url           string // redacted, for errors
	max, read     int64
	contentLength int64
}

// Read reads the body.
func (s *Stream) Read(p []byte) (int, error) {
	if s.read > s.max {
		return 0, fmt.Errorf("safehttp: get %s: %w (more than %d bytes)", s.url, ErrBodyTooLarge, s.max)
	}
	if rest := s.max + 1 - s.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := s.body.Read(p)
	s.read += int64(n)
	if s.read > s.max {
		return n, fmt.Errorf("safehttp: get %s: %w (more than %d bytes)", s.url, ErrBodyTooLarge, s.max)
	}
	if err != nil && err != io.EOF {
		err = s.c.classify(s.ctx, s.url, err)
	}
	return n, err
}

// Close releases the connection and the call's timer.
func (s *Stream) Close() error {
	err := s.body.Close()
	s.cancel()
	return err
}

// Open fetches rawURL and returns its body as a Stream. Any status other
// than 2xx is a *StatusError.
func (c *Client) Open(ctx context.Context, rawURL string, opts ...Option) (*Stream, error) {
	o := callOptions{maxBody: c.cfg.MaxBodyBytes, timeout: c.cfg.TotalTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("safehttp: parse url: %w", err)
	}
	red := u.Redacted()
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("safehttp: get %s: %w: %q", red, ErrScheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("safehttp: get %s: no host", red)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, o.timeout, errTotal)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("safehttp: get %s: %w", red, err)
	}
	for k, vs := range c.cfg.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range o.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		err = c.classify(ctx, red, err)
		cancel()
		return nil, err
	}
	final := resp.Request.URL.Redacted()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		cancel()
		return nil, &StatusError{
			URL: final, Code: resp.StatusCode, Status: resp.Status,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()),
			Body:       string(snippet),
		}
	}
	if resp.ContentLength > o.maxBody {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("safehttp: get %s: %w (content-length %d, cap %d)", final, ErrBodyTooLarge, resp.ContentLength, o.maxBody)
	}
	return &Stream{
		StatusCode: resp.StatusCode, Header: resp.Header, URL: resp.Request.URL.String(),
		c: c, ctx: ctx, cancel: cancel, body: resp.Body, url: final, max: o.maxBody,
		contentLength: resp.ContentLength,
	}, nil
}

// errTotal is the cause of the per-call timeout.
var errTotal = errors.New("total timeout")

// classify wraps a transport error with the typed error it stands for.
func (c *Client) classify(ctx context.Context, url string, err error) error {
	switch {
	case errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrScheme), errors.Is(err, ErrBodyTooLarge):
		return fmt.Errorf("safehttp: get %s: %w", url, err)
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled):
		return fmt.Errorf("safehttp: get %s: %w", url, context.Canceled)
	case ctx.Err() != nil:
		return fmt.Errorf("safehttp: get %s: %w (%w)", url, ErrTimeout, context.Cause(ctx))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("safehttp: get %s: %w (nothing received for %s)", url, ErrTimeout, c.cfg.ReadTimeout)
	case isTimeout(err):
		return fmt.Errorf("safehttp: get %s: %w (%w)", url, ErrTimeout, err)
	case strings.Contains(err.Error(), "server response headers exceeded"):
		return fmt.Errorf("safehttp: get %s: %w (more than %d bytes)", url, ErrHeaderTooLarge, c.cfg.MaxHeaderBytes)
	}
	return fmt.Errorf("safehttp: get %s: %w", url, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// Kind returns a short, bounded label for an error of Get or Open, for
// metrics: "blocked_address", "body_too_large", "header_too_large",
// "too_many_redirects", "scheme", "timeout", "canceled", "http_4xx",
// "http_429", "http_5xx", "network"; "" for nil.
func Kind(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		switch {
		case se.Code == http.StatusTooManyRequests:
			return "http_429"
		case se.Code >= 500:
			return "http_5xx"
		}
		return "http_4xx"
	case errors.Is(err, ErrBlockedAddress):
		return "blocked_address"
	case errors.Is(err, ErrBodyTooLarge):
		return "body_too_large"
	case errors.Is(err, ErrHeaderTooLarge):
		return "header_too_large"
	case errors.Is(err, ErrTooManyRedirects):
		return "too_many_redirects"
	case errors.Is(err, ErrScheme):
		return "scheme"
	case errors.Is(err, ErrTimeout):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "network"
}
