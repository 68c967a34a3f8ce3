// Sink queue: events go from the sessions to the RouteSink through a
// bounded queue that never blocks a session; a full queue marks the peer
// incomplete until it is resynchronised from GoBGP's Adj-RIB-In.

package live

import (
	"fmt"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/ixpobs/ixpobs/bgp"
)

type opKind uint8

const (
	opAnnounce opKind = iota
	opWithdraw
	opReset
	opResync
	opWhole // the peer's table is whole; PathID 1: by the End-of-RIB timeout
)

// op is one event on the queue between the BGP sessions and the sink.
type op struct {
	kind  opKind
	route bgp.Route // announce; Peer, Prefix and PathID for the others
}

// peerState is what the collector knows about one neighbour. It is guarded

// enqueueLocked puts o on the queue without ever blocking. When the queue
// is full the event is dropped and counted, and the peer is marked
// incomplete; at the next event with room on the queue a single resync
// marker is queued instead. Until the consumer reaches the marker, the
// peer's events are skipped: GoBGP updated its Adj-RIB-In before notifying
// them, so the snapshot the resync takes covers them.
func (c *Collector) enqueueLocked(p *peerState, o op) {
	if c.closed {
		return
	}
	if o.kind == opReset && (p.dirty || p.resyncPending) {
		p.stale = append(p.stale, o.route.Peer)
	}
	if p.resyncPending {
		return
	}
	if p.dirty || o.kind == opResync {
		select {
		case c.queue <- op{kind: opResync, route: bgp.Route{Peer: p.key()}}:
			p.dirty = false
			p.resyncPending = true
		default:
			if o.kind != opResync {
				p.dropped++
			}
		}
		return
	}
	select {
	case c.queue <- o:
	default:
		p.dropped++
		p.dirty = true
		p.incomplete = true
		if o.kind == opReset {
			p.stale = append(p.stale, o.route.Peer)
		}
	}
}

// consume applies queued events to the sink until stop is closed, then
// applies what is left.
func (c *Collector) consume(srv *server.BgpServer, stop <-chan struct{}) {
	for {
		select {
		case o := <-c.queue:
			c.apply(srv, o)
		case <-stop:
			for {
				select {
				case o := <-c.queue:
					c.apply(srv, o)
				default:
					return
				}
			}
		}
	}
}

func (c *Collector) apply(srv *server.BgpServer, o op) {
	switch o.kind {
	case opAnnounce:
		c.sink.Announce(o.route)
	case opWithdraw:
		c.sink.Withdraw(o.route.Peer, o.route.Prefix, o.route.PathID)
	case opReset:
		c.sink.ResetPeer(o.route.Peer)
	case opWhole:
		c.sink.MarkWhole(o.route.Peer, o.route.PathID == 1)
	case opResync:
		c.mu.Lock()
		p := c.peers[o.route.Peer.Addr]
		if p == nil {
			c.mu.Unlock()
			return
		}
		// From here on the peer's events are queued again; those older
		// than the snapshot below only move the sink forward to it.
		p.resyncPending = false
		stale := append(p.stale, o.route.Peer)
		p.stale = nil
		key := p.key()
		c.mu.Unlock()
		for _, s := range stale {
			if s != key {
				c.sink.ResetPeer(s)
			}
		}
		c.sink.ResetPeer(key)
		n, err := c.replay(srv, key)
		c.mu.Lock()
		p.resyncs++
		complete := err == nil && !p.dirty && !p.resyncPending
		if complete {
			p.incomplete = false
		}
		// The Adj-RIB-In replayed holds the whole table if the session
		// had reached it (the resync's ResetPeer carried the old one).
		whole, noEOR := complete && p.whole && p.key() == key, p.noEOR
		c.mu.Unlock()
		if whole {
			c.sink.MarkWhole(key, noEOR)
		}
		c.log.Info("bgp peer resynchronised from adj-rib-in", "peer", key.Addr, "routes", n, "err", err)
	}
}

// replay announces every path of peer's Adj-RIB-In to the sink. Events
// queued after the resync marker are applied afterwards and only move the
// sink forward to the current state.
func (c *Collector) replay(srv *server.BgpServer, peer bgp.Peer) (int, error) {
	n := 0
	for _, f := range []gobgp.Family{gobgp.RF_IPv4_UC, gobgp.RF_IPv6_UC} {
		err := srv.ListPath(apiutil.ListPathRequest{
			TableType: api.TableType_TABLE_TYPE_ADJ_IN, Name: peer.Addr.String(), Family: f,
		}, func(_ gobgp.NLRI, paths []*apiutil.Path) {
			for _, pa := range paths {
				if pa.Withdrawal {
					continue
				}
				if r, ok := toRoute(peer, pa); ok {
					c.sink.Announce(r)
					n++
				}
			}
		})
		if err != nil {
			return n, fmt.Errorf("list adj-rib-in of %s: %w", peer.Addr, err)
		}
	}
	return n, nil
}

// QueueLen returns the number of events waiting for the sink, and the
// queue's capacity.
func (c *Collector) QueueLen() (n, capacity int) { return len(c.queue), cap(c.queue) }
