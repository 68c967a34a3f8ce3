package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// sourceMembers is what one source says about an exchange's members.
type sourceMembers struct {
	Source       string `json:"source"`
	SnapshotDate string `json:"snapshot_date"`
	Members      int    `json:"members"`
	Connections  int    `json:"connections"`
	// RSMembers is null when a counted connection's source has no
	// route-server flag (PeeringDB v1 archives, 2010-2016).
	RSMembers *int `json:"route_server_members"`
	asns      map[ixp.ASN]bool
	rs        map[ixp.ASN]bool
	rsUnknown bool
	at        time.Time // of the snapshot
}

type agreement struct {
	PeeringDBOnly []ixp.ASN `json:"peeringdb_only"`
	IXFOnly       []ixp.ASN `json:"ixf_only"`
	Both          []ixp.ASN `json:"both"`
	// Completeness is the share of the members in the IXP's own export
	// that PeeringDB lists too.
	Completeness float64 `json:"completeness"`
	// RouteServerAgreement: members that both sources list, and whose
	// route-server participation they agree on, over Both.
	// Null when PeeringDB's route-server flags are unknown at the date.
	RouteServerAgreement *float64 `json:"route_server_agreement"`
}

type sourcesAnswer struct {
	IXPID     int64           `json:"ixp_id"`
	PeeringDB *sourceMembers  `json:"peeringdb"`
	IXF       []sourceMembers `json:"ixf"`
	// Agreement compares PeeringDB with the IX-F exports within the
	// compare window of its date (null when none is).
	Agreement *agreement `json:"agreement"`
	// NotComparable lists the pairs of sources left uncompared because
	// their snapshots are further apart than the compare window.
	NotComparable []notComparable `json:"not_comparable"`
	// PeeringDBActive: at least 3 PeeringDB members (ISOC Pulse); nil
	// without PeeringDB data.
	PeeringDBActive *bool `json:"peeringdb_active"`
	// BGP: the exchange's route servers read through Alice-LG.
	BGP []routeServerMembers `json:"bgp"`
	// compared: the IX-F exports compared with PeeringDB (the CSV's).
	compared []sourceMembers
}

// routeServerMembers is who a route server (an Alice-LG snapshot) has as
// neighbours, against PeeringDB's members.
type routeServerMembers struct {
	Source       string `json:"source"`
	SnapshotDate string `json:"snapshot_date"`
	Table        string `json:"table"`
	Neighbors    int    `json:"neighbors"`
	// Established: distinct ASNs with an established session.
	Established int `json:"established"`
	// BGPVerifiedActive: at least 3 established neighbours.
	BGPVerifiedActive bool `json:"bgp_verified_active"`
	// PeeringDBEstablished: PeeringDB members established on the route
	// server (nil without a PeeringDB snapshot within the compare window
	// of the route server's); NotPeeringDB: established neighbours that
	// are not members of this exchange in that PeeringDB snapshot.
	PeeringDBEstablished *int      `json:"peeringdb_members_established"`
	NotPeeringDB         []ixp.ASN `json:"established_not_peeringdb_members"`
}

// notComparable names two sources whose snapshots were not compared:
// they are further apart than the compare window.
type notComparable struct {
	Source     string `json:"source"`
	Date       string `json:"date"`
	Other      string `json:"other_source"`
	OtherDate  string `json:"other_date"`
	DaysApart  int    `json:"days_apart"`
	WindowDays int    `json:"window_days"`
	Reason     string `json:"reason"`
}

// comparable reports whether the snapshots of two sources at a and b may
// be compared (within s.compareWindow), and otherwise why not.
func (s *Server) comparable(source string, a time.Time, other string, b time.Time) (bool, notComparable) {
	ok, days := indicator.Comparable(a, b, s.compareWindow)
	if ok {
		return true, notComparable{}
	}
	return false, notComparable{Source: source, Date: dateString(a), Other: other, OtherDate: dateString(b), DaysApart: days,
		WindowDays: int(s.compareWindow / (24 * time.Hour)),
		Reason: fmt.Sprintf("not comparable: the sources are %d days apart (%s %s, %s %s; at most %d)", days, source, dateString(a), other, dateString(b),
			int(s.compareWindow/(24*time.Hour)))}
}

