package bgp

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
)

// Aggregator keeps the current routes of every peer of a collector in a
// compact form and derives a Summary from them. Routes are keyed by (peer,
// prefix, path ID); announcing a key again replaces its path.
//
// Prefixes and AS paths are interned and reference counted, so memory is
// bounded by the routes currently held (not by the history fed in): about
// 4 bytes per (peer, prefix) slot of a full-table peer, plus each distinct
// prefix and each distinct AS path once. Routes with a non-zero ADD-PATH
// path ID are kept in a per-peer map and cost more (about 40 bytes each).
//
// All methods are safe for concurrent use (one mutex guards the state), so
// several session goroutines may feed one Aggregator while another calls
// Summary; Summary holds the lock while it walks every route.
type Aggregator struct {
	mu sync.Mutex

	peerIdx map[Peer]int32
	peers   []*peerState

	// Prefixes, interned; reference count = number of routes.
	pfx prefixTable

	paths pathTable // interned AS paths (see encodePath)

	scratch    []uint32
	routeCount int
	// peerCache maps a hash of the peer to its index (+1): a direct-mapped
	// cache in front of peerIdx, as RIB entries alternate between peers.
	peerCache [64]int32
}

// pageShift sets the size of the per-peer pages of route slots (256 slots,
// 1 KiB): a peer with few routes touches few pages.
const (
	pageShift = 8
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1
)

type peerState struct {
	peer      Peer
	pathCache [64]uint32        // path ID+1 of recent announcements, by hash: neighbouring prefixes often share paths
	pages     [][]uint32        // [prefixID>>pageShift][prefixID&pageMask] = pathID+1 (path ID 0 routes)
	extra     map[uint64]uint32 // prefixID<<32|pathID -> pathIdx+1 (ADD-PATH routes, path ID != 0)
	n         int               // routes held
}

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{
		peerIdx: make(map[Peer]int32),
		pfx:     newPrefixTable(),
		paths:   newPathTable(),
	}
}

// Announce adds the route, or replaces the path of the route with the same
// peer, prefix and path ID. The prefix is masked; an invalid prefix is
// ignored. r.Path is copied, so the caller may reuse it.
func (a *Aggregator) Announce(r Route) {
	if !r.Prefix.IsValid() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.announceLocked(r)
}

func (a *Aggregator) announceLocked(r Route) {
	a.scratch = encodePath(a.scratch, r.Path)
	a.announceWords(r.Peer, keyOf(r.Prefix.Masked()), r.PathID, a.scratch, hashWords(a.scratch))
}

// announceWords announces a route whose path is already encoded (w, with
// hash h) and whose prefix is masked.
func (a *Aggregator) announceWords(peer Peer, key pfxKey, pathID uint32, w []uint32, h uint64) {
	ps := a.peerLocked(peer)
	path := a.internPath(w, h, ps)

	// Existing route?
	if pid, ok := a.lookupPrefix(key); ok {
		old := ps.get(pid, pathID)
		if old == path+1 {
			a.paths.rec(path).refs-- // same path: drop the reference internPath took
			return
		}
		if old != 0 {
			ps.set(pid, pathID, path+1)
			a.paths.unref(old - 1)
			return
		}
		ps.set(pid, pathID, path+1)
		a.pfx.rec(pid).refs++
		ps.n++
		a.routeCount++
		return
	}
	pid := a.addPrefix(key)
	ps.set(pid, pathID, path+1)
	ps.n++
	a.routeCount++
}

// Withdraw removes the route of the peer for the prefix and path ID, if
// held.
func (a *Aggregator) Withdraw(p Peer, prefix netip.Prefix, pathID uint32) {
	if !prefix.IsValid() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.withdrawLocked(p, prefix, pathID)
}

func (a *Aggregator) withdrawLocked(p Peer, prefix netip.Prefix, pathID uint32) {
	a.withdrawKey(p, keyOf(prefix.Masked()), pathID)
}

