package ixf

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/ixpobs/ixpobs/ixp"
)

// Match methods recorded in ixp.ExportedExchange.MatchedBy.
const (
	MatchedByPeeringDBID = "peeringdb_id"
	MatchedByIXFID       = "ixf_id"
	MatchedByPrefix      = "prefix"
)

// QuirkMatchConflict is counted when the LAN prefixes of an exchange point
// to another PeeringDB exchange than its peeringdb_id or ixf_id does.
const QuirkMatchConflict = "match_conflict"

// MatchData is what a Matcher matches exports against.
type MatchData struct {
	// Exchanges, when not nil, are the known PeeringDB exchanges: ids
	// outside it are not matched (an export may name a deleted exchange).
	Exchanges []ixp.Exchange
	// Prefixes are the PeeringDB ixpfx prefixes with IXID set.
	Prefixes []ixp.ExchangePrefix
	// IXFToPeeringDB maps IX-F (IXPDB) ids to PeeringDB ix ids; see
	// IXFToPeeringDB.
	IXFToPeeringDB map[int64]int64
}

// Matcher matches the exchanges of IX-F exports to PeeringDB exchanges.
// It is safe for concurrent use once built.
type Matcher struct {
	known   map[int64]bool // nil: every id is accepted
	ixf     map[int64]int64
	lengths [2][]int // prefix lengths present, longest first, per family (0: IPv4, 1: IPv6)
	byPfx   map[netip.Prefix]int64
}

// NewMatcher indexes d. Prefixes that do not parse or lack an IXID are
// skipped; a prefix listed for two exchanges matches neither.
func NewMatcher(d MatchData) *Matcher {
	m := &Matcher{ixf: d.IXFToPeeringDB, byPfx: make(map[netip.Prefix]int64, len(d.Prefixes))}
	if d.Exchanges != nil {
		m.known = make(map[int64]bool, len(d.Exchanges))
		for _, x := range d.Exchanges {
			m.known[x.ID] = true
		}
	}
	for _, p := range d.Prefixes {
		pfx, err := netip.ParsePrefix(p.Prefix)
		if err != nil || p.IXID == 0 {
			continue
		}
		pfx = pfx.Masked()
		if have, ok := m.byPfx[pfx]; ok && have != p.IXID {
			m.byPfx[pfx] = -1 // ambiguous
			continue
		}
		m.byPfx[pfx] = p.IXID
		fam := family(pfx.Addr())
		if !slices.Contains(m.lengths[fam], pfx.Bits()) {
			m.lengths[fam] = append(m.lengths[fam], pfx.Bits())
		}
	}
	for i := range m.lengths {
		slices.Sort(m.lengths[i])
		slices.Reverse(m.lengths[i])
	}
	return m
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// lookup returns the PeeringDB exchange whose most specific prefix contains
// a, or 0.
func (m *Matcher) lookup(a netip.Addr) int64 {
	a = a.Unmap()
	for _, bits := range m.lengths[family(a)] {
		p, err := a.Prefix(bits)
		if err != nil {
			continue
		}
		if id, ok := m.byPfx[p]; ok {
			if id < 0 {
				return 0
			}
			return id
		}
	}
	return 0
}

func (m *Matcher) isKnown(id int64) bool {
	return id > 0 && (m.known == nil || m.known[id])
}

// Match sets MatchedIXID and MatchedBy of every exchange of ex: by its
// peeringdb_id, else by its ixf_id through the IXPDB mapping, else by LAN
// prefixes (member addresses, or when none match the vlan prefixes) when a
// strict majority of the addresses that fall in PeeringDB prefixes fall in
// one exchange's. A prefix vote that contradicts an id match is counted as
// QuirkMatchConflict in ex.Report.
func (m *Matcher) Match(ex *Export) {
	addrs := make(map[int64][]netip.Addr, len(ex.Exchanges))
	for _, mem := range ex.Members {
		for _, c := range mem.Connections {
			for _, s := range [...]string{c.IPv4, c.IPv6} {
				if a, err := netip.ParseAddr(s); err == nil {
					addrs[c.ExportIXPID] = append(addrs[c.ExportIXPID], a)
				}
			}
		}
	}
	for i := range ex.Exchanges {
		x := &ex.Exchanges[i]
		x.MatchedIXID, x.MatchedBy = 0, ""
		byPrefix := m.vote(addrs[x.ExportIXPID])
		if byPrefix == 0 {
			var lan []netip.Addr
			for _, s := range x.Prefixes {
				if p, err := netip.ParsePrefix(s); err == nil {
					lan = append(lan, p.Addr())
				}
			}
			byPrefix = m.vote(append(lan, x.VLANAddrs...))
		}
		switch {
		case m.isKnown(x.PeeringDBID):
			x.MatchedIXID, x.MatchedBy = x.PeeringDBID, MatchedByPeeringDBID
		case x.IXFID > 0 && m.isKnown(m.ixf[x.IXFID]):
			x.MatchedIXID, x.MatchedBy = m.ixf[x.IXFID], MatchedByIXFID
		case byPrefix > 0 && m.isKnown(byPrefix):
			x.MatchedIXID, x.MatchedBy = byPrefix, MatchedByPrefix
		}
		if byPrefix > 0 && x.MatchedIXID > 0 && byPrefix != x.MatchedIXID {
			ex.Report.quirk(QuirkMatchConflict, fmt.Sprintf("%s: %s %d, prefixes %d", x.Shortname, x.MatchedBy, x.MatchedIXID, byPrefix))
		}
	}
}

// vote returns the exchange that holds a strict majority of the addresses
// found in PeeringDB prefixes, or 0.
func (m *Matcher) vote(addrs []netip.Addr) int64 {
	votes := map[int64]int{}
	total := 0
	for _, a := range addrs {
		if id := m.lookup(a); id > 0 {
			votes[id]++
			total++
		}
	}
	for id, n := range votes {
		if 2*n > total {
			return id
		}
	}
	return 0
}