// routeServersOf returns the Alice-LG route servers tied to exchange id,
// each at its newest snapshot at or before at.
func (s *Server) routeServersOf(ctx context.Context, id int64, at time.Time, pdb *sourceMembers, pdbAt time.Time, nc *[]notComparable) ([]routeServerMembers, error) {
	snaps, err := s.snapshotsAt(ctx, ixp.SourcePrefixBGP, at)
	if err != nil {
		return nil, err
	}
	out := []routeServerMembers{}
	for _, sn := range snaps {
		c, err := s.collectorOf(ctx, sn)
		if err != nil {
			return nil, err
		}
		if c.Type != "alicelg" || c.IXID != id {
			continue
		}
		recs, err := s.store.Objects(ctx, sn.Source, ixp.KindBGPPeer, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		m := routeServerMembers{Source: sn.Source, SnapshotDate: dateString(sn.At), Table: c.Table, Neighbors: len(recs), NotPeeringDB: []ixp.ASN{}}
		est := map[ixp.ASN]bool{}
		for _, r := range recs {
			var p ixp.BGPPeer
			if err := json.Unmarshal(r.Data, &p); err != nil {
				return nil, fmt.Errorf("decode %s peer %d: %w", sn.Source, r.ID, err)
			}
			if p.Established() {
				est[p.ASN] = true
			}
		}
		m.Established, m.BGPVerifiedActive = len(est), len(est) >= 3
		comparable := pdb != nil
		if comparable {
			var why notComparable
			if comparable, why = s.comparable(sn.Source, sn.At, ixp.SourcePeeringDB, pdbAt); !comparable {
				*nc = append(*nc, why)
			}
		}
		if comparable {
			n := 0
			for a := range est {
				if pdb.asns[a] {
					n++
				} else {
					m.NotPeeringDB = append(m.NotPeeringDB, a)
				}
			}
			m.PeeringDBEstablished = &n
			slices.Sort(m.NotPeeringDB)
		}
		out = append(out, m)
	}
	return out, nil
}

func (a sourcesAnswer) csvHeader() []string {
	return []string{"asn", "peeringdb", "ixf", "peeringdb_rs", "ixf_rs"}
}
func (a sourcesAnswer) csvRows() [][]string {
	all := map[ixp.ASN]bool{}
	var pdb, ixfAll, pdbRS, ixfRS map[ixp.ASN]bool
	if a.PeeringDB != nil {
		pdb, pdbRS = a.PeeringDB.asns, a.PeeringDB.rs
	}
	ixfAll, ixfRS = map[ixp.ASN]bool{}, map[ixp.ASN]bool{}
	exports := a.IXF
	if a.PeeringDB != nil {
		exports = a.compared // a table of both sources holds comparable dates only
	}
	for _, x := range exports {
		for asn := range x.asns {
			ixfAll[asn] = true
		}
		for asn := range x.rs {
			ixfRS[asn] = true
		}
	}
	for asn := range pdb {
		all[asn] = true
	}
	for asn := range ixfAll {
		all[asn] = true
	}
	asns := make([]ixp.ASN, 0, len(all))
	for asn := range all {
		asns = append(asns, asn)
	}
	sort.Slice(asns, func(i, j int) bool { return asns[i] < asns[j] })
	rows := make([][]string, len(asns))
	for i, asn := range asns {
		rows[i] = []string{strconv.FormatUint(uint64(asn), 10), strconv.FormatBool(pdb[asn]), strconv.FormatBool(ixfAll[asn]),
			strconv.FormatBool(pdbRS[asn]), strconv.FormatBool(ixfRS[asn])}
	}
	return rows
}

func membersOf(source, date string, recs []ixp.Record) (sourceMembers, error) {
	m := sourceMembers{Source: source, SnapshotDate: date, asns: map[ixp.ASN]bool{}, rs: map[ixp.ASN]bool{}}
	for _, r := range recs {
		var c ixp.Connection
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return m, err
		}
		if !c.Counts() {
			continue
		}
		m.Connections++
		m.asns[c.ASN] = true
		if c.RouteServer {
			m.rs[c.ASN] = true
		}
		if slices.Contains(c.Unknown, "is_rs_peer") {
			m.rsUnknown = true
		}
	}
	m.Members = len(m.asns)
	if !m.rsUnknown {
		n := len(m.rs)
		m.RSMembers = &n
	}
	return m, nil
}

