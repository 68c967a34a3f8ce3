package zstream

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"

	"github.com/ixpobs/ixpobs/ixp"
)

// ErrNotRegular is returned by OpenRegular and OpenFile for a path that is
// not a regular file (a FIFO, a device such as /dev/zero, a socket, a
// directory): reading one can block forever or never end. It wraps
// ixp.ErrInvalid.
var ErrNotRegular = fmt.Errorf("not a regular file: %w", ixp.ErrInvalid)

// Options bound what a Reader delivers.
type Options struct {
	// MaxBytes caps the decompressed (or plain) bytes delivered: reading
	// past it fails with an error wrapping ixp.ErrTooLarge. 0 means no
	// cap.
	MaxBytes int64
	// Ctx, when set, makes Read fail with the context's error once it is
	// done, so that a reader stops within one chunk of a cancellation.
	Ctx context.Context
}

// Reader is a possibly-compressed input opened by NewReader or OpenFile.
type Reader struct {
	in    *Counter      // bytes read from the underlying input
	dec   io.ReadCloser // the decompressed content
	codec string
	opt   Options
	out   int64 // bytes delivered
	file  *os.File
	err   error
}

// NewReader tells the format of r from its first bytes (gzip, bzip2 or
// plain) and returns a reader of its content bounded by o. A gzip header
// cut short is an error wrapping ixp.ErrTruncated. As with Open, the
// reader must be closed; Close does not close r.
func NewReader(r io.Reader, name string, o Options) (*Reader, error) {
	in := &Counter{R: r}
	dec, codec, err := Open(in, name)
	if err != nil {
		return nil, err
	}
	return &Reader{in: in, dec: dec, codec: codec, opt: o}, nil
}

// OpenFile opens path with OpenRegular and returns NewReader of it; Close
// closes the file too. Errors name the path.
func OpenFile(path string, o Options) (*Reader, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, path, o)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.file = f
	return r, nil
}

// OpenRegular opens path for reading if it is a regular file, else fails at
// once with an error wrapping ErrNotRegular. The file is opened without
// blocking (a FIFO without a writer would block open(2) forever) and
// checked again after opening, so that a path swapped in between is caught.
func OpenRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s: %w", path, describeMode(st.Mode()), ErrNotRegular)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %s: %w", path, describeMode(st.Mode()), ErrNotRegular)
	}
	return f, nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file (mode " + m.String() + ")"
}

// Codec returns "gzip", "bzip2" or "" for a plain input.
func (r *Reader) Codec() string { return r.codec }

// InputOffset returns the bytes read so far from the underlying input
// (compressed bytes for a compressed input; the decompressor reads ahead,
// so it is where the input was read up to, not where an error lies).
func (r *Reader) InputOffset() int64 { return r.in.N() }

// Delivered returns the decompressed bytes delivered so far.
func (r *Reader) Delivered() int64 { return r.out }

// Read reads decompressed bytes. Past Options.MaxBytes it fails with an
// error wrapping ixp.ErrTooLarge; once Options.Ctx is done, with its error.
// Decompression errors are mapped to the shared sentinels: an input that
// ends early wraps ixp.ErrTruncated, a corrupt gzip stream ixp.ErrInvalid.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.opt.Ctx != nil {
		if err := r.opt.Ctx.Err(); err != nil {
			return 0, err
		}
	}
	if max := r.opt.MaxBytes; max > 0 {
		if r.out >= max {
			// One byte more than the cap is an error; exactly the cap
			// is not.
			var one [1]byte
			n, err := io.ReadFull(r.dec, one[:])
			if n > 0 {
				r.err = fmt.Errorf("content over %d bytes: %w", max, ixp.ErrTooLarge)
				return 0, r.err
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			return 0, r.mapErr(err)
		}
		if int64(len(p)) > max-r.out {
			p = p[:max-r.out]
		}
	}
	n, err := r.dec.Read(p)
	r.out += int64(n)
	if err != nil {
		err = r.mapErr(err)
	}
	return n, err
}

// mapErr wraps the decompressors' errors with the shared sentinels; io.EOF
// and the errors already wrapped pass through.
func (r *Reader) mapErr(err error) error {
	switch {
	case err == nil, err == io.EOF, errors.Is(err, ixp.ErrTruncated), errors.Is(err, ixp.ErrInvalid):
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%s stream ends early: %w (%w)", r.codecName(), ixp.ErrTruncated, err)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		err = fmt.Errorf("corrupt %s stream: %w: %w", r.codecName(), err, ixp.ErrInvalid)
	case r.codec == Bzip2 && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("corrupt bzip2 stream: %w: %w", err, ixp.ErrInvalid)
	}
	if err != io.EOF {
		r.err = err
	}
	return err
}

func (r *Reader) codecName() string {
	if r.codec == "" {
		return "input"
	}
	return r.codec
}

// Close stops the decompressor and, for OpenFile, closes the file.
func (r *Reader) Close() error {
	err := r.dec.Close()
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	return err
}

// Counter counts the bytes read through it: the one counting reader of
// ixpobs. It seeks when R does (so that a bzip2 input keeps its rewind),
// counting the position it seeks to, and closes R when R is a Closer.
type Counter struct {
	R io.Reader
	// Total, when set, also gets every byte read (never set back by a
	// seek): a progress figure another goroutine may read.
	Total *atomic.Int64
	n     int64
}

// Close closes R when it is an io.Closer.
func (c *Counter) Close() error {
	if cl, ok := c.R.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// N returns the bytes read so far (or the position after a seek).
func (c *Counter) N() int64 { return c.n }

func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.n += int64(n)
	if c.Total != nil {
		c.Total.Add(int64(n))
	}
	return n, err
}

// Seek seeks R when it is an io.Seeker and fails otherwise.
func (c *Counter) Seek(off int64, whence int) (int64, error) {
	s, ok := c.R.(io.Seeker)
	if !ok {
		return 0, errors.New("zstream: input cannot seek")
	}
	pos, err := s.Seek(off, whence)
	if err == nil {
		c.n = pos
	}
	return pos, err
}
