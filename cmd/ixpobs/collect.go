package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

func runCollect(ctx context.Context, env *environment, args []string) error {
	o := newOptions("collect", "collect [flags] [SOURCE...]   (sources: peeringdb, ixf, rir, rir:lacnic, mrt, bgp:rrc15, …)", env, "db", "log-level", "log-format", "peeringdb-api-key", "peeringdb-url")
	force := o.fs.Bool("force", false, "publish even if an object kind shrinks by more than 30%")
	only, err := o.parseArgs(args, 0)
	if err != nil {
		return err
	}
	cfg, log, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	sources, err := buildSources(cfg, st, log, &collectOptions{force: *force, only: only})
	if err != nil {
		return err
	}
	runner := collector.NewRunner(sources, st, nil, log)
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
	// reg receives the sources' own metrics (the Alice-LG fetcher's);
	// nil: none (a one-shot collect has no /metrics).
	reg prometheus.Registerer
}

// buildSources lists the enabled sources, or the ones named in
// opts.only ("rir" names every registry, "mrt" every scheduled RIB
// collector, bgp:<collector>, the old spelling mrt:<collector> accepted;
// "alicelg" every looking glass).
func buildSources(cfg Config, st store.Store, log *slog.Logger, opts *collectOptions) ([]collector.Source, error) {
	if opts == nil {
		opts = &collectOptions{}
	}
	client, err := newHTTPClient(0)
	if err != nil {
		return nil, err
	}
	pdbClient, err := newHTTPClient(cfg.PeeringDB.Timeout)
	if err != nil {
		return nil, err
	}
	pdb, err := peeringdb.New(cfg.PeeringDB.Config, pdbClient, st, log)
	if err != nil {
		return nil, err
	}
	ixfSrc, err := ixfSource(cfg.IXF, client, st, log)
	if err != nil {
		return nil, err
	}
	all := []collector.Source{{Name: ixp.SourcePeeringDB, Interval: cfg.PeeringDB.Interval, Timeout: cfg.PeeringDB.Timeout,
		Collect: func(ctx context.Context) (store.PublishResult, error) { return pdb.Collect(ctx, opts.force) }}}
	enabled := map[string]bool{ixp.SourcePeeringDB: cfg.PeeringDB.Enabled, ixp.SourceIXF: cfg.IXF.Enabled}
	all = append(all, ixfSrc)
	for _, src := range rirSources(cfg.RIR, client, st) {
		enabled[src.Name] = cfg.RIR.Enabled
		all = append(all, src)
	}
	for _, src := range mrtSources(cfg.MRT, client, st, log) {
		enabled[src.Name] = cfg.MRT.Enabled
		all = append(all, src)
	}
	for _, src := range aliceLGSources(cfg.AliceLG, client, st, log, opts.reg) {
		enabled[src.Name] = cfg.AliceLG.Enabled
		all = append(all, src)
	}
	if len(opts.only) == 0 {
		var out []collector.Source
		for _, src := range all {
			if enabled[src.Name] {
				out = append(out, src)
			}
		}
		return out, nil
	}
	var out []collector.Source
	for _, name := range opts.only {
		n := len(out)
		name = ixp.CanonicalSource(name) // mrt:rrc15, the old spelling, is bgp:rrc15
		for _, src := range all {
			if src.Name == name || (name == ixp.SourceRIR && strings.HasPrefix(src.Name, ixp.SourcePrefixRIR)) || (name == "mrt" && strings.HasPrefix(src.Name, ixp.SourcePrefixBGP)) ||
				(name == ixp.SourceAliceLG && strings.HasPrefix(src.Name, ixp.SourcePrefixAliceLG)) {
				out = append(out, src)
			}
		}
		if len(out) == n {
			names := make([]string, 0, len(all))
			for _, src := range all {
				names = append(names, src.Name)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown source %q (known: %s, rir, mrt, alicelg)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}
