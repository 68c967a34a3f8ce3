package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.yaml.in/yaml/v3"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/metrics"
	"github.com/ixpobs/ixpobs/store"
)

// BGPConfig configures `ixpobs bgp`: the sessions (live.Config, inline)
// and how their routes are stored.
type BGPConfig struct {
	// Collector names the collector: its snapshots are source
	// "bgp:<collector>".
	Collector string `yaml:"collector"`
	// IXPID ties the collector to an exchange (PeeringDB ix id), for the
	// reachability indicators; 0: not tied to one.
	IXPID int64 `yaml:"ixp_id"`
	// SnapshotInterval is how often the received routes are stored.
	SnapshotInterval time.Duration `yaml:"snapshot_interval"`
	// SessionsInterval is how often the sessions' state is published for
	// `serve` (/api/v1/bgp/sessions); serve calls it stale after three
	// intervals without news.
	SessionsInterval time.Duration `yaml:"sessions_interval"`
	// MemoryLimit is the Go runtime's soft memory limit of the process
	// (debug.SetMemoryLimit, like GOMEMLIMIT): the garbage collector works
	// harder as the heap approaches it, so the peak after session resets
	// stays near it instead of near twice the live heap. 0: no limit (or
	// GOMEMLIMIT from the environment). Written as bytes or with a unit:
	// 1400MiB, 2GiB.
	MemoryLimit ByteSize `yaml:"memory_limit"`
	live.Config `yaml:",inline"`
}

// Bounds of BGPConfig beyond those of live.Config.
const (
	maxSnapshotInterval = 24 * time.Hour
	maxSessionsInterval = time.Hour
	minMemoryLimit      = 64 << 20
	maxMemoryLimit      = 1 << 40
)

func defaultBGPConfig() BGPConfig {
	return BGPConfig{SnapshotInterval: 15 * time.Minute, SessionsInterval: 10 * time.Second, Config: live.DefaultConfig()}
}

func (c *BGPConfig) validate() error {
	if err := snapshot.ValidName(c.Collector); err != nil {
		return fmt.Errorf("bgp.collector: %w", err)
	}
	if c.SnapshotInterval < time.Second {
		return fmt.Errorf("bgp.snapshot_interval must be at least 1s (minutes in production: each snapshot walks every route)")
	}
	if c.SnapshotInterval > maxSnapshotInterval {
		return fmt.Errorf("bgp.snapshot_interval %v: at most %v", c.SnapshotInterval, maxSnapshotInterval)
	}
	if c.SessionsInterval < time.Second || c.SessionsInterval > maxSessionsInterval {
		return fmt.Errorf("bgp.sessions_interval %v: must be 1s to %v", c.SessionsInterval, maxSessionsInterval)
	}
	if c.MemoryLimit != 0 && (c.MemoryLimit < minMemoryLimit || c.MemoryLimit > maxMemoryLimit) {
		return fmt.Errorf("bgp.memory_limit %s: must be 0 (none) or 64MiB to 1TiB", c.MemoryLimit)
	}
	if err := c.Config.Validate(); err != nil {
		return fmt.Errorf("bgp: %w", err)
	}
	return nil
}

// ByteSize is a size in bytes, written in YAML as a number of bytes or
// with a unit: B, KiB, MiB, GiB, TiB (and KB, MB, GB, TB, powers of 1000).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}

// ParseByteSize parses "1400MiB", "2GiB", "1500000000".
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q: want a whole number of bytes, optionally with a unit (KiB, MiB, GiB, TiB), up to 8 EiB", s)
	}
	return ByteSize(n * mult), nil
}

// UnmarshalYAML decodes a size with or without a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = v
	return nil
}

