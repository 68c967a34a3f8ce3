// Prefix limit: counting a session's prefixes per family against
// max_prefix, and closing it with a Cease when over.

package live

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/osrg/gobgp/v4/api"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
	"google.golang.org/protobuf/proto"
)

// checkLimitLocked warns at the threshold and asks the control loop to shut
// the session down when a family is over its limit.
func (c *Collector) checkLimitLocked(p *peerState) {
	mp := p.sess.MaxPrefix
	for i, fam := range [2]struct {
		name  string
		n     int
		limit uint32
	}{{"ipv4", p.v4, mp.IPv4}, {"ipv6", p.v6, mp.IPv6}} {
		if fam.limit == 0 {
			continue
		}
		if mp.WarnPercent > 0 && !p.warned[i] && uint64(fam.n)*100 >= uint64(fam.limit)*uint64(mp.WarnPercent) {
			p.warned[i] = true
			c.log.Warn("bgp max-prefix warning threshold reached", "peer", p.addr, "peer_asn", p.asn,
				"ixp_id", p.ixpID, "family", fam.name, "prefixes", fam.n, "limit", fam.limit)
		}
		if uint64(fam.n) > uint64(fam.limit) && !p.limitPending && !p.limitClosed && p.state == gobgp.BGP_FSM_ESTABLISHED {
			select {
			case c.limitCh <- p.addr:
				p.limitPending = true
				p.limitReason = fmt.Sprintf("maximum number of prefixes reached: %s %d > %d", fam.name, fam.n, fam.limit)
				c.log.Warn("bgp max-prefix limit exceeded, closing session", "peer", p.addr, "peer_asn", p.asn,
					"ixp_id", p.ixpID, "family", fam.name, "prefixes", fam.n, "limit", fam.limit)
			default: // retried on the next UPDATE
			}
		}
	}
}

// enforceLimit closes an over-limit session with Cease subcode 1 (maximum
// number of prefixes reached). GoBGP's own prefix limit is left off because
// it recounts the whole Adj-RIB-In on every UPDATE; setting it once with
// UpdatePeer makes GoBGP check once and send the Cease, and the limit is then
// cleared again. The peer stays down until RestartAfter.
func (c *Collector) enforceLimit(ctx context.Context, srv *server.BgpServer, addr netip.Addr) {
	c.mu.Lock()
	p := c.peers[addr]
	if p == nil || p.limitClosed {
		c.mu.Unlock()
		return
	}
	// One count per closure: the UPDATEs that arrive before GoBGP has
	// closed the session do not ask again (checkLimitLocked).
	p.limitClosed = true
	p.limitHits++
	orig, dynamic, restart := p.apiPeer, p.dynamic, p.sess.MaxPrefix.RestartAfter
	limits := p.sess.MaxPrefix
	c.mu.Unlock()

	if dynamic || orig == nil {
		// A dynamic neighbour has no configuration of its own to update:
		// close it with an administrative shutdown and a reason instead.
		err := srv.ShutdownPeer(ctx, &api.ShutdownPeerRequest{Address: addr.String(), Communication: "maximum number of prefixes reached"})
		if err != nil {
			c.log.Warn("bgp max-prefix shutdown failed", "peer", addr, "err", err)
		}
		c.mu.Lock()
		p.limitPending = false
		c.mu.Unlock()
		return
	}
	limited := proto.Clone(orig).(*api.Peer)
	for _, af := range limited.AfiSafis {
		if af.Config.Family.Afi == api.Family_AFI_IP && limits.IPv4 > 0 {
			af.PrefixLimits.MaxPrefixes = limits.IPv4
		}
		if af.Config.Family.Afi == api.Family_AFI_IP6 && limits.IPv6 > 0 {
			af.PrefixLimits.MaxPrefixes = limits.IPv6
		}
	}
	if _, err := srv.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: limited}); err != nil {
		c.log.Warn("bgp max-prefix shutdown failed", "peer", addr, "err", err)
	}
	if _, err := srv.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: orig}); err != nil {
		c.log.Warn("bgp max-prefix: clearing gobgp limit failed", "peer", addr, "err", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p.limitPending = false
	p.limitDown = true
	if restart > 0 && !c.closed {
		if p.restart != nil {
			p.restart.Stop()
		}
		p.restart = time.AfterFunc(restart, func() {
			c.mu.Lock()
			s, ok := c.srv, c.running
			c.mu.Unlock()
			if !ok {
				return
			}
			c.mu.Lock()
			p.limitDown = false
			p.attemptStart = c.now()
			c.mu.Unlock()
			c.log.Info("bgp max-prefix restart", "peer", addr)
			if err := s.EnablePeer(context.Background(), &api.EnablePeerRequest{Address: addr.String()}); err != nil {
				c.log.Warn("bgp max-prefix restart failed", "peer", addr, "err", err)
			}
		})
	}
}
