package bgp

// sortUint64 sorts keys in place (LSD radix sort, 16-bit digits), using
// tmp as scratch space (grown as needed) and returning it for reuse.
// Digits on which every key agrees are skipped, so keys that differ only
// in their low bits take one or two passes.
func sortUint64(keys, tmp []uint64) []uint64 {
	if len(keys) < 256 {
		insertionSort(keys)
		return tmp
	}
	if cap(tmp) < len(keys) {
		tmp = make([]uint64, len(keys))
	}
	tmp = tmp[:len(keys)]
	var counts [4][1 << 16]uint32
	for _, k := range keys {
		counts[0][uint16(k)]++
		counts[1][uint16(k>>16)]++
		counts[2][uint16(k>>32)]++
		counts[3][uint16(k>>48)]++
	}
	src, dst := keys, tmp
	n := uint32(len(keys))
	for d := range 4 {
		c := &counts[d]
		if c[uint16(src[0]>>(16*d))] == n {
			continue // every key has this digit
		}
		var sum uint32
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		shift := 16 * d
		for _, k := range src {
			digit := uint16(k >> shift)
			dst[c[digit]] = k
			c[digit]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	return tmp
}

func insertionSort(keys []uint64) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// dedupSorted removes repeated keys from a sorted slice.
func dedupSorted(keys []uint64) []uint64 {
	if len(keys) == 0 {
		return keys
	}
	out := keys[:1]
	for _, k := range keys[1:] {
		if k != out[len(out)-1] {
			out = append(out, k)
		}
	}
	return out
}
