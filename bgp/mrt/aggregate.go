package mrt

import (
	"context"
	"fmt"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
)

// Aggregate reads the MRT file at path into agg; see Reader.Aggregate.
func Aggregate(ctx context.Context, path string, agg *bgp.Aggregator) (Stats, error) {
	r, err := Open(path)
	if err != nil {
		return Stats{File: path}, err
	}
	defer r.Close()
	return r.Aggregate(ctx, agg)
}

// Aggregate feeds the stream into agg in file order: RIB entries and
// announced prefixes are announced, withdrawn prefixes withdrawn, and a
// state change to any state but Established resets the peer (it forgets
// the peer's routes). Elements of *_LOCAL messages (sent by the collector)
// and multicast routes are ignored. On error, agg holds what was read
// before it. The aggregation runs on its own goroutine (a bgp.Pipe), so
// decoding and aggregating overlap; agg holds everything read when
// Aggregate returns.
func (r *Reader) Aggregate(ctx context.Context, agg *bgp.Aggregator) (Stats, error) {
	return r.AggregateFunc(ctx, agg, nil)
}

// AggregateFunc is Aggregate, calling observe (if not nil) for every
// element on the decoding goroutine before it is queued.
func (r *Reader) AggregateFunc(ctx context.Context, agg *bgp.Aggregator, observe func(*Elem)) (Stats, error) {
	pipe := bgp.NewPipe(agg)
	defer pipe.Close()
	st, err := r.Read(ctx, func(e *Elem) error {
		if observe != nil {
			observe(e)
		}
		Apply(pipe, e)
		return nil
	})
	pipe.Close()
	return st, err
}

// Apply feeds one element into agg as Aggregate does.
func Apply(agg bgp.Sink, e *Elem) {
	if e.Local || e.Multicast {
		return
	}
	switch e.Type {
	case RIBEntry, Announce:
		agg.Announce(e.Route())
	case Withdraw:
		agg.Withdraw(e.Peer, e.Prefix, e.PathID)
	case StateChange:
		if e.NewState != StateEstablished {
			agg.ResetPeer(e.Peer)
		}
	}
}

// errNotRIB stops the one-pass reading of a file that is not only a RIB
// dump.
var errNotRIB = fmt.Errorf("%w: the file has updates or state changes", bgp.ErrNotRIB)

// Summarized is what Summarize read and derived.
type Summarized struct {
	Summary bgp.Summary
	Stats   Stats
	// Passes is 1 for a RIB dump summarized as it was read, 2 when the
	// input was read again into an Aggregator.
	Passes int
	// Derive is the time spent deriving the Summary after the last pass.
	Derive time.Duration
}

// Summarize reads an MRT input into the Summary of the routes it holds, as
// a collector snapshot stores them. A RIB dump (TABLE_DUMP, TABLE_DUMP_V2)
// is summarized as it is read, without keeping its routes (bgp.RIB): in
// one pass, decoding and deriving on one goroutine while the input is
// decompressed on another. Anything else (updates, state changes, a dump
// in which a prefix comes back) is read again from the start into a
// bgp.Aggregator, as Aggregate does. open opens the input: once, or twice
// when the first pass finds it is not a RIB dump. observe, if not nil, sees
// every element of every pass, on the decoding goroutine. On error, the
// Stats say what the failing pass read.
func Summarize(ctx context.Context, open func() (*Reader, error), observe func(*Elem)) (Summarized, error) {
	var res Summarized
	var err error
	res.Summary, res.Passes, res.Derive, err = bgp.SummarizeDump(
		func(rib *bgp.RIB) (err error) {
			res.Stats, err = readWith(open, func(r *Reader) (Stats, error) {
				return r.Read(ctx, func(e *Elem) error {
					if observe != nil {
						observe(e)
					}
					if e.Local || e.Multicast {
						return nil
					}
					if e.Type != RIBEntry {
						return errNotRIB
					}
					return rib.Add(e.Route())
				})
			})
			return err
		},
		func(agg *bgp.Aggregator) (err error) {
			res.Stats, err = readWith(open, func(r *Reader) (Stats, error) { return r.AggregateFunc(ctx, agg, observe) })
			return err
		})
	return res, err
}

// readWith opens a Reader, reads it with read, and closes it.
func readWith(open func() (*Reader, error), read func(*Reader) (Stats, error)) (Stats, error) {
	r, err := open()
	if err != nil {
		return Stats{}, err
	}
	defer r.Close()
	return read(r)
}
