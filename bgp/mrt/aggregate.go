package mrt

import (
	"context"

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
