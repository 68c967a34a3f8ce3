package dashboard

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

type networkConnection struct {
	IXPID       int64  `json:"ixp_id"`
	IXPName     string `json:"ixp_name"`
	Country     string `json:"country"`
	Speed       int64  `json:"speed_mbps"`
	IPv4        string `json:"ipv4,omitempty"`
	IPv6        string `json:"ipv6,omitempty"`
	RouteServer bool   `json:"route_server"`
	Since       string `json:"since,omitempty"`      // PeeringDB's created date of the connection
	FirstSeen   string `json:"first_seen,omitempty"` // first snapshot of the current continuous membership
}

type networkDetail struct {
	SnapshotDate string              `json:"snapshot_date"`
	ASN          ixp.ASN             `json:"asn"`
	Network      *ixp.Network        `json:"network,omitempty"`
	IXPs         int                 `json:"ixps"`
	Connections  []networkConnection `json:"connections"`
}

func (d networkDetail) csvHeader() []string {
	return []string{"ixp_id", "ixp_name", "country", "speed_mbps", "ipv4", "ipv6", "route_server", "since", "first_seen"}
}

func (d networkDetail) csvRows() [][]string {
	rows := make([][]string, len(d.Connections))
	for i, c := range d.Connections {
		rows[i] = []string{strconv.FormatInt(c.IXPID, 10), c.IXPName, c.Country, strconv.FormatInt(c.Speed, 10), c.IPv4, c.IPv6,
			strconv.FormatBool(c.RouteServer), c.Since, c.FirstSeen}
	}
	return rows
}

// asnQuery names a network at a date: the query of /api/v1/networks/{asn}
// and /api/v1/asns/{asn}/origins.
type asnQuery struct {
	ASN ixp.ASN
	At  time.Time // the end of the day asked, zero for the newest data
}

// parseASNQuery reads {asn} (with or without "AS") and ?at= of a request.
func parseASNQuery(r *http.Request) (asnQuery, error) {
	asn, err := parseASN(chi.URLParam(r, "asn"))
	if err != nil {
		return asnQuery{}, err
	}
	at, err := atParam(r.URL.Query())
	return asnQuery{ASN: asn, At: at}, err
}

// networkAt returns the network of a PeeringDB snapshot with an ASN, nil
// when it has none: the view's when it is cached, otherwise through the
// store's ASN index (when two objects share an ASN, the one of the highest
// id, as in the view).
func (s *Server) networkAt(ctx context.Context, sn ixp.Snapshot, asn ixp.ASN) (*ixp.Network, error) {
	if v, ok := s.views.peek(sn.ID); ok {
		if n, ok := v.networks[asn]; ok {
			return &n, nil
		}
		return nil, nil
	}
	recs, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindNetwork, sn.At, store.Filter{ASN: asn})
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	var n ixp.Network
	last := recs[len(recs)-1]
	if err := json.Unmarshal(last.Data, &n); err != nil {
		return nil, fmt.Errorf("decode network %d: %w", last.ID, err)
	}
	return &n, nil
}