// ixpSources answers GET /api/v1/ixps/{id}/sources?at=DATE: members
// in PeeringDB only, in the IXP's IX-F export only, in both; completeness
// and route-server participation per source.
func (s *Server) ixpSources(ctx context.Context, q ixpQuery) (sourcesAnswer, error) {
	id, at := q.ID, q.At
	out := sourcesAnswer{IXPID: id, IXF: []sourceMembers{}, NotComparable: []notComparable{}}
	sn, err := s.store.SnapshotAt(ctx, "peeringdb", at)
	if err == nil {
		if _, exErr := s.exchangeAt(ctx, id, sn); exErr != nil {
			var ae *apiError
			if !errors.As(exErr, &ae) {
				return sourcesAnswer{}, exErr
			}
			err = ixp.ErrNotFound // not in PeeringDB on that date
		}
	}
	if err == nil {
		recs, err := s.store.Objects(ctx, "peeringdb", ixp.KindConnection, sn.At, store.Filter{IXID: id})
		if err != nil {
			return sourcesAnswer{}, err
		}
		m, err := membersOf("peeringdb", dateString(sn.At), recs)
		if err != nil {
			return sourcesAnswer{}, err
		}
		out.PeeringDB = &m
	} else if !errors.Is(err, ixp.ErrNotFound) {
		return sourcesAnswer{}, err
	}
	exports, err := s.snapshotsAt(ctx, "ixf:", at)
	if err != nil {
		return sourcesAnswer{}, err
	}
	for _, sn := range exports {
		src := sn.Source
		recs, err := s.store.Objects(ctx, src, ixp.KindConnection, sn.At, store.Filter{IXID: id})
		if err != nil {
			return sourcesAnswer{}, err
		}
		if len(recs) == 0 {
			continue
		}
		m, err := membersOf(src, dateString(sn.At), recs)
		if err != nil {
			return sourcesAnswer{}, err
		}
		m.at = sn.At
		out.IXF = append(out.IXF, m)
	}
	var pdbAt time.Time
	if out.PeeringDB != nil {
		pdbAt = sn.At
	}
	if out.BGP, err = s.routeServersOf(ctx, id, at, out.PeeringDB, pdbAt, &out.NotComparable); err != nil {
		return sourcesAnswer{}, err
	}
	if out.PeeringDB == nil && len(out.IXF) == 0 && len(out.BGP) == 0 {
		return sourcesAnswer{}, notFound("no_ixp", "no data about IXP %d from any source", id)
	}
	if out.PeeringDB != nil {
		out.PeeringDBActive = new(bool)
		*out.PeeringDBActive = out.PeeringDB.Members >= 3
	}
	if out.PeeringDB != nil {
		var near []sourceMembers
		for _, x := range out.IXF {
			if ok, why := s.comparable(x.Source, x.at, ixp.SourcePeeringDB, pdbAt); ok {
				near = append(near, x)
			} else {
				out.NotComparable = append(out.NotComparable, why)
			}
		}
		if len(near) > 0 {
			out.Agreement = agree(out.PeeringDB, near)
		}
		out.compared = near
	}
	return out, nil
}

func agree(pdb *sourceMembers, exports []sourceMembers) *agreement {
	ixfAll, ixfRS := map[ixp.ASN]bool{}, map[ixp.ASN]bool{}
	for _, x := range exports {
		for a := range x.asns {
			ixfAll[a] = true
		}
		for a := range x.rs {
			ixfRS[a] = true
		}
	}
	ag := &agreement{PeeringDBOnly: []ixp.ASN{}, IXFOnly: []ixp.ASN{}, Both: []ixp.ASN{}}
	rsAgree := 0
	for a := range pdb.asns {
		if ixfAll[a] {
			ag.Both = append(ag.Both, a)
			if pdb.rs[a] == ixfRS[a] {
				rsAgree++
			}
		} else {
			ag.PeeringDBOnly = append(ag.PeeringDBOnly, a)
		}
	}
	for a := range ixfAll {
		if !pdb.asns[a] {
			ag.IXFOnly = append(ag.IXFOnly, a)
		}
	}
	for _, l := range [][]ixp.ASN{ag.PeeringDBOnly, ag.IXFOnly, ag.Both} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	if len(ixfAll) > 0 {
		ag.Completeness = float64(len(ag.Both)) / float64(len(ixfAll))
	}
	if len(ag.Both) > 0 && !pdb.rsUnknown {
		f := float64(rsAgree) / float64(len(ag.Both))
		ag.RouteServerAgreement = &f
	}
	return ag
}
