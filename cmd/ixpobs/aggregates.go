package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/store"
)

// storeAggregates computes and stores the country and area figures of the
// states an import changed (dashboard.Server.FillAggregates: the new
// PeeringDB snapshot's date; for an RIR file or a BGP table, the dates
// whose pairing now picks it), so that histories and the first request
// for a date read them instead of rebuilding views. They are a cache: a
// failure is logged, not an import error (they are computed when first
// asked for).
func storeAggregates(ctx context.Context, st store.Store, log *slog.Logger) {
	if ctx.Err() != nil {
		return
	}
	start := time.Now()
	n, err := dashboard.New(st, dashboard.Config{Logger: log, Derived: st}).FillAggregates(ctx)
	if err != nil {
		log.Warn("storing the country and area figures (computed when first asked for instead)", "err", err, "states", n)
		return
	}
	if n > 0 {
		log.Info("country and area figures stored", "states", n, "took", time.Since(start).Round(time.Millisecond))
	}
}
