package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/ixpobs/ixpobs/bgp"
)

// RouteSink receives the routes of every session; *bgp.Aggregator implements
// it. All calls come from a single goroutine.
type RouteSink interface {
	// Announce adds or replaces a route of a peer.
	Announce(r bgp.Route)
	// Withdraw removes one path of a peer.
	Withdraw(p bgp.Peer, prefix netip.Prefix, pathID uint32)
	// ResetPeer removes every route of a peer (session down or resync).
	ResetPeer(p bgp.Peer)
}

// Options are the dependencies of a Collector. Every field is optional.
type Options struct {
	// Logger receives the collector's and GoBGP's logs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the ixpobs_bgp_* metrics and GoBGP's own bgp_*
	// collector; nil registers nothing.
	Registerer prometheus.Registerer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// ErrAlreadyRun is returned by Run when it is called a second time.
var ErrAlreadyRun = errors.New("live: collector already run")

type opKind uint8

const (
	opAnnounce opKind = iota
	opWithdraw
	opReset
	opResync
)

// op is one event on the queue between the BGP sessions and the sink.
type op struct {
	kind  opKind
	route bgp.Route // announce; Peer, Prefix and PathID for the others
}

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

	prefixes     map[prefixKey]struct{}
	v4, v6       int
	warned       [2]bool
	limitPending bool
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

// Collector runs receive-only BGP sessions and feeds their routes to a
// RouteSink. Create it with New and start it with Run.
type Collector struct {
	cfg  Config
	sink RouteSink
	log  *slog.Logger
	now  func() time.Time

	queue     chan op
	limitCh   chan netip.Addr
	promoteCh chan netip.Addr

	mu      sync.Mutex
	peers   map[netip.Addr]*peerState
	closed  bool
	srv     *server.BgpServer // set while Run is serving
	running bool
	ran     bool
	ready   chan struct{}

	dynamic []dynamicRange

	// Promotions of dynamic neighbours, guarded by mu.
	promotedN       int
	promoteSkipped  uint64
	promoteFailures uint64
}

type dynamicRange struct {
	prefix netip.Prefix
	cfg    *DynamicConfig
}

// New checks cfg and returns a Collector feeding sink. It starts nothing:
// GoBGP is started by Run.
func New(cfg Config, sink RouteSink, opts Options) (*Collector, error) {
	if sink == nil {
		return nil, errors.New("live: nil route sink")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("live: invalid config: %w", err)
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Collector{
		cfg:       cfg,
		sink:      sink,
		log:       opts.Logger,
		now:       opts.Now,
		queue:     make(chan op, cfg.QueueSize),
		limitCh:   make(chan netip.Addr, 64),
		promoteCh: make(chan netip.Addr, 64),
		peers:     make(map[netip.Addr]*peerState),
		ready:     make(chan struct{}),
	}
	for i := range c.cfg.Dynamic {
		d := &c.cfg.Dynamic[i]
		c.dynamic = append(c.dynamic, dynamicRange{prefix: netip.MustParsePrefix(d.Prefix), cfg: d})
	}
	// Longest prefix first, so the first match is the most specific.
	slices.SortStableFunc(c.dynamic, func(a, b dynamicRange) int { return b.prefix.Bits() - a.prefix.Bits() })
	for i := range c.cfg.Peers {
		p := &c.cfg.Peers[i]
		a := netip.MustParseAddr(p.Address)
		c.peers[a] = &peerState{
			addr: a, name: p.Name, ixpID: p.IXPID, sess: &p.SessionConfig,
			asn: p.ASN, apiPeer: staticPeer(p), changed: opts.Now(),
			active: !p.Passive, bo: p.reconnectBackoff(), attemptStart: opts.Now(),
		}
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(&sessionMetrics{c: c}); err != nil {
			return nil, fmt.Errorf("live: register metrics: %w", err)
		}
		if err := opts.Registerer.Register(&gobgpMetrics{c: c}); err != nil {
			return nil, fmt.Errorf("live: register gobgp metrics: %w", err)
		}
	}
	return c, nil
}

// Ready is closed once GoBGP is started and every peer and dynamic range is
// configured.
func (c *Collector) Ready() <-chan struct{} { return c.ready }

// Run starts GoBGP, configures the sessions and feeds the sink until ctx
// ends. It then closes every session with a Cease notification
// (administrative shutdown), stops GoBGP and returns nil. It returns an error
// if GoBGP cannot be started or configured.
func (c *Collector) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.ran {
		c.mu.Unlock()
		return ErrAlreadyRun
	}
	c.ran = true
	c.mu.Unlock()

	lvl := new(slog.LevelVar)
	lvl.Set(slog.LevelInfo)
	srv := server.NewBgpServer(server.LoggerOption(c.log.With("component", "gobgp"), lvl))
	go srv.Serve()

	// The watcher outlives ctx so that the Cease of every session is
	// still seen; it ends after GoBGP is stopped.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWatch()

	var consumer sync.WaitGroup
	stopConsumer := make(chan struct{})
	consumer.Go(func() { c.consume(srv, stopConsumer) })

	err := c.start(ctx, watchCtx, srv)
	if err == nil {
		close(c.ready)
		c.log.Info("bgp collector started", "peers", len(c.cfg.Peers), "dynamic_ranges", len(c.cfg.Dynamic),
			"listen_port", c.cfg.ListenPort)
		c.control(ctx, srv)
	}

	c.shutdown(srv, err == nil)
	stopWatch()
	close(stopConsumer)
	consumer.Wait()
	if err != nil {
		return fmt.Errorf("live: start gobgp: %w", err)
	}
	return nil
}

// start configures GoBGP: global settings, RFC 8212 policies, the watcher,
// then peers and dynamic ranges.
func (c *Collector) start(ctx, watchCtx context.Context, srv *server.BgpServer) error {
	err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn:             c.cfg.ASN,
		RouterId:        c.cfg.RouterID,
		ListenPort:      c.cfg.ListenPort,
		ListenAddresses: c.cfg.ListenAddresses,
		RouteSelectionOptions: &api.RouteSelectionOptionsConfig{
			DisableBestPathSelection: true,
		},
	}})
	if err != nil {
		return fmt.Errorf("start bgp: %w", err)
	}
	c.mu.Lock()
	c.srv = srv
	c.running = true
	c.mu.Unlock()

	// RFC 8212: nothing is exported, whatever a neighbour's config says.
	for _, a := range []*api.PolicyAssignment{
		{Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_EXPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT},
		{Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_IMPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	} {
		if err := srv.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: a}); err != nil {
			return fmt.Errorf("set global %v policy: %w", a.Direction, err)
		}
	}

	err = srv.WatchEvent(watchCtx, server.WatchEventMessageCallbacks{
		OnPathUpdate: c.onPaths,
		OnPeerUpdate: c.onPeer,
	}, server.WatchUpdate(false, "", ""), server.WatchPeer())
	if err != nil {
		return fmt.Errorf("watch events: %w", err)
	}

	for _, d := range c.cfg.Dynamic {
		if err := srv.AddPeerGroup(ctx, &api.AddPeerGroupRequest{PeerGroup: dynamicGroup(&d)}); err != nil {
			return fmt.Errorf("add peer group %s: %w", d.Name, err)
		}
		err := srv.AddDynamicNeighbor(ctx, &api.AddDynamicNeighborRequest{DynamicNeighbor: &api.DynamicNeighbor{
			Prefix: d.Prefix, PeerGroup: d.Name,
		}})
		if err != nil {
			return fmt.Errorf("add dynamic neighbours %s: %w", d.Prefix, err)
		}
	}
	for i := range c.cfg.Peers {
		p := c.peers[netip.MustParseAddr(c.cfg.Peers[i].Address)]
		if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: p.apiPeer}); err != nil {
			return fmt.Errorf("add peer %s: %w", p.addr, err)
		}
	}
	return nil
}

