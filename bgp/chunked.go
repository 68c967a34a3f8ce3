package bgp

// chunked is an append-only slice stored in chunks of 1<<16 elements:
// growing never copies what is stored (on a machine where touching new
// memory is the dearest part of a large import, doubling a slice of
// millions of records costs more than the work done with it), and an
// element's address stays valid.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const (
	chunkedShift = 16
	chunkedSize  = 1 << chunkedShift
)

// at returns the element i (< len).
func (c *chunked[T]) at(i uint32) *T {
	return &c.chunks[i>>chunkedShift][i&(chunkedSize-1)]
}

// add appends v and returns its index.
func (c *chunked[T]) add(v T) uint32 {
	if c.n&(chunkedSize-1) == 0 {
		c.chunks = append(c.chunks, make([]T, chunkedSize))
	}
	i := uint32(c.n)
	c.n++
	*c.at(i) = v
	return i
}

// len is the number of elements.
func (c *chunked[T]) len() int { return c.n }
