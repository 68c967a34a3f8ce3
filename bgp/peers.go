package bgp

import "encoding/binary"

// peerIndex numbers peers 0, 1, 2… in the order they are first seen. A
// direct-mapped cache keyed by a hash of the peer sits in front of the map,
// since the entries of a RIB record alternate between the same few peers.
type peerIndex struct {
	idx   map[Peer]int32
	list  []Peer
	cache [1024]int32 // index+1
}

func newPeerIndex() peerIndex { return peerIndex{idx: make(map[Peer]int32)} }

// index returns the number of p, and whether p is new.
func (x *peerIndex) index(p Peer) (int32, bool) {
	a16 := p.Addr.As16()
	h := (uint64(p.ASN) ^ binary.LittleEndian.Uint64(a16[8:])) * 0x9e3779b97f4a7c15
	h ^= binary.LittleEndian.Uint64(a16[:8]) * 0xbf58476d1ce4e5b9
	slot := h >> 54
	if c := x.cache[slot]; c > 0 && x.list[c-1] == p {
		return c - 1, false
	}
	i, ok := x.idx[p]
	if !ok {
		i = int32(len(x.list))
		x.list = append(x.list, p)
		x.idx[p] = i
	}
	x.cache[slot] = i + 1
	return i, !ok
}

// lookup returns the number of p, if seen.
func (x *peerIndex) lookup(p Peer) (int32, bool) {
	i, ok := x.idx[p]
	return i, ok
}
