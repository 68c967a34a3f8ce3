package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/alicelg"
	"github.com/ixpobs/ixpobs/collector/ixf"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/collector/vantage"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// RIRSource configures the scheduled fetch of RIR delegated statistics.
type RIRSource struct {
	Enabled  bool          `yaml:"enabled"`
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
	// Registries to fetch (afrinic, apnic, arin, lacnic, ripencc, iana);
	// empty means all.
	Registries []string `yaml:"registries"`
}

// MRTSource configures the scheduled fetch of RIB dumps (collector/ribs).
type MRTSource struct {
	Enabled bool `yaml:"enabled"`
	// Interval between checks of one collector; 0 means its dump period.
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
	// Lookback is how many dump times, newest first, are tried.
	Lookback int `yaml:"lookback"`
	// MaxBytes caps one download.
	MaxBytes int64 `yaml:"max_bytes"`
	// TempDir holds downloads while they are imported ("" = system temp).
	TempDir string `yaml:"temp_dir"`
	// Collectors to fetch; empty means ribs.DefaultCollectors (RIS and
	// RouteViews at Latin American IXPs).
	Collectors []ribs.Collector `yaml:"collectors"`
	// BrokerURL is the BGPKIT broker that finds the newest RIB dumps of
	// RIS and RouteViews collectors: "" (default) is ribs.DefaultBrokerURL
	// with the default collectors and off with collectors of your own (a
	// mirror: the public broker names the public archives' files); "off":
	// walk the URL templates only, which stay the fallback anyway.
	BrokerURL string `yaml:"broker_url"`
}

// brokerURL resolves a broker_url setting: "" for none.
func brokerURL(setting string, ownCollectors bool) (string, error) {
	switch {
	case setting == "off", setting == "" && ownCollectors:
		return "", nil
	case setting == "":
		return ribs.DefaultBrokerURL, nil
	}
	if _, err := ribs.NewBroker(nil, setting); err != nil {
		return "", err
	}
	return setting, nil
}

// brokerOf returns the broker of a broker_url setting, nil for none.
func brokerOf(setting string, ownCollectors bool, client *safehttp.Client) (*ribs.Broker, error) {
	u, err := brokerURL(setting, ownCollectors)
	if err != nil || u == "" {
		return nil, err
	}
	return ribs.NewBroker(client, u)
}

func (c MRTSource) validate() error {
	if c.Interval != 0 && c.Interval < time.Minute {
		return fmt.Errorf("mrt.interval must be 0 (each collector's period) or at least 1m")
	}
	if c.Lookback < 0 || c.Lookback > 100 {
		return fmt.Errorf("mrt.lookback must be from 0 (default) to 100")
	}
	if _, err := brokerURL(c.BrokerURL, len(c.Collectors) > 0); err != nil {
		return fmt.Errorf("mrt.broker_url: %w", err)
	}
	seen := map[string]bool{}
	for _, col := range c.Collectors {
		if err := col.Validate(); err != nil {
			return fmt.Errorf("mrt.collectors: %w", err)
		}
		if seen[col.Name] {
			return fmt.Errorf("mrt.collectors: %s listed twice", col.Name)
		}
		seen[col.Name] = true
	}
	return nil
}

// mrtSources returns one scheduled source per collector, "bgp:<name>"
// (the snapshot source it publishes).
func mrtSources(cfg MRTSource, client *safehttp.Client, st store.Store, log *slog.Logger) []collector.Source {
	cols := cfg.Collectors
	if len(cols) == 0 {
		cols = ribs.DefaultCollectors()
	}
	broker, _ := brokerOf(cfg.BrokerURL, len(cfg.Collectors) > 0, client) // checked by validate
	f := ribs.New(client, st, ribs.Config{Lookback: cfg.Lookback, MaxBytes: cfg.MaxBytes, DownloadTimeout: cfg.Timeout, TempDir: cfg.TempDir, Broker: broker, Logger: log})
	var out []collector.Source
	for _, c := range cols {
		every := cfg.Interval
		if every == 0 {
			every = c.Period
		}
		out = append(out, collector.Source{Name: ixp.BGPSource(c.Name), Interval: every, Timeout: cfg.Timeout,
			Collect: func(ctx context.Context) (store.PublishResult, error) { return f.Collect(ctx, c) }})
	}
	return out
}

// IXFSource configures the scheduled collection of IX-F member exports.
type IXFSource struct {
	Enabled  bool          `yaml:"enabled"`
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
	// ProviderList is the IXPDB provider list URL ("" to skip IXPDB
	// discovery).
	ProviderList string `yaml:"provider_list"`
	// FromPeeringDB adds the export URLs of PeeringDB ixlans.
	FromPeeringDB bool `yaml:"from_peeringdb"`
	// Targets are extra export URLs.
	Targets []string `yaml:"targets"`
	// Config is the collector's own: concurrency, max_body_bytes,
	// fetch_timeout.
	ixf.Config `yaml:",inline"`
}

