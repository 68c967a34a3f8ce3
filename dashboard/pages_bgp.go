package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// maxPeersOnly bounds the peers not in PeeringDB that the page lists (the
// API has them all).
const maxPeersOnly = 30

// bgpAgreement compares the peers a BGP collector at an exchange sees
// with the exchange's PeeringDB members at the date shown.
type bgpAgreement struct {
	Collector    string
	SnapshotDate string
	Peers        int       // distinct peer ASNs
	Members      int       // PeeringDB members
	Both         int       // peers that are members
	PeersOnly    []ixp.ASN // the first maxPeersOnly of them
	PeersOnlyN   int       // all of them
	MembersOnly  int
	// Coverage: members seen as peers, over the members.
	Coverage float64
	API      string
	// MembersDate: the PeeringDB snapshot of the members compared.
	MembersDate string
	// Apart: days between the collector's snapshot and MembersDate when
	// further than the compare window (not compared: the counts above
	// are left zero); WindowDays is that window.
	Apart, WindowDays int
	NotComparable     bool
}

// ixpBGP returns what the BGP collectors tied to an exchange see against
// its members (nil when no collector is tied to it at that date).
func (w *web) ixpBGP(r *http.Request, p *page, q ixpQuery, members memberList) ([]bgpAgreement, error) {
	id := q.ID
	views, err := w.s.bgpViewsAt(r.Context(), q.At)
	if err != nil {
		return nil, err
	}
	isMember := map[ixp.ASN]bool{}
	for _, m := range members.Data {
		isMember[m.ASN] = true
	}
	membersAt, err := ixp.Date(members.SnapshotDate)
	if err != nil {
		return nil, fmt.Errorf("members of IXP %d: snapshot date %q: %w", id, members.SnapshotDate, err)
	}
	var out []bgpAgreement
	for _, v := range views {
		if v.collector.IXID != id {
			continue
		}
		recs, err := w.s.store.Objects(r.Context(), v.snapshot.Source, ixp.KindBGPPeer, v.snapshot.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		peers := map[ixp.ASN]bool{}
		for _, rec := range recs {
			var bp ixp.BGPPeer
			if err := json.Unmarshal(rec.Data, &bp); err != nil {
				return nil, fmt.Errorf("decode %s peer %d: %w", v.snapshot.Source, rec.ID, err)
			}
			peers[bp.ASN] = true
		}
		name := strings.TrimPrefix(v.snapshot.Source, ixp.SourcePrefixBGP)
		a := bgpAgreement{Collector: name, SnapshotDate: dateString(v.snapshot.At), Peers: len(peers), Members: len(isMember),
			API: p.API("/bgp/collectors/" + name), MembersDate: members.SnapshotDate}
		if ok, why := w.s.comparable(v.snapshot.Source, v.snapshot.At, ixp.SourcePeeringDB, membersAt); !ok {
			a.NotComparable, a.Apart, a.WindowDays, a.Members = true, why.DaysApart, why.WindowDays, 0
			out = append(out, a)
			continue
		}
		for asn := range peers {
			if isMember[asn] {
				a.Both++
			} else {
				a.PeersOnly = append(a.PeersOnly, asn)
			}
		}
		slices.Sort(a.PeersOnly)
		if a.PeersOnlyN = len(a.PeersOnly); a.PeersOnlyN > maxPeersOnly {
			a.PeersOnly = a.PeersOnly[:maxPeersOnly]
		}
		a.MembersOnly = a.Members - a.Both
		if a.Members > 0 {
			a.Coverage = float64(a.Both) / float64(a.Members)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b bgpAgreement) int { return strings.Compare(a.Collector, b.Collector) })
	return out, nil
}

// networkBGP is what the network page shows of BGP: the prefixes the
// network originates and the collectors that see them.
type networkBGP struct {
	Collectors int // collectors with data at the date
	Seen       []originRow
	API        string
}

// originRow is one collector that sees the network as an origin.
type originRow struct {
	Collector, Date, IXPName string
	IXPID                    int64
	Origin                   ixp.BGPOrigin
	Prefixes                 []string // the first maxPrefixes
	More                     int      // prefixes left out
}

const maxPrefixes = 20

// networkOrigins reads the origins of the page's ASN through the API's
// method; Seen is empty when no collector sees it.
func (w *web) networkOrigins(r *http.Request, p *page, q asnQuery) (*networkBGP, error) {
	asn := strconv.FormatUint(uint64(q.ASN), 10)
	snaps, err := w.s.snapshotsAt(r.Context(), ixp.SourcePrefixBGP, q.At)
	if err != nil {
		return nil, err
	}
	nb := &networkBGP{Collectors: len(snaps), API: p.API("/asns/" + asn + "/origins")}
	if len(snaps) == 0 {
		return nb, nil
	}
	origins, err := w.s.asnOrigins(r.Context(), q)
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound {
		return nb, nil
	}
	if err != nil {
		return nil, err
	}
	var names map[int64]string
	if sn, err := w.s.snapshotFor(r.Context(), q.At); err == nil {
		if view, err := w.s.exchangesAt(r.Context(), sn); err == nil {
			names = map[int64]string{}
			for _, e := range view.exchanges {
				names[e.ID] = e.Name
			}
		}
	}
	for _, o := range origins.Seen {
		row := originRow{Collector: o.Collector, Date: o.Date, IXPID: o.IXPID, IXPName: names[o.IXPID], Origin: o.Origin, Prefixes: o.Prefixes}
		if len(row.Prefixes) > maxPrefixes {
			row.Prefixes, row.More = row.Prefixes[:maxPrefixes], len(row.Prefixes)-maxPrefixes
		}
		nb.Seen = append(nb.Seen, row)
	}
	return nb, nil
}
