package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// bgpView is the decoded state of one BGP collector snapshot.
type bgpView struct {
	snapshot  ixp.Snapshot
	collector ixp.BGPCollector
	origins   map[ixp.ASN]bool
	prefixes  []indicator.SeenPrefix
}

func (s *Server) collectorOf(ctx context.Context, sn ixp.Snapshot) (ixp.BGPCollector, error) {
	var c ixp.BGPCollector
	recs, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPCollector, sn.At, store.Filter{})
	if err != nil {
		return c, err
	}
	if len(recs) == 0 {
		return c, fmt.Errorf("%s: snapshot without its collector record: %w", sn.Source, ixp.ErrNotFound)
	}
	err = json.Unmarshal(recs[0].Data, &c)
	return c, err
}

// bgpViewOf decodes (and caches) one BGP snapshot.
func (s *Server) bgpViewOf(ctx context.Context, sn ixp.Snapshot) (*bgpView, error) {
	return s.bgpViews.get(ctx, sn.ID, func(ctx context.Context) (*bgpView, error) {
		v := &bgpView{snapshot: sn, origins: map[ixp.ASN]bool{}}
		var err error
		if v.collector, err = s.collectorOf(ctx, sn); err != nil {
			return nil, err
		}
		origins, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPOrigin, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		for _, r := range origins {
			v.origins[r.ASN] = true
		}
		prefixes, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPPrefix, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		v.prefixes = make([]indicator.SeenPrefix, 0, v.collector.Prefixes)
		for _, r := range prefixes {
			var g ixp.BGPPrefixes
			if err := json.Unmarshal(r.Data, &g); err != nil {
				return nil, fmt.Errorf("decode %s prefixes of AS%d: %w", sn.Source, r.ID, err)
			}
			for _, p := range g.Prefixes {
				v.prefixes = append(v.prefixes, indicator.SeenPrefix{Prefix: p, IPv6: strings.Contains(p, ":"), Origin: g.Origin})
			}
		}
		return v, nil
	})
}

