package showbgp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/internal/dumpfile"
	"github.com/ixpobs/ixpobs/ixp"
)

// Stats counts what Read saw.
type Stats struct {
	File string `json:"file"`
	// Lines is the number of lines read, header and trailer included.
	Lines int64 `json:"lines"`
	// Routes is the number of valid routes given to the callback.
	Routes int64 `json:"routes"`
	// Prefixes counts the distinct prefixes of those routes.
	Prefixes int64 `json:"prefixes"`
	// Peers counts their distinct peers (first ASN of the path, next hop).
	Peers int64 `json:"peers"`
	// Skipped counts routes that are not valid (no "*" status code) and
	// the lines after the column header that are neither routes nor blank
	// (a trailing "Total number of prefixes" line, say).
	Skipped int64 `json:"skipped"`
	// Errors counts malformed routes (skipped unless Reader.Strict).
	Errors int64 `json:"errors"`
	// FirstError describes the first malformed route, if any.
	FirstError string `json:"first_error,omitempty"`
	// Bytes is the number of (decompressed) bytes read.
	Bytes int64 `json:"bytes"`
	// Complete is true when the input was read to its clean end.
	Complete bool `json:"complete"`
}

// Reader reads one dump. Set the exported fields before Read. A Reader is
// for one goroutine.
type Reader struct {
	// Logger receives a debug line per malformed route; nil discards.
	Logger *slog.Logger
	// Strict makes Read stop at the first malformed route, returning its
	// *ixp.ParseError, instead of skipping and counting it.
	Strict bool
	// MaxBytes, if positive, stops Read with an error once the
	// (decompressed) input grows past it: a guard against decompression
	// bombs.
	MaxBytes int64

	dumpfile.Input // name, decompressed stream, Close
	used           bool
}

// Open opens a regular file, plain, gzip or bzip2 (detected from its
// first bytes); a FIFO or a device is refused at once. Close it when done.
func Open(path string) (*Reader, error) {
	in, err := dumpfile.Open(source, path)
	if err != nil {
		return nil, err
	}
	return &Reader{Input: in}, nil
}

// NewReadCloser is NewReader for an input that Close closes (also when
// NewReadCloser fails).
func NewReadCloser(rc io.ReadCloser, name string) (*Reader, error) {
	in, err := dumpfile.NewReadCloser(source, rc, name)
	if err != nil {
		return nil, err
	}
	return &Reader{Input: in}, nil
}

// NewReader reads a stream from r, plain, gzip or bzip2 (detected from its
// first bytes). name names the input in errors and Stats.
func NewReader(r io.Reader, name string) (*Reader, error) {
	in, err := dumpfile.New(source, r, name)
	if err != nil {
		return nil, err
	}
	return &Reader{Input: in}, nil
}

// Read parses the whole dump, calling fn for every valid route in file
// order. The route's Peer is the first ASN of its path (0 for an empty
// path) with the next hop, its Prefix is masked and its PathID 0. The
// Route and its Path are reused: fn must copy what it keeps.
//
// An error from fn stops Read and is returned as is; so is ctx's error.
// Errors of the input are *ixp.ParseError values naming the file, the byte
// offset of the line and its number (from 1) as Record: one wrapping
// ixp.ErrTruncated for an empty input, a compressed stream that ends early
// or an input that ends inside a route; one wrapping ixp.ErrInvalid when
// no column header line (" Network  Next Hop ...") is found. Stats are
// returned in every case and count what was read so far; Complete is set
// only when Read returns nil.
//
// Read can be called once per Reader.
func (r *Reader) Read(ctx context.Context, fn func(r *bgp.Route) error) (Stats, error) {
	st := Stats{File: r.Name}
	if r.used {
		return st, fmt.Errorf("showbgp: %s: read twice: %w", r.Name, ixp.ErrInvalid)
	}
	r.used = true
	defer r.Src.Close() // ends the decompressing goroutine
	p := newParser(r, fn, &st)
	err := p.run(ctx)
	if err == nil {
		st.Complete = true
	}
	p.finishStats()
	return st, err
}

// looksWindow is how much of the input Looks examines.
const looksWindow = 8 << 10

// Looks reports whether head, the first bytes of a (decompressed) input,
// looks like such a dump: text (no NUL or other control bytes but tab, CR,
// LF and form feed) containing "BGP table version", "Status codes" or a
// column header line within its first 8 KiB. It tells a dump from an MRT
// file, which is binary from its first bytes.
func Looks(head []byte) bool {
	head = head[:min(len(head), looksWindow)]
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
			return false
		}
	}
	if bytes.Contains(head, []byte("BGP table version")) || bytes.Contains(head, []byte("Status codes")) {
		return true
	}
	for line := range bytes.Lines(head) {
		if _, ok := parseHeader(trimEOL(line)); ok {
			return true
		}
	}
	return false
}
