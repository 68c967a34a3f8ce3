package dashboard

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// exchangeView is the exchanges of one PeeringDB snapshot and their
// stored indicators: what country lists, IXP lists and /metrics need,
// without decoding every network and connection.
type exchangeView struct {
	snapshot  ixp.Snapshot
	exchanges []ixp.Exchange // sorted by id
	byID      map[int64]int  // exchange id → index
	stats     map[int64]ixp.ExchangeStats
}

// snapshotView is the decoded state of one PeeringDB snapshot that the
// list pages need: exchanges, their indicators and network names.
type snapshotView struct {
	*exchangeView
	networks map[ixp.ASN]ixp.Network
	// membership of every exchange, in the order of exchanges
	membership []indicator.Membership
	// connections of each exchange, ordered by ASN then id
	connections map[int64][]ixp.Connection
}

func (v *exchangeView) exchange(id int64) (ixp.Exchange, bool) {
	i, ok := v.byID[id]
	if !ok {
		return ixp.Exchange{}, false
	}
	return v.exchanges[i], true
}

func decodeAll[T any](recs []ixp.Record) ([]T, error) {
	out := make([]T, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &out[i]); err != nil {
			return nil, fmt.Errorf("decode %s %d: %w", r.Kind, r.ID, err)
		}
	}
	return out, nil
}

// exchangesAt returns (and caches) the exchanges of a PeeringDB snapshot
// with their indicators.
func (s *Server) exchangesAt(ctx context.Context, sn ixp.Snapshot) (*exchangeView, error) {
	return s.exchangeViews.get(ctx, sn.ID, func(ctx context.Context) (*exchangeView, error) {
		v := &exchangeView{snapshot: sn, byID: map[int64]int{}, stats: map[int64]ixp.ExchangeStats{}}
		recs, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindExchange, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		if v.exchanges, err = decodeAll[ixp.Exchange](recs); err != nil {
			return nil, err
		}
		sort.Slice(v.exchanges, func(i, j int) bool { return v.exchanges[i].ID < v.exchanges[j].ID })
		for i, e := range v.exchanges {
			v.byID[e.ID] = i
		}
		stats, err := s.store.ExchangeStats(ctx, sn.ID, 0)
		if err != nil {
			return nil, err
		}
		for _, st := range stats {
			v.stats[st.IXID] = st
		}
		return v, nil
	})
}

// latestExchanges returns the exchanges of the newest PeeringDB snapshot
// (ixp.ErrNotFound without one).
func (s *Server) latestExchanges(ctx context.Context) (*exchangeView, error) {
	sn, err := s.store.SnapshotAt(ctx, ixp.SourcePeeringDB, time.Time{})
	if err != nil {
		return nil, err
	}
	return s.exchangesAt(ctx, sn)
}

// memberConn is the part of a connection that membership needs: decoding
// only it is several times cheaper than the whole ixp.Connection.
type memberConn struct {
	IXID  int64   `json:"ix_id"`
	ASN   ixp.ASN `json:"asn"`
	IPv6  string  `json:"ipaddr6"`
	State string  `json:"state"`
}

// membershipOf returns who is connected at every exchange of a PeeringDB
// snapshot, in the order of ev's exchanges: the members of
// snapshotView.membership, read without networks (the view's when it is
// cached).
func (s *Server) membershipOf(ctx context.Context, ev *exchangeView) ([]indicator.Membership, error) {
	if v, ok := s.views.peek(ev.snapshot.ID); ok {
		return v.membership, nil
	}
	conns, err := s.store.Briefs(ctx, ixp.SourcePeeringDB, ixp.KindConnection, ev.snapshot.At)
	if err != nil {
		return nil, err
	}
	members, v6 := map[int64]map[ixp.ASN]bool{}, map[int64]map[ixp.ASN]bool{}
	for _, r := range conns {
		var c memberConn
		if err := memberConnPicker.decode(r.Data, &c); err != nil {
			return nil, fmt.Errorf("decode connection %d: %w", r.ID, err)
		}
		if !(ixp.Connection{State: c.State}).Counts() {
			continue
		}
		addMember(members, v6, c.IXID, c.ASN, c.IPv6 != "")
	}
	return memberships(ev, members, v6), nil
}

func addMember(members, v6 map[int64]map[ixp.ASN]bool, ix int64, asn ixp.ASN, hasV6 bool) {
	if members[ix] == nil {
		members[ix], v6[ix] = map[ixp.ASN]bool{}, map[ixp.ASN]bool{}
	}
	members[ix][asn] = true
	if hasV6 {
		v6[ix][asn] = true
	}
}

func memberships(ev *exchangeView, members, v6 map[int64]map[ixp.ASN]bool) []indicator.Membership {
	out := make([]indicator.Membership, len(ev.exchanges))
	for i, e := range ev.exchanges {
		out[i] = indicator.Membership{Exchange: e, Stats: ev.stats[e.ID],
			Members: indicator.SortedASNs(members[e.ID]), IPv6Members: indicator.SortedASNs(v6[e.ID])}
	}
	return out
}

// netName is what lists and searches show of a network.
type netName struct {
	ASN  ixp.ASN `json:"asn"`
	Name string  `json:"name"`
	AKA  string  `json:"aka"`
}