// withdrawKey is withdrawLocked for a masked prefix's key.
func (a *Aggregator) withdrawKey(p Peer, key pfxKey, pathID uint32) {
	i, ok := a.peerIdx[p]
	if !ok {
		return
	}
	ps := a.peers[i]
	pid, ok := a.lookupPrefix(key)
	if !ok {
		return
	}
	old := ps.get(pid, pathID)
	if old == 0 {
		return
	}
	ps.set(pid, pathID, 0)
	ps.n--
	a.routeCount--
	a.paths.unref(old - 1)
	a.unrefPrefix(pid)
}

// ResetPeer forgets every route of the peer (its session went down). The
// peer stays listed in the Summary with no prefixes.
func (a *Aggregator) ResetPeer(p Peer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resetPeerLocked(p)
}

func (a *Aggregator) resetPeerLocked(p Peer) {
	i, ok := a.peerIdx[p]
	if !ok {
		return
	}
	ps := a.peers[i]
	for pg, page := range ps.pages {
		for j, v := range page {
			if v != 0 {
				a.paths.unref(v - 1)
				a.unrefPrefix(uint32(pg<<pageShift | j))
			}
		}
	}
	for k, v := range ps.extra {
		a.paths.unref(v - 1)
		a.unrefPrefix(uint32(k >> 32))
	}
	a.routeCount -= ps.n
	ps.pages, ps.extra, ps.n = nil, nil, 0
}

// Routes returns the number of routes held.
func (a *Aggregator) Routes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.routeCount
}

func (a *Aggregator) peerLocked(p Peer) *peerState {
	a16 := p.Addr.As16()
	slot := (p.ASN*0x9e3779b1 ^ uint32(a16[15]) ^ uint32(a16[14])<<8 ^ uint32(a16[3])<<16) >> 26
	if c := a.peerCache[slot]; c > 0 && a.peers[c-1].peer == p {
		return a.peers[c-1]
	}
	i, ok := a.peerIdx[p]
	if !ok {
		i = int32(len(a.peers))
		a.peers = append(a.peers, &peerState{peer: p})
		a.peerIdx[p] = i
	}
	a.peerCache[slot] = i + 1
	return a.peers[i]
}

func (ps *peerState) get(pid, pathID uint32) uint32 {
	if pathID != 0 {
		return ps.extra[uint64(pid)<<32|uint64(pathID)]
	}
	pg := int(pid >> pageShift)
	if pg >= len(ps.pages) || ps.pages[pg] == nil {
		return 0
	}
	return ps.pages[pg][pid&pageMask]
}

func (ps *peerState) set(pid, pathID, v uint32) {
	if pathID != 0 {
		k := uint64(pid)<<32 | uint64(pathID)
		if v == 0 {
			delete(ps.extra, k)
			return
		}
		if ps.extra == nil {
			ps.extra = make(map[uint64]uint32)
		}
		ps.extra[k] = v
		return
	}
	pg := int(pid >> pageShift)
	if pg >= len(ps.pages) {
		if v == 0 {
			return
		}
		ps.pages = slices.Grow(ps.pages, pg+1-len(ps.pages))[:pg+1]
	}
	if ps.pages[pg] == nil {
		if v == 0 {
			return
		}
		ps.pages[pg] = make([]uint32, pageSize)
	}
	ps.pages[pg][pid&pageMask] = v
}

func (a *Aggregator) lookupPrefix(k pfxKey) (uint32, bool) { return a.pfx.lookup(k) }

// addPrefix interns a new prefix with one reference.
func (a *Aggregator) addPrefix(k pfxKey) uint32 { return a.pfx.add(k) }

func (a *Aggregator) unrefPrefix(pid uint32) { a.pfx.unref(pid) }

// encodePath writes the path as words: per segment a header (ASN count,
// high bit set for an AS_SET) followed by the ASNs.
func encodePath(dst []uint32, path []Segment) []uint32 {
	dst = dst[:0]
	for _, s := range path {
		h := uint32(len(s.ASNs))
		if s.Set {
			h |= 1 << 31
		}
		dst = append(dst, h)
		dst = append(dst, s.ASNs...)
	}
	return dst
}

