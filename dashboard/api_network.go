package dashboard

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
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

// handleNetwork serves GET /api/v1/networks/{asn}?at=DATE: where a network
// connects and since when.
func (s *Server) handleNetwork(r *http.Request) (any, error) {
	ctx := r.Context()
	asn, err := parseASN(chi.URLParam(r, "asn"))
	if err != nil {
		return nil, err
	}
	sn, err := s.snapshotFor(ctx, r)
	if err != nil {
		return nil, err
	}
	v, err := s.viewAt(ctx, sn)
	if err != nil {
		return nil, err
	}
	out := networkDetail{SnapshotDate: dateString(sn.At), ASN: asn, Connections: []networkConnection{}}
	if n, ok := v.networks[asn]; ok {
		out.Network = &n
	}
	versions, err := s.store.Versions(ctx, ixp.SourcePeeringDB, ixp.KindConnection, time.Unix(0, 0), sn.At.Add(time.Second), store.Filter{ASN: asn})
	if err != nil {
		return nil, err
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
			return nil, err
		}
		e, _ := v.exchange(c.IXID)
		ixps[c.IXID] = true
		out.Connections = append(out.Connections, networkConnection{IXPID: c.IXID, IXPName: e.Name, Country: e.Country,
			Speed: c.Speed, IPv4: c.IPv4, IPv6: c.IPv6, RouteServer: c.RouteServer, Since: c.Created, FirstSeen: dateString(firstSeen[c.IXID])})
	}
	if out.Network == nil && len(out.Connections) == 0 {
		return nil, notFound("AS%d is not in PeeringDB on %s", asn, dateString(sn.At))
	}
	sort.SliceStable(out.Connections, func(i, j int) bool { return out.Connections[i].IXPID < out.Connections[j].IXPID })
	out.IXPs = len(ixps)
	return out, nil
}