// networkNamesAt returns (and caches) the name of every network of a
// PeeringDB snapshot: the full view's when it is cached, otherwise read
// without the date's connections and decoding only names, several times
// cheaper than building the view for a first request of a date.
func (s *Server) networkNamesAt(ctx context.Context, sn ixp.Snapshot) (map[ixp.ASN]netName, error) {
	if v, ok := s.views.peek(sn.ID); ok {
		out := make(map[ixp.ASN]netName, len(v.networks))
		for asn, n := range v.networks {
			out[asn] = netName{ASN: asn, Name: n.Name, AKA: n.AKA}
		}
		return out, nil
	}
	return s.netNames.get(ctx, sn.ID, func(ctx context.Context) (map[ixp.ASN]netName, error) {
		recs, err := s.store.Briefs(ctx, ixp.SourcePeeringDB, ixp.KindNetwork, sn.At)
		if err != nil {
			return nil, err
		}
		decoded, err := netNamePicker.decodeAll(recs)
		if err != nil {
			return nil, err
		}
		out := make(map[ixp.ASN]netName, len(decoded))
		for _, n := range decoded {
			out[n.ASN] = n
		}
		return out, nil
	})
}

// networkNamesOf returns the names of the networks of asns in a
// PeeringDB snapshot: from networkNamesAt's answer when it is cached,
// otherwise read for these ASNs only (store.Filter.ASNs, a query per
// store.MaxFilterASNs), so that an exchange's first page of a date does
// not decode every network of the date for its members' names.
func (s *Server) networkNamesOf(ctx context.Context, sn ixp.Snapshot, asns []ixp.ASN) (map[ixp.ASN]netName, error) {
	if _, ok := s.views.peek(sn.ID); ok {
		return s.networkNamesAt(ctx, sn)
	}
	if all, ok := s.netNames.peek(sn.ID); ok {
		return all, nil
	}
	out := make(map[ixp.ASN]netName, len(asns))
	for batch := range slices.Chunk(asns, store.MaxFilterASNs) {
		recs, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindNetwork, sn.At, store.Filter{ASNs: batch})
		if err != nil {
			return nil, err
		}
		decoded, err := netNamePicker.decodeAll(recs)
		if err != nil {
			return nil, err
		}
		for _, n := range decoded {
			out[n.ASN] = n
		}
	}
	return out, nil
}

// connectionsOf returns the counted connections of one exchange in a
// PeeringDB snapshot, ordered by ASN then id: the view's when it is
// cached, otherwise read through the store's exchange index.
func (s *Server) connectionsOf(ctx context.Context, sn ixp.Snapshot, ixID int64) ([]ixp.Connection, error) {
	if v, ok := s.views.peek(sn.ID); ok {
		return v.connections[ixID], nil
	}
	recs, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindConnection, sn.At, store.Filter{IXID: ixID})
	if err != nil {
		return nil, err
	}
	all, err := decodeAll[ixp.Connection](recs)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.Counts() && c.IXID == ixID {
			out = append(out, c)
		}
	}
	sortConnections(out)
	return out, nil
}

func sortConnections(cs []ixp.Connection) {
	slices.SortFunc(cs, func(a, b ixp.Connection) int {
		if a.ASN != b.ASN {
			return cmp.Compare(a.ASN, b.ASN)
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// view returns the view of the PeeringDB snapshot in force at the "at"
// query parameter (latest when absent).
func (s *Server) viewAt(ctx context.Context, sn ixp.Snapshot) (*snapshotView, error) {
	return s.views.get(ctx, sn.ID, func(ctx context.Context) (*snapshotView, error) {
		ev, err := s.exchangesAt(ctx, sn)
		if err != nil {
			return nil, err
		}
		v := &snapshotView{exchangeView: ev, networks: map[ixp.ASN]ixp.Network{}}
		nets, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindNetwork, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		decoded, err := decodeAll[ixp.Network](nets)
		if err != nil {
			return nil, err
		}
		for _, n := range decoded {
			v.networks[n.ASN] = n
		}
		conns, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindConnection, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		members := map[int64]map[ixp.ASN]bool{}
		v6 := map[int64]map[ixp.ASN]bool{}
		v.connections = map[int64][]ixp.Connection{}
		for _, r := range conns {
			var c ixp.Connection
			if err := json.Unmarshal(r.Data, &c); err != nil {
				return nil, fmt.Errorf("decode connection %d: %w", r.ID, err)
			}
			if !c.Counts() {
				continue
			}
			v.connections[c.IXID] = append(v.connections[c.IXID], c)
			addMember(members, v6, c.IXID, c.ASN, c.IPv6 != "")
		}
		for _, cs := range v.connections {
			sortConnections(cs)
		}
		v.membership = memberships(ev, members, v6)
		return v, nil
	})
}

// sourcesWithPrefix lists the sources whose name starts with prefix
// ("rir:", "ixf:", "bgp:").
func (s *Server) sourcesWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	all, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range all {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, nil
}

// snapshotsAt returns the newest snapshot at or before at of every source
// whose name starts with prefix (sources with none then are left out).
func (s *Server) snapshotsAt(ctx context.Context, prefix string, at time.Time) ([]ixp.Snapshot, error) {
	srcs, err := s.sourcesWithPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []ixp.Snapshot
	for _, src := range srcs {
		sn, err := s.store.SnapshotAt(ctx, src, at)
		if errors.Is(err, ixp.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, sn)
	}
	return out, nil
}