// originOf returns the origin of an encoded path, like Route.Origin.
func originOf(w []uint32) (uint32, bool) {
	var org uint32
	ok := false
	for i := 0; i < len(w); {
		n := int(w[i] &^ (1 << 31))
		set := w[i]&(1<<31) != 0
		seg := w[i+1 : i+1+n]
		i += 1 + n
		switch {
		case set || n == 0:
			ok = false
		default:
			org, ok = seg[n-1], true
		}
	}
	return org, ok
}

// internPath returns the ID of the encoded path w (hash h), taking one
// reference. The peer's cache of recent paths is tried first: neighbouring
// prefixes of one peer often share a path.
func (a *Aggregator) internPath(w []uint32, h uint64, ps *peerState) uint32 {
	slot := &ps.pathCache[h>>58]
	if id := *slot; id != 0 {
		rec := a.paths.rec(id - 1)
		if rec.refs > 0 && rec.hash == h && slices.Equal(a.paths.words(rec), w) {
			rec.refs++
			return id - 1
		}
	}
	id := a.paths.ref(w, h)
	*slot = id + 1
	return id
}

// Summary is what the routes held by an Aggregator show.
type Summary struct {
	Routes   int             `json:"routes"`
	Peers    []PeerSummary   `json:"peers"`    // sorted by ASN, then address
	Origins  []OriginSummary `json:"origins"`  // sorted by ASN
	Links    []Link          `json:"links"`    // sorted by A, then B
	Prefixes []PrefixOrigins `json:"prefixes"` // sorted by address family, address, length
}

// PeerSummary counts the distinct prefixes a peer announces (several
// ADD-PATH paths to one prefix count once).
type PeerSummary struct {
	Peer       Peer `json:"peer"`
	PrefixesV4 int  `json:"prefixes_v4"`
	PrefixesV6 int  `json:"prefixes_v6"`
}

// OriginSummary describes what one origin ASN announces, as seen through
// any peer. AddrsV4 counts the distinct IPv4 addresses (/32s) covered by
// its IPv4 prefixes (overlapping prefixes are not counted twice);
// Slash48sV6 counts the distinct IPv6 /48s that contain at least one
// address of its IPv6 prefixes (a /64 counts its /48).
type OriginSummary struct {
	ASN        uint32 `json:"asn"`
	PrefixesV4 int    `json:"prefixes_v4"`
	PrefixesV6 int    `json:"prefixes_v6"`
	AddrsV4    uint64 `json:"addrs_v4"`
	Slash48sV6 uint64 `json:"slash48s_v6"`
}

// Link is an adjacency between two ASNs in AS paths, as an unordered pair
// (A < B), with the number of peers having at least one path that shows
// it. Prepending is removed, AS_SET segments make no links, and no link
// crosses an AS_SET.
type Link struct {
	A     uint32 `json:"a"`
	B     uint32 `json:"b"`
	Peers int    `json:"peers"`
}

// PrefixOrigins is a distinct prefix with the set of its origin ASNs
// (sorted). Origins is empty when every path to it ends in an AS_SET.
type PrefixOrigins struct {
	Prefix  netip.Prefix `json:"prefix"`
	Origins []uint32     `json:"origins"`
}

