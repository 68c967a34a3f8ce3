package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/collector/backfill"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// BackfillConfig configures `ixpobs backfill` and the backfill serve may
// start on an empty store.
type BackfillConfig struct {
	// OnEmptyStore makes serve start a backfill in the background when
	// the store has no snapshot at all.
	OnEmptyStore bool `yaml:"on_empty_store"`
	// Sources: peeringdb, rir, mrt (default all three).
	Sources []string `yaml:"sources"`
	// Since and Until bound the dates (YYYY-MM-DD; until empty: today).
	Since string `yaml:"since"`
	Until string `yaml:"until"`
	// Every is the cadence: 1mo, 1w or 1d.
	Every    string `yaml:"every"`
	CacheDir string `yaml:"cache_dir"`
	Parallel int    `yaml:"parallel"`
	// Keep keeps downloaded files in the cache after their import.
	Keep bool `yaml:"keep"`
	// PeeringDB, RIR: archive layouts, to point at a mirror (empty: the
	// public archives, see docs/BACKFILL.md).
	PeeringDB *backfill.Layout      `yaml:"peeringdb"`
	RIR       []backfill.RIRArchive `yaml:"rir"`
	// BrokerURL is the BGPKIT broker asked for each date's RIB dump (see
	// MRTSource.BrokerURL: default the public broker with the default
	// collectors, "off" to walk the URL templates only).
	BrokerURL string `yaml:"broker_url"`
}

// OutboundConfig is how ixpobs reaches the Internet.
type OutboundConfig struct {
	// Proxy is an http(s) proxy URL, or "env" for HTTPS_PROXY (and
	// NO_PROXY) from the environment; empty: no proxy. The proxy's
	// address is checked like any other: a private proxy must be in
	// allow_private.
	Proxy   string   `yaml:"proxy"`
	NoProxy []string `yaml:"no_proxy"`
	// CAFile adds PEM certificate authorities (a mirror or proxy with an
	// internal CA).
	CAFile string `yaml:"ca_file"`
	// AllowPrivate are CIDRs of private or loopback addresses that may be
	// fetched from (a mirror inside an organisation).
	AllowPrivate []string `yaml:"allow_private"`
}

// safeConfig builds the hardened client's configuration.
func (o OutboundConfig) safeConfig(getenv func(string) string) (safehttp.Config, error) {
	cfg := safehttp.DefaultConfig()
	cfg.UserAgent = safehttp.UserAgent(versionNumber())
	cfg.CAFile = o.CAFile
	for _, s := range o.AllowPrivate {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSpace(s))
			if aerr != nil {
				return cfg, fmt.Errorf("outbound.allow_private: %q is not a CIDR: %w", s, err)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.AllowPrefixes = append(cfg.AllowPrefixes, p)
	}
	proxy, noProxy := o.Proxy, o.NoProxy
	if proxy == "env" {
		proxy = firstEnv(getenv, "HTTPS_PROXY", "https_proxy")
		if np := firstEnv(getenv, "NO_PROXY", "no_proxy"); np != "" {
			noProxy = append(noProxy, strings.Split(np, ",")...)
		}
	}
	if proxy != "" {
		u, err := url.Parse(proxy)
		if err != nil {
			return cfg, fmt.Errorf("outbound.proxy: %w", err)
		}
		cfg.Proxy, cfg.NoProxy = u, noProxy
	}
	return cfg, cfg.Validate()
}