func (b ByteSize) String() string {
	switch {
	case b != 0 && b%(1<<30) == 0:
		return strconv.FormatInt(int64(b>>30), 10) + "GiB"
	case b != 0 && b%(1<<20) == 0:
		return strconv.FormatInt(int64(b>>20), 10) + "MiB"
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// publishedSessions is the status value read by serve's
// /api/v1/bgp/sessions: the sessions, and how often they are published
// (serve calls them stale after three intervals).
type publishedSessions struct {
	IntervalSeconds float64        `json:"sessions_interval_s"`
	Sessions        []live.Session `json:"sessions"`
}

// sessionsKey is the status key of a collector's sessions.
func sessionsKey(collector string) string { return "bgp-sessions:" + collector }

func runBGP(ctx context.Context, env *environment, args []string) error {
	o := newOptions("bgp", "bgp --config FILE [flags]   (receive-only BGP sessions; a separate process from serve)", env, "db", "log-level", "log-format")
	metricsListen := o.fs.String("metrics-listen", "", "address of this process's /metrics (default: bgp.metrics_listen of the config)")
	if err := o.fs.Parse(args); err != nil {
		return parseError(err)
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	if cfg.BGP == nil {
		return errors.New("the configuration has no bgp section: give --config FILE with bgp.collector, bgp.asn, bgp.router_id and bgp.peers (see deploy/ixpobs.example.yaml)")
	}
	bc := *cfg.BGP
	if *metricsListen != "" {
		bc.MetricsListen = *metricsListen
		if err := bc.ValidateMetricsListen(); err != nil {
			return fmt.Errorf("--metrics-listen: %w", err)
		}
	}
	log := newLogger(cfg.Log, env.stderr).With("collector", bc.Collector)
	// Before anything else: a re-execution starts the process again.
	if err := setHostName(bc.HostNameOrDefault(), env.getenv, env.reexec, log); err != nil {
		return err
	}
	if bc.MemoryLimit > 0 {
		prev := debug.SetMemoryLimit(int64(bc.MemoryLimit))
		defer debug.SetMemoryLimit(prev)
		log.Info("go memory limit set", "memory_limit", bc.MemoryLimit.String())
	}
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := metrics.RegisterBuildInfo(reg, versionNumber(), vcsRevision()); err != nil {
		return err
	}
	agg := bgp.NewAggregator()
	agg.KeepWholeTables(bc.CarryMaxOrDefault(), nil)
	c, err := live.New(bc.Config, agg, live.Options{Logger: log, Registerer: reg})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var metricsSrv *http.Server
	if bc.MetricsListen != "" {
		ln, err := net.Listen("tcp", bc.MetricsListen)
		if err != nil {
			return fmt.Errorf("metrics listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
		mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(c.Sessions())
		})
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
		wg.Go(func() {
			if err := metricsSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				cancel(err)
			}
		})
		log.Info("bgp metrics listening", "addr", ln.Addr().String())
	}
	wg.Go(func() {
		if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			cancel(fmt.Errorf("bgp: %w", err))
		}
	})
	wg.Go(func() { publishLoop(ctx, st, c, agg, bc, log) })
	<-ctx.Done()
	if metricsSrv != nil {
		metricsSrv.Close()
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// publishLoop stores the sessions' state often and the routes' snapshot
// every SnapshotInterval. A slow or failing database never blocks the
// sessions: the collector's queue decouples them, and a failed write is
// logged, recorded as a run and retried at the next tick.
//
// Only whole tables reach a snapshot (the Aggregator is in whole-table
// mode: a reloading peer shows its last whole table, carried). On top of
// that a snapshot is not stored while it has no peer table at all (start-
// up), nor while a peer's table has more than 30% fewer prefixes than in
// the previous snapshot (snapshot.CheckPeerShrink; after a restart the
// previous snapshot is read from the store), until that shrink has lasted
// carry_max: then the loss is taken as real.
func publishLoop(ctx context.Context, st store.Store, c *live.Collector, agg *bgp.Aggregator, bc BGPConfig, log *slog.Logger) {
	sessions := time.NewTicker(bc.SessionsInterval)
	defer sessions.Stop()
	snaps := time.NewTicker(bc.SnapshotInterval)
	defer snaps.Stop()
	source := ixp.BGPSource(bc.Collector)
	g := newShrinkGate(bc.CarryMaxOrDefault())
	if err := g.load(ctx, st, source); err != nil {
		log.Warn("cannot read the previous snapshot's peers: the shrink guard starts empty", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sessions.C:
			b, err := json.Marshal(publishedSessions{IntervalSeconds: bc.SessionsInterval.Seconds(), Sessions: c.Sessions()})
			if err == nil {
				err = st.PutStatus(ctx, sessionsKey(bc.Collector), b)
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("cannot publish the sessions' state", "err", err)
			}
		case <-snaps.C:
			started := time.Now()
			sum := agg.Summary()
			if len(sum.Peers) == 0 {
				log.Info("no whole BGP table yet: snapshot skipped")
				continue
			}
			in, err := snapshot.Build(ixp.BGPCollector{Name: bc.Collector, IXID: bc.IXPID, Type: "live"}, started, sum)
			var peers []ixp.BGPPeer
			if err == nil {
				peers, err = snapshotPeers(in)
			}
			if err == nil {
				err = g.check(source, peers, started)
			}
			var res store.PublishResult
			if err == nil {
				res, err = st.Publish(ctx, in)
			}
			if err == nil {
				g.published(peers)
			}
			recordImport(ctx, st, log, source, "live sessions", started, res, err)
			if err != nil && ctx.Err() == nil {
				log.Error("cannot store the BGP snapshot", "err", err)
			}
		}
	}
}

// snapshotPeers decodes the peer records of a BGP snapshot.
func snapshotPeers(in ixp.SnapshotInput) ([]ixp.BGPPeer, error) {
	var out []ixp.BGPPeer
	for _, r := range in.Records {
		if r.Kind != ixp.KindBGPPeer {
			continue
		}
		var p ixp.BGPPeer
		if err := json.Unmarshal(r.Data, &p); err != nil {
			return nil, fmt.Errorf("%s: peer record %d: %w", in.Source, r.ID, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// shrinkGate holds the peers of the last stored snapshot and since when
// each shrunken peer has been refused.
type shrinkGate struct {
	prev     []ixp.BGPPeer
	since    map[string]time.Time
	carryMax time.Duration
}

func newShrinkGate(carryMax time.Duration) *shrinkGate {
	return &shrinkGate{since: map[string]time.Time{}, carryMax: carryMax}
}

func peerKey(p ixp.BGPPeer) string { return fmt.Sprintf("%d|%s", p.ASN, p.Address) }

// load reads the peers of the newest stored snapshot of source.
func (g *shrinkGate) load(ctx context.Context, st store.Store, source string) error {
	recs, err := st.Objects(ctx, source, ixp.KindBGPPeer, time.Time{}, store.Filter{})
	if err != nil {
		if errors.Is(err, ixp.ErrNotFound) {
			return nil
		}
		return err
	}
	for _, r := range recs {
		var p ixp.BGPPeer
		if err := json.Unmarshal(r.Data, &p); err != nil {
			return fmt.Errorf("%s: peer record %d: %w", source, r.ID, err)
		}
		g.prev = append(g.prev, p)
	}
	return nil
}

// check refuses next if a peer shrank by more than 30% since the last
// stored snapshot, unless it has been refused for that since carry_max.
func (g *shrinkGate) check(source string, next []ixp.BGPPeer, now time.Time) error {
	shrunk := map[string]bool{}
	err := snapshot.CheckPeerShrink(source, g.prev, next, func(p ixp.BGPPeer) bool {
		k := peerKey(p)
		shrunk[k] = true
		first, ok := g.since[k]
		if !ok {
			g.since[k] = now
			return false
		}
		return now.Sub(first) >= g.carryMax
	})
	for k := range g.since {
		if !shrunk[k] { // no longer shrunk: starts again from zero
			delete(g.since, k)
		}
	}
	return err
}

func (g *shrinkGate) published(peers []ixp.BGPPeer) {
	g.prev = peers
	clear(g.since)
}
