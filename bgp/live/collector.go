package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/osrg/gobgp/v4/api"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
	"github.com/prometheus/client_golang/prometheus"

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
	// MarkWhole says the peer's routes since its last ResetPeer are its
	// whole table: End-of-RIB was received for every negotiated family
	// (noEOR false), or Config.EORTimeout passed without it (noEOR true).
	MarkWhole(p bgp.Peer, noEOR bool)
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
		OnPathEor:    c.onEOR,
		OnPeerUpdate: c.onPeer,
	}, server.WatchUpdate(false, "", ""), server.WatchEor(false), server.WatchPeer())
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
				c.eorTimeoutLocked(p, now)
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
