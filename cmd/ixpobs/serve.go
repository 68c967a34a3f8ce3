package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/metrics"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	o := newOptions("serve", "serve [flags]", env, "db", "listen", "collect", "log-level", "log-format", "peeringdb-api-key", "peeringdb-url")
	if err := o.fs.Parse(args); err != nil {
		return err
	}
	if o.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", o.fs.Args())
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, env.stderr)
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	runMetrics := metrics.NewRuns(reg)
	var sources []collector.Source
	if cfg.Collect {
		if sources, err = buildSources(cfg, st, log, nil); err != nil {
			return err
		}
	}
	names := make([]string, len(sources))
	for i, src := range sources {
		names[i] = src.Name
	}
	srv := dashboard.New(st, dashboard.Config{Logger: log, Registry: reg, HTTPMetrics: metrics.NewHTTP(reg), Sources: names, MetricsRegion: cfg.Metrics.Region})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpSrv := dashboard.HTTPServer(cfg.Listen, srv.Handler())
	log.Info("ixpobs serving", "addr", ln.Addr().String(), "db", redactDSN(cfg.DB), "collect", cfg.Collect, "version", versionString())

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cancel(fmt.Errorf("http: %w", err))
		}
	})
	if len(sources) > 0 {
		runner := collector.NewRunner(sources, st, runMetrics, log)
		wg.Go(func() { runner.Run(ctx) })
	}
	<-ctx.Done()
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	log.Info("ixpobs stopped")
	return nil
}

// redactDSN hides a password in a postgres URL for logs.
func redactDSN(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	if i, j := indexAfter(dsn, "://"), lastIndex(dsn, "@"); i > 0 && j > i {
		return dsn[:i] + "…@" + dsn[j+1:]
	}
	return "postgres"
}

func indexAfter(s, sep string) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return i + len(sep)
		}
	}
	return -1
}

func lastIndex(s, sep string) int {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return i
		}
	}
	return -1
}
