package alicelg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/collector/vantage"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// LookingGlass is one configured Alice-LG instance.
type LookingGlass struct {
	// Name names the snapshots "bgp:alicelg-<name>-<route server id>".
	Name    string `yaml:"name"`
	BaseURL string `yaml:"base_url"`
	// IXIDs overrides, by route-server id, the exchange found from the
	// neighbours' addresses.
	IXIDs map[string]int64 `yaml:"ixp_ids"`
	// RouteServers restricts the run to these ids (empty: all).
	RouteServers []string `yaml:"route_servers"`
	// Routes enables reading the received routes (paged; costly).
	Routes bool `yaml:"routes"`
}

// DefaultLookingGlasses are the public Alice-LG instances of LAC
// exchanges confirmed to run Alice-LG: IX.br's (lg.ix.br, named in
// Alice-LG's README), for its exchanges across Brazil. Routes are off by
// default: a full read of IX.br São Paulo is tens of thousands of pages.
func DefaultLookingGlasses() []LookingGlass {
	return []LookingGlass{{Name: "ixbr", BaseURL: "https://lg.ix.br"}}
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)

// Validate reports the first unusable setting.
func (g LookingGlass) Validate() error {
	if !nameRE.MatchString(g.Name) {
		return fmt.Errorf("alicelg: looking glass name %q: lower-case letters, digits and '-' (at most 24): %w", g.Name, ixp.ErrInvalid)
	}
	if _, err := NewClient(nil, g.BaseURL, 0, 0, 0); err != nil {
		return fmt.Errorf("alicelg %s: %v: %w", g.Name, err, ixp.ErrInvalid)
	}
	return nil
}

// Config configures a Fetcher.
type Config struct {
	Pace        time.Duration // between two requests to one glass (default 1s)
	PageTimeout time.Duration // one request (default 60s)
	Budget      int           // requests per run and glass (default 2000)
	// LANs returns the exchanges' peering-LAN prefixes (PeeringDB ixpfx)
	// used to tie route servers to exchanges; nil: overrides only.
	LANs func(ctx context.Context) ([]vantage.LAN, error)
	// Metrics counts requests, errors and routes (nil: none).
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time
}

// Fetcher reads looking glasses and publishes route-server snapshots. It
// keeps the tables being read across runs (resumable within the budget);
// a restart begins them again.
type Fetcher struct {
	http *safehttp.Client
	st   store.Store
	cfg  Config

	mu     sync.Mutex
	tables map[string]*table // by snapshot source
}

// table is a route server's table being read.
type table struct {
	started   time.Time
	neighbors []string // ids to read, in order
	peers     map[string]bgp.Peer
	next      int // index in neighbors
	page      int // next page of neighbors[next]
	routes    []bgp.Route
	bad       int // routes that could not be read
}

// New returns a Fetcher.
func New(h *safehttp.Client, st store.Store, cfg Config) *Fetcher {
	if cfg.Pace <= 0 {
		cfg.Pace = time.Second
	}
	if cfg.PageTimeout <= 0 {
		cfg.PageTimeout = time.Minute
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 2000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Fetcher{http: h, st: st, cfg: cfg, tables: map[string]*table{}}
}

// Result is what a run did for one route server.
type Result struct {
	RouteServer string
	Source      string
	IX          vantage.Match
	Neighbors   int
	Table       string // complete, partial or none
	Routes      int
	Publish     store.PublishResult
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SourceName is the snapshot source of a route server.
func SourceName(glass, rs string) string {
	s := "alicelg-" + glass + "-" + strings.Trim(unsafeChars.ReplaceAllString(rs, "_"), "_")
	if len(s) > 64 {
		s = s[:64]
	}
	return ixp.BGPSource(s)
}

// Collect runs one looking glass: route servers, then for each its
// neighbours and (when enabled) its routes, within the budget. It returns
// the results of the route servers it published (a partial table too,
// with the error that cut it).
func (f *Fetcher) Collect(ctx context.Context, g LookingGlass) ([]Result, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	c, err := NewClient(f.http, g.BaseURL, f.cfg.Pace, f.cfg.PageTimeout, f.cfg.Budget)
	if err != nil {
		return nil, err
	}
	c.metrics, c.glass = f.cfg.Metrics, g.Name
	rss, err := c.RouteServers(ctx)
	if err != nil {
		return nil, err
	}
	var lans []vantage.LAN
	if f.cfg.LANs != nil {
		if lans, err = f.cfg.LANs(ctx); err != nil {
			return nil, fmt.Errorf("alicelg %s: exchange prefixes: %w", g.Name, err)
		}
	}
	var out []Result
	var errs []error
	for _, rs := range rss {
		if len(g.RouteServers) > 0 && !slices.Contains(g.RouteServers, rs.ID) {
			continue
		}
		res, err := f.routeServer(ctx, c, g, rs, lans)
		if err == nil || res.Publish.Snapshot.ID != 0 {
			out = append(out, res) // published, perhaps partial
		}
		if err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrBudget) || ctx.Err() != nil {
				break
			}
		}
	}
	f.cfg.Logger.Info("alicelg: run done", "glass", g.Name, "route_servers", len(out), "requests", c.Used(), "errors", len(errs))
	return out, errors.Join(errs...)
}