func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// backfillConfig turns the configuration into the backfill's.
func (c Config) backfillConfig(log *slog.Logger) (backfill.Config, error) {
	b := c.Backfill
	cfg := backfill.DefaultConfig()
	cfg.Logger = log
	if len(b.Sources) > 0 {
		cfg.Kinds = b.Sources
	}
	var err error
	if b.Since != "" {
		if cfg.Since, err = ixp.Date(b.Since); err != nil {
			return cfg, fmt.Errorf("backfill.since must be YYYY-MM-DD, not %q", b.Since)
		}
	}
	if b.Until != "" {
		if cfg.Until, err = ixp.Date(b.Until); err != nil {
			return cfg, fmt.Errorf("backfill.until must be YYYY-MM-DD, not %q", b.Until)
		}
	}
	if b.Every != "" {
		if cfg.Every, err = backfill.ParseCadence(b.Every); err != nil {
			return cfg, err
		}
	}
	if b.CacheDir != "" {
		cfg.CacheDir = b.CacheDir
	}
	if b.Parallel > 0 {
		cfg.Parallel = b.Parallel
	}
	cfg.Keep = b.Keep
	if b.PeeringDB != nil {
		cfg.PeeringDB = *b.PeeringDB
	}
	if len(b.RIR) > 0 {
		cfg.RIR = b.RIR
	}
	if len(c.MRT.Collectors) > 0 {
		cfg.Collectors = c.MRT.Collectors
	} else {
		cfg.Collectors = ribs.DefaultCollectors()
	}
	if cfg.BrokerURL, err = brokerURL(b.BrokerURL, len(c.MRT.Collectors) > 0); err != nil {
		return cfg, fmt.Errorf("backfill.broker_url: %w", err)
	}
	return cfg, nil
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runBackfill(ctx context.Context, env *environment, args []string) error {
	o := newOptions("backfill", "backfill [peeringdb|rir|mrt]... [flags]", env, "db", "log-level", "log-format")
	since := o.fs.String("since", "", "first date YYYY-MM-DD (default 2010-08-01, or backfill.since)")
	until := o.fs.String("until", "", "last date YYYY-MM-DD (default today, or backfill.until)")
	every := o.fs.String("every", "", "cadence: 1mo (the first of each month, default), 1w or 1d")
	cache := o.fs.String("cache", "", "download cache directory (default the user cache directory/ixpobs/backfill)")
	parallel := o.fs.Int("parallel", 0, "downloads at once (default 2)")
	keep := o.fs.Bool("keep", false, "keep downloaded files in the cache after their import")
	caFile := o.fs.String("ca-file", "", "PEM file of extra certificate authorities (a mirror with an internal CA; or outbound.ca_file)")
	var archives, allow multiFlag
	o.fs.Var(&archives, "archive", "KIND=URL: the directory template of an archive mirror, e.g. peeringdb=https://mirror/peeringdb/{YYYY}/{MM}/ or rir:lacnic=https://mirror/lacnic/{YYYY}/ (repeatable)")
	o.fs.Var(&allow, "allow-private", "CIDR of a private or loopback mirror that may be fetched from (repeatable)")
	kinds, err := o.parseArgs(args, 0)
	if err != nil {
		return err
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	b := &cfg.Backfill
	if len(kinds) > 0 {
		b.Sources = kinds
	}
	for p, v := range map[*string]string{&b.Since: *since, &b.Until: *until, &b.Every: *every, &b.CacheDir: *cache} {
		if v != "" {
			*p = v
		}
	}
	if *parallel > 0 {
		b.Parallel = *parallel
	}
	b.Keep = b.Keep || *keep
	cfg.Outbound.AllowPrivate = append(cfg.Outbound.AllowPrivate, allow...)
	if *caFile != "" {
		cfg.Outbound.CAFile = *caFile
	}
	log := newLogger(cfg.Log, env.stderr)
	bcfg, err := cfg.backfillConfig(log)
	if err != nil {
		return err
	}
	for _, a := range archives {
		kind, dir, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("--archive wants KIND=URL, not %q", a)
		}
		if err := setArchive(&bcfg, kind, dir); err != nil {
			return err
		}
	}
	hc, err := cfg.Outbound.safeConfig(env.getenv)
	if err != nil {
		return err
	}
	hc.TotalTimeout = bcfg.Timeout
	client, err := safehttp.New(hc)
	if err != nil {
		return err
	}
	defer client.Close()
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer st.Close()
	bcfg.Progress = progressPrinter(env.stderr)
	bf, err := backfill.New(client, st, bcfg)
	if err != nil {
		return err
	}
	res, err := bf.Run(ctx)
	storeAggregates(ctx, st, log)
	fmt.Fprintf(env.stdout, "backfill %s → %s every %s: %d dates planned, %d already present, %d imported, %d with no file in the archive, %d failed, %d held; %d files, %s downloaded in %s\n",
		bcfg.Since.Format(time.DateOnly), bcfg.Until.Format(time.DateOnly), bcfg.Every, res.Planned, res.Present, res.Imported, res.Missing, res.Failed, res.Held,
		res.Files, humanBytes(res.Bytes), time.Since(res.Started).Round(time.Second))
	for _, f := range res.Failures {
		fmt.Fprintf(env.stdout, "  failed: %s\n", f)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(env.stdout, "stopped; run the same command again to continue\n")
	}
	return err
}

// setArchive points one archive at a mirror directory template.
func setArchive(cfg *backfill.Config, kind, dir string) error {
	if !strings.HasPrefix(dir, "https://") && !strings.HasPrefix(dir, "http://") {
		return fmt.Errorf("--archive %s: %q is not an http(s) URL", kind, dir)
	}
	if kind == "peeringdb" {
		cfg.PeeringDB.Dir = dir
		return nil
	}
	if reg, ok := strings.CutPrefix(kind, "rir:"); ok {
		for i := range cfg.RIR {
			if cfg.RIR[i].Registry == reg {
				cfg.RIR[i].Dir = dir
				return nil
			}
		}
	}
	if name, ok := strings.CutPrefix(kind, "mrt:"); ok {
		for i := range cfg.Collectors {
			if cfg.Collectors[i].Name == name {
				cfg.Collectors[i].URLTemplate = dir
				return nil
			}
		}
	}
	return fmt.Errorf("--archive: unknown archive %q (peeringdb, rir:REGISTRY, mrt:COLLECTOR)", kind)
}

// progressPrinter shows progress: one rewritten line on a terminal, a log
// line every 30 seconds otherwise.
func progressPrinter(w io.Writer) func(backfill.Progress) {
	f, _ := w.(*os.File)
	tty := false
	if f != nil {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	var last time.Time
	return func(p backfill.Progress) {
		now := time.Now()
		done := p.Done()
		if !tty && now.Sub(last) < 30*time.Second && p.Remaining > 0 {
			return
		}
		last = now
		rate := float64(p.Bytes) / max(now.Sub(p.Started).Seconds(), 1e-3)
		line := fmt.Sprintf("%d/%d dates, %d snapshots, %d files, %s (%s/s), ETA %s", done, p.Planned, p.Imported, p.Files,
			humanBytes(p.Bytes), humanBytes(int64(rate)), p.ETA(now).Round(time.Second))
		if tty {
			width := 30
			n := width * done / max(p.Planned, 1)
			fmt.Fprintf(w, "\r[%s%s] %s ", strings.Repeat("#", n), strings.Repeat(".", width-n), line)
			if p.Remaining == 0 {
				fmt.Fprintln(w)
			}
			return
		}
		fmt.Fprintf(w, "backfill: %s\n", line)
	}
}

// storeIsEmpty reports whether no source has a snapshot.
func storeIsEmpty(ctx context.Context, st store.Store) (bool, error) {
	srcs, err := st.Sources(ctx)
	return len(srcs) == 0, err
}

// backfillEstimate is the size and time of the default backfill, as
// docs/BACKFILL.md derives them.
const backfillEstimate = "8 GiB for PeeringDB and the RIR files, 5 to 10 hours at CAIDA's reported few hundred KB/s; the RIB dumps of the default collectors add roughly 0.5 TiB (estimates, not measured against the real archives)"

// backgroundBackfill runs the configured backfill inside serve.
func backgroundBackfill(ctx context.Context, cfg Config, st store.Store, env *environment, log *slog.Logger) {
	bcfg, err := cfg.backfillConfig(log)
	if err == nil {
		var hc safehttp.Config
		if hc, err = cfg.Outbound.safeConfig(env.getenv); err == nil {
			hc.TotalTimeout = bcfg.Timeout
			var client *safehttp.Client
			if client, err = safehttp.New(hc); err == nil {
				defer client.Close()
				bcfg.Progress = progressPrinter(io.Discard)
				var bf *backfill.Backfiller
				if bf, err = backfill.New(client, st, bcfg); err == nil {
					var res backfill.Result
					res, err = bf.Run(ctx)
					log.Info("backfill finished", "imported", res.Imported, "missing", res.Missing, "failed", res.Failed, "held", res.Held)
					storeAggregates(ctx, st, log)
				}
			}
		}
	}
	if err != nil && ctx.Err() == nil {
		log.Warn("background backfill", "err", err)
	}
}
