package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/store"
)

func runCollect(ctx context.Context, env *environment, args []string) error {
	o := newOptions("collect", "collect [flags] [SOURCE...]   (sources: peeringdb)", env, "db", "log-level", "log-format", "peeringdb-api-key", "peeringdb-url")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
	if err := o.fs.Parse(args); err != nil {
		return err
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
	sources, err := buildSources(cfg, st, log, &collectOptions{force: *force, only: o.fs.Args()})
	if err != nil {
		return err
	}
	runner := collector.NewRunner(sources, st, log)
	var failed []string
	for _, src := range sources {
		if err := runner.RunOnce(ctx, src); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", src.Name, err))
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

type collectOptions struct {
	force bool
	only  []string
}

// buildSources lists the enabled sources (restricted to opts.only when
// given).
func buildSources(cfg Config, st store.Store, log *slog.Logger, opts *collectOptions) ([]collector.Source, error) {
	if opts == nil {
		opts = &collectOptions{}
	}
	available := map[string]func() (collector.Source, error){
		peeringdb.Source: func() (collector.Source, error) {
			client, err := newHTTPClient(cfg.PeeringDB.Timeout)
			if err != nil {
				return collector.Source{}, err
			}
			c, err := peeringdb.New(cfg.PeeringDB.Config, client, st, log)
			if err != nil {
				return collector.Source{}, err
			}
			return collector.Source{Name: peeringdb.Source, Interval: cfg.PeeringDB.Interval, Timeout: cfg.PeeringDB.Timeout,
				Collect: func(ctx context.Context) (store.PublishResult, error) { return c.Collect(ctx, opts.force) }}, nil
		},
	}
	enabled := map[string]bool{peeringdb.Source: cfg.PeeringDB.Enabled}
	names := opts.only
	if len(names) == 0 {
		for n := range available {
			if enabled[n] {
				names = append(names, n)
			}
		}
		sort.Strings(names)
	}
	var out []collector.Source
	for _, n := range names {
		mk, ok := available[n]
		if !ok {
			known := make([]string, 0, len(available))
			for k := range available {
				known = append(known, k)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("unknown source %q (known: %s)", n, strings.Join(known, ", "))
		}
		src, err := mk()
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}
