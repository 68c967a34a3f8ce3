package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/httpguard"
	"github.com/ixpobs/ixpobs/metrics"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	o := newOptions("serve", "serve [flags]", env, "db", "db-read", "listen", "collect", "log-level", "log-format", "peeringdb-api-key", "peeringdb-url",
		"rate-limit", "rate-burst", "trusted-proxies", "admin-listen", "read-header-timeout")
	if err := o.fs.Parse(args); err != nil {
		return parseError(err)
	}
	if o.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", o.fs.Args())
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, env.stderr)
	st, readSt, err := openServeStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer readSt.Close()
	if st != nil && st != readSt {
		defer st.Close()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := metrics.RegisterBuildInfo(reg, versionNumber(), vcsRevision()); err != nil {
		return err
	}
	runMetrics := metrics.NewRuns(reg)
	var sources []collector.Source
	if cfg.Collect {
		if sources, err = buildSources(cfg, st, log, &collectOptions{reg: reg}); err != nil {
			return err
		}
	}
	names := make([]string, len(sources))
	intervals := map[string]time.Duration{}
	for i, src := range sources {
		names[i] = src.Name
		intervals[src.Name] = src.Interval
	}
	httpMetrics := metrics.NewHTTP(reg)
	empty, emptyErr := storeIsEmpty(ctx, st)
	srv := dashboard.New(readSt, dashboard.Config{Logger: log, Registry: reg, HTTPMetrics: httpMetrics, Sources: names, Intervals: intervals,
		CompareWindow: cfg.Compare.Window, MetricsRegion: cfg.Metrics.Region, PublicURL: cfg.HTTP.PublicURL,
		BackfillEstimate: backfillEstimate, BackfillRunning: emptyErr == nil && empty && cfg.Backfill.OnEmptyStore,
		// The figures computed per state are stored by the writer (nil
		// on a read-only replica: kept in memory there).
		Derived: st})
	handler, err := guardedHandler(srv.Handler(), cfg.HTTP, httpMetrics)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpSrv := dashboard.HTTPServer(cfg.Listen, handler, cfg.HTTP.ReadHeaderTimeout)
	servers := []*http.Server{httpSrv}
	listeners := []net.Listener{ln}
	if cfg.HTTP.AdminListen != "" {
		aln, err := httpguard.ListenAdmin(cfg.HTTP.AdminListen)
		if err != nil {
			ln.Close()
			return err
		}
		servers, listeners = append(servers, httpguard.AdminServer(httpguard.AdminHandler())), append(listeners, aln)
		log.Info("admin listener (pprof)", "addr", aln.Addr().String())
	}
	log.Info("ixpobs serving", "addr", ln.Addr().String(), "db", redactDSN(cfg.DB), "db_read", redactDSN(cfg.DBRead), "collect", cfg.Collect, "version", versionString(),
		"rate_limit", cfg.HTTP.RateLimit, "rate_burst", cfg.HTTP.RateBurst, "trusted_proxies", cfg.HTTP.TrustedProxies)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i, hs := range servers {
		wg.Go(func() {
			if err := hs.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				cancel(fmt.Errorf("http %s: %w", listeners[i].Addr(), err))
			}
		})
	}
	wg.Go(func() { srv.WarmOnNewData(ctx, newDataPoll) })
	if len(sources) > 0 {
		runner := collector.NewRunner(sources, st, warmAfterRuns{runMetrics, srv, ctx}, log)
		wg.Go(func() { runner.Run(ctx) })
	}
	if emptyErr != nil {
		log.Warn("cannot tell whether the store is empty", "err", emptyErr)
	} else if empty && cfg.Backfill.OnEmptyStore {
		log.Info("the store is empty: starting a backfill from the public archives in the background (backfill.on_empty_store); see docs/BACKFILL.md")
		wg.Go(func() { backgroundBackfill(ctx, cfg, st, env, log) })
	} else if empty {
		log.Info("the store is empty: run `ixpobs backfill` for the history since 2010 from the public archives (monthly: about " + backfillEstimate +
			"; see docs/BACKFILL.md), or set backfill.on_empty_store: true")
	}
	<-ctx.Done()
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	for _, hs := range servers {
		if err := hs.Shutdown(shutdownCtx); err != nil {
			log.Warn("http shutdown", "err", err)
		}
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	log.Info("ixpobs stopped")
	return nil
}

// openServeStores opens the stores of serve: the one the collectors write
// to (nil when a read replica is given and nothing is collected) and the
// one the dashboard reads from (cfg.DBRead when set, opened read-only
// after the writer has migrated the primary; otherwise the same store).
func openServeStores(ctx context.Context, cfg Config, log *slog.Logger) (write, read store.Store, err error) {
	if cfg.DBRead == "" {
		st, err := openStore(ctx, cfg.DB, log)
		return st, st, err
	}
	if cfg.Collect {
		if write, err = openStore(ctx, cfg.DB, log); err != nil {
			return nil, nil, err
		}
	}
	if read, err = postgres.OpenReadOnly(ctx, cfg.DBRead, log); err != nil {
		if write != nil {
			write.Close()
		}
		return nil, nil, fmt.Errorf("--db-read: %w", err)
	}
	return write, read, nil
}

// newDataPoll is how often serve reads the store's generation to warm
// its views of a snapshot another process published.
const newDataPoll = 10 * time.Second

// warmAfterRuns records collection runs in metrics and, after each that
// succeeded, has the dashboard build its views of the newest data (a
// cheap cache hit when the run published nothing new).
type warmAfterRuns struct {
	collector.RunObserver
	srv *dashboard.Server
	ctx context.Context
}

func (w warmAfterRuns) Observe(source, errorKind string) {
	w.RunObserver.Observe(source, errorKind)
	if errorKind == "" {
		w.srv.Warm(w.ctx)
	}
}

// ObserveQuirks passes the quirks of a published snapshot on to the
// metrics.
func (w warmAfterRuns) ObserveQuirks(source string, quirks map[string]int) {
	if q, ok := w.RunObserver.(collector.QuirkObserver); ok {
		q.ObserveQuirks(source, quirks)
	}
}

// guardedHandler puts the rate limit and size guard in front of h, inside
// the security headers so that refusals carry them too.
func guardedHandler(h http.Handler, cfg HTTPConfig, m *metrics.HTTP) (http.Handler, error) {
	proxies, err := httpguard.ParsePrefixes(strings.Join(cfg.TrustedProxies, ","))
	if err != nil {
		return nil, err
	}
	g, err := httpguard.New(httpguard.Config{Rate: cfg.RateLimit, Burst: cfg.RateBurst, TrustedProxies: proxies, MaxURIBytes: cfg.MaxURIBytes, Refused: m.Refused})
	if err != nil {
		return nil, err
	}
	return dashboard.SecurityHeaders(g.Middleware(h)), nil
}

// redactDSN hides a password in a PostgreSQL DSN for logs and output: a
// URL's password as url.URL.Redacted does, a key=value DSN's password=
// value likewise.
func redactDSN(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

// kvPassword matches the value of password= in a key=value DSN, quoted or not.
var kvPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
