package ixp

import (
	"errors"
	"fmt"
)

// Sentinel errors shared by stores, collectors and the API. Test for them
// with errors.Is.
var (
	// ErrNotFound means the object asked for does not exist (at that date).
	ErrNotFound = errors.New("not found")
	// ErrInvalid means a parameter or an input value is not acceptable.
	ErrInvalid = errors.New("invalid")
	// ErrShrink means a snapshot would shrink an object kind by more than
	// the allowed share against the previous snapshot of its source.
	ErrShrink = errors.New("snapshot shrinks too much")
	// ErrConflict means a different snapshot already exists at that time.
	ErrConflict = errors.New("conflicting snapshot")
	// ErrTruncated means an input ended before its structure was complete.
	ErrTruncated = errors.New("truncated input")
	// ErrUnavailable means a dependency (a source, the database) cannot be
	// reached right now; a later try may succeed.
	ErrUnavailable = errors.New("unavailable")
	// ErrTooLarge means an input goes past a configured cap (decompressed
	// bytes, records): it is refused rather than read further.
	ErrTooLarge = errors.New("input too large")
)

// ParseError reports bad input: which source, which file (or URL) and where
// in it. Offset is a byte offset when known (-1 otherwise); Record is the
// index of the record or object when known (-1 otherwise).
type ParseError struct {
	Source string // the source kind: "peeringdb", "ixf", "rir", "mrt", "history"…
	File   string // file path or URL
	Offset int64  // byte offset, -1 if unknown
	Record int64  // record number, -1 if unknown
	Err    error
}

func (e *ParseError) Error() string {
	msg := e.Source + ": " + e.File
	if e.Offset >= 0 {
		msg += fmt.Sprintf(": offset %d", e.Offset)
	}
	if e.Record >= 0 {
		msg += fmt.Sprintf(": record %d", e.Record)
	}
	return msg + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// ShrinkError says which kind shrank and by how much. It wraps ErrShrink.
type ShrinkError struct {
	Source   string
	Kind     Kind
	Previous int     // the count the new snapshot is compared with
	Next     int     // the count of the new snapshot
	MaxDrop  float64 // the allowed drop, as a fraction (0.30)
	// AgainstNext is set when Previous is the count of the next snapshot
	// in time (a backfill smaller than the history after it).
	AgainstNext bool
}

func (e *ShrinkError) Error() string {
	drop := 1 - float64(e.Next)/float64(e.Previous)
	if e.AgainstNext {
		return fmt.Sprintf("%s: %s would have %d objects against %d in the next snapshot (%.1f%% fewer, more than the %.0f%% allowed); check the input or force the import",
			e.Source, e.Kind, e.Next, e.Previous, 100*drop, 100*e.MaxDrop)
	}
	return fmt.Sprintf("%s: %s would shrink from %d to %d objects (%.1f%% drop, more than the %.0f%% allowed); check the input or force the import",
		e.Source, e.Kind, e.Previous, e.Next, 100*drop, 100*e.MaxDrop)
}

func (e *ShrinkError) Unwrap() error { return ErrShrink }
