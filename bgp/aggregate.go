package bgp

import (
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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

	peerIdx peerIndex
	peers   []*peerState // by peerIdx number

	// Prefixes, interned; reference count = number of routes.
	pfx prefixTable

	paths pathTable // interned AS paths (see encodePath)

	scratch    []uint32
	routeCount int

	// Whole-table mode (KeepWholeTables): only whole tables and carried
	// ones enter a Summary.
	wholeMode bool
	carryMax  time.Duration
	now       func() time.Time
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
	pathCache [64]uint32 // path ID+1 of recent announcements, by hash: neighbouring prefixes often share paths
	peerTable            // the routes held now

	// Whole-table mode: whole is set by MarkWhole and cleared by
	// ResetPeer; carried is the last whole table while the current one
	// reloads, since carriedSince.
	whole        bool
	noEOR        bool // made whole by a timeout, not by End-of-RIB
	carried      *peerTable
	carriedSince time.Time
}

// peerTable is the routes of one peer.
type peerTable struct {
	pages [][]uint32        // [prefixID>>pageShift][prefixID&pageMask] = pathID+1 (path ID 0 routes)
	extra map[uint64]uint32 // prefixID<<32|pathID -> pathIdx+1 (ADD-PATH routes, path ID != 0)
	n     int               // routes held
}

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{
		peerIdx: newPeerIndex(),
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
	i, ok := a.peerIdx.lookup(p)
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

// KeepWholeTables switches the Aggregator to whole-table mode, for live
// sessions: a peer's routes enter a Summary only once MarkWhole has been
// called for its current table (End-of-RIB received); ResetPeer then keeps
// the last whole table and a Summary shows it instead of the reloading
// one, for at most carryMax after the reset. A peer with neither is left
// out of the Summary. now gives the time (nil: time.Now). Call it before
// any route is fed.
func (a *Aggregator) KeepWholeTables(carryMax time.Duration, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.wholeMode, a.carryMax, a.now = true, carryMax, now
}

// MarkWhole says the peer's current table is whole (End-of-RIB received
// for every family, or noEOR: its timeout passed); a carried table is
// dropped.
func (a *Aggregator) MarkWhole(p Peer, noEOR bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ps := a.peerLocked(p)
	ps.whole, ps.noEOR = true, noEOR
	if ps.carried != nil {
		a.dropTable(ps.carried)
		ps.carried = nil
	}
}

// ResetPeer forgets every route of the peer (its session went down). The
// peer stays listed in the Summary with no prefixes. In whole-table mode a
// whole table is kept as the carried table instead (a previous carried
// table is dropped), and the peer's next table starts empty and partial.
func (a *Aggregator) ResetPeer(p Peer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resetPeerLocked(p)
}

func (a *Aggregator) resetPeerLocked(p Peer) {
	i, ok := a.peerIdx.lookup(p)
	if !ok {
		return
	}
	ps := a.peers[i]
	if a.wholeMode && ps.whole {
		if ps.carried != nil {
			a.dropTable(ps.carried)
		}
		t := ps.peerTable
		ps.carried, ps.carriedSince = &t, a.now()
		a.routeCount -= ps.n
		ps.peerTable = peerTable{}
		ps.whole, ps.noEOR = false, false
		return
	}
	ps.whole, ps.noEOR = false, false
	a.dropTable(&ps.peerTable)
	a.routeCount -= ps.n
	ps.peerTable = peerTable{}
}

// dropTable releases the references of the routes of t.
func (a *Aggregator) dropTable(t *peerTable) {
	for pg, page := range t.pages {
		for j, v := range page {
			if v != 0 {
				a.paths.unref(v - 1)
				a.unrefPrefix(uint32(pg<<pageShift | j))
			}
		}
	}
	for k, v := range t.extra {
		a.paths.unref(v - 1)
		a.unrefPrefix(uint32(k >> 32))
	}
}

// viewLocked returns the table of ps a Summary shows: the current one,
// or in whole-table mode the whole or carried one, nil for none.
func (a *Aggregator) viewLocked(ps *peerState, now time.Time) (t *peerTable, carriedSince time.Time) {
	switch {
	case !a.wholeMode || ps.whole:
		return &ps.peerTable, time.Time{}
	case ps.carried != nil && now.Sub(ps.carriedSince) <= a.carryMax:
		return ps.carried, ps.carriedSince
	}
	return nil, time.Time{}
}

// Routes returns the number of routes held.
func (a *Aggregator) Routes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.routeCount
}