// network answers GET /api/v1/networks/{asn}?at=DATE: where a network
// connects and since when.
func (s *Server) network(ctx context.Context, q asnQuery) (networkDetail, error) {
	asn := q.ASN
	sn, err := s.snapshotFor(ctx, q.At)
	if err != nil {
		return networkDetail{}, err
	}
	v, err := s.exchangesAt(ctx, sn)
	if err != nil {
		return networkDetail{}, err
	}
	out := networkDetail{SnapshotDate: dateString(sn.At), ASN: asn, Connections: []networkConnection{}}
	if out.Network, err = s.networkAt(ctx, sn, asn); err != nil {
		return networkDetail{}, err
	}
	versions, err := s.store.Versions(ctx, ixp.SourcePeeringDB, ixp.KindConnection, time.Unix(0, 0), sn.At.Add(time.Second), store.Filter{ASN: asn})
	if err != nil {
		return networkDetail{}, err
	}
	// First seen: the start of the run of versions, per exchange, that
	// reaches the snapshot without a gap.
	firstSeen := map[int64]time.Time{}
	type span struct{ from, to time.Time }
	perIX := map[int64][]span{}
	for _, ver := range versions {
		perIX[ver.IXID] = append(perIX[ver.IXID], span{ver.From, ver.To})
	}
	for ix, spans := range perIX {
		sort.Slice(spans, func(i, j int) bool { return spans[i].from.After(spans[j].from) })
		start := time.Time{}
		reach := sn.At
		for _, sp := range spans {
			if sp.to.IsZero() || !sp.to.Before(reach) {
				if start.IsZero() || sp.from.Before(start) {
					start = sp.from
					reach = sp.from
				}
			}
		}
		firstSeen[ix] = start
	}
	ixps := map[int64]bool{}
	for _, ver := range versions {
		if !(ver.From.Compare(sn.At) <= 0 && (ver.To.IsZero() || ver.To.After(sn.At))) {
			continue
		}
		var c ixp.Connection
		if err := json.Unmarshal(ver.Data, &c); err != nil {
			return networkDetail{}, err
		}
		e, _ := v.exchange(c.IXID)
		ixps[c.IXID] = true
		out.Connections = append(out.Connections, networkConnection{IXPID: c.IXID, IXPName: e.Name, Country: e.Country,
			Speed: c.Speed, IPv4: c.IPv4, IPv6: c.IPv6, RouteServer: c.RouteServer, Since: c.Created, FirstSeen: dateString(firstSeen[c.IXID])})
	}
	if out.Network == nil && len(out.Connections) == 0 {
		return networkDetail{}, notFound("no_network", "AS%d is not in PeeringDB on %s", asn, day(dateString(sn.At)))
	}
	sort.SliceStable(out.Connections, func(i, j int) bool { return out.Connections[i].IXPID < out.Connections[j].IXPID })
	out.IXPs = len(ixps)
	return out, nil
}

// networkSummary is a network in a PeeringDB snapshot with where it
// connects.
type networkSummary struct {
	ASN           ixp.ASN `json:"asn"`
	Name          string  `json:"name"`
	AKA           string  `json:"aka,omitempty"`
	InfoType      string  `json:"info_type,omitempty"`
	InfoScope     string  `json:"info_scope,omitempty"`
	PolicyGeneral string  `json:"policy_general,omitempty"`
	Created       string  `json:"created,omitempty"`
	IXPs          int     `json:"ixps"`
	Connections   int     `json:"connections"`
	SpeedMbps     int64   `json:"speed_mbps"`
}

type networkList struct {
	SnapshotDate string `json:"snapshot_date"`
	listMeta
	Data []networkSummary `json:"data"`
}

var networkCSVHeader = []string{"asn", "name", "aka", "info_type", "info_scope", "policy_general", "created", "ixps", "connections", "speed_mbps"}

func (l networkList) csvHeader() []string { return networkCSVHeader }
func (l networkList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, n := range l.Data {
		rows[i] = []string{strconv.FormatUint(uint64(n.ASN), 10), n.Name, n.AKA, n.InfoType, n.InfoScope, n.PolicyGeneral, n.Created,
			strconv.Itoa(n.IXPs), strconv.Itoa(n.Connections), strconv.FormatInt(n.SpeedMbps, 10)}
	}
	return rows
}

var networkFields = map[string]fieldOf[networkSummary]{
	"asn":            numField(func(n networkSummary) float64 { return float64(n.ASN) }),
	"name":           strField(func(n networkSummary) string { return n.Name }),
	"aka":            strField(func(n networkSummary) string { return n.AKA }),
	"info_type":      strField(func(n networkSummary) string { return n.InfoType }),
	"info_scope":     strField(func(n networkSummary) string { return n.InfoScope }),
	"policy_general": strField(func(n networkSummary) string { return n.PolicyGeneral }),
	"created":        strField(func(n networkSummary) string { return n.Created }),
	"ixps":           numField(func(n networkSummary) float64 { return float64(n.IXPs) }),
	"connections":    numField(func(n networkSummary) float64 { return float64(n.Connections) }),
	"speed_mbps":     numField(func(n networkSummary) float64 { return float64(n.SpeedMbps) }),
}

