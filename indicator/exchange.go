// Package indicator computes the indicators of ixpobs from the domain
// model: per exchange, per country and per region, at a date and over time.
// The definitions are in docs/INDICATORS.md; the functions here are pure.
package indicator

import (
	"sort"

	"github.com/ixpobs/ixpobs/ixp"
)

// ExchangeStatsBuilder accumulates connections and gives the indicators of
// each exchange:
//   - members: distinct ASNs with at least one counted connection;
//   - connections: the number of counted connections;
//   - capacity: the sum of their port speeds in Mbps;
//   - IPv6 members: distinct ASNs with a connection that has an IPv6 address;
//   - route-server members: distinct ASNs with a connection marked as
//     route-server peer; unknown (RSUnknown) when a counted connection's
//     source has no such flag (ixp.Connection.Unknown names is_rs_peer).
type ExchangeStatsBuilder struct {
	byIX map[int64]*exchangeAcc
}

type exchangeAcc struct {
	stats   ixp.ExchangeStats
	members map[ixp.ASN]uint8 // bit 1: IPv6, bit 2: route server
}

// NewExchangeStatsBuilder returns an empty builder.
func NewExchangeStatsBuilder() *ExchangeStatsBuilder {
	return &ExchangeStatsBuilder{byIX: map[int64]*exchangeAcc{}}
}

// Add counts one connection (ignored when c.Counts() is false or it names
// no exchange).
func (b *ExchangeStatsBuilder) Add(c ixp.Connection) {
	if !c.Counts() || c.IXID == 0 {
		return
	}
	acc := b.byIX[c.IXID]
	if acc == nil {
		acc = &exchangeAcc{members: map[ixp.ASN]uint8{}}
		acc.stats.IXID = c.IXID
		b.byIX[c.IXID] = acc
	}
	acc.stats.Connections++
	if c.Speed > 0 && ixp.SpeedValid(c.Speed) { // out of range: unknown (ixp.QuirkSpeedOutOfRange)
		acc.stats.CapacityMbps = ixp.AddMbps(acc.stats.CapacityMbps, c.Speed)
	}
	flags := acc.members[c.ASN]
	if c.IPv6 != "" {
		flags |= 1
	}
	if c.RouteServer {
		flags |= 2
	}
	for _, f := range c.Unknown {
		if f == "is_rs_peer" {
			acc.stats.RSUnknown = true
		}
	}
	acc.members[c.ASN] = flags
}

// Stats returns the indicators sorted by exchange id. When exchanges is
// not empty, every exchange in it gets a row (zero when it has no
// connection) and connections to exchanges not in it are dropped and
// counted as dangling.
func (b *ExchangeStatsBuilder) Stats(exchanges map[int64]bool) (stats []ixp.ExchangeStats, dangling int) {
	for id, acc := range b.byIX {
		if len(exchanges) > 0 && !exchanges[id] {
			dangling += acc.stats.Connections
			continue
		}
		st := acc.stats
		st.Members = len(acc.members)
		for _, f := range acc.members {
			if f&1 != 0 {
				st.IPv6Members++
			}
			if f&2 != 0 {
				st.RSMembers++
			}
		}
		if st.RSUnknown {
			st.RSMembers = 0
		}
		stats = append(stats, st)
	}
	for id := range exchanges {
		if _, ok := b.byIX[id]; !ok {
			stats = append(stats, ixp.ExchangeStats{IXID: id})
		}
	}
	sort.Slice(stats, func(i, j int) bool { return stats[i].IXID < stats[j].IXID })
	return stats, dangling
}