// control handles prefix-limit shutdowns, and queues the resync of peers
// that lost events and have since gone quiet, until ctx ends.
func (c *Collector) control(ctx context.Context, srv *server.BgpServer) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-c.limitCh:
			c.enforceLimit(ctx, srv, a)
		case a := <-c.promoteCh:
			c.promote(ctx, srv, a)
		case <-tick.C:
			now := c.now()
			var disable, enable, promote []netip.Addr
			c.mu.Lock()
			for _, p := range c.peers {
				if p.dirty && !p.resyncPending {
					c.enqueueLocked(p, op{kind: opResync})
				}
				if p.promoteWanted {
					promote = append(promote, p.addr)
				}
				switch c.reconnectLocked(p, now) {
				case reconnectHold:
					disable = append(disable, p.addr)
				case reconnectTry:
					enable = append(enable, p.addr)
				}
			}
			c.mu.Unlock()
			for _, a := range disable {
				if err := srv.DisablePeer(ctx, &api.DisablePeerRequest{Address: a.String()}); err != nil {
					c.log.Warn("bgp reconnect: hold down failed", "peer", a, "err", err)
				}
			}
			for _, a := range enable {
				if err := srv.EnablePeer(ctx, &api.EnablePeerRequest{Address: a.String()}); err != nil {
					c.log.Warn("bgp reconnect: enable failed", "peer", a, "err", err)
				}
			}
			for _, a := range promote {
				c.promote(ctx, srv, a)
			}
		}
	}
}