// Summary derives the Summary of the routes held now. It walks every route
// under the lock, on two goroutines (links on one, the rest on the other).
func (a *Aggregator) Summary() Summary {
	a.mu.Lock()
	defer a.mu.Unlock()

	s := Summary{Routes: a.routeCount}
	// The links are derived on another goroutine while this one does the
	// rest: both only read the state, which the lock keeps still.
	linksDone := make(chan []Link, 1)
	go func() { linksDone <- a.links() }()

	// Per peer, and the origin set of each prefix.
	const noOrigin = 0
	first := make([]uint64, a.pfx.ids()) // 1<<32|asn, 0 = none yet
	more := map[uint32][]uint32{}        // prefix ID -> further origins
	// Origin of every live path: 1<<32|asn, 0 without a single origin.
	pathOrg := make([]uint64, a.paths.ids())
	for i := range uint32(a.paths.ids()) {
		if rec := a.paths.rec(i); rec.refs > 0 {
			if o, ok := originOf(a.paths.words(rec)); ok {
				pathOrg[i] = 1<<32 | uint64(o)
			}
		}
	}
	addOrigin := func(pid uint32, pathIdx uint32) {
		v := pathOrg[pathIdx]
		if v == 0 {
			return
		}
		switch f := first[pid]; {
		case f == noOrigin:
			first[pid] = v
		case f != v && !slices.Contains(more[pid], uint32(v)):
			more[pid] = append(more[pid], uint32(v))
		}
	}
	for _, ps := range a.peers {
		sum := PeerSummary{Peer: ps.peer}
		for pg, page := range ps.pages {
			for j, v := range page {
				if v == 0 {
					continue
				}
				pid := uint32(pg<<pageShift | j)
				if a.pfx.rec(pid).key.v6 {
					sum.PrefixesV6++
				} else {
					sum.PrefixesV4++
				}
				addOrigin(pid, v-1)
			}
		}
		if len(ps.extra) > 0 {
			seen := map[uint32]bool{}
			for k, v := range ps.extra {
				pid := uint32(k >> 32)
				addOrigin(pid, v-1)
				if seen[pid] || ps.get(pid, 0) != 0 {
					continue
				}
				seen[pid] = true
				if a.pfx.rec(pid).key.v6 {
					sum.PrefixesV6++
				} else {
					sum.PrefixesV4++
				}
			}
		}
		s.Peers = append(s.Peers, sum)
	}
	slices.SortFunc(s.Peers, func(x, y PeerSummary) int {
		if c := cmp.Compare(x.Peer.ASN, y.Peer.ASN); c != 0 {
			return c
		}
		return x.Peer.Addr.Compare(y.Peer.Addr)
	})

	// Distinct prefixes with their origins; per origin ranges.
	type rng struct{ lo, hi uint64 } // inclusive
	type acc struct {
		v4, v6     int
		r4, r6     []rng
		addrs, s48 uint64
	}
	origins := map[uint32]*acc{}
	nOrg := 0
	for pid, f := range first {
		if f != noOrigin {
			nOrg += 1 + len(more[uint32(pid)])
		}
	}
	orgBuf := make([]uint32, 0, nOrg)
	s.Prefixes = make([]PrefixOrigins, 0, a.pfx.live)
	for pid := range uint32(a.pfx.ids()) {
		rec := a.pfx.rec(pid)
		if rec.refs == 0 {
			continue
		}
		k := rec.key
		start := len(orgBuf)
		if f := first[pid]; f != noOrigin {
			orgBuf = append(orgBuf, uint32(f))
			orgBuf = append(orgBuf, more[uint32(pid)]...)
		}
		orgs := orgBuf[start:len(orgBuf):len(orgBuf)]
		slices.Sort(orgs)
		s.Prefixes = append(s.Prefixes, PrefixOrigins{Prefix: k.prefix(), Origins: orgs})
		for _, o := range orgs {
			ac := origins[o]
			if ac == nil {
				ac = &acc{}
				origins[o] = ac
			}
			if k.v6 {
				ac.v6++
				// Work on /48 units: the top 48 bits of the address.
				unit := k.hi >> 16
				if k.bits < 48 {
					size := uint64(1) << (48 - k.bits)
					unit &^= size - 1
					ac.r6 = append(ac.r6, rng{unit, unit + size - 1})
				} else {
					ac.r6 = append(ac.r6, rng{unit, unit})
				}
			} else {
				ac.v4++
				lo := k.lo & 0xffffffff
				size := uint64(1) << (32 - k.bits)
				ac.r4 = append(ac.r4, rng{lo, lo + size - 1})
			}
		}
	}
	slices.SortFunc(s.Prefixes, func(x, y PrefixOrigins) int {
		if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(x.Prefix.Bits(), y.Prefix.Bits())
	})
	union := func(rs []rng) uint64 {
		slices.SortFunc(rs, func(x, y rng) int { return cmp.Compare(x.lo, y.lo) })
		var total uint64
		var cur rng
		have := false
		for _, r := range rs {
			switch {
			case !have:
				cur, have = r, true
			case r.lo <= cur.hi+1: // hi is below 1<<48: no overflow
				cur.hi = max(cur.hi, r.hi)
			default:
				total += cur.hi - cur.lo + 1
				cur = r
			}
		}
		if have {
			total += cur.hi - cur.lo + 1
		}
		return total
	}
	s.Origins = make([]OriginSummary, 0, len(origins))
	for asn, ac := range origins {
		s.Origins = append(s.Origins, OriginSummary{
			ASN: asn, PrefixesV4: ac.v4, PrefixesV6: ac.v6,
			AddrsV4: union(ac.r4), Slash48sV6: union(ac.r6),
		})
	}
	slices.SortFunc(s.Origins, func(x, y OriginSummary) int { return cmp.Compare(x.ASN, y.ASN) })

	s.Links = <-linksDone
	return s
}

