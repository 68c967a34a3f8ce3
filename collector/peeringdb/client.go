package peeringdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// Config configures the API collector.
type Config struct {
	// BaseURL is the API root, e.g. https://www.peeringdb.com/api.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as "Authorization: Api-Key KEY" when set.
	APIKey string `yaml:"api_key"`
	// RequestsPerMinute paces requests; 0 means 20 without a key and 40
	// with one (PeeringDB's published limits).
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// Interval between syncs when run by serve.
	Interval time.Duration `yaml:"interval"`
	// FullSyncInterval: a full sync replaces incremental ones when the
	// newest full snapshot is older than this.
	FullSyncInterval time.Duration `yaml:"full_sync_interval"`
	// Overlap is subtracted from the last sync time in ?since= requests
	// (since has one-second precision and objects can be written late).
	Overlap time.Duration `yaml:"overlap"`
	// MaxRetries on 429 and 5xx before a run fails.
	MaxRetries int `yaml:"max_retries"`
	// Kinds to collect, by tag; empty means all.
	Objects []string `yaml:"objects"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		BaseURL:          "https://www.peeringdb.com/api",
		Interval:         time.Hour,
		FullSyncInterval: 7 * 24 * time.Hour,
		Overlap:          10 * time.Minute,
		MaxRetries:       5,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("peeringdb: base_url must be an http(s) URL, not %q", c.BaseURL)
	}
	if c.RequestsPerMinute < 0 || c.RequestsPerMinute > 600 {
		return fmt.Errorf("peeringdb: requests_per_minute must be from 0 (automatic) to 600, not %d", c.RequestsPerMinute)
	}
	if c.Interval < time.Minute {
		return fmt.Errorf("peeringdb: interval must be at least 1m, not %s", c.Interval)
	}
	if c.Overlap < 0 {
		return fmt.Errorf("peeringdb: overlap must not be negative")
	}
	for _, o := range c.Objects {
		if k, ok := ixp.KindByName(o); !ok || !isPeeringDBKind(k) {
			return fmt.Errorf("peeringdb: unknown object %q in objects", o)
		}
	}
	return nil
}

func (c Config) kinds() []ixp.Kind {
	if len(c.Objects) == 0 {
		return ixp.PeeringDBKinds
	}
	var out []ixp.Kind
	for _, k := range ixp.PeeringDBKinds {
		for _, o := range c.Objects {
			if o == k.String() {
				out = append(out, k)
			}
		}
	}
	return out
}

func (c Config) pace() time.Duration {
	rpm := c.RequestsPerMinute
	if rpm == 0 {
		rpm = 20
		if c.APIKey != "" {
			rpm = 40
		}
	}
	return time.Minute / time.Duration(rpm)
}

// Getter fetches a URL: the hardened client of internal/safehttp.
type Getter interface {
	Get(ctx context.Context, url string, opts ...safehttp.Option) (*safehttp.Response, error)
}

// MaxBodyBytes caps one API response (the full net list is tens of MiB).
const MaxBodyBytes = 512 << 20

// Publisher publishes snapshots (a store.Store).
type Publisher interface {
	Publish(ctx context.Context, in ixp.SnapshotInput) (store.PublishResult, error)
	SnapshotAt(ctx context.Context, source string, at time.Time) (ixp.Snapshot, error)
}

// Collector syncs PeeringDB through its API.
type Collector struct {
	cfg   Config
	http  Getter
	store Publisher
	log   *slog.Logger
	// Now and Sleep are replaced in tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	lastRequest time.Time
}

// New returns a collector.
func New(cfg Config, httpClient Getter, st Publisher, log *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{cfg: cfg, http: httpClient, store: st, log: log.With("source", ixp.SourcePeeringDB), Now: time.Now, Sleep: sleep}, nil
}

// Name is the source name.
func (c *Collector) Name() string { return ixp.SourcePeeringDB }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Collect runs one sync: full when there is no recent full snapshot,
// incremental (?since=) otherwise. It returns the publish result.
func (c *Collector) Collect(ctx context.Context, force bool) (store.PublishResult, error) {
	started := c.Now().UTC()
	var since time.Time
	latest, err := c.store.SnapshotAt(ctx, ixp.SourcePeeringDB, time.Time{})
	switch {
	case errors.Is(err, ixp.ErrNotFound):
	case err != nil:
		return store.PublishResult{}, err
	default:
		if !c.needFull(ctx, latest, started) {
			since = latest.At.Add(-c.cfg.Overlap)
		}
	}
	d := NewDump()
	for _, k := range c.cfg.kinds() {
		q := url.Values{"depth": {"0"}}
		if !since.IsZero() {
			q.Set("since", strconv.FormatInt(since.Unix(), 10))
		}
		u := strings.TrimRight(c.cfg.BaseURL, "/") + "/" + k.String() + "?" + q.Encode()
		body, err := c.get(ctx, u)
		if err != nil {
			return store.PublishResult{}, err
		}
		if err := d.Read(bytes.NewReader(body), u, k); err != nil {
			return store.PublishResult{}, err
		}
		d.Report.Files = append(d.Report.Files, u)
	}
	in, err := d.Snapshot(started, !since.IsZero())
	if err != nil {
		return store.PublishResult{}, err
	}
	in.Force = force
	if since.IsZero() {
		in.Origin = c.cfg.BaseURL + " (full)"
	} else {
		in.Origin = c.cfg.BaseURL + " (since " + since.Format(time.RFC3339) + ")"
	}
	res, err := c.store.Publish(ctx, in)
	if err != nil {
		return res, err
	}
	c.log.Info("peeringdb sync done", "full", since.IsZero(), "objects", len(in.Records), "inserted", res.Inserted, "ended", res.Ended)
	return res, nil
}

// needFull reports whether the newest full (non-delta) snapshot is older
// than FullSyncInterval.
func (c *Collector) needFull(ctx context.Context, latest ixp.Snapshot, now time.Time) bool {
	if !latest.Delta {
		return now.Sub(latest.At) > c.cfg.FullSyncInterval
	}
	// Walk back to the newest full snapshot.
	at := latest.At
	for i := 0; i < 10000; i++ {
		sn, err := c.store.SnapshotAt(ctx, ixp.SourcePeeringDB, at.Add(-time.Second))
		if err != nil {
			return true
		}
		if !sn.Delta {
			return now.Sub(sn.At) > c.cfg.FullSyncInterval
		}
		at = sn.At
	}
	return true
}

// get fetches one URL, pacing requests and retrying 429 and 5xx with
// backoff (Retry-After when the server gives one).
func (c *Collector) get(ctx context.Context, u string) ([]byte, error) {
	opts := []safehttp.Option{safehttp.WithHeader("Accept", "application/json"), safehttp.WithMaxBodyBytes(MaxBodyBytes)}
	if c.cfg.APIKey != "" {
		opts = append(opts, safehttp.WithHeader("Authorization", "Api-Key "+c.cfg.APIKey))
	}
	backoff := 5 * time.Second
	for attempt := 0; ; attempt++ {
		if wait := c.cfg.pace() - c.Now().Sub(c.lastRequest); wait > 0 && !c.lastRequest.IsZero() {
			if err := c.Sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
		c.lastRequest = c.Now()
		resp, err := c.http.Get(ctx, u, opts...)
		if err == nil {
			return resp.Body, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			// The connection ended before the body's Content-Length.
			return nil, &ixp.ParseError{Source: ixp.SourcePeeringDB, File: u, Offset: -1, Record: -1,
				Err: fmt.Errorf("body ends before its Content-Length: %w: %w", ixp.ErrTruncated, err)}
		}
		var se *safehttp.StatusError
		if !errors.As(err, &se) || !se.Temporary() || attempt >= c.cfg.MaxRetries {
			return nil, fmt.Errorf("peeringdb: %w", err)
		}
		delay := backoff
		if se.RetryAfter > 0 {
			delay = min(se.RetryAfter, 10*time.Minute)
		}
		c.log.Warn("peeringdb: retrying", "url", u, "in", delay, "err", err)
		if err := c.Sleep(ctx, delay); err != nil {
			return nil, err
		}
		backoff = min(2*backoff, 5*time.Minute)
	}
}