func (a *Aggregator) peerLocked(p Peer) *peerState {
	i, isNew := a.peerIdx.index(p)
	if isNew {
		a.peers = append(a.peers, &peerState{peer: p})
	}
	return a.peers[i]
}

func (ps *peerTable) get(pid, pathID uint32) uint32 {
	if pathID != 0 {
		return ps.extra[uint64(pid)<<32|uint64(pathID)]
	}
	pg := int(pid >> pageShift)
	if pg >= len(ps.pages) || ps.pages[pg] == nil {
		return 0
	}
	return ps.pages[pg][pid&pageMask]
}

func (ps *peerTable) set(pid, pathID, v uint32) {
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

// Summary derives the Summary of the routes held now. It walks every route
// under the lock; the links of the peers are gathered by two more
// goroutines meanwhile.
func (a *Aggregator) Summary() Summary {
	a.mu.Lock()
	defer a.mu.Unlock()

	var now time.Time
	if a.wholeMode {
		now = a.now()
	}
	views := make([]*peerTable, len(a.peers))
	since := make([]time.Time, len(a.peers))
	in := summaryInput{}
	for i, ps := range a.peers {
		views[i], since[i] = a.viewLocked(ps, now)
		if views[i] != nil {
			in.routes += views[i].n
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { in.links = a.linkLists(views) })
	used := make([]bool, a.pfx.ids()) // prefixes of the tables shown

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
		used[pid] = true
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
	if len(a.peers) > 0 {
		in.peers = make([]PeerSummary, 0, len(a.peers))
	}
	for i, ps := range a.peers {
		t := views[i]
		if t == nil {
			continue
		}
		sum := PeerSummary{Peer: ps.peer, CarriedSince: since[i], NoEOR: a.wholeMode && ps.whole && ps.noEOR}
		for pg, page := range t.pages {
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
		if len(t.extra) > 0 {
			seen := map[uint32]bool{}
			for k, v := range t.extra {
				pid := uint32(k >> 32)
				addOrigin(pid, v-1)
				if seen[pid] || t.get(pid, 0) != 0 {
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
		in.peers = append(in.peers, sum)
	}

	// Distinct prefixes with their origins.
	nOrg := 0
	for pid, f := range first {
		if f != noOrigin {
			nOrg += 1 + len(more[uint32(pid)])
		}
	}
	orgBuf := make([]uint32, 0, nOrg)
	in.prefixes = make([]PrefixOrigins, 0, a.pfx.live)
	for pid := range uint32(a.pfx.ids()) {
		rec := a.pfx.rec(pid)
		if rec.refs == 0 || !used[pid] {
			continue
		}
		start := len(orgBuf)
		if f := first[pid]; f != noOrigin {
			orgBuf = append(orgBuf, uint32(f))
			orgBuf = append(orgBuf, more[uint32(pid)]...)
		}
		orgs := orgBuf[start:len(orgBuf):len(orgBuf)]
		slices.Sort(orgs)
		in.prefixes = append(in.prefixes, PrefixOrigins{Prefix: rec.key.prefix(), Origins: orgs})
	}
	wg.Wait()
	return in.summary()
}

// linkLists returns, per peer, the sorted distinct keys of the links in its
// paths. Two workers share the peers.
func (a *Aggregator) linkLists(views []*peerTable) [][]uint64 {
	const workers = 2
	var next atomic.Int32
	lists := make([][]uint64, len(a.peers))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { a.peerLinks(&next, views, lists) })
	}
	wg.Wait()
	return lists
}

// peerLinks takes peers by index from next until none is left, and sets
// lists[i] to the sorted, deduplicated link keys of peer i. The peer's
// distinct path ids are sorted first, so that the paths are read in the
// order they are stored rather than at random.
func (a *Aggregator) peerLinks(next *atomic.Int32, views []*peerTable, lists [][]uint64) {
	var ids, keys, tmp []uint64
	for {
		i := int(next.Add(1)) - 1
		if i >= len(a.peers) {
			return
		}
		ps := views[i]
		if ps == nil {
			continue
		}
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