// links counts, per AS adjacency, the peers with a path that shows it.
// The links of each peer's distinct paths are sorted and deduplicated per
// peer (two workers share the peers), then the peers' lists are merged:
// the number of lists holding a link is its number of peers. Sorting and
// merging (sequential memory) are several times faster than a map with a
// million links.
func (a *Aggregator) links() []Link {
	const workers = 2
	var next atomic.Int32
	lists := make([][]uint64, len(a.peers))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { a.peerLinks(&next, lists) })
	}
	wg.Wait()
	// At most one link per key of the lists: the capacity not used is
	// never touched.
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]Link, 0, n)
	mergeRuns(lists, func(key uint64, peers int) {
		out = append(out, Link{A: uint32(key >> 32), B: uint32(key), Peers: peers})
	})
	return out
}

// peerLinks takes peers by index from next until none is left, and sets
// lists[i] to the sorted, deduplicated link keys of peer i. The peer's
// distinct path ids are sorted first, so that the paths are read in the
// order they are stored rather than at random.
func (a *Aggregator) peerLinks(next *atomic.Int32, lists [][]uint64) {
	var ids, keys, tmp []uint64
	for {
		i := int(next.Add(1)) - 1
		if i >= len(a.peers) {
			return
		}
		ps := a.peers[i]
		ids = ids[:0]
		for _, page := range ps.pages {
			for _, v := range page {
				if v != 0 {
					ids = append(ids, uint64(v-1))
				}
			}
		}
		for _, v := range ps.extra {
			ids = append(ids, uint64(v-1))
		}
		tmp = sortUint64(ids, tmp)
		keys = keys[:0]
		for _, id := range dedupSorted(ids) {
			keys = appendLinks(keys, a.paths.words(a.paths.rec(uint32(id))))
		}
		tmp = sortUint64(keys, tmp)
		lists[i] = slices.Clone(dedupSorted(keys))
	}
}

// appendLinks appends the AS links of an encoded path as keys A<<32|B
// (A < B): prepending removed, no link within or across an AS_SET, none
// with ASN 0.
func appendLinks(dst []uint64, w []uint32) []uint64 {
	var prev uint32
	havePrev := false
	for i := 0; i < len(w); {
		n := int(w[i] &^ (1 << 31))
		set := w[i]&(1<<31) != 0
		seg := w[i+1 : i+1+n]
		i += 1 + n
		if set {
			havePrev = false
			continue
		}
		for _, asn := range seg {
			if havePrev && asn != prev && asn != 0 && prev != 0 {
				dst = append(dst, uint64(min(prev, asn))<<32|uint64(max(prev, asn)))
			}
			prev, havePrev = asn, true
		}
	}
	return dst
}
