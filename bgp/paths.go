package bgp

import (
	"math/bits"
	"slices"
)

// pathTable interns encoded AS paths (see encodePath) with reference
// counts. Each distinct path is stored once, in an arena of fixed-size
// chunks (growing never copies what is stored), and found through an
// open-addressing index whose slots also hold 32 bits of the path's hash,
// so probing past other paths touches only the index.
type pathTable struct {
	slots   []uint64         // hash>>32<<32 | id+1 by hash (linear probing); 0 = empty
	recs    chunked[pathRec] // by id
	free    []uint32         // ids of freed records
	live    int              // paths with references
	chunks  [][]uint32
	used    int // words used in the arena (live and garbage)
	garbage int // words held by freed paths
}

type pathRec struct {
	hash uint64
	off  uint32 // arena position (chunk<<chunkShift | index) of the word count, then the words
	refs uint32 // routes using the path; 0 = free record
}

// The arena is made of chunks of 1<<chunkShift words (1 MiB). A path that
// does not fit in the rest of the current chunk starts a new one; a path
// longer than a chunk (more ASNs than any BGP message can carry) gets a
// chunk of its own.
const (
	chunkShift = 18
	chunkWords = 1 << chunkShift
	chunkMask  = chunkWords - 1
)

func newPathTable() pathTable {
	return pathTable{slots: make([]uint64, 1024)}
}

// rec returns the record of a path id.
func (t *pathTable) rec(id uint32) *pathRec { return t.recs.at(id) }

// ids is the number of path ids handed out (live and free).
func (t *pathTable) ids() int { return t.recs.len() }

// words returns the stored words of a path.
func (t *pathTable) words(rec *pathRec) []uint32 {
	c := t.chunks[rec.off>>chunkShift]
	i := rec.off & chunkMask
	n := c[i]
	return c[i+1 : i+1+n]
}

func hashWords(w []uint32) uint64 {
	h := uint64(0x9e3779b97f4a7c15) ^ uint64(len(w))
	for _, x := range w {
		hi, lo := bits.Mul64(h^uint64(x), 0xbf58476d1ce4e5b9)
		h = hi ^ lo
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// ref returns the id of the path w (whose hash is h), taking one
// reference; a new path is stored.
func (t *pathTable) ref(w []uint32, h uint64) uint32 {
	mask := uint64(len(t.slots) - 1)
	tag := h &^ 0xffffffff
	i := h & mask
	for {
		s := t.slots[i]
		if s == 0 {
			break
		}
		if s&^0xffffffff == tag {
			rec := t.rec(uint32(s) - 1)
			if rec.hash == h && slices.Equal(t.words(rec), w) {
				rec.refs++
				return uint32(s) - 1
			}
		}
		i = (i + 1) & mask
	}
	if t.garbage > 1<<20 && t.garbage > t.used/2 {
		t.compact()
	}
	rec := pathRec{hash: h, off: t.store(w), refs: 1}
	var id uint32
	if n := len(t.free); n > 0 {
		id = t.free[n-1]
		t.free = t.free[:n-1]
		*t.rec(id) = rec
	} else {
		id = t.recs.add(rec)
	}
	t.slots[i] = slotOf(h, id)
	t.live++
	if t.live*4 > len(t.slots)*3 {
		t.grow()
	}
	return id
}

// store appends the word count and the words to the arena and returns
// their position.
func (t *pathTable) store(w []uint32) uint32 {
	need := len(w) + 1
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last])+need > cap(t.chunks[last]) {
		t.chunks = append(t.chunks, make([]uint32, 0, max(chunkWords, need)))
		last++
	}
	c := t.chunks[last]
	off := uint32(last)<<chunkShift | uint32(len(c))
	c = append(c, uint32(len(w)))
	t.chunks[last] = append(c, w...)
	t.used += need
	return off
}

// grow doubles the index.
func (t *pathTable) grow() {
	t.slots = buildIndex(2*len(t.slots), t.ids(), t.liveHash)
}

// unref drops one reference to the path; the last one frees it.
func (t *pathTable) unref(id uint32) {
	rec := t.rec(id)
	rec.refs--
	if rec.refs > 0 {
		return
	}
	unindex(t.slots, id, rec.hash, t.hashOf)
	t.live--
	t.garbage += 1 + len(t.words(rec))
	*rec = pathRec{}
	t.free = append(t.free, id)
}

// compact copies the live paths into new chunks; ids are kept.
func (t *pathTable) compact() {
	old := t.chunks
	t.chunks, t.used, t.garbage = nil, 0, 0
	for id := range uint32(t.ids()) {
		rec := t.rec(id)
		if rec.refs == 0 {
			continue
		}
		c := old[rec.off>>chunkShift]
		i := rec.off & chunkMask
		rec.off = t.store(c[i+1 : i+1+c[i]])
	}
}

// hashOf returns the hash of record id.
func (t *pathTable) hashOf(id uint32) uint64 { return t.rec(id).hash }

// liveHash returns the hash of record id and whether it is live.
func (t *pathTable) liveHash(id uint32) (uint64, bool) {
	rec := t.rec(id)
	return rec.hash, rec.refs > 0
}