func (f *Fetcher) routeServer(ctx context.Context, c *Client, g LookingGlass, rs RouteServer, lans []vantage.LAN) (Result, error) {
	src := SourceName(g.Name, rs.ID)
	res := Result{RouteServer: rs.ID, Source: src, Table: "none"}
	nr, err := c.Neighbors(ctx, rs.ID)
	if err != nil {
		return res, fmt.Errorf("alicelg %s route server %s: %w", g.Name, rs.ID, err)
	}
	at := f.cfg.Now().UTC()
	if m := nr.Meta; m != nil && m.ResultFromCache && !m.CacheStatus.CachedAt.IsZero() && m.CacheStatus.CachedAt.Before(at) {
		at = m.CacheStatus.CachedAt.UTC() // the route server as Alice-LG cached it
	}
	at = at.Truncate(time.Second)
	peers := make([]ixp.BGPPeer, 0, len(nr.Neighbors))
	var addrs []netip.Addr
	var established []string
	ids := map[string]bgp.Peer{}
	for _, n := range nr.Neighbors {
		a, err := netip.ParseAddr(n.Address)
		if err != nil || n.ASN <= 0 || n.ASN > 1<<32-1 {
			f.cfg.Logger.Warn("alicelg: neighbour skipped: bad address or ASN", "glass", g.Name, "route_server", rs.ID, "neighbor", n.ID, "address", n.Address, "asn", n.ASN)
			continue
		}
		addrs = append(addrs, a)
		p := ixp.BGPPeer{ASN: ixp.ASN(n.ASN), Address: a.Unmap().String(), State: strings.ToLower(n.State),
			RoutesReceived: &n.RoutesReceived, RoutesAccepted: &n.RoutesAccepted, RoutesFiltered: &n.RoutesFiltered,
			UptimeSeconds: ptr(int64(n.Uptime / time.Second))}
		peers = append(peers, p)
		if p.Established() {
			established = append(established, n.ID)
			ids[n.ID] = bgp.Peer{ASN: uint32(n.ASN), Addr: a.Unmap()}
		}
	}
	res.Neighbors = len(peers)
	res.IX = vantage.Tie(addrs, lans, g.IXIDs[rs.ID])

	col := ixp.BGPCollector{Name: strings.TrimPrefix(src, ixp.SourcePrefixBGP), IXID: res.IX.IXID, Type: "alicelg",
		LookingGlass: c.base, TiedBy: res.IX.By, Table: "none"}
	var sum bgp.Summary
	var readErr error
	if g.Routes {
		t := f.tableOf(src, established, ids, at)
		readErr = f.readTable(ctx, c, rs.ID, t)
		agg := bgp.NewAggregator()
		for _, r := range t.routes {
			agg.Announce(r)
		}
		sum = agg.Summary()
		col.Entries, col.TableStarted = int64(len(t.routes)), ptr(t.started)
		if readErr == nil {
			col.Table = "complete"
			f.dropTable(src)
		} else {
			col.Table = "partial"
		}
		res.Routes = len(t.routes)
		if t.bad > 0 {
			f.cfg.Logger.Warn("alicelg: routes skipped: bad prefix or AS path", "glass", g.Name, "route_server", rs.ID, "count", t.bad)
		}
	}
	res.Table = col.Table
	in, err := snapshot.Build(col, at, sum)
	if err == nil {
		err = snapshot.SetPeers(&in, col.IXID, peers)
	}
	if err != nil {
		return res, fmt.Errorf("alicelg %s route server %s: build snapshot: %w", g.Name, rs.ID, err)
	}
	in.Origin = c.base + "/api/v1/routeservers/" + rs.ID
	// A partial or neighbours-only snapshot is smaller than a whole table
	// by nature, and marked so: the shrink guard is for whole tables.
	in.Force = col.Table != "complete"
	if res.Publish, err = f.st.Publish(ctx, in); err != nil {
		return res, fmt.Errorf("alicelg %s route server %s: publish: %w", g.Name, rs.ID, err)
	}
	f.cfg.Logger.Info("alicelg: route server stored", "glass", g.Name, "route_server", rs.ID, "exchange", res.IX.String(),
		"neighbors", res.Neighbors, "established", len(established), "table", col.Table, "routes", res.Routes)
	if readErr != nil && !errors.Is(readErr, ErrBudget) {
		// Stored as partial; the error still fails the run.
		return res, fmt.Errorf("alicelg %s route server %s: routes: %w", g.Name, rs.ID, readErr)
	}
	if errors.Is(readErr, ErrBudget) {
		return res, readErr
	}
	return res, nil
}

