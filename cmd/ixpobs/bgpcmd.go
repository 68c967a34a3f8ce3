package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/ixp"
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
	// `serve` (/api/v1/bgp/sessions).
	SessionsInterval time.Duration `yaml:"sessions_interval"`
	live.Config      `yaml:",inline"`
}

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
	if c.SessionsInterval < time.Second {
		return fmt.Errorf("bgp.sessions_interval must be at least 1s")
	}
	return c.Config.Validate()
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
	}
	log := newLogger(cfg.Log, env.stderr).With("collector", bc.Collector)
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	agg := bgp.NewAggregator()
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
func publishLoop(ctx context.Context, st store.Store, c *live.Collector, agg *bgp.Aggregator, bc BGPConfig, log *slog.Logger) {
	sessions := time.NewTicker(bc.SessionsInterval)
	defer sessions.Stop()
	snaps := time.NewTicker(bc.SnapshotInterval)
	defer snaps.Stop()
	source := snapshot.SourcePrefix + bc.Collector
	for {
		select {
		case <-ctx.Done():
			return
		case <-sessions.C:
			b, err := json.Marshal(c.Sessions())
			if err == nil {
				err = st.PutStatus(ctx, sessionsKey(bc.Collector), b)
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("cannot publish the sessions' state", "err", err)
			}
		case <-snaps.C:
			started := time.Now()
			in, err := snapshot.Build(ixp.BGPCollector{Name: bc.Collector, IXID: bc.IXPID, Type: "live"}, started, agg.Summary())
			var res store.PublishResult
			if err == nil {
				res, err = st.Publish(ctx, in)
			}
			recordImport(ctx, st, log, source, "live sessions", started, res, err)
			if err != nil && ctx.Err() == nil {
				log.Error("cannot store the BGP snapshot", "err", err)
			}
		}
	}
}
