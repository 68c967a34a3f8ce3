package bgp

import (
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
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
// A RIB is for one goroutine.
type RIB struct {
	peerIdx  peerIndex
	byPos    []int32       // the peer of each position of the last groups
	peers    []PeerSummary // by peerIdx number
	links    []linkList    // by peerIdx number
	prefixes chunked[PrefixOrigins]
	origins  []uint32 // backing of the prefixes' Origins, in blocks
	routes   int

	// The prefix being read, its routes and their encoded paths.
	cur    netip.Prefix
	curKey pfxKey
	group  []ribRoute
	words  []uint32
	groups uint32 // groups closed, to stamp peers

	seen *PrefixSet // every prefix read (cheap while they come in order)

	cache     []ribCacheSlot
	peerStamp []uint32 // per peer: last group (+1) it had a route in
	orgs      []uint32
	tmp       []uint64 // scratch for sorting
	touched   uint32   // keeps the loads of closeGroup's first pass
}

type ribRoute struct {
	peer         int32
	pathID       uint32
	wStart, wEnd uint32
	hash         uint64
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

// NewRIB returns an empty RIB.
func NewRIB() *RIB {
	return &RIB{peerIdx: newPeerIndex(), seen: NewPrefixSet(), cache: make([]ribCacheSlot, ribCacheSlots)}
}

// Add adds a route of the dump. The prefix is masked; an invalid prefix is
// ignored. r.Path is copied.
func (r *RIB) Add(rt Route) error {
	if !rt.Prefix.IsValid() {
		return nil
	}
	if p := rt.Prefix.Masked(); p != r.cur {
		r.closeGroup()
		if err := r.open(p); err != nil {
			return err
		}
	}
	peer := r.peerAt(len(r.group), rt.Peer)
	start := len(r.words)
	r.words = encodePathTo(r.words, rt.Path)
	r.group = append(r.group, ribRoute{peer: peer, pathID: rt.PathID, wStart: uint32(start), wEnd: uint32(len(r.words)),
		hash: hashWords(r.words[start:])})
	return nil
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
		r.peers = append(r.peers, PeerSummary{Peer: p})
		r.links = append(r.links, linkList{})
		r.peerStamp = append(r.peerStamp, 0)
	}
	if pos >= len(r.byPos) {
		r.byPos = append(r.byPos, make([]int32, pos+1-len(r.byPos))...)
	}
	r.byPos[pos] = i
	return i
}

// open starts the group of prefix p, checking that p is not back.
func (r *RIB) open(p netip.Prefix) error {
	if !r.seen.Add(p) {
		return ErrNotRIB
	}
	r.cur, r.curKey = p, keyOf(p)
	return nil
}

// closeGroup derives what the routes of the current prefix add.
func (r *RIB) closeGroup() {
	if len(r.group) == 0 {
		return
	}
	r.groups++
	stamp := r.groups
	routes := r.group
	// One route per peer and path ID, the last one (checked with the peer
	// stamps: without ADD-PATH, one route per peer is the rule).
	dup := false
	for _, rt := range routes {
		if r.peerStamp[rt.peer] == stamp {
			dup = true
			break
		}
		r.peerStamp[rt.peer] = stamp
	}
	if dup {
		routes = r.lastPerPathID(routes)
	}
	r.routes += len(routes)
	// Read the cache slots of the routes first: independent loads, whose
	// cache misses overlap.
	var touched uint32
	for _, rt := range routes {
		touched += r.cache[r.cacheSlot(rt.peer, rt.hash)].n
	}
	r.touched = touched
	v6 := r.curKey.v6
	r.orgs = r.orgs[:0]
	r.groups++ // a second stamp, to count each peer once
	for _, rt := range routes {
		w := r.words[rt.wStart:rt.wEnd]
		if r.peerStamp[rt.peer] != r.groups {
			r.peerStamp[rt.peer] = r.groups
			if v6 {
				r.peers[rt.peer].PrefixesV6++
			} else {
				r.peers[rt.peer].PrefixesV4++
			}
		}
		if o, ok := originOf(w); ok && !slices.Contains(r.orgs, o) {
			r.orgs = append(r.orgs, o)
		}
		r.addLinks(rt.peer, w, rt.hash)
	}
	slices.Sort(r.orgs)
	r.prefixes.add(PrefixOrigins{Prefix: r.cur, Origins: r.keepOrigins(r.orgs)})
	r.group, r.words = r.group[:0], r.words[:0]
}

// lastPerPathID keeps the last route of each (peer, path ID).
func (r *RIB) lastPerPathID(routes []ribRoute) []ribRoute {
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
func (r *RIB) keepOrigins(orgs []uint32) []uint32 {
	if len(orgs) == 0 {
		return []uint32{}
	}
	if len(r.origins)+len(orgs) > cap(r.origins) {
		r.origins = make([]uint32, 0, max(1<<16, len(orgs)))
	}
	start := len(r.origins)
	r.origins = append(r.origins, orgs...)
	return r.origins[start:len(r.origins):len(r.origins)]
}

// addLinks adds the links of path w to the peer's list, unless the cache
// says they are there.
func (r *RIB) addLinks(peer int32, w []uint32, h uint64) {
	c := &r.cache[r.cacheSlot(peer, h)]
	if c.n == uint32(len(w)) && c.hash == h && c.peer == peer && slices.Equal(c.w[:c.n], w) {
		return
	}
	r.tmp = r.links[peer].add(w, r.tmp)
	if len(w) <= len(c.w) && len(w) > 0 {
		c.hash, c.peer, c.n = h, peer, uint32(len(w))
		copy(c.w[:], w)
	}
}

// cacheSlot is the slot of a (peer, path hash) in the cache.
func (r *RIB) cacheSlot(peer int32, h uint64) uint64 {
	return (h ^ uint64(peer)*0x9e3779b97f4a7c15) >> 48 & (ribCacheSlots - 1)
}

// Routes returns the number of routes added so far (one per peer, prefix
// and path ID).
func (r *RIB) Routes() int { return r.routes + len(r.group) }

// Summary derives the Summary of every route added. Call it once, after
// the last Add.
func (r *RIB) Summary() Summary {
	r.closeGroup()
	// The peers' lists are finished by two workers.
	var next atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var tmp []uint64
			for {
				i := int(next.Add(1)) - 1
				if i >= len(r.links) {
					return
				}
				tmp = r.links[i].compact(tmp)
			}
		})
	}
	wg.Wait()
	in := summaryInput{routes: r.routes, peers: r.peers, prefixes: make([]PrefixOrigins, 0, r.prefixes.len()), links: make([][]uint64, len(r.links))}
	for _, c := range r.prefixes.chunks {
		in.prefixes = append(in.prefixes, c[:min(len(c), r.prefixes.len()-len(in.prefixes))]...)
	}
	r.prefixes = chunked[PrefixOrigins]{}
	for i := range r.links {
		in.links[i] = r.links[i].keys
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
