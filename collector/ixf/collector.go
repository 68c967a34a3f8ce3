package ixf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// Publisher publishes one snapshot; the store implements it.
type Publisher interface {
	Publish(ctx context.Context, in ixp.SnapshotInput) (ixp.Snapshot, error)
}

// Config configures a Collector. The yaml keys are those of the ixf
// section of the ixpobs configuration (docs/CONFIG.md).
type Config struct {
	// Concurrency is how many exports are fetched at once (default 4).
	Concurrency int `yaml:"concurrency"`
	// MaxBodyBytes caps one export, after decompression (default: the
	// client's cap). It also caps local files.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// FetchTimeout bounds one export's fetch (default: the client's total
	// timeout).
	FetchTimeout time.Duration `yaml:"fetch_timeout"`
	// Now is the clock (default time.Now).
	Now func() time.Time `yaml:"-"`
	// Logger receives one line per export (default: discard).
	Logger *slog.Logger `yaml:"-"`
}

// DefaultConfig returns the defaults: 4 exports at once, caps and timeouts
// of the HTTP client.
func DefaultConfig() Config { return Config{Concurrency: 4} }

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	switch {
	case c.Concurrency < 0 || c.Concurrency > 64:
		return fmt.Errorf("ixf: concurrency %d not in 1..64: %w", c.Concurrency, ixp.ErrInvalid)
	case c.MaxBodyBytes < 0:
		return fmt.Errorf("ixf: negative body cap: %w", ixp.ErrInvalid)
	case c.FetchTimeout < 0:
		return fmt.Errorf("ixf: negative fetch timeout: %w", ixp.ErrInvalid)
	}
	return nil
}

// Collector fetches, decodes, matches and publishes IX-F exports.
type Collector struct {
	client *safehttp.Client
	pub    Publisher
	cfg    Config
	log    *slog.Logger
}

// New returns a Collector that fetches with client and publishes to pub.
func New(client *safehttp.Client, pub Publisher, cfg Config) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil || pub == nil {
		return nil, fmt.Errorf("ixf: collector needs a client and a publisher: %w", ixp.ErrInvalid)
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConfig().Concurrency
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{client: client, pub: pub, cfg: cfg, log: log.With("source", "ixf")}, nil
}

// Stages of a Result's failure.
const (
	StageFetch   = "fetch"
	StageDecode  = "decode"
	StageRecords = "records"
	StagePublish = "publish"
)

// Result is the outcome of one export in a Run.
type Result struct {
	Target Target
	// Err is nil on success; Stage says where it failed and ErrKind gives
	// a short bounded label (safehttp.Kind for fetches, DecodeErrorKind for
	// decoding, "shrink", "conflict" or "publish" for publishing).
	Err      error
	Stage    string
	ErrKind  string
	Fetched  time.Time
	Duration time.Duration
	Bytes    int
	// Set once decoded.
	Exchanges   int
	Matched     int // exchanges matched to PeeringDB
	Members     int
	Connections int
	Report      *Report
	// Set once published.
	Snapshot ixp.Snapshot
}

// Run collects every target, up to Concurrency at once, and returns one
// Result per target in the order given. One export failing never stops the
// others; Run returns when all are done or ctx ends (the unfinished ones
// then fail with the context's error). m may be nil: exchanges are then
// left unmatched.
func (c *Collector) Run(ctx context.Context, targets []Target, m *Matcher) []Result {
	results := make([]Result, len(targets))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				results[i] = Result{Target: targets[i], Stage: StageFetch, Err: fmt.Errorf("ixf: %s not started: %w", targets[i].Name, ctx.Err()), ErrKind: "canceled"}
				return
			}
			results[i] = c.collect(ctx, targets[i], m)
		})
	}
	wg.Wait()
	return results
}

