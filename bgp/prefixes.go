package bgp

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// pfxKey is a compact, comparable form of a masked prefix.
type pfxKey struct {
	hi, lo uint64
	bits   uint8
	v6     bool
}

func keyOf(p netip.Prefix) pfxKey {
	a := p.Addr().As16()
	return pfxKey{
		hi:   binary.BigEndian.Uint64(a[:8]),
		lo:   binary.BigEndian.Uint64(a[8:]),
		bits: uint8(p.Bits()),
		v6:   !p.Addr().Is4(),
	}
}

func (k pfxKey) prefix() netip.Prefix {
	var a [16]byte
	binary.BigEndian.PutUint64(a[:8], k.hi)
	binary.BigEndian.PutUint64(a[8:], k.lo)
	addr := netip.AddrFrom16(a)
	if !k.v6 {
		addr = addr.Unmap()
	}
	return netip.PrefixFrom(addr, int(k.bits))
}

func (k pfxKey) hash() uint64 {
	fam := uint64(k.bits)
	if k.v6 {
		fam |= 1 << 8
	}
	hi, lo := bits.Mul64(k.hi^0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9)
	h := hi ^ lo ^ k.lo
	hi, lo = bits.Mul64(h^fam, 0x94d049bb133111eb)
	return hi ^ lo
}

// after reports whether k sorts after j: IPv4 before IPv6, then by
// address, then by length (the order of a RIB dump, from a walk of its
// prefix tree).
func (k pfxKey) after(j pfxKey) bool {
	switch {
	case k.v6 != j.v6:
		return k.v6
	case k.hi != j.hi:
		return k.hi > j.hi
	case k.lo != j.lo:
		return k.lo > j.lo
	}
	return k.bits > j.bits
}

// prefixTable interns prefixes as dense ids with reference counts (the
// routes holding them); a freed id is reused. Like pathTable, its index
// slots carry 32 bits of the hash, and records live in chunks.
type prefixTable struct {
	slots []uint64 // hash>>32<<32 | id+1 by hash (linear probing); 0 = empty
	recs  chunked[pfxRec]
	free  []uint32
	live  int
	// The last prefix looked up: every entry of a RIB record has the same.
	last   pfxKey
	lastID uint32
	lastOK bool
}

type pfxRec struct {
	key  pfxKey
	hash uint64
	refs uint32 // 0 = free
}

func newPrefixTable() prefixTable {
	return prefixTable{slots: make([]uint64, 1024)}
}

// ids is the number of ids handed out (live and free).
func (t *prefixTable) ids() int { return t.recs.len() }

// rec returns the record of an id.
func (t *prefixTable) rec(id uint32) *pfxRec { return t.recs.at(id) }

// lookup returns the id of k, if interned.
func (t *prefixTable) lookup(k pfxKey) (uint32, bool) {
	if t.lastOK && k == t.last {
		return t.lastID, true
	}
	h := k.hash()
	_, id, ok := t.find(k, h)
	if ok {
		t.last, t.lastID, t.lastOK = k, id, true
	}
	return id, ok
}

// find returns the slot holding k, or the empty slot where it would go.
func (t *prefixTable) find(k pfxKey, h uint64) (slot uint64, id uint32, ok bool) {
	mask := uint64(len(t.slots) - 1)
	tag := h &^ 0xffffffff
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return i, 0, false
		}
		if s&^0xffffffff == tag && t.rec(uint32(s)-1).key == k {
			return i, uint32(s) - 1, true
		}
	}
}

// add interns k, which is not interned, with one reference.
func (t *prefixTable) add(k pfxKey) uint32 {
	h := k.hash()
	slot, _, _ := t.find(k, h)
	rec := pfxRec{key: k, hash: h, refs: 1}
	var id uint32
	if n := len(t.free); n > 0 {
		id = t.free[n-1]
		t.free = t.free[:n-1]
		*t.rec(id) = rec
	} else {
		id = t.recs.add(rec)
	}
	t.slots[slot] = slotOf(h, id)
	t.live++
	if t.live*4 > len(t.slots)*3 {
		t.grow()
	}
	t.last, t.lastID, t.lastOK = k, id, true
	return id
}

func (t *prefixTable) grow() {
	t.slots = buildIndex(2*len(t.slots), t.ids(), t.liveHash)
}

// unref drops one reference; the last one frees the id.
func (t *prefixTable) unref(id uint32) {
	rec := t.rec(id)
	rec.refs--
	if rec.refs > 0 {
		return
	}
	unindex(t.slots, id, rec.hash, t.hashOf)
	t.live--
	if t.lastOK && t.lastID == id {
		t.lastOK = false
	}
	*rec = pfxRec{}
	t.free = append(t.free, id)
}

// PrefixSet is a set of prefixes (masked), cheaper than a map for the
// hundreds of thousands of prefixes of a table. While prefixes are added
// in the order of a RIB dump (IPv4 before IPv6, then by address and
// length), a new one is only compared with the last and appended; the
// first one out of that order builds the hash index of them all, which
// the rest then goes through.
type PrefixSet struct {
	ordered chunked[pfxKey] // while in order: every prefix, ascending
	last    pfxKey
	n       int
	t       *prefixTable // once out of order
}

// NewPrefixSet returns an empty set.
func NewPrefixSet() *PrefixSet { return &PrefixSet{} }

// Add adds the prefix (masked) and reports whether it was new.
func (s *PrefixSet) Add(p netip.Prefix) bool {
	k := keyOf(p.Masked())
	if s.t == nil {
		switch {
		case s.n == 0 || k.after(s.last):
			s.ordered.add(k)
			s.last = k
			s.n++
			return true
		case k == s.last:
			return false
		}
		t := newPrefixTable()
		for i := range uint32(s.ordered.len()) {
			t.add(*s.ordered.at(i))
		}
		s.t, s.ordered = &t, chunked[pfxKey]{}
	}
	if _, ok := s.t.lookup(k); ok {
		return false
	}
	s.t.add(k)
	s.n++
	return true
}

// Len is the number of prefixes in the set.
func (s *PrefixSet) Len() int { return s.n }

// hashOf returns the hash of record id.
func (t *prefixTable) hashOf(id uint32) uint64 { return t.rec(id).hash }

// liveHash returns the hash of record id and whether it is live.
func (t *prefixTable) liveHash(id uint32) (uint64, bool) {
	rec := t.rec(id)
	return rec.hash, rec.refs > 0
}