type reconnectAction uint8

const (
	reconnectNone reconnectAction = iota
	reconnectHold                 // disable the peer until its next attempt
	reconnectTry                  // enable the peer for one attempt
)

// reconnectLocked decides, once a second, what to do with an active static
// peer whose session is down: an attempt window that ended without a
// session holds the peer down for the next backoff delay; the end of the
// delay enables it again for one window. Handshakes in progress
// (OpenSent, OpenConfirm) are left alone.
func (c *Collector) reconnectLocked(p *peerState, now time.Time) reconnectAction {
	if !p.active || p.limitDown || p.limitPending || p.state == gobgp.BGP_FSM_ESTABLISHED {
		return reconnectNone
	}
	if p.heldDown {
		if now.Before(p.enableAt) {
			return reconnectNone
		}
		p.heldDown = false
		p.attemptStart = now
		p.attempts++
		c.log.Info("bgp reconnect attempt", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID, "attempt", p.attempts)
		return reconnectTry
	}
	if p.state == gobgp.BGP_FSM_OPENSENT || p.state == gobgp.BGP_FSM_OPENCONFIRM || now.Sub(p.attemptStart) < reconnectWindow {
		return reconnectNone
	}
	d := p.bo.next()
	p.heldDown = true
	p.enableAt = now.Add(d)
	c.log.Info("bgp reconnect backoff", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID, "next_attempt_in", d.Round(time.Millisecond))
	return reconnectHold
}

// shutdown closes every session with a Cease (administrative shutdown),
// waits up to ShutdownGrace for them to go down, and stops GoBGP.
func (c *Collector) shutdown(srv *server.BgpServer, started bool) {
	c.mu.Lock()
	for _, p := range c.peers {
		if p.restart != nil {
			p.restart.Stop()
		}
	}
	c.mu.Unlock()
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.ShutdownGrace+time.Second)
		err := srv.DisablePeer(ctx, &api.DisablePeerRequest{Address: "", Communication: "ixpobs collector shutting down"})
		if err != nil {
			c.log.Warn("disable peers at shutdown", "err", err)
		}
		deadline := time.Now().Add(c.cfg.ShutdownGrace)
		for time.Now().Before(deadline) && c.establishedCount() > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}
	c.mu.Lock()
	c.running = false
	c.mu.Unlock()
	srv.Stop()
	c.mu.Lock()
	c.closed = true
	c.srv = nil
	c.mu.Unlock()
	c.log.Info("bgp collector stopped")
}