func (c RIRSource) validate() error {
	if c.Interval < time.Minute {
		return fmt.Errorf("rir.interval must be at least 1m")
	}
	known := map[string]bool{}
	for _, s := range rir.DefaultSources() {
		known[s.Registry] = true
	}
	for _, r := range c.Registries {
		if !known[r] {
			return fmt.Errorf("rir.registries: unknown registry %q", r)
		}
	}
	return nil
}

func (c IXFSource) validate() error {
	if c.Interval < time.Minute {
		return fmt.Errorf("ixf.interval must be at least 1m")
	}
	if err := c.Config.Validate(); err != nil {
		return fmt.Errorf("ixf section: %w", err)
	}
	for _, t := range c.Targets {
		if _, err := ixf.UserTarget("", t); err != nil {
			return fmt.Errorf("ixf.targets: %w", err)
		}
	}
	return nil
}

// rirSources returns one scheduled source per configured registry.
func rirSources(cfg RIRSource, client *safehttp.Client, st store.Store) []collector.Source {
	want := map[string]bool{}
	for _, r := range cfg.Registries {
		want[r] = true
	}
	var out []collector.Source
	for _, src := range rir.DefaultSources() {
		if len(want) > 0 && !want[src.Registry] {
			continue
		}
		out = append(out, collector.Source{Name: ixp.RIRSource(src.Registry), Interval: cfg.Interval, Timeout: cfg.Timeout,
			Collect: func(ctx context.Context) (store.PublishResult, error) {
				stream, err := client.Open(ctx, src.URL, safehttp.WithMaxBodyBytes(512<<20))
				if err != nil {
					return store.PublishResult{}, fmt.Errorf("rir %s: %w", src.Registry, err)
				}
				defer stream.Close()
				res, err := rir.Import(ctx, stream, src.URL)
				if err != nil {
					return store.PublishResult{}, err
				}
				return st.Publish(ctx, res.SnapshotInput())
			}})
	}
	return out
}

// publisher adapts the store to the IX-F collector's Publisher.
type publisher struct{ st store.Store }

func (p publisher) Publish(ctx context.Context, in ixp.SnapshotInput) (ixp.Snapshot, error) {
	res, err := p.st.Publish(ctx, in)
	return res.Snapshot, err
}

// ixfMatcher indexes the newest PeeringDB exchanges and prefixes.
func ixfMatcher(ctx context.Context, st store.Store, ixfToPDB map[int64]int64) (*ixf.Matcher, []ixp.ExchangeLAN, error) {
	d := ixf.MatchData{IXFToPeeringDB: ixfToPDB}
	sn, err := st.SnapshotAt(ctx, ixp.SourcePeeringDB, time.Time{})
	if errors.Is(err, ixp.ErrNotFound) {
		return ixf.NewMatcher(d), nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	load := func(k ixp.Kind, each func(json.RawMessage) error) error {
		recs, err := st.Objects(ctx, ixp.SourcePeeringDB, k, sn.At, store.Filter{})
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := each(r.Data); err != nil {
				return fmt.Errorf("decode %s %d: %w", k, r.ID, err)
			}
		}
		return nil
	}
	var lans []ixp.ExchangeLAN
	err = errors.Join(
		load(ixp.KindExchange, func(b json.RawMessage) error {
			var e ixp.Exchange
			err := json.Unmarshal(b, &e)
			d.Exchanges = append(d.Exchanges, e)
			return err
		}),
		load(ixp.KindExchangePrefix, func(b json.RawMessage) error {
			var p ixp.ExchangePrefix
			err := json.Unmarshal(b, &p)
			d.Prefixes = append(d.Prefixes, p)
			return err
		}),
		load(ixp.KindExchangeLAN, func(b json.RawMessage) error {
			var l ixp.ExchangeLAN
			err := json.Unmarshal(b, &l)
			lans = append(lans, l)
			return err
		}),
	)
	return ixf.NewMatcher(d), lans, err
}

// recordIXFResults stores one run per export, so each IXP's failures are
// visible on their own.
func recordIXFResults(ctx context.Context, st store.Store, results []ixf.Result, log *slog.Logger) (failed int) {
	for _, r := range results {
		run := store.Run{Source: ixp.IXFSource(r.Target.Name), Started: r.Fetched, Finished: r.Fetched.Add(r.Duration),
			OK: r.Err == nil, SnapshotID: r.Snapshot.ID}
		if r.Err != nil {
			failed++
			run.ErrorKind, run.Error = r.ErrKind, r.Err.Error()
			run.Detail = "stage " + r.Stage
		} else {
			run.Detail = fmt.Sprintf("%d exchanges (%d matched), %d members, %d connections", r.Exchanges, r.Matched, r.Members, r.Connections)
			if r.Report != nil && r.Report.DroppedTotal() > 0 {
				run.Detail += "; " + strings.Join(r.Report.Notes(), "; ")
			}
		}
		if err := st.RecordRun(context.WithoutCancel(ctx), run); err != nil {
			log.Warn("cannot record an IX-F run", "err", err)
		}
	}
	return failed
}

