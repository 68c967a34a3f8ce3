package showbgp

import (
	"context"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
)

// Summarized is what Summarize read and derived.
type Summarized struct {
	Summary bgp.Summary
	// Stats add up the counts of the inputs; File names the first.
	Stats Stats
	// Passes is 1 when the routes were summarized as they were read, 2
	// when a prefix came back and they were read again into an Aggregator.
	Passes int
	// Derive is the time spent deriving the Summary after the last pass.
	Derive time.Duration
}

// Summarize reads the n dumps of one snapshot (PCH publishes a
// collector's IPv4 and IPv6 tables as two files of the same day) into the
// Summary of their routes: in one pass into a bgp.RIB, since a dump lists
// the routes of a prefix together, or, if a prefix comes back after
// others, again from the start into a bgp.Aggregator. open(i) opens the
// i-th input; routes, if not nil, is told how many routes the current pass
// has read so far, every few thousand routes.
func Summarize(ctx context.Context, n int, open func(i int) (*Reader, error), routes func(int64)) (Summarized, error) {
	var res Summarized
	var err error
	res.Summary, res.Passes, res.Derive, err = bgp.SummarizeDump(
		func(rib *bgp.RIB) (err error) {
			res.Stats, err = readInputs(ctx, n, open, routes, func(r *bgp.Route) error { return rib.Add(*r) })
			return err
		},
		func(agg *bgp.Aggregator) (err error) {
			res.Stats, err = readInputs(ctx, n, open, routes, func(r *bgp.Route) error { agg.Announce(*r); return nil })
			return err
		})
	return res, err
}

// readInputs reads the n inputs in turn with fn; the Stats add up.
func readInputs(ctx context.Context, n int, open func(i int) (*Reader, error), routes func(int64), fn func(*bgp.Route) error) (Stats, error) {
	var total Stats
	var count int64
	for i := range n {
		r, err := open(i)
		if err != nil {
			return total, err
		}
		st, err := r.Read(ctx, func(rt *bgp.Route) error {
			if count++; routes != nil && count&4095 == 0 {
				routes(count)
			}
			return fn(rt)
		})
		r.Close()
		total = addStats(total, st, i == 0)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func addStats(t, s Stats, first bool) Stats {
	if first {
		t.File, t.Complete = s.File, true
	}
	t.Lines += s.Lines
	t.Routes += s.Routes
	t.Prefixes += s.Prefixes
	t.Peers += s.Peers
	t.Skipped += s.Skipped
	t.Errors += s.Errors
	if t.FirstError == "" {
		t.FirstError = s.FirstError
	}
	t.Bytes += s.Bytes
	t.Complete = t.Complete && s.Complete
	return t
}
