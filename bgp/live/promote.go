package live

import (
	"context"
	"net/netip"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Promotion of dynamic neighbours (see doc.go for the GoBGP leak it works
// around). GoBGP deletes a dynamic neighbour when its session ends, and
// every such end can leave one goroutine behind; a static peer keeps its
// FSM, and its outgoing channel is drained at each state change, so its
// sessions can end any number of times without leaking. Once the first
// session of a dynamic neighbour has ended, GoBGP has already deleted it,
// and the collector adds the address as a static passive peer with the
// settings of its range (promotedPeer). The collector's own state for the
// address (dynamic, range name, IXP id, counters) is unchanged, so
// sessions and metrics still show it as a dynamic neighbour of its range.

// wantPromotionLocked marks a dynamic neighbour whose session just ended for
// promotion and wakes the control loop; when the queue to it is full the
// next tick picks the mark up. Beyond Config.DynamicPromoteMax promoted
// addresses the neighbour stays dynamic and the skip is counted.
func (c *Collector) wantPromotionLocked(p *peerState) {
	if p.dyn == nil || c.closed {
		return
	}
	if c.promotedN >= c.cfg.promoteMax() {
		c.promoteSkipped++
		if c.cfg.promoteMax() > 0 {
			c.log.Warn("bgp dynamic neighbour not promoted: dynamic_promote_max reached", "peer", p.addr,
				"peer_asn", p.asn, "ixp_id", p.ixpID, "range", p.group, "promoted", c.promotedN)
		}
		return
	}
	p.promoteWanted = true
	select {
	case c.promoteCh <- p.addr:
	default:
	}
}

// promote adds the dynamic neighbour addr as a static passive peer. GoBGP
// removed the dynamic neighbour before it reported the session down, so
// AddPeer succeeds unless the address has connected again in between; the
// promotion is then asked for again when that session ends.
func (c *Collector) promote(ctx context.Context, srv *server.BgpServer, addr netip.Addr) {
	c.mu.Lock()
	p := c.peers[addr]
	if p == nil || !p.promoteWanted || p.promoted || p.dyn == nil {
		c.mu.Unlock()
		return
	}
	p.promoteWanted = false
	if c.promotedN >= c.cfg.promoteMax() {
		c.promoteSkipped++
		c.mu.Unlock()
		return
	}
	c.promotedN++ // reserved while AddPeer runs
	req := &api.AddPeerRequest{Peer: promotedPeer(addr, p.dyn)}
	c.mu.Unlock()

	err := srv.AddPeer(ctx, req)

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.promotedN--
		c.promoteFailures++
		c.log.Info("bgp dynamic neighbour not promoted, retried when its next session ends", "peer", addr,
			"peer_asn", p.asn, "ixp_id", p.ixpID, "range", p.group, "err", err)
		return
	}
	p.promoted = true
	c.log.Info("bgp dynamic neighbour promoted to a static passive peer", "peer", addr,
		"peer_asn", p.asn, "ixp_id", p.ixpID, "range", p.group, "promoted", c.promotedN)
}

// PromotionStats reports the dynamic neighbours promoted to static peers,
// the cap, the session ends that found the cap reached, and the failed
// attempts (the address had connected again first).
func (c *Collector) PromotionStats() (promoted, limit int, skipped, failures uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.promotedN, c.cfg.promoteMax(), c.promoteSkipped, c.promoteFailures
}
