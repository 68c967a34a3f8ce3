package zstream

import (
	"bufio"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/cosnicolaou/pbzip2"
)

// newBzip2 returns a reader of the decompressed content of the bzip2
// stream br (positioned at its "BZh" magic). Blocks are decompressed in
// parallel by github.com/cosnicolaou/pbzip2, which finds the block
// boundaries by their bit-aligned magic numbers and checks every block's
// and every stream's CRC.
//
// The output is the same as compress/bzip2's, errors included: on any
// error of the parallel decoder (a truncated or corrupt input), when the
// input can be rewound (seek, an io.ReadSeeker whose position at Open is
// start), the input is decoded again from start by compress/bzip2, the
// bytes already delivered are skipped, and the rest (up to compress/bzip2's
// own error) is delivered. An input that cannot be rewound gives the
// parallel decoder's error, which then wraps io.ErrUnexpectedEOF when the
// stream ends early; only the length of the output delivered before the
// error can then differ from compress/bzip2's.
//
// Close stops the parallel decoder's goroutines and returns once the input
// is no longer read.
func newBzip2(br *bufio.Reader, seek io.ReadSeeker, start int64) io.ReadCloser {
	ctx, cancel := context.WithCancel(context.Background())
	gate := &gatedReader{r: br}
	return &bzip2Reader{
		par:    pbzip2.NewReader(ctx, gate),
		gate:   gate,
		cancel: cancel,
		seek:   seek,
		start:  start,
	}
}

type bzip2Reader struct {
	par    io.Reader // the parallel decoder, until it fails
	gate   *gatedReader
	cancel context.CancelFunc
	seek   io.ReadSeeker
	start  int64

	seq       io.Reader // compress/bzip2 after a failure of par
	delivered int64     // bytes delivered by par
	err       error
}

func (z *bzip2Reader) Read(b []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if z.seq != nil {
		n, err := z.seq.Read(b)
		if err != nil {
			z.err = err
		}
		return n, err
	}
	n, err := z.par.Read(b)
	z.delivered += int64(n)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		z.stop()
		z.err = io.EOF
		return n, io.EOF
	}
	z.stop()
	if seqErr := z.fallBack(); seqErr != nil {
		z.err = fmt.Errorf("bzip2: %w (rewinding to decode sequentially: %v)", parallelError(err), seqErr)
		return n, z.err
	}
	return n, nil
}

// fallBack rewinds the input and skips, in compress/bzip2's output, what
// the parallel decoder delivered.
func (z *bzip2Reader) fallBack() error {
	if z.seek == nil {
		return errors.New("input cannot be rewound")
	}
	if _, err := z.seek.Seek(z.start, io.SeekStart); err != nil {
		return err
	}
	seq := bzip2.NewReader(bufio.NewReaderSize(z.seek, 64<<10))
	if _, err := io.CopyN(io.Discard, seq, z.delivered); err != nil {
		// compress/bzip2 fails before the point the parallel decoder
		// reached: its error is the one to report, output stays as it is.
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		z.seq = errReader{err}
		return nil
	}
	z.seq = seq
	return nil
}

// parallelError makes an early end of the parallel decoder's input
// recognisable as one (wrapping io.ErrUnexpectedEOF): the decoder reports
// it only in words, "failed to find trailer" or "failed to read stream
// header" (github.com/cosnicolaou/pbzip2 v1.0.5, scanner.go).
func parallelError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to find trailer") || strings.Contains(msg, "stream header") {
		return fmt.Errorf("%w (%w)", io.ErrUnexpectedEOF, err)
	}
	return err
}

// stop ends the parallel decoder's goroutines; after stop the input is no
// longer read by them.
func (z *bzip2Reader) stop() {
	z.cancel()
	z.gate.close()
}

func (z *bzip2Reader) Close() error {
	z.stop()
	return nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// gatedReader passes reads through until close, which waits for a read in
// progress: once close returns, the underlying reader is not read again.
type gatedReader struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

var errGateClosed = errors.New("zstream: bzip2 input closed")

func (g *gatedReader) Read(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, errGateClosed
	}
	return g.r.Read(b)
}

func (g *gatedReader) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