func ptr[T any](v T) *T { return &v }

func (f *Fetcher) tableOf(src string, established []string, peers map[string]bgp.Peer, at time.Time) *table {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.tables[src]; t != nil {
		return t
	}
	t := &table{started: at, neighbors: established, peers: peers}
	f.tables[src] = t
	return t
}

func (f *Fetcher) dropTable(src string) {
	f.mu.Lock()
	delete(f.tables, src)
	f.mu.Unlock()
}

// readTable continues reading t until it is whole (nil) or a request
// fails (ErrBudget when the budget is used up). A neighbour's pages are
// read from 0 to total_pages-1; an empty page before the last, or a
// page number the server did not honour, is an error.
func (f *Fetcher) readTable(ctx context.Context, c *Client, rs string, t *table) error {
	for t.next < len(t.neighbors) {
		nid := t.neighbors[t.next]
		r, err := c.ReceivedPage(ctx, rs, nid, t.page)
		if err != nil {
			return err
		}
		read := 0
		if r.Pagination.Page != t.page {
			c.metrics.failed(c.glass, "pagination")
			return fmt.Errorf("neighbour %s: asked page %d, got page %d", nid, t.page, r.Pagination.Page)
		}
		if len(r.Imported) == 0 && t.page+1 < r.Pagination.TotalPages {
			c.metrics.failed(c.glass, "pagination")
			return fmt.Errorf("neighbour %s: page %d of %d is empty", nid, t.page, r.Pagination.TotalPages)
		}
		for _, rt := range r.Imported {
			route, err := toRoute(rt)
			if err != nil {
				t.bad++
				continue
			}
			route.Peer = t.peers[nid]
			t.routes = append(t.routes, route)
			read++
		}
		c.metrics.fetched(c.glass, read)
		if t.page+1 >= r.Pagination.TotalPages {
			t.next, t.page = t.next+1, 0
		} else {
			t.page++
		}
	}
	return nil
}

// toRoute converts an Alice-LG route; the peer is set by the caller.
func toRoute(r *Route) (bgp.Route, error) {
	if r == nil {
		return bgp.Route{}, errors.New("null route")
	}
	p, err := netip.ParsePrefix(r.Network)
	if err != nil {
		return bgp.Route{}, err
	}
	var path []uint32
	if r.BGP != nil {
		for _, a := range r.BGP.AsPath {
			if a <= 0 || a > 1<<32-1 {
				return bgp.Route{}, fmt.Errorf("AS path element %d", a)
			}
			path = append(path, uint32(a))
		}
	}
	rt := bgp.Route{Prefix: p.Masked()}
	if len(path) > 0 {
		rt.Path = []bgp.Segment{{ASNs: path}}
	}
	return rt, nil
}
