// Event intake: GoBGP's watcher calls onPeer and onPaths, in order, for
// every session state change and every received UPDATE.

package live

import (
	"net/netip"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/ixpobs/ixpobs/bgp"
)

// peerState is what the collector knows about one neighbour. It is guarded
// by Collector.mu.
type peerState struct {
	addr    netip.Addr
	name    string
	ixpID   int
	dynamic bool
	group   string
	dyn     *DynamicConfig // dynamic neighbours: the range's settings
	sess    *SessionConfig
	apiPeer *api.Peer // static peers: what was given to AddPeer

	// Promotion of a dynamic neighbour to a static passive peer (see
	// promote.go).
	promoteWanted bool // its session ended; promote at the next chance
	promoted      bool // GoBGP now holds it as a static peer

	asn         uint32
	state       gobgp.FSMState
	changed     time.Time
	established time.Time
	flaps       uint64
	lastError   string

	lastUpdate    time.Time
	updates       uint64
	announcements uint64
	withdrawals   uint64

	dropped       uint64
	dirty         bool       // an event was dropped and no resync is queued yet
	resyncPending bool       // a resync marker is queued and not yet started
	incomplete    bool       // the sink misses events until a resync is applied
	stale         []bgp.Peer // identities to reset at the next resync
	resyncs       uint64

	prefixes map[prefixKey]struct{}
	v4, v6   int
	warned   [2]bool
	// Whole tables: the families negotiated in the session (famIPv4,
	// famIPv6), those whose End-of-RIB has arrived, and whether the
	// table was declared whole (noEOR: by the timeout).
	families uint8
	eorGot   uint8
	whole    bool
	noEOR    bool

	limitPending bool
	limitClosed  bool   // this session was closed for max-prefix: counted once
	limitReason  string // why, e.g. "maximum number of prefixes reached: ipv4 1001 > 1000"
	limitHits    uint64
	restart      *time.Timer
	limitDown    bool // shut down for max-prefix, waiting for restart

	// Reconnection of an active static peer (see backoff.go).
	active       bool
	bo           backoff
	heldDown     bool      // administratively down between attempts
	enableAt     time.Time // when heldDown: the next attempt
	attemptStart time.Time // start of the current attempt window
	attempts     uint64
}

func (p *peerState) key() bgp.Peer { return bgp.Peer{ASN: p.asn, Addr: p.addr} }

// peerLocked returns the state of addr, creating it for a dynamic
// neighbour.
func (c *Collector) peerLocked(addr netip.Addr) *peerState {
	if p, ok := c.peers[addr]; ok {
		return p
	}
	p := &peerState{addr: addr, dynamic: true, changed: c.now(), sess: &SessionConfig{}}
	for _, d := range c.dynamic {
		if d.prefix.Contains(addr) {
			p.ixpID, p.group, p.name, p.sess, p.dyn = d.cfg.IXPID, d.cfg.Name, d.cfg.Name, &d.cfg.SessionConfig, d.cfg
			break
		}
	}
	c.peers[addr] = p
	return p
}

// onPeer handles a session state change. It runs on GoBGP's watcher
// goroutine, in order with the route events.
func (c *Collector) onPeer(ev *apiutil.WatchEventMessage_PeerEvent, t time.Time) {
	if ev.Type != apiutil.PEER_EVENT_STATE && ev.Type != apiutil.PEER_EVENT_INIT {
		return
	}
	st := ev.Peer.State
	if !st.NeighborAddress.IsValid() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.peerLocked(st.NeighborAddress.Unmap())
	old := p.state
	if old == st.SessionState {
		return
	}
	p.state = st.SessionState
	p.changed = t
	if st.DisconnectMessage != "" && p.limitReason == "" {
		// After a max-prefix closure the limit stays the reason until
		// the next session (not the idle hold timer that follows).
		p.lastError = st.DisconnectMessage
	}
	switch {
	case st.SessionState == gobgp.BGP_FSM_ESTABLISHED:
		if st.PeerASN != 0 {
			p.asn = st.PeerASN
		}
		p.established = t
		p.limitClosed, p.limitReason = false, ""
		p.families, p.eorGot, p.whole, p.noEOR = negotiatedFamilies(st.RemoteCap), 0, false, false
		p.prefixes = make(map[prefixKey]struct{})
		p.v4, p.v6 = 0, 0
		p.warned = [2]bool{}
		c.log.Info("bgp session established", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID)
	case old == gobgp.BGP_FSM_ESTABLISHED:
		if t.Sub(p.established) >= reconnectStable {
			p.bo.reset()
		}
		p.attemptStart = t
		p.flaps++
		p.whole, p.noEOR = false, false
		if p.limitReason != "" {
			// GoBGP reports the closure it was asked for as a read or
			// write failure; the reason is the limit.
			p.lastError = p.limitReason
		}
		p.prefixes = nil
		p.v4, p.v6 = 0, 0
		c.log.Info("bgp session down", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID,
			"state", stateName(st.SessionState), "reason", st.DisconnectMessage)
		c.enqueueLocked(p, op{kind: opReset, route: bgp.Route{Peer: p.key()}})
		if p.dynamic && !p.promoted {
			c.wantPromotionLocked(p)
		}
	}
}