var networkListParams = params{names: listParams, filters: sortedKeys(networkFields)}

var networkSorts = map[string]func(a, b networkSummary) bool{
	"asn":         func(a, b networkSummary) bool { return a.ASN < b.ASN },
	"name":        func(a, b networkSummary) bool { return strings.ToLower(a.Name) < strings.ToLower(b.Name) },
	"ixps":        func(a, b networkSummary) bool { return a.IXPs < b.IXPs },
	"connections": func(a, b networkSummary) bool { return a.Connections < b.Connections },
	"speed_mbps":  func(a, b networkSummary) bool { return a.SpeedMbps < b.SpeedMbps },
	"created":     func(a, b networkSummary) bool { return a.Created < b.Created },
}

// networkListQuery is the query of GET /api/v1/networks.
type networkListQuery struct {
	Window  window
	Sort    string // a key of networkSorts ("" for asn)
	Desc    bool
	At      time.Time  // the end of the day asked, zero for the newest snapshot
	Filters url.Values // PeeringDB-style filters on networkFields
}

func parseNetworkListQuery(r *http.Request) (networkListQuery, error) {
	q := r.URL.Query()
	win, err := pageWindow(q)
	if err != nil {
		return networkListQuery{}, err
	}
	out := networkListQuery{Window: win, Filters: q}
	sortKey := q.Get("sort")
	out.Desc = strings.HasPrefix(sortKey, "-")
	out.Sort = strings.TrimPrefix(sortKey, "-")
	if _, ok := networkSorts[cmp.Or(out.Sort, "asn")]; !ok {
		return networkListQuery{}, badRequest("bad_sort", "sort must be one of %s (prefix - for descending), not %q", strings.Join(sortedKeys(networkSorts), ", "), out.Sort)
	}
	out.At, err = atParam(q)
	return out, err
}

// networkAgg is where a network connects in a snapshot.
type networkAgg struct {
	ixps  map[int64]bool
	conns int
	speed int64
}

// aggregateConnections sums the counted connections of a snapshot per
// network.
func aggregateConnections(per map[ixp.ASN]*networkAgg, ixID int64, asn ixp.ASN, speed int64) {
	a := per[asn]
	if a == nil {
		a = &networkAgg{ixps: map[int64]bool{}}
		per[asn] = a
	}
	a.ixps[ixID] = true
	a.conns++
	a.speed += speed
}

// speedConn is the part of a connection that the network list needs.
type speedConn struct {
	IXID  int64   `json:"ix_id"`
	ASN   ixp.ASN `json:"asn"`
	Speed int64   `json:"speed"`
	State string  `json:"state"`
}

