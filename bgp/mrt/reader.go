package mrt

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/internal/dumpfile"
	"github.com/ixpobs/ixpobs/ixp"
)

// ElemType says what an Elem is.
type ElemType uint8

// Element types.
const (
	RIBEntry    ElemType = iota + 1 // a route of a RIB dump (bgpdump "B")
	Announce                        // a prefix announced in an UPDATE ("A")
	Withdraw                        // a prefix withdrawn in an UPDATE ("W")
	StateChange                     // a BGP FSM state change ("STATE")
)

func (t ElemType) String() string {
	switch t {
	case RIBEntry:
		return "B"
	case Announce:
		return "A"
	case Withdraw:
		return "W"
	case StateChange:
		return "STATE"
	}
	return fmt.Sprintf("ElemType(%d)", uint8(t))
}

// Origin is the value of the ORIGIN attribute.
type Origin uint8

// ORIGIN values; OriginNone when the attribute is absent.
const (
	OriginIGP        Origin = 0
	OriginEGP        Origin = 1
	OriginIncomplete Origin = 2
	OriginNone       Origin = 255
)

func (o Origin) String() string {
	switch o {
	case OriginIGP:
		return "IGP"
	case OriginEGP:
		return "EGP"
	case OriginIncomplete:
		return "INCOMPLETE"
	case OriginNone:
		return ""
	}
	return fmt.Sprintf("Origin(%d)", uint8(o))
}

// BGP FSM states (RFC 4271 section 8.2.2), as written in state changes.
const (
	StateIdle        = 1
	StateConnect     = 2
	StateActive      = 3
	StateOpenSent    = 4
	StateOpenConfirm = 5
	StateEstablished = 6
)

// Elem is one element of an MRT stream. The Reader reuses the Elem and the
// slices it points to: copy what you keep beyond the callback.
type Elem struct {
	Type   ElemType
	Time   time.Time // record time (UTC), with microseconds for BGP4MP_ET
	Record int64     // index of the MRT record in the file, from 0
	// Peer is the collector's neighbour. Its Addr is invalid in Zebra's
	// shortened state-change records, which carry no address.
	Peer bgp.Peer
	// Prefix is masked (bgpdump prints host bits as found).
	Prefix  netip.Prefix
	PathID  uint32        // ADD-PATH path identifier, 0 without ADD-PATH
	Path    []bgp.Segment // AS_PATH (AS4_PATH merged for 2-byte sessions)
	NextHop netip.Addr
	Origin  Origin
	// Local is set for BGP4MP *_LOCAL messages: sent by the collector, not
	// received from the peer.
	Local bool
	// Multicast is set for routes of the multicast SAFI (RIB_*_MULTICAST,
	// RIB_GENERIC or MP_(UN)REACH_NLRI with SAFI 2).
	Multicast bool
	// OldState and NewState are set for a StateChange.
	OldState, NewState uint16
}

// Route returns the element as a route (RIB entry or announcement). The
// path still points into the Reader's buffers.
func (e *Elem) Route() bgp.Route {
	return bgp.Route{Peer: e.Peer, Prefix: e.Prefix, PathID: e.PathID, Path: e.Path}
}

// Stats counts what Read saw.
type Stats struct {
	File string `json:"file"`
	// Records is the number of MRT records read (framed), including skipped
	// ones.
	Records int64 `json:"records"`
	// Entries counts RIB entries plus announced and withdrawn prefixes: the
	// B, A and W lines of bgpdump -m.
	Entries int64 `json:"entries"`
	// States counts BGP state changes (bgpdump -m STATE lines).
	States int64 `json:"states"`
	// Prefixes counts distinct prefixes among the entries (withdrawn ones
	// included).
	Prefixes int64 `json:"prefixes"`
	// Peers counts distinct peers (ASN, address) among the entries.
	Peers int64 `json:"peers"`
	// Skipped counts records that gave no element: unsupported types and
	// malformed records.
	Skipped int64 `json:"skipped"`
	// Errors counts malformed records (skipped, or decoded only in part).
	Errors int64 `json:"errors"`
	// FirstError describes the first malformed record, if any.
	FirstError string `json:"first_error,omitempty"`
	// Bytes is the number of (decompressed) MRT bytes read.
	Bytes int64 `json:"bytes"`
	// Complete is true when the stream was read to its clean end.
	Complete bool `json:"complete"`
}

// MaxRecordLen bounds the length of one MRT record; a longer declared
// length is treated as corrupt framing.
const MaxRecordLen = 64 << 20

// Reader reads one MRT stream. Set the exported fields before Read.
type Reader struct {
	// Logger receives a debug line per malformed record; nil discards.
	Logger *slog.Logger
	// Strict makes Read stop at the first malformed record (returning its
	// *ixp.ParseError) instead of skipping it.
	Strict bool
	// MaxBytes, if positive, stops Read with an error once the
	// (decompressed) stream grows past it: a guard against decompression
	// bombs.
	MaxBytes int64

	dumpfile.Input // name, codec, decompressed stream, Close
	used           bool
}

// Open opens a regular file, plain, gzip or bzip2 (detected from its
// first bytes); a FIFO or a device is refused at once. Close it when done.
func Open(path string) (*Reader, error) {
	in, err := dumpfile.Open("mrt", path)
	if err != nil {
		return nil, err
	}
	return &Reader{Input: in}, nil
}

// NewReadCloser is NewReader for an input that Close closes (also when
// NewReadCloser fails).
func NewReadCloser(rc io.ReadCloser, name string) (*Reader, error) {
	in, err := dumpfile.NewReadCloser("mrt", rc, name)
	if err != nil {
		return nil, err
	}
	return &Reader{Input: in}, nil
}

// NewReader reads a stream from r, plain, gzip or bzip2 (detected from its
// first bytes). name names the input in errors and Stats.
func NewReader(r io.Reader, name string) (*Reader, error) {
	in, err := dumpfile.New("mrt", r, name)
	if err != nil {
		return nil, err
	}
	return &Reader{Input: in}, nil
}

// Read decodes the whole stream, calling fn for every element in file
// order. The Elem is reused: fn must copy what it keeps. An error from fn
// stops Read and is returned as is; so is ctx's error. Stats are returned
// in every case and count what was read so far.
//
// Read can be called once per Reader.
func (r *Reader) Read(ctx context.Context, fn func(*Elem) error) (Stats, error) {
	st := Stats{File: r.Name}
	if r.used {
		return st, fmt.Errorf("mrt: %s: read twice: %w", r.Name, ixp.ErrInvalid)
	}
	r.used = true

	// A compressed stream is decompressed on a goroutine of its own, which
	// overlaps decoding; closing the stream ends it.
	defer r.Src.Close()
	d := newDecoder(r.Name, r.Codec, r.Src)
	d.logger = r.Logger
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	d.strict = r.Strict
	d.maxBytes = r.MaxBytes
	err := d.run(ctx, fn, &st)
	if err == nil {
		st.Complete = true
	}
	d.finishStats(&st)
	return st, err
}