// bgpViewsAt returns the newest snapshot of every collector at at.
func (s *Server) bgpViewsAt(ctx context.Context, at time.Time) ([]*bgpView, error) {
	snaps, err := s.snapshotsAt(ctx, ixp.SourcePrefixBGP, at)
	if err != nil {
		return nil, err
	}
	var out []*bgpView
	for _, sn := range snaps {
		v, err := s.bgpViewOf(ctx, sn)
		if err != nil {
			return nil, err
		}
		if !v.collector.Counted() {
			// A partial route-server table (or neighbours only) is never
			// shown as a table: the newest whole one before it stands.
			if v, err = s.countedBefore(ctx, sn); err != nil || v == nil {
				if err != nil {
					return nil, err
				}
				continue
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// countedBefore returns the newest snapshot of sn's source before sn that
// holds a whole table, or nil.
func (s *Server) countedBefore(ctx context.Context, sn ixp.Snapshot) (*bgpView, error) {
	snaps, err := s.store.Snapshots(ctx, sn.Source)
	if err != nil {
		return nil, err
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		if !snaps[i].At.Before(sn.At) {
			continue
		}
		c, err := s.collectorOf(ctx, snaps[i])
		if err != nil {
			return nil, err
		}
		if c.Counted() {
			return s.bgpViewOf(ctx, snaps[i])
		}
	}
	return nil, nil
}

type collectorJSON struct {
	Name         string         `json:"name"`
	Source       string         `json:"source"`
	Type         string         `json:"type"`
	IXPID        int64          `json:"ixp_id,omitempty"`
	IXPName      string         `json:"ixp_name,omitempty"`
	Country      string         `json:"country,omitempty"`
	SnapshotDate string         `json:"snapshot_date"`
	At           time.Time      `json:"at"`
	Routes       int            `json:"routes"`
	Counts       map[string]int `json:"counts"`
}

func (s *Server) collectorJSON(ctx context.Context, sn ixp.Snapshot, c ixp.BGPCollector) collectorJSON {
	out := collectorJSON{Name: c.Name, Source: sn.Source, Type: c.Type, IXPID: c.IXID, SnapshotDate: dateString(sn.At), At: sn.At, Routes: c.Routes,
		Counts: map[string]int{"peers": sn.Counts["bgp_peer"], "origins": c.Origins, "prefixes": c.Prefixes, "links": c.Links}}
	if c.IXID != 0 {
		if _, v, err := s.latestView(ctx); err == nil {
			if e, ok := v.exchange(c.IXID); ok {
				out.IXPName, out.Country = e.Name, e.Country
			}
		}
	}
	return out
}

type collectorList struct {
	Data []collectorJSON `json:"data"`
}

func (l collectorList) csvHeader() []string {
	return []string{"name", "type", "ixp_id", "ixp_name", "country", "snapshot_date", "routes", "peers", "origins", "prefixes", "links"}
}

func (l collectorList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, c := range l.Data {
		rows[i] = []string{c.Name, c.Type, strconv.FormatInt(c.IXPID, 10), c.IXPName, c.Country, c.SnapshotDate, strconv.Itoa(c.Routes),
			strconv.Itoa(c.Counts["peers"]), strconv.Itoa(c.Counts["origins"]), strconv.Itoa(c.Counts["prefixes"]), strconv.Itoa(c.Counts["links"])}
	}
	return rows
}

// atQuery is the query of endpoints that only take ?at=.
type atQuery struct {
	At time.Time // the end of the day asked, zero for the newest data
}

func parseAtQuery(r *http.Request) (atQuery, error) {
	at, err := atParam(r.URL.Query())
	return atQuery{At: at}, err
}

// bgpCollectors answers GET /api/v1/bgp/collectors?at=DATE.
func (s *Server) bgpCollectors(ctx context.Context, q atQuery) (collectorList, error) {
	at := q.At
	snaps, err := s.snapshotsAt(ctx, ixp.SourcePrefixBGP, at)
	if err != nil {
		return collectorList{}, err
	}
	out := collectorList{Data: []collectorJSON{}}
	for _, sn := range snaps {
		c, err := s.collectorOf(ctx, sn)
		if err != nil {
			return collectorList{}, err
		}
		out.Data = append(out.Data, s.collectorJSON(ctx, sn, c))
	}
	return out, nil
}

type collectorPeer struct {
	ixp.BGPPeer
	Name      string `json:"name,omitempty"`
	IXPMember *bool  `json:"ixp_member,omitempty"` // a member of the collector's IXP in the PeeringDB snapshot compared (peers_vs_members)
	IXFMember *bool  `json:"ixf_member,omitempty"` // in an IX-F export of that IXP compared
}

// peersVsMembers compares the peer ASNs a collector sees with the members
// of its IXP in one source, both at the collector snapshot's date.
type peersVsMembers struct {
	Source       string    `json:"source"`        // "peeringdb", or "ixf" for every export of the IXP together
	SnapshotDate string    `json:"snapshot_date"` // of the member data (the newest export for ixf)
	Members      int       `json:"members"`
	Peers        int       `json:"peers"`    // distinct peer ASNs of the collector
	Seen         int       `json:"seen"`     // members that are peers
	Coverage     float64   `json:"coverage"` // seen / members
	NotSeen      []ixp.ASN `json:"members_not_seen"`
	NotMembers   []ixp.ASN `json:"peers_not_members"`
}

func compareMembers(m sourceMembers, source string, peers map[ixp.ASN]bool) peersVsMembers {
	out := peersVsMembers{Source: source, SnapshotDate: m.SnapshotDate, Members: len(m.asns), Peers: len(peers), NotSeen: []ixp.ASN{}, NotMembers: []ixp.ASN{}}
	for a := range m.asns {
		if peers[a] {
			out.Seen++
		} else {
			out.NotSeen = append(out.NotSeen, a)
		}
	}
	for a := range peers {
		if !m.asns[a] {
			out.NotMembers = append(out.NotMembers, a)
		}
	}
	slices.Sort(out.NotSeen)
	slices.Sort(out.NotMembers)
	if out.Members > 0 {
		out.Coverage = float64(out.Seen) / float64(out.Members)
	}
	return out
}

// ixpMembersAt returns the members of exchange ix in PeeringDB and in the
// IX-F exports (all together) in the snapshots of each source nearest to
// the snapshot of source at time at, within the compare window; nil where
// a source has none, and a notComparable entry for a source whose nearest
// snapshot (listing the exchange) is further away.
func (s *Server) ixpMembersAt(ctx context.Context, ix int64, source string, at time.Time) (pdb, ixf *sourceMembers, nc []notComparable, err error) {
	sn, found, err := s.nearestSnapshot(ctx, ixp.SourcePeeringDB, at)
	if err != nil {
		return nil, nil, nil, err
	}
	if found {
		recs, err := s.store.Objects(ctx, ixp.SourcePeeringDB, ixp.KindConnection, sn.At, store.Filter{IXID: ix})
		if err != nil {
			return nil, nil, nil, err
		}
		if len(recs) > 0 {
			if ok, why := s.comparable(source, at, ixp.SourcePeeringDB, sn.At); !ok {
				nc = append(nc, why)
			} else {
				m, err := membersOf(ixp.SourcePeeringDB, dateString(sn.At), recs)
				if err != nil {
					return nil, nil, nil, err
				}
				pdb = &m
			}
		}
	}
	srcs, err := s.sourcesWithPrefix(ctx, ixp.SourcePrefixIXF)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, src := range srcs {
		sn, found, err := s.nearestSnapshot(ctx, src, at)
		if err != nil {
			return nil, nil, nil, err
		}
		if !found {
			continue
		}
		recs, err := s.store.Objects(ctx, sn.Source, ixp.KindConnection, sn.At, store.Filter{IXID: ix})
		if err != nil {
			return nil, nil, nil, err
		}
		if len(recs) == 0 {
			continue
		}
		if ok, why := s.comparable(source, at, sn.Source, sn.At); !ok {
			nc = append(nc, why)
			continue
		}
		m, err := membersOf("ixf", dateString(sn.At), recs)
		if err != nil {
			return nil, nil, nil, err
		}
		if ixf == nil {
			ixf = &sourceMembers{Source: "ixf", asns: map[ixp.ASN]bool{}, rs: map[ixp.ASN]bool{}}
		}
		for a := range m.asns {
			ixf.asns[a] = true
		}
		if m.SnapshotDate > ixf.SnapshotDate {
			ixf.SnapshotDate = m.SnapshotDate
		}
	}
	return pdb, ixf, nc, nil
}

// nearestSnapshot returns the snapshot of src nearest in time to at
// (before or after, the earlier on a tie: indicator.Nearest), found false
// when src has none.
func (s *Server) nearestSnapshot(ctx context.Context, src string, at time.Time) (ixp.Snapshot, bool, error) {
	all, err := s.store.Snapshots(ctx, src)
	if err != nil || len(all) == 0 {
		return ixp.Snapshot{}, false, err
	}
	times := make([]time.Time, len(all))
	for i, sn := range all {
		times[i] = sn.At
	}
	i, ok := indicator.Nearest(at, times, time.Duration(math.MaxInt64))
	if !ok {
		return ixp.Snapshot{}, false, nil
	}
	return all[i], true, nil
}

type collectorDetail struct {
	collectorJSON
	Peers []collectorPeer `json:"peers"`
	// PeersVsMembers compares the peer ASNs with the IXP's members in
	// the PeeringDB snapshot and IX-F exports nearest to the collector's
	// snapshot within the compare window (collectors tied to an IXP).
	PeersVsMembers []peersVsMembers `json:"peers_vs_members,omitempty"`
	// NotComparable: member sources whose nearest snapshot is further
	// from the collector's than the compare window.
	NotComparable []notComparable `json:"not_comparable,omitempty"`
	History       []struct {
		Date   string         `json:"date"`
		Counts map[string]int `json:"counts"`
	} `json:"history"`
}

func (d collectorDetail) csvHeader() []string {
	return []string{"asn", "name", "address", "prefixes_v4", "prefixes_v6", "ixp_member"}
}

func (d collectorDetail) csvRows() [][]string {
	rows := make([][]string, len(d.Peers))
	for i, p := range d.Peers {
		member := ""
		if p.IXPMember != nil {
			member = strconv.FormatBool(*p.IXPMember)
		}
		rows[i] = []string{strconv.FormatUint(uint64(p.ASN), 10), p.Name, p.Address, strconv.Itoa(p.PrefixesV4), strconv.Itoa(p.PrefixesV6), member}
	}
	return rows
}

// collectorQuery names a BGP collector at a date: the query of
// /api/v1/bgp/collectors/{name}.
type collectorQuery struct {
	Name string
	At   time.Time // the end of the day asked, zero for the newest data
}

func parseCollectorQuery(r *http.Request) (collectorQuery, error) {
	name := chi.URLParam(r, "name")
	if err := snapshot.ValidName(name); err != nil {
		return collectorQuery{}, badRequest("bad_collector", "%v", err).withParams(name)
	}
	at, err := atParam(r.URL.Query())
	return collectorQuery{Name: name, At: at}, err
}

// bgpCollector answers GET /api/v1/bgp/collectors/{name}?at=DATE:
// peers (against the IXP's PeeringDB members), counts and history.
func (s *Server) bgpCollector(ctx context.Context, q collectorQuery) (collectorDetail, error) {
	name, at := q.Name, q.At
	if err := snapshot.ValidName(name); err != nil {
		return collectorDetail{}, badRequest("bad_collector", "%v", err).withParams(name)
	}
	src := ixp.BGPSource(name)
	sn, err := s.store.SnapshotAt(ctx, src, at)
	if errors.Is(err, ixp.ErrNotFound) {
		return collectorDetail{}, notFound("no_collector", "no BGP collector %q with data at that date", name)
	}
	if err != nil {
		return collectorDetail{}, err
	}
	c, err := s.collectorOf(ctx, sn)
	if err != nil {
		return collectorDetail{}, err
	}
	out := collectorDetail{collectorJSON: s.collectorJSON(ctx, sn, c), Peers: []collectorPeer{}}
	recs, err := s.store.Objects(ctx, src, ixp.KindBGPPeer, sn.At, store.Filter{})
	if err != nil {
		return collectorDetail{}, err
	}
	var names map[ixp.ASN]ixp.Network
	if _, v, err := s.latestView(ctx); err == nil {
		names = v.networks
	}
	var pdb, ixf *sourceMembers
	if c.IXID != 0 {
		if pdb, ixf, out.NotComparable, err = s.ixpMembersAt(ctx, c.IXID, src, sn.At); err != nil {
			return collectorDetail{}, err
		}
	}
	peerASNs := map[ixp.ASN]bool{}
	for _, rec := range recs {
		var p collectorPeer
		if err := json.Unmarshal(rec.Data, &p.BGPPeer); err != nil {
			return collectorDetail{}, err
		}
		p.Name = names[p.ASN].Name
		if pdb != nil {
			m := pdb.asns[p.ASN]
			p.IXPMember = &m
		}
		if ixf != nil {
			m := ixf.asns[p.ASN]
			p.IXFMember = &m
		}
		peerASNs[p.ASN] = true
		out.Peers = append(out.Peers, p)
	}
	if pdb != nil {
		out.PeersVsMembers = append(out.PeersVsMembers, compareMembers(*pdb, "peeringdb", peerASNs))
	}
	if ixf != nil {
		out.PeersVsMembers = append(out.PeersVsMembers, compareMembers(*ixf, "ixf", peerASNs))
	}
	sort.Slice(out.Peers, func(i, j int) bool {
		if out.Peers[i].ASN != out.Peers[j].ASN {
			return out.Peers[i].ASN < out.Peers[j].ASN
		}
		return out.Peers[i].Address < out.Peers[j].Address
	})
	snaps, err := s.store.Snapshots(ctx, src)
	if err != nil {
		return collectorDetail{}, err
	}
	for _, h := range snaps {
		hc, err := s.collectorOf(ctx, h)
		if err != nil {
			return collectorDetail{}, err
		}
		out.History = append(out.History, struct {
			Date   string         `json:"date"`
			Counts map[string]int `json:"counts"`
		}{dateString(h.At), s.collectorJSON(ctx, h, hc).Counts})
	}
	return out, nil
}

type originSeen struct {
	Collector string        `json:"collector"`
	IXPID     int64         `json:"ixp_id,omitempty"`
	Date      string        `json:"snapshot_date"`
	Origin    ixp.BGPOrigin `json:"origin"`
	Prefixes  []string      `json:"prefixes"`
}

type asnOrigins struct {
	ASN  ixp.ASN      `json:"asn"`
	Seen []originSeen `json:"seen"`
}

func (a asnOrigins) csvHeader() []string {
	return []string{"collector", "ixp_id", "snapshot_date", "prefix"}
}
func (a asnOrigins) csvRows() [][]string {
	var rows [][]string
	for _, s := range a.Seen {
		for _, p := range s.Prefixes {
			rows = append(rows, []string{s.Collector, strconv.FormatInt(s.IXPID, 10), s.Date, p})
		}
	}
	return rows
}

// asnOrigins answers GET /api/v1/asns/{asn}/origins?at=DATE: the
// prefixes an ASN originates and the collectors that see them (a prefix
// is listed under its first origin).
func (s *Server) asnOrigins(ctx context.Context, q asnQuery) (asnOrigins, error) {
	asn, at := q.ASN, q.At
	snaps, err := s.snapshotsAt(ctx, ixp.SourcePrefixBGP, at)
	if err != nil {
		return asnOrigins{}, err
	}
	out := asnOrigins{ASN: asn, Seen: []originSeen{}}
	for _, sn := range snaps {
		src := sn.Source
		recs, err := s.store.Objects(ctx, src, ixp.KindBGPOrigin, sn.At, store.Filter{ASN: asn})
		if err != nil || len(recs) == 0 {
			if err != nil {
				return asnOrigins{}, err
			}
			continue
		}
		seen := originSeen{Collector: strings.TrimPrefix(src, ixp.SourcePrefixBGP), IXPID: recs[0].IXID, Date: dateString(sn.At), Prefixes: []string{}}
		if err := json.Unmarshal(recs[0].Data, &seen.Origin); err != nil {
			return asnOrigins{}, err
		}
		pfx, err := s.store.Objects(ctx, src, ixp.KindBGPPrefix, sn.At, store.Filter{ASN: asn})
		if err != nil {
			return asnOrigins{}, err
		}
		for _, p := range pfx {
			var g ixp.BGPPrefixes
			if err := json.Unmarshal(p.Data, &g); err != nil {
				return asnOrigins{}, fmt.Errorf("decode %s prefixes of AS%d: %w", src, asn, err)
			}
			seen.Prefixes = append(seen.Prefixes, g.Prefixes...)
		}
		sort.Strings(seen.Prefixes)
		out.Seen = append(out.Seen, seen)
	}
	if len(out.Seen) == 0 {
		return asnOrigins{}, notFound("no_origin", "AS%d is not seen as an origin by any collector", asn)
	}
	return out, nil
}