func (c *Collector) establishedCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.peers {
		if p.state == gobgp.BGP_FSM_ESTABLISHED {
			n++
		}
	}
	return n
}

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
	if st.DisconnectMessage != "" {
		p.lastError = st.DisconnectMessage
	}
	switch {
	case st.SessionState == gobgp.BGP_FSM_ESTABLISHED:
		if st.PeerASN != 0 {
			p.asn = st.PeerASN
		}
		p.established = t
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
		if uint64(fam.n) > uint64(fam.limit) && !p.limitPending && p.state == gobgp.BGP_FSM_ESTABLISHED {
			select {
			case c.limitCh <- p.addr:
				p.limitPending = true
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
	if p == nil {
		c.mu.Unlock()
		return
	}
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
		if err == nil && !p.dirty && !p.resyncPending {
			p.incomplete = false
		}
		c.mu.Unlock()
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

// Session is the state of one BGP session, as served by
// /api/v1/bgp/sessions.
type Session struct {
	Name    string     `json:"name,omitempty"`
	Address netip.Addr `json:"address"`
	ASN     uint32     `json:"asn"`
	IXPID   int        `json:"ixp_id"`
	Dynamic bool       `json:"dynamic"`
	// State is the FSM state: idle, connect, active, opensent,
	// openconfirm or established.
	State string `json:"state"`
	// StateChanged is when State was entered.
	StateChanged time.Time `json:"state_changed"`
	// Uptime is how long the session has been established, zero otherwise.
	Uptime time.Duration `json:"uptime_ns"`
	// Flaps counts transitions out of established.
	Flaps uint64 `json:"flaps"`
	// PrefixesIPv4 and PrefixesIPv6 count the prefixes (paths, with
	// ADD-PATH) currently received in the session.
	PrefixesIPv4 int `json:"prefixes_ipv4"`
	PrefixesIPv6 int `json:"prefixes_ipv6"`
	// Updates counts UPDATE messages carrying routes, Announcements and
	// Withdrawals the paths they announced and withdrew, since start.
	Updates       uint64    `json:"updates"`
	Announcements uint64    `json:"announcements"`
	Withdrawals   uint64    `json:"withdrawals"`
	LastUpdate    time.Time `json:"last_update,omitzero"`
	// Dropped counts events dropped because the queue was full; while
	// Incomplete is true the aggregate lacks some of this peer's changes.
	Dropped    uint64 `json:"dropped"`
	Incomplete bool   `json:"incomplete"`
	// PrefixLimitHits counts sessions closed for exceeding max_prefix.
	PrefixLimitHits uint64 `json:"prefix_limit_hits"`
	// LastError is the last disconnect reason reported by GoBGP.
	LastError string `json:"last_error,omitempty"`
	// ReconnectAttempts counts the connection attempts of an active peer
	// after backoff delays; NextAttempt is when the next one starts while
	// the peer is held down.
	ReconnectAttempts uint64    `json:"reconnect_attempts"`
	NextAttempt       time.Time `json:"next_attempt,omitzero"`
	// Promoted is true for a dynamic neighbour that GoBGP now holds as a
	// static passive peer with its range's settings (Config.DynamicPromoteMax).
	Promoted bool `json:"promoted,omitempty"`
}

// Sessions returns the state of every configured neighbour and of every
// dynamic neighbour seen since start, sorted by address.
func (c *Collector) Sessions() []Session {
	now := c.now()
	c.mu.Lock()
	out := make([]Session, 0, len(c.peers))
	for _, p := range c.peers {
		s := Session{
			Name: p.name, Address: p.addr, ASN: p.asn, IXPID: p.ixpID, Dynamic: p.dynamic,
			State: stateName(p.state), StateChanged: p.changed, Flaps: p.flaps,
			PrefixesIPv4: p.v4, PrefixesIPv6: p.v6,
			Updates: p.updates, Announcements: p.announcements, Withdrawals: p.withdrawals,
			LastUpdate: p.lastUpdate, Dropped: p.dropped, Incomplete: p.incomplete,
			PrefixLimitHits: p.limitHits, LastError: p.lastError,
			ReconnectAttempts: p.attempts, Promoted: p.promoted,
		}
		if p.heldDown {
			s.NextAttempt = p.enableAt
		}
		if p.state == gobgp.BGP_FSM_ESTABLISHED {
			s.Uptime = now.Sub(p.established)
		}
		out = append(out, s)
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b Session) int { return a.Address.Compare(b.Address) })
	return out
}

// QueueLen returns the number of events waiting for the sink, and the
// queue's capacity.
func (c *Collector) QueueLen() (n, capacity int) { return len(c.queue), cap(c.queue) }

func stateName(s gobgp.FSMState) string {
	switch s {
	case gobgp.BGP_FSM_IDLE:
		return "idle"
	case gobgp.BGP_FSM_CONNECT:
		return "connect"
	case gobgp.BGP_FSM_ACTIVE:
		return "active"
	case gobgp.BGP_FSM_OPENSENT:
		return "opensent"
	case gobgp.BGP_FSM_OPENCONFIRM:
		return "openconfirm"
	case gobgp.BGP_FSM_ESTABLISHED:
		return "established"
	}
	return "unknown(" + strconv.Itoa(int(s)) + ")"
}

// rejectAll is the per-neighbour policy: export nothing (RFC 8212), import
// everything.
func rejectAll() *api.ApplyPolicy {
	return &api.ApplyPolicy{
		ExportPolicy: &api.PolicyAssignment{Direction: api.PolicyDirection_POLICY_DIRECTION_EXPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT},
		ImportPolicy: &api.PolicyAssignment{Direction: api.PolicyDirection_POLICY_DIRECTION_IMPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	}
}

// afiSafis enables IPv4 and IPv6 unicast. GoBGP's own prefix limit stays
// off (see enforceLimit).
func afiSafis(addPath bool) []*api.AfiSafi {
	var out []*api.AfiSafi
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		fam := &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}
		out = append(out, &api.AfiSafi{
			Config:       &api.AfiSafiConfig{Family: fam, Enabled: true},
			PrefixLimits: &api.PrefixLimit{Family: fam},
			AddPaths:     &api.AddPaths{Config: &api.AddPathsConfig{Receive: addPath}},
		})
	}
	return out
}

func timers(s *SessionConfig) *api.Timers {
	hold := s.holdSeconds()
	return &api.Timers{Config: &api.TimersConfig{
		HoldTime:          hold,
		KeepaliveInterval: max(hold/3, 1),
		ConnectRetry:      s.connectRetrySeconds(),
	}}
}

func ttlSecurity(s *SessionConfig) *api.TtlSecurity {
	if s.TTLSecurity == 0 {
		return nil
	}
	return &api.TtlSecurity{Enabled: true, TtlMin: uint32(256 - int(s.TTLSecurity))}
}

func staticPeer(p *PeerConfig) *api.Peer {
	return &api.Peer{
		ApplyPolicy: rejectAll(),
		Conf: &api.PeerConf{
			NeighborAddress: p.Address,
			PeerAsn:         p.ASN,
			AuthPassword:    p.Password,
			Description:     p.Name,
		},
		Transport: &api.Transport{
			PassiveMode:  p.Passive,
			RemotePort:   uint32(p.Port),
			LocalAddress: p.LocalAddress,
		},
		Timers:      timers(&p.SessionConfig),
		AfiSafis:    afiSafis(p.AddPath),
		TtlSecurity: ttlSecurity(&p.SessionConfig),
	}
}

// promotedPeer is the static passive peer a dynamic neighbour at addr is
// turned into: the same settings as its range's peer group (dynamicGroup).
func promotedPeer(addr netip.Addr, d *DynamicConfig) *api.Peer {
	return &api.Peer{
		ApplyPolicy: rejectAll(),
		Conf: &api.PeerConf{
			NeighborAddress: addr.String(),
			PeerAsn:         d.ASN,
			AuthPassword:    d.Password,
			Description:     d.Name,
		},
		Transport:   &api.Transport{PassiveMode: true},
		Timers:      timers(&d.SessionConfig),
		AfiSafis:    afiSafis(d.AddPath),
		TtlSecurity: ttlSecurity(&d.SessionConfig),
	}
}

func dynamicGroup(d *DynamicConfig) *api.PeerGroup {
	return &api.PeerGroup{
		ApplyPolicy: rejectAll(),
		Conf: &api.PeerGroupConf{
			PeerGroupName: d.Name,
			PeerAsn:       d.ASN,
			AuthPassword:  d.Password,
			Description:   d.Name,
		},
		Transport:   &api.Transport{PassiveMode: true},
		Timers:      timers(&d.SessionConfig),
		AfiSafis:    afiSafis(d.AddPath),
		TtlSecurity: ttlSecurity(&d.SessionConfig),
	}
}
