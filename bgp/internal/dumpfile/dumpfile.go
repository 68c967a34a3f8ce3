// Package dumpfile is the one constructor of the BGP dump readers (MRT,
// `show ip bgp` text): it opens a regular file or takes a stream, tells
// gzip, bzip2 or plain from the first bytes (internal/zstream) and holds
// what the readers share: the name, the codec, the decompressed stream and
// the input to close.
package dumpfile

import (
	"fmt"
	"io"

	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// Input is an opened dump. Embed it in a reader.
type Input struct {
	Name   string        // the file name or URL, in errors and stats
	Codec  string        // "", "gzip" or "bzip2"
	Src    io.ReadCloser // decompressed content (zstream: close it to end its goroutine)
	closer io.Closer
}

// Open opens path, which must be a regular file (a FIFO or a device is
// refused at once), as a dump of source ("mrt", "showbgp").
func Open(source, path string) (Input, error) {
	f, err := zstream.OpenRegular(path)
	if err != nil {
		return Input{}, fmt.Errorf("open %s file: %w", source, err)
	}
	return NewReadCloser(source, f, path)
}

// NewReadCloser is New for an input that Close closes (also when it
// fails).
func NewReadCloser(source string, rc io.ReadCloser, name string) (Input, error) {
	in, err := New(source, rc, name)
	if err != nil {
		rc.Close()
		return Input{}, err
	}
	in.closer = rc
	return in, nil
}

// New reads a dump from r; errors are *ixp.ParseError of source.
func New(source string, r io.Reader, name string) (Input, error) {
	src, codec, err := zstream.Open(r, name)
	if err != nil {
		return Input{}, &ixp.ParseError{Source: source, File: name, Offset: 0, Record: -1, Err: err}
	}
	return Input{Name: name, Codec: codec, Src: src}, nil
}

// Close closes the input given to Open or NewReadCloser.
func (in *Input) Close() error {
	if in.closer == nil {
		return nil
	}
	err := in.closer.Close()
	in.closer = nil
	return err
}
