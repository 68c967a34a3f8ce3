package dashboard

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// sourceMembers is what one source says about an exchange's members.
type sourceMembers struct {
	Source       string `json:"source"`
	SnapshotDate string `json:"snapshot_date"`
	Members      int    `json:"members"`
	Connections  int    `json:"connections"`
	RSMembers    int    `json:"route_server_members"`
	asns         map[ixp.ASN]bool
	rs           map[ixp.ASN]bool
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
	RouteServerAgreement float64 `json:"route_server_agreement"`
}

type sourcesAnswer struct {
	IXPID     int64           `json:"ixp_id"`
	PeeringDB *sourceMembers  `json:"peeringdb"`
	IXF       []sourceMembers `json:"ixf"`
	Agreement *agreement      `json:"agreement"`
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
	for _, x := range a.IXF {
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
	}
	m.Members, m.RSMembers = len(m.asns), len(m.rs)
	return m, nil
}

// handleIXPSources serves GET /api/v1/ixps/{id}/sources?at=DATE: members
// in PeeringDB only, in the IXP's IX-F export only, in both; completeness
// and route-server participation per source.
func (s *Server) handleIXPSources(r *http.Request) (any, error) {
	ctx := r.Context()
	id, err := pathInt(r, chi.URLParam(r, "id"), "ixp id")
	if err != nil {
		return nil, err
	}
	at, err := atParam(r)
	if err != nil {
		return nil, err
	}
	out := sourcesAnswer{IXPID: id, IXF: []sourceMembers{}}
	sn, err := s.store.SnapshotAt(ctx, "peeringdb", at)
	if err == nil {
		if _, exErr := s.exchangeAt(ctx, id, sn); exErr != nil {
			var ae *apiError
			if !errors.As(exErr, &ae) {
				return nil, exErr
			}
			err = ixp.ErrNotFound // not in PeeringDB on that date
		}
	}
	if err == nil {
		recs, err := s.store.Objects(ctx, "peeringdb", ixp.KindConnection, sn.At, store.Filter{IXID: id})
		if err != nil {
			return nil, err
		}
		m, err := membersOf("peeringdb", dateString(sn.At), recs)
		if err != nil {
			return nil, err
		}
		out.PeeringDB = &m
	} else if !errors.Is(err, ixp.ErrNotFound) {
		return nil, err
	}
	exports, err := s.snapshotsAt(ctx, "ixf:", at)
	if err != nil {
		return nil, err
	}
	for _, sn := range exports {
		src := sn.Source
		recs, err := s.store.Objects(ctx, src, ixp.KindConnection, sn.At, store.Filter{IXID: id})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			continue
		}
		m, err := membersOf(src, dateString(sn.At), recs)
		if err != nil {
			return nil, err
		}
		out.IXF = append(out.IXF, m)
	}
	if out.PeeringDB == nil && len(out.IXF) == 0 {
		return nil, notFound("no data about IXP %d from any source", id)
	}
	if out.PeeringDB != nil && len(out.IXF) > 0 {
		out.Agreement = agree(out.PeeringDB, out.IXF)
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
	if len(ag.Both) > 0 {
		ag.RouteServerAgreement = float64(rsAgree) / float64(len(ag.Both))
	}
	return ag
}