// collect runs one export. A panic (a decoder bug) is recorded as the
// export's error so that it cannot take the others down.
func (c *Collector) collect(ctx context.Context, t Target, m *Matcher) (r Result) {
	r.Target = t
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r.Stage, r.ErrKind, r.Err = StageDecode, "panic", fmt.Errorf("ixf: %s: panic: %v", t.Name, p)
		}
		r.Duration = time.Since(start)
		if r.Err != nil {
			c.log.Warn("ixf export failed", "name", t.Name, "stage", r.Stage, "kind", r.ErrKind, "err", r.Err)
		} else {
			c.log.Info("ixf export published", "name", t.Name, "members", r.Members, "connections", r.Connections, "dropped", r.Report.DroppedTotal())
		}
	}()
	r.Fetched = c.cfg.Now()
	data, file, err := c.fetch(ctx, t)
	r.Bytes = len(data)
	if err != nil {
		r.Stage, r.Err, r.ErrKind = StageFetch, err, safehttp.Kind(err)
		var pe *ixp.ParseError
		switch {
		case errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission):
			r.ErrKind = "file"
		case errors.Is(err, ixp.ErrInvalid) && !errors.As(err, &pe):
			r.ErrKind = "invalid" // not a regular file, a compression not supported
		case errors.As(err, &pe):
			r.ErrKind = DecodeErrorKind(err) // a broken .gz file
		}
		return r
	}
	ex, err := Decode(file, data)
	if err != nil {
		r.Stage, r.Err, r.ErrKind = StageDecode, err, DecodeErrorKind(err)
		return r
	}
	if m != nil {
		m.Match(ex)
	}
	r.Report = &ex.Report
	r.Exchanges, r.Members = len(ex.Exchanges), len(ex.Members)
	for _, x := range ex.Exchanges {
		if x.MatchedIXID != 0 {
			r.Matched++
		}
	}
	for _, mem := range ex.Members {
		r.Connections += len(mem.Connections)
	}
	in, err := Snapshot(t.Name, ex, r.Fetched)
	if err != nil {
		r.Stage, r.Err, r.ErrKind = StageRecords, err, "records"
		return r
	}
	snap, err := c.pub.Publish(ctx, in)
	if err != nil {
		r.Stage, r.Err, r.ErrKind = StagePublish, fmt.Errorf("ixf: publish %s (%s): %w", t.Name, t.URL+t.Path, err), "publish"
		switch {
		case errors.Is(err, ixp.ErrShrink):
			r.ErrKind = "shrink"
		case errors.Is(err, ixp.ErrConflict):
			r.ErrKind = "conflict"
		}
		return r
	}
	r.Snapshot = snap
	return r
}

// fetch returns the export's bytes and the name to give the decoder.
func (c *Collector) fetch(ctx context.Context, t Target) ([]byte, string, error) {
	if t.URL == "" {
		data, err := c.readFile(ctx, t.Path)
		return data, t.Path, err
	}
	var opts []safehttp.Option
	if c.cfg.MaxBodyBytes > 0 {
		opts = append(opts, safehttp.WithMaxBodyBytes(c.cfg.MaxBodyBytes))
	}
	if c.cfg.FetchTimeout > 0 {
		opts = append(opts, safehttp.WithTimeout(c.cfg.FetchTimeout))
	}
	resp, err := c.client.Get(ctx, t.URL, opts...)
	if err != nil {
		return nil, t.URL, err
	}
	return resp.Body, t.URL, nil
}

// readFile reads a user-named export file (a regular file; gzip or bzip2
// told from its content, not its name) within the body cap.
func (c *Collector) readFile(ctx context.Context, path string) ([]byte, error) {
	limit := c.cfg.MaxBodyBytes
	if limit == 0 {
		limit = safehttp.DefaultConfig().MaxBodyBytes
	}
	z, err := zstream.OpenFile(path, zstream.Options{MaxBytes: limit, Ctx: ctx})
	if err != nil {
		var pe *ixp.ParseError
		if errors.Is(err, ixp.ErrTruncated) && !errors.As(err, &pe) {
			return nil, &ixp.ParseError{Source: "ixf", File: path, Offset: 0, Record: -1, Err: err}
		}
		return nil, fmt.Errorf("ixf: %w", err)
	}
	defer z.Close()
	data, err := io.ReadAll(z)
	switch {
	case errors.Is(err, ixp.ErrTooLarge):
		return nil, fmt.Errorf("ixf: %s: %w (more than %d bytes): %w", path, safehttp.ErrBodyTooLarge, limit, err)
	case err != nil && z.Codec() != "":
		return nil, &ixp.ParseError{Source: "ixf", File: path, Offset: z.InputOffset(), Record: -1, Err: err}
	case err != nil:
		return nil, fmt.Errorf("ixf: read %s: %w", path, err)
	}
	return data, nil
}

// DecodeErrorKind returns a short bounded label for a Decode error: "empty",
// "html", "not_export", "no_members", "no_ixps", "truncated" or "json".
func DecodeErrorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrEmpty):
		return "empty"
	case errors.Is(err, ErrHTML):
		return "html"
	case errors.Is(err, ErrNotExport):
		return "not_export"
	case errors.Is(err, ErrNoMembers):
		return "no_members"
	case errors.Is(err, ErrNoIXPs):
		return "no_ixps"
	case errors.Is(err, ixp.ErrTruncated):
		return "truncated"
	}
	return "json"
}
