package zstream

import (
	"io"
	"os"
	"sync/atomic"
)

// ProgressFile is a file whose reads add to N, for a progress display of
// an import (bytes read so far, over several files when N is shared). It
// seeks like the file (a parallel bzip2 decoder may rewind): N then moves
// by the distance sought.
type ProgressFile struct {
	*os.File
	N   *atomic.Int64
	pos int64 // position in the file
}

func (p *ProgressFile) Read(b []byte) (int, error) {
	n, err := p.File.Read(b)
	p.pos += int64(n)
	p.N.Add(int64(n))
	return n, err
}

// Seek seeks the file and moves N by the distance sought.
func (p *ProgressFile) Seek(off int64, whence int) (int64, error) {
	pos, err := p.File.Seek(off, whence)
	if err == nil {
		p.N.Add(pos - p.pos)
		p.pos = pos
	}
	return pos, err
}

// Progress returns f, from its current position, as a reader that counts
// into n, or f itself when n is nil.
func Progress(f *os.File, n *atomic.Int64) io.Reader {
	if n == nil {
		return f
	}
	pos, _ := f.Seek(0, io.SeekCurrent)
	return &ProgressFile{File: f, N: n, pos: pos}
}