// networksAt returns (and caches) every network of a PeeringDB snapshot
// with where it connects, ordered by ASN: from the date's view when it is
// cached, otherwise decoding only the fields the list shows (a first
// request for a date then does not build the whole view).
func (s *Server) networksAt(ctx context.Context, sn ixp.Snapshot) ([]networkSummary, error) {
	return s.networkLists.get(ctx, sn.ID, func(ctx context.Context) ([]networkSummary, error) {
		var per map[ixp.ASN]*networkAgg
		var nets []networkSummary
		if v, ok := s.views.peek(sn.ID); ok {
			per = map[ixp.ASN]*networkAgg{}
			for ixID, cs := range v.connections {
				for _, c := range cs {
					aggregateConnections(per, ixID, c.ASN, c.Speed)
				}
			}
			nets = make([]networkSummary, 0, len(v.networks))
			for asn, n := range v.networks {
				nets = append(nets, networkSummary{ASN: asn, Name: n.Name, AKA: n.AKA, InfoType: n.InfoType, InfoScope: n.InfoScope, PolicyGeneral: n.PolicyGeneral, Created: n.Created})
			}
		} else {
			// The connections are read on a second store connection
			// while this one reads the networks: up to 30% less time on
			// SQLite for a first request of a date (mmap_size and the
			// idle pool keep the second connection from starting cold).
			type aggs struct {
				per map[ixp.ASN]*networkAgg
				err error
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			done := make(chan aggs, 1)
			go func() {
				per, err := s.connectionAggregates(ctx, sn)
				done <- aggs{per, err}
			}()
			var err error
			if nets, err = s.networkSummaries(ctx, sn); err != nil {
				cancel()
			}
			a := <-done
			if err = cmp.Or(err, a.err); err != nil {
				return nil, err
			}
			per = a.per
		}
		for i, n := range nets {
			if a := per[n.ASN]; a != nil {
				nets[i].IXPs, nets[i].Connections, nets[i].SpeedMbps = len(a.ixps), a.conns, a.speed
			}
		}
		slices.SortFunc(nets, func(a, b networkSummary) int { return cmp.Compare(a.ASN, b.ASN) })
		return nets, nil
	})
}

// connectionAggregates sums the counted connections of a PeeringDB
// snapshot per network, decoding only what the network list shows.
func (s *Server) connectionAggregates(ctx context.Context, sn ixp.Snapshot) (map[ixp.ASN]*networkAgg, error) {
	conns, err := s.store.Briefs(ctx, ixp.SourcePeeringDB, ixp.KindConnection, sn.At)
	if err != nil {
		return nil, err
	}
	per := map[ixp.ASN]*networkAgg{}
	for _, r := range conns {
		var c speedConn
		if err := speedConnPicker.decode(r.Data, &c); err != nil {
			return nil, fmt.Errorf("decode connection %d: %w", r.ID, err)
		}
		if (ixp.Connection{State: c.State}).Counts() {
			aggregateConnections(per, c.IXID, c.ASN, c.Speed)
		}
	}
	return per, nil
}

// networkSummaries decodes the listed fields of every network of a
// PeeringDB snapshot, one per ASN (the last object of an ASN wins, as in
// the view's map), in no order.
func (s *Server) networkSummaries(ctx context.Context, sn ixp.Snapshot) ([]networkSummary, error) {
	recs, err := s.store.Briefs(ctx, ixp.SourcePeeringDB, ixp.KindNetwork, sn.At)
	if err != nil {
		return nil, err
	}
	// networkSummary's JSON names are the network's own.
	decoded, err := networkSummaryPicker.decodeAll(recs)
	if err != nil {
		return nil, err
	}
	byASN := make(map[ixp.ASN]int, len(decoded))
	nets := decoded[:0]
	for _, n := range decoded {
		if i, ok := byASN[n.ASN]; ok {
			nets[i] = n
			continue
		}
		byASN[n.ASN] = len(nets)
		nets = append(nets, n)
	}
	return nets, nil
}

// networkList answers GET /api/v1/networks?at=DATE: every network of the
// PeeringDB snapshot with its exchanges, connections and port speed there;
// PeeringDB-style filters on networkFields, sort, pagination.
func (s *Server) networkList(ctx context.Context, q networkListQuery) (networkList, error) {
	win, desc := q.Window, q.Desc
	less, ok := networkSorts[cmp.Or(q.Sort, "asn")]
	if !ok {
		return networkList{}, badRequest("bad_sort", "sort must be one of %s (prefix - for descending), not %q", strings.Join(sortedKeys(networkSorts), ", "), q.Sort)
	}
	sn, err := s.snapshotFor(ctx, q.At)
	if err != nil {
		return networkList{}, err
	}
	all, err := s.networksAt(ctx, sn)
	if err != nil {
		return networkList{}, err
	}
	out := append(make([]networkSummary, 0, len(all)), all...)
	if out, err = filterList(q.Filters, networkFields, networkListParams.names, out); err != nil {
		return networkList{}, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ASN < out[j].ASN })
	sort.SliceStable(out, func(i, j int) bool {
		if desc {
			return less(out[j], out[i])
		}
		return less(out[i], out[j])
	})
	start, end := win.bounds(len(out))
	return networkList{SnapshotDate: dateString(sn.At), listMeta: win.meta(len(out)), Data: out[start:end]}, nil
}
