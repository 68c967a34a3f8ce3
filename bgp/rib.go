package bgp

import (
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotRIB says that the routes given to a RIB are not a table dump read
// once: a prefix came back after the routes of other prefixes.
var ErrNotRIB = errors.New("bgp: not a RIB dump read once: a prefix comes back after other prefixes")

// RIB derives the Summary of a routing table dump read once, without
// keeping its routes. The routes of a prefix come together (a
// TABLE_DUMP_V2 record, or consecutive TABLE_DUMP records) and a prefix
// does not come back once other prefixes have followed: Add returns
// ErrNotRIB if one does, and the caller then reads its input into an
// Aggregator instead. For the same routes, its Summary is the Aggregator's
// (several routes of one peer with the same prefix and path ID: the last
// one counts, as in an Aggregator).
//
// What it keeps is per prefix (its origins), per peer (prefix counts and
// the keys of the links in its paths), and a fixed-size cache of the paths
// seen recently per peer, so that a path shared by many prefixes of a peer
// gives its links once: an Aggregator interns every path for that, which
// costs a table lookup (cache misses) per route. A path not in the cache
// adds its links again; the peer's list is sorted and deduplicated as it
// grows.
//
// Add only numbers peers, checks prefixes and copies routes into batches;
// the batches are derived on a goroutine of their own, so that reading an
// input and deriving its Summary overlap. Call Summary, or Close to give
// up, to end that goroutine. A RIB is for one goroutine.
type RIB struct {
	// Reading side: Add.
	peerIdx peerIndex
	byPos   []int32    // the peer of each position of the last groups
	seen    *PrefixSet // every prefix read (cheap while they come in order)
	cur     netip.Prefix
	batch   *ribBatch
	full    chan *ribBatch
	free    chan *ribBatch
	wg      sync.WaitGroup
	started bool
	ended   bool

	// Deriving side: the goroutine started with the first full batch, then
	// Summary once it has ended.
	d ribDeriver
}

// ribBatch carries groups of routes, one group per prefix, and the peers
// numbered since the previous batch.
type ribBatch struct {
	groups []ribGroup
	routes []ribRoute
	words  []uint32 // the routes' encoded paths
	peers  []Peer   // newly numbered peers, in number order
}

type ribGroup struct {
	prefix     netip.Prefix
	v6         bool
	start, end uint32 // its routes: routes[start:end]
}

type ribRoute struct {
	peer         int32
	pathID       uint32
	wStart, wEnd uint32
	hash         uint64
}

// A batch goes to the deriving goroutine once it holds ribBatchRoutes
// routes; ribBatches of them are in flight.
const (
	ribBatchRoutes = 4096
	ribBatches     = 4
)

// NewRIB returns an empty RIB.
func NewRIB() *RIB {
	return &RIB{
		peerIdx: newPeerIndex(),
		seen:    NewPrefixSet(),
		batch:   &ribBatch{},
		full:    make(chan *ribBatch, ribBatches),
		free:    make(chan *ribBatch, ribBatches+2),
		d:       ribDeriver{cache: make([]ribCacheSlot, ribCacheSlots)},
	}
}

// Add adds a route of the dump. The prefix is masked; an invalid prefix is
// ignored. r.Path is copied.
func (r *RIB) Add(rt Route) error {
	if !rt.Prefix.IsValid() {
		return nil
	}
	b := r.batch
	// Readers give masked prefixes: mask only one that differs.
	if p := rt.Prefix; p != r.cur && p.Masked() != r.cur {
		p = p.Masked()
		if !r.seen.Add(p) {
			return ErrNotRIB
		}
		r.endGroup()
		b = r.batch
		r.cur = p
		n := uint32(len(b.routes))
		b.groups = append(b.groups, ribGroup{prefix: p, v6: !p.Addr().Is4(), start: n, end: n})
	}
	peer := r.peerAt(len(b.routes)-int(b.groups[len(b.groups)-1].start), rt.Peer)
	start := len(b.words)
	b.words = encodePathTo(b.words, rt.Path)
	b.routes = append(b.routes, ribRoute{peer: peer, pathID: rt.PathID, wStart: uint32(start), wEnd: uint32(len(b.words)),
		hash: hashWords(b.words[start:])})
	b.groups[len(b.groups)-1].end = uint32(len(b.routes))
	return nil
}

// endGroup sends the batch to the deriving goroutine if it is full: the
// group just read is complete.
func (r *RIB) endGroup() {
	if len(r.batch.routes) < ribBatchRoutes {
		return
	}
	if !r.started {
		r.started = true
		r.wg.Go(r.derive)
	}
	r.full <- r.batch
	select {
	case b := <-r.free:
		b.groups, b.routes, b.words, b.peers = b.groups[:0], b.routes[:0], b.words[:0], b.peers[:0]
		r.batch = b
	default:
		r.batch = &ribBatch{}
	}
	r.cur = netip.Prefix{} // the next route starts a group of the new batch
}

// derive derives the batches sent, in order.
func (r *RIB) derive() {
	for b := range r.full {
		r.d.batch(b)
		select {
		case r.free <- b:
		default:
		}
	}
}

// peerAt returns the number of the peer of the route at position pos of
// its group. The groups of a dump list the same peers in the same order,
// so the peer at that position last time is tried first.
func (r *RIB) peerAt(pos int, p Peer) int32 {
	if pos < len(r.byPos) && r.peerIdx.list[r.byPos[pos]] == p {
		return r.byPos[pos]
	}
	i, isNew := r.peerIdx.index(p)
	if isNew {
		r.batch.peers = append(r.batch.peers, p)
	}
	if pos >= len(r.byPos) {
		r.byPos = append(r.byPos, make([]int32, pos+1-len(r.byPos))...)
	}
	r.byPos[pos] = i
	return i
}

// Close ends the deriving goroutine without a Summary (after ErrNotRIB,
// say). It may be called more than once, and after Summary.
func (r *RIB) Close() {
	if r.ended {
		return
	}
	r.ended = true
	close(r.full)
	r.wg.Wait()
}

// Summary derives the Summary of every route added. Call it once, after
// the last Add.
func (r *RIB) Summary() Summary {
	r.Close()
	r.d.batch(r.batch) // the last, partial batch
	r.batch = nil
	return r.d.summary()
}

// ribDeriver derives, group by group, what a RIB keeps.
type ribDeriver struct {
	peers    []PeerSummary // by peer number
	links    []linkList    // by peer number
	stamps   []uint32      // per peer: last group stamp it had a route in
	stamp    uint32
	prefixes chunked[PrefixOrigins]
	origins  []uint32 // backing of the prefixes' Origins, in blocks
	routes   int
	cache    []ribCacheSlot
	orgs     []uint32
	tmp      []uint64 // scratch for sorting
	touched  uint32   // keeps the loads of group's first pass
}

// ribCacheSlot holds one recent (peer, path) whose links are in the peer's
// list; paths longer than its words are not cached.
type ribCacheSlot struct {
	hash uint64
	peer int32
	n    uint32 // words held; 0 = empty
	w    [12]uint32
}

const ribCacheSlots = 1 << 16 // 4 MiB

// batch derives the groups of a batch.
func (d *ribDeriver) batch(b *ribBatch) {
	for _, p := range b.peers {
		d.peers = append(d.peers, PeerSummary{Peer: p})
		d.links = append(d.links, linkList{})
		d.stamps = append(d.stamps, 0)
	}
	for _, g := range b.groups {
		d.group(g, b.routes[g.start:g.end], b.words)
	}
}

// group derives what the routes of one prefix add.
func (d *ribDeriver) group(g ribGroup, routes []ribRoute, words []uint32) {
	if len(routes) == 0 {
		return
	}
	d.stamp++
	// One route per peer and path ID, the last one (checked with the peer
	// stamps: without ADD-PATH, one route per peer is the rule).
	for _, rt := range routes {
		if d.stamps[rt.peer] == d.stamp {
			routes = lastPerPathID(routes)
			break
		}
		d.stamps[rt.peer] = d.stamp
	}
	d.routes += len(routes)
	// Read the cache slots of the routes first: independent loads, whose
	// cache misses overlap.
	var touched uint32
	for _, rt := range routes {
		touched += d.cache[cacheSlot(rt.peer, rt.hash)].n
	}
	d.touched = touched
	d.orgs = d.orgs[:0]
	d.stamp++ // a second stamp, to count each peer once
	for _, rt := range routes {
		w := words[rt.wStart:rt.wEnd]
		if d.stamps[rt.peer] != d.stamp {
			d.stamps[rt.peer] = d.stamp
			if g.v6 {
				d.peers[rt.peer].PrefixesV6++
			} else {
				d.peers[rt.peer].PrefixesV4++
			}
		}
		if o, ok := originOf(w); ok && !slices.Contains(d.orgs, o) {
			d.orgs = append(d.orgs, o)
		}
		d.addLinks(rt.peer, w, rt.hash)
	}
	slices.Sort(d.orgs)
	d.prefixes.add(PrefixOrigins{Prefix: g.prefix, Origins: d.keepOrigins(d.orgs)})
}

// lastPerPathID keeps the last route of each (peer, path ID).
func lastPerPathID(routes []ribRoute) []ribRoute {
	// Keys peer<<32|path ID in the high bits would not leave room for the
	// index: sort indexes by key (stable: a key's last route ends its run).
	order := make([]int, len(routes))
	for i := range order {
		order[i] = i
	}
	key := func(i int) uint64 { return uint64(routes[i].peer)<<32 | uint64(routes[i].pathID) }
	slices.SortStableFunc(order, func(a, b int) int {
		ka, kb := key(a), key(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	kept := make([]ribRoute, 0, len(routes))
	for i, j := range order {
		if i+1 < len(order) && key(order[i+1]) == key(j) {
			continue // a later route of the same peer and path ID follows
		}
		kept = append(kept, routes[j])
	}
	return kept
}

// keepOrigins copies the origins into the backing blocks.
func (d *ribDeriver) keepOrigins(orgs []uint32) []uint32 {
	if len(orgs) == 0 {
		return []uint32{}
	}
	if len(d.origins)+len(orgs) > cap(d.origins) {
		d.origins = make([]uint32, 0, max(1<<16, len(orgs)))
	}
	start := len(d.origins)
	d.origins = append(d.origins, orgs...)
	return d.origins[start:len(d.origins):len(d.origins)]
}

// addLinks adds the links of path w to the peer's list, unless the cache
// says they are there.
func (d *ribDeriver) addLinks(peer int32, w []uint32, h uint64) {
	c := &d.cache[cacheSlot(peer, h)]
	if c.n == uint32(len(w)) && c.hash == h && c.peer == peer && slices.Equal(c.w[:c.n], w) {
		return
	}
	d.tmp = d.links[peer].add(w, d.tmp)
	if len(w) <= len(c.w) && len(w) > 0 {
		c.hash, c.peer, c.n = h, peer, uint32(len(w))
		copy(c.w[:], w)
	}
}

// cacheSlot is the slot of a (peer, path hash) in the cache.
func cacheSlot(peer int32, h uint64) uint64 {
	return (h ^ uint64(peer)*0x9e3779b97f4a7c15) >> 48 & (ribCacheSlots - 1)
}

// summary finishes the peers' link lists (two workers) and derives the
// Summary.
func (d *ribDeriver) summary() Summary {
	var next atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var tmp []uint64
			for {
				i := int(next.Add(1)) - 1
				if i >= len(d.links) {
					return
				}
				tmp = d.links[i].compact(tmp)
			}
		})
	}
	wg.Wait()
	in := summaryInput{routes: d.routes, peers: d.peers, prefixes: make([]PrefixOrigins, 0, d.prefixes.len()), links: make([][]uint64, len(d.links))}
	for _, c := range d.prefixes.chunks {
		in.prefixes = append(in.prefixes, c[:min(len(c), d.prefixes.len()-len(in.prefixes))]...)
	}
	d.prefixes = chunked[PrefixOrigins]{}
	for i := range d.links {
		in.links[i] = d.links[i].keys
	}
	return in.summary()
}

// linkList gathers the link keys of one peer: keys[:sorted] are sorted and
// distinct, the rest is appended since. When the rest grows as long as the
// sorted part (plus a margin), it is sorted and merged into it, so the list
// stays within about twice the distinct links and each key is sorted once.
type linkList struct {
	keys   []uint64
	sorted int
}

// add appends the links of path w; tmp is scratch, returned for reuse.
func (l *linkList) add(w []uint32, tmp []uint64) []uint64 {
	l.keys = appendLinks(l.keys, w)
	if len(l.keys)-l.sorted > l.sorted+1<<12 {
		tmp = l.compact(tmp)
	}
	return tmp
}

// compact makes the whole list sorted and distinct: the appended keys are
// sorted, then merged with the sorted part into tmp, which becomes the
// list (its old storage is returned as the next scratch).
func (l *linkList) compact(tmp []uint64) []uint64 {
	tail := l.keys[l.sorted:]
	tmp = sortUint64(tail, tmp)
	tail = dedupSorted(tail)
	head := l.keys[:l.sorted]
	out := slices.Grow(tmp[:0], len(head)+len(tail))
	i, j := 0, 0
	for i < len(head) && j < len(tail) {
		switch a, b := head[i], tail[j]; {
		case a < b:
			out = append(out, a)
			i++
		case a > b:
			out = append(out, b)
			j++
		default:
			out = append(out, a)
			i++
			j++
		}
	}
	out = append(out, head[i:]...)
	out = append(out, tail[j:]...)
	old := l.keys
	l.keys, l.sorted = out, len(out)
	return old[:0]
}

// SummarizeDump derives the Summary of a dump read by the given functions:
// first into a RIB, in one pass; if that pass fails with ErrNotRIB (a
// prefix came back, or the input has more than a table's routes), again
// from the start into an Aggregator. It returns how many passes it took
// and the time spent deriving the Summary after the last. An error of
// either pass other than ErrNotRIB is returned as is.
func SummarizeDump(toRIB func(*RIB) error, toAggregator func(*Aggregator) error) (sum Summary, passes int, derive time.Duration, err error) {
	rib := NewRIB()
	if err = toRIB(rib); err == nil {
		start := time.Now()
		sum = rib.Summary()
		return sum, 1, time.Since(start), nil
	}
	rib.Close()
	if !errors.Is(err, ErrNotRIB) {
		return sum, 1, 0, err
	}
	agg := NewAggregator()
	if err = toAggregator(agg); err != nil {
		return sum, 2, 0, err
	}
	start := time.Now()
	sum = agg.Summary()
	return sum, 2, time.Since(start), nil
}