// ixfSource is the scheduled IX-F collection: discovery through IXPDB and
// PeeringDB, then every export.
func ixfSource(cfg IXFSource, client *safehttp.Client, st store.Store, log *slog.Logger) (collector.Source, error) {
	icfg := cfg.Config
	icfg.Logger = log
	c, err := ixf.New(client, publisher{st}, icfg)
	if err != nil {
		return collector.Source{}, err
	}
	var user []ixf.Target
	for _, t := range cfg.Targets {
		ut, err := ixf.UserTarget("", t)
		if err != nil {
			return collector.Source{}, err
		}
		user = append(user, ut)
	}
	return collector.Source{Name: ixp.SourceIXF, Interval: cfg.Interval, Timeout: cfg.Timeout,
		Collect: func(ctx context.Context) (store.PublishResult, error) {
			var providers []ixf.Provider
			var discoveryErr error
			if cfg.ProviderList != "" {
				providers, discoveryErr = ixf.FetchProviders(ctx, client, cfg.ProviderList)
				if discoveryErr != nil {
					log.Warn("ixf: IXPDB discovery failed; using PeeringDB and configured targets", "err", discoveryErr)
				}
			}
			m, lans, err := ixfMatcher(ctx, st, ixf.IXFToPeeringDB(providers))
			if err != nil {
				return store.PublishResult{}, err
			}
			fromIXPDB, _ := ixf.TargetsFromProviders(providers)
			var fromPDB []ixf.Target
			if cfg.FromPeeringDB {
				fromPDB, _ = ixf.TargetsFromLANs(lans)
			}
			targets := ixf.MergeTargets(user, fromIXPDB, fromPDB)
			if len(targets) == 0 {
				return store.PublishResult{}, errors.Join(errors.New("ixf: no export to collect (no IXPDB list, no PeeringDB ixlan URL, no target)"), discoveryErr)
			}
			results := c.Run(ctx, targets, m)
			if failed := recordIXFResults(ctx, st, results, log); failed == len(results) {
				return store.PublishResult{}, fmt.Errorf("ixf: all %d exports failed (see /api/v1/sources)", failed)
			}
			return store.PublishResult{}, discoveryErr
		}}, nil
}

// AliceLGSource configures the scheduled reading of route servers through
// Alice-LG looking glasses (collector/alicelg).
type AliceLGSource struct {
	Enabled  bool          `yaml:"enabled"`
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
	// Pace between two requests to one glass; PageTimeout for one request;
	// Budget: requests per run and glass (a table left unread is stored
	// as partial and continued by the next run).
	Pace        time.Duration `yaml:"pace"`
	PageTimeout time.Duration `yaml:"page_timeout"`
	Budget      int           `yaml:"budget"`
	// LookingGlasses to read; empty means alicelg.DefaultLookingGlasses
	// (IX.br's lg.ix.br, neighbours only).
	LookingGlasses []alicelg.LookingGlass `yaml:"looking_glasses"`
}

func (c AliceLGSource) validate() error {
	if c.Interval < time.Minute {
		return fmt.Errorf("alicelg.interval must be at least 1m")
	}
	if c.Pace < 0 || c.Budget < 0 || c.PageTimeout < 0 {
		return fmt.Errorf("alicelg.pace, page_timeout and budget must not be negative")
	}
	seen := map[string]bool{}
	for _, g := range c.LookingGlasses {
		if err := g.Validate(); err != nil {
			return fmt.Errorf("alicelg.looking_glasses: %w", err)
		}
		if seen[g.Name] {
			return fmt.Errorf("alicelg.looking_glasses: %s listed twice", g.Name)
		}
		seen[g.Name] = true
	}
	return nil
}

// aliceLGSources returns one scheduled source per looking glass,
// "alicelg:<name>"; route servers are tied to exchanges by the LAN
// prefixes of the newest PeeringDB snapshot (or the glass's ixp_ids).
func aliceLGSources(cfg AliceLGSource, client *safehttp.Client, st store.Store, log *slog.Logger, reg prometheus.Registerer) []collector.Source {
	glasses := cfg.LookingGlasses
	if len(glasses) == 0 {
		glasses = alicelg.DefaultLookingGlasses()
	}
	var m *alicelg.Metrics
	if reg != nil && cfg.Enabled {
		m = alicelg.NewMetrics(reg)
		for _, g := range glasses {
			m.Init(g.Name)
		}
	}
	f := alicelg.New(client, st, alicelg.Config{Pace: cfg.Pace, PageTimeout: cfg.PageTimeout, Budget: cfg.Budget, Logger: log, Metrics: m,
		LANs: func(ctx context.Context) ([]vantage.LAN, error) {
			return vantage.LANsAt(ctx, st, ixp.SourcePeeringDB, time.Now())
		}})
	var out []collector.Source
	for _, g := range glasses {
		out = append(out, collector.Source{Name: ixp.AliceLGSource(g.Name), Interval: cfg.Interval, Timeout: cfg.Timeout,
			Collect: func(ctx context.Context) (store.PublishResult, error) {
				res, err := f.Collect(ctx, g)
				var last store.PublishResult
				for _, r := range res {
					last = r.Publish
				}
				return last, err
			}})
	}
	return out
}
