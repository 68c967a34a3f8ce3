package bgp

// The path and prefix tables index their records with the same kind of
// open-addressing table: a power-of-two slice of uint64 slots, each the
// high 32 bits of the record's hash and its id+1 (0 = empty), found by
// linear probing from the hash's low bits. The hash bits in the slot let a
// probe skip other records without reading them.

// slotOf is the slot value of a record.
func slotOf(hash uint64, id uint32) uint64 { return hash&^0xffffffff | uint64(id+1) }

// buildIndex returns an index of size slots holding every live record:
// ids counts the ids, hashOf gives a record's hash and whether it is live.
// Records are visited in id order, so their hashes are read sequentially.
func buildIndex(size, ids int, hashOf func(id uint32) (uint64, bool)) []uint64 {
	slots := make([]uint64, size)
	mask := uint64(size - 1)
	for id := range uint32(ids) {
		h, live := hashOf(id)
		if !live {
			continue
		}
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = slotOf(h, id)
	}
	return slots
}

// unindex removes the record id, whose hash is hash, from the index,
// moving later records of its probe chain back (backward-shift deletion:
// chains stay intact without tombstones). hashOf gives a record's hash.
func unindex(slots []uint64, id uint32, hash uint64, hashOf func(id uint32) uint64) {
	mask := uint64(len(slots) - 1)
	i := hash & mask
	for uint32(slots[i]) != id+1 {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask {
		home := hashOf(uint32(slots[j])-1) & mask
		// Move the record at j back to i if its home is not in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			slots[i] = slots[j]
			i = j
		}
	}
	slots[i] = 0
}
