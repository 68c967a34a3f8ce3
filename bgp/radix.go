package bgp

// sortUint64 sorts keys in place (LSD radix sort), using tmp as scratch
// space (grown as needed) and returning it for reuse. Digits on which
// every key agrees are skipped, so keys that differ only in their low bits
// take few passes. Large inputs use 16-bit digits (fewer passes), smaller
// ones 8-bit digits (a 16-bit digit's counts alone outweigh a pass over a
// few thousand keys).
func sortUint64(keys, tmp []uint64) []uint64 {
	if len(keys) < 64 {
		insertionSort(keys)
		return tmp
	}
	if cap(tmp) < len(keys) {
		tmp = make([]uint64, len(keys))
	}
	tmp = tmp[:len(keys)]
	if len(keys) >= 1<<17 {
		radixPasses[uint16](keys, tmp, 16)
	} else {
		radixPasses[uint8](keys, tmp, 8)
	}
	return tmp
}

// radixPasses sorts keys by digits of D's width, from the lowest, through
// tmp.
func radixPasses[D uint8 | uint16](keys, tmp []uint64, width int) {
	digits := 64 / width
	buckets := 1 << width
	counts := make([]uint32, digits*buckets) // digit d's counts at [d*buckets:]
	for _, k := range keys {
		for d := range digits {
			counts[d*buckets+int(D(k>>(width*d)))]++
		}
	}
	src, dst := keys, tmp
	n := uint32(len(keys))
	for d := range digits {
		c := counts[d*buckets : (d+1)*buckets]
		shift := width * d
		if c[D(src[0]>>shift)] == n {
			continue // every key has this digit
		}
		var sum uint32
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		for _, k := range src {
			digit := D(k >> shift)
			dst[c[digit]] = k
			c[digit]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
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

// mergeRuns merges sorted, deduplicated lists and calls fn for every
// distinct key with the number of lists holding it, in key order (a k-way
// merge over a binary heap of the lists' heads).
func mergeRuns(lists [][]uint64, fn func(key uint64, n int)) {
	type head struct {
		key  uint64
		list int
	}
	pos := make([]int, len(lists))
	var h []head
	less := func(i, j int) bool { return h[i].key < h[j].key }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i, l := range lists {
		if len(l) > 0 {
			h = append(h, head{l[0], i})
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		key, n := h[0].key, 0
		for len(h) > 0 && h[0].key == key {
			n++
			li := h[0].list
			pos[li]++
			if pos[li] < len(lists[li]) {
				h[0].key = lists[li][pos[li]]
			} else {
				h[0] = h[len(h)-1]
				h = h[:len(h)-1]
			}
			down(0)
		}
		fn(key, n)
	}
}