// onPaths handles the paths of one received UPDATE (pre-policy Adj-RIB-In).
func (c *Collector) onPaths(paths []*apiutil.Path, t time.Time) {
	if len(paths) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var last *peerState
	for _, pa := range paths {
		if !pa.PeerAddress.IsValid() {
			continue
		}
		p := last
		if p == nil || p.addr != pa.PeerAddress.Unmap() {
			p = c.peerLocked(pa.PeerAddress.Unmap())
			if p.asn == 0 {
				p.asn = pa.PeerASN
			}
			p.updates++
			p.lastUpdate = t
			last = p
		}
		pfx, ok := pathPrefix(pa)
		if !ok {
			continue
		}
		k := keyOf(pfx, pa.RemoteID)
		if pa.Withdrawal {
			p.withdrawals++
			if _, had := p.prefixes[k]; had {
				delete(p.prefixes, k)
				p.count(pfx, -1)
			}
			c.enqueueLocked(p, op{kind: opWithdraw, route: bgp.Route{Peer: p.key(), Prefix: pfx, PathID: pa.RemoteID}})
			continue
		}
		p.announcements++
		if p.prefixes != nil {
			if _, had := p.prefixes[k]; !had {
				p.prefixes[k] = struct{}{}
				p.count(pfx, 1)
			}
		}
		r, _ := toRoute(p.key(), pa)
		c.enqueueLocked(p, op{kind: opAnnounce, route: r})
	}
	if last != nil {
		c.checkLimitLocked(last)
	}
}

func (p *peerState) count(pfx netip.Prefix, d int) {
	if pfx.Addr().Is4() {
		p.v4 += d
	} else {
		p.v6 += d
	}
}

// Address families of a session, as bits.
const (
	famIPv4 uint8 = 1 << iota
	famIPv6
)

func familyBit(f gobgp.Family) uint8 {
	switch f {
	case gobgp.RF_IPv4_UC:
		return famIPv4
	case gobgp.RF_IPv6_UC:
		return famIPv6
	}
	return 0
}

// negotiatedFamilies returns the unicast families both sides enabled: the
// collector enables IPv4 and IPv6 unicast, and a peer without any
// multiprotocol capability speaks IPv4 unicast only (RFC 4760).
func negotiatedFamilies(remote []gobgp.ParameterCapabilityInterface) uint8 {
	var f uint8
	mp := false
	for _, c := range remote {
		if m, ok := c.(*gobgp.CapMultiProtocol); ok {
			mp = true
			f |= familyBit(m.CapValue)
		}
	}
	if !mp {
		return famIPv4
	}
	return f
}

// onEOR handles an End-of-RIB marker. Once every negotiated family has
// sent one, the table is whole: the marker goes through the queue, after
// the routes it closes.
func (c *Collector) onEOR(pa *apiutil.Path, _ time.Time) {
	if pa == nil || !pa.PeerAddress.IsValid() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.peerLocked(pa.PeerAddress.Unmap())
	if p.state != gobgp.BGP_FSM_ESTABLISHED {
		return
	}
	p.eorGot |= familyBit(pa.Family)
	if !p.whole && p.families != 0 && p.eorGot&p.families == p.families {
		p.whole = true
		c.log.Info("bgp table whole (end-of-rib)", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID,
			"prefixes_ipv4", p.v4, "prefixes_ipv6", p.v6, "after", c.now().Sub(p.established).Round(time.Millisecond))
		c.enqueueLocked(p, op{kind: opWhole, route: bgp.Route{Peer: p.key()}})
	}
}

// eorTimeoutLocked takes the table of a peer that has not sent End-of-RIB
// for every family within Config.EORTimeout of its session coming up as
// whole, marked noEOR.
func (c *Collector) eorTimeoutLocked(p *peerState, now time.Time) {
	if p.whole || p.state != gobgp.BGP_FSM_ESTABLISHED || now.Sub(p.established) < c.cfg.eorTimeout() {
		return
	}
	p.whole, p.noEOR = true, true
	c.log.Warn("bgp end-of-rib timeout: table taken as it is", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID,
		"prefixes_ipv4", p.v4, "prefixes_ipv6", p.v6, "eor_timeout", c.cfg.eorTimeout())
	c.enqueueLocked(p, op{kind: opWhole, route: bgp.Route{Peer: p.key(), PathID: 1}})
}
