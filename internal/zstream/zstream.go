// Package zstream opens an input that may be compressed: gzip (one or more
// members) and bzip2 are recognised by their first bytes, anything else is
// read as it is. A compressed input is decompressed on a goroutine of its
// own, ahead of the reader, so that decompressing and parsing overlap on two
// cores.
//
// Stopping the goroutine: the reader returned by Open is an io.ReadCloser.
// The goroutine starts with the first Read (a stream that is never read
// starts none) and ends by itself once it has delivered the end of the
// input or an error; Close ends it earlier and waits for it. Call Close
// when done reading, typically with defer, before closing the underlying
// input: after Close returns, the input is no longer read. Close does not
// close the underlying input.
//
// bzip2 blocks are decompressed in parallel (see newBzip2).
//
// A compressed input that ends early makes Read return an error that wraps
// both ixp.ErrTruncated and io.ErrUnexpectedEOF.
package zstream

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/pprof"
	"sync"

	"github.com/ixpobs/ixpobs/ixp"
)

// Codecs reported by Open; a plain input has codec "".
const (
	Gzip  = "gzip"
	Bzip2 = "bzip2"
)

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("zstream: read after Close")

// chunkSize is the size of the buffers handed from the decompressing
// goroutine to the reader; chunksAhead of them may wait to be read.
const (
	chunkSize   = 256 << 10
	chunksAhead = 4
)

// Open detects whether r is gzip, bzip2 or plain from its first bytes and
// returns a reader of its (decompressed) content and the codec ("gzip",
// "bzip2", or "" for plain). A gzip header is read here: a header cut
// short gives an error wrapping ixp.ErrTruncated. The errors of Open do not
// repeat name, which callers put in their own error (an *ixp.ParseError,
// say); name labels the decompressing goroutine in profiles (pprof label
// "zstream").
//
// The reader must be closed: see the package documentation.
func Open(r io.Reader, name string) (io.ReadCloser, string, error) {
	seek, start := rewindable(r) // before br reads ahead
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(6)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", fmt.Errorf("read: %w", err)
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, "", fmt.Errorf("zstd-compressed input: not supported (decompress it, or compress with gzip or bzip2): %w", ixp.ErrInvalid)
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return nil, "", fmt.Errorf("xz-compressed input: not supported (decompress it, or compress with gzip or bzip2): %w", ixp.ErrInvalid)
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, "", fmt.Errorf("gzip header: %w", ixp.ErrTruncated)
			}
			return nil, "", fmt.Errorf("gzip header: %w", err)
		}
		return newPipe(zr, Gzip, name), Gzip, nil
	case len(magic) >= 3 && string(magic[:3]) == "BZh":
		return newPipe(newBzip2(br, seek, start), Bzip2, name), Bzip2, nil
	}
	return plain{br}, "", nil
}

// rewindable returns r as an io.ReadSeeker and its current position when
// it can seek (a regular file), or nil.
func rewindable(r io.Reader) (io.ReadSeeker, int64) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return nil, 0
	}
	pos, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0
	}
	return rs, pos
}

// plain is an uncompressed input: Close has nothing to stop.
type plain struct{ io.Reader }

func (plain) Close() error { return nil }

// pipe runs the decompressor on its own goroutine and hands out chunks.
type pipe struct {
	src   io.Reader
	codec string
	name  string

	ch      chan chunk
	free    chan []byte
	done    chan struct{}
	wg      sync.WaitGroup
	started bool
	closed  bool

	cur chunk
	pos int
	err error
}

type chunk struct {
	b   []byte
	err error
}

func newPipe(src io.Reader, codec, name string) *pipe {
	return &pipe{
		src:   src,
		codec: codec,
		name:  name,
		ch:    make(chan chunk, chunksAhead),
		free:  make(chan []byte, chunksAhead+2),
		done:  make(chan struct{}),
	}
}

// start starts the decompressing goroutine.
func (p *pipe) start() {
	p.started = true
	p.wg.Go(func() {
		pprof.Do(context.Background(), pprof.Labels("zstream", p.name), func(context.Context) { p.run() })
	})
}

// run decompresses into chunks until the input ends, fails, or Close.
func (p *pipe) run() {
	for {
		var b []byte
		select {
		case b = <-p.free:
		default:
			b = make([]byte, chunkSize)
		}
		n := 0
		var err error
		for n < len(b) && err == nil {
			var m int
			m, err = p.src.Read(b[n:])
			n += m
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%s stream ends early: %w (%w)", p.codec, ixp.ErrTruncated, err)
		}
		select {
		case p.ch <- chunk{b: b[:n], err: err}:
		case <-p.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read reads decompressed bytes. It must not be called concurrently with
// itself or with Close.
func (p *pipe) Read(b []byte) (int, error) {
	if p.closed {
		return 0, ErrClosed
	}
	if !p.started {
		p.start()
	}
	for p.pos >= len(p.cur.b) {
		if p.err != nil {
			return 0, p.err
		}
		if p.cur.b != nil {
			select {
			case p.free <- p.cur.b[:cap(p.cur.b)]:
			default:
			}
		}
		p.cur = <-p.ch
		p.pos = 0
		p.err = p.cur.err
	}
	n := copy(b, p.cur.b[p.pos:])
	p.pos += n
	return n, nil
}

// Close ends the decompressing goroutine and waits for it (it may be in
// the middle of a Read of the underlying input). Later Reads return
// ErrClosed. Close may be called more than once.
func (p *pipe) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	close(p.done)
	p.wg.Wait()
	return nil
}
