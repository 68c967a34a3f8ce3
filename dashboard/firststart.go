package dashboard

import (
	"context"
	"strings"
)

// firstStart is the first-start page of a store without PeeringDB data:
// how to get the history (ixpobs backfill, import, collect) instead of an
// empty page.
type firstStart struct {
	// Estimate is the size and time of the default backfill ("" when
	// the server was not told: the page then points at docs/BACKFILL.md).
	Estimate string
	// Running: serve started the backfill itself (backfill.on_empty_store).
	Running bool
	// Sources are the sources that already have data (RIR files, BGP
	// collectors, ...), none of which makes the overview.
	Sources []string
}

// firstStartOf returns the first-start page's data when the store has no
// PeeringDB snapshot (the overview has nothing to show), nil otherwise.
func (s *Server) firstStartOf(ctx context.Context) (*firstStart, error) {
	snaps, err := s.peeringDBSnapshots(ctx)
	if err != nil || len(snaps) > 0 {
		return nil, err
	}
	srcs, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	fs := s.firstStart
	if fs.Estimate == "" {
		fs.Estimate = "docs/BACKFILL.md"
	}
	fs.Sources = srcs
	return &fs, nil
}

// SourceList names the sources with data, for the page.
func (f firstStart) SourceList() string { return strings.Join(f.Sources, ", ") }
