// Package store defines the history store of ixpobs: snapshots of every
// source published atomically, objects kept as versions with validity
// intervals, and the reads the API needs (state at a date, time series,
// joins and leaves). Two backends implement it, store/sqlite (embedded, the
// default) and store/postgres, and both pass the suite in store/storetest.
package store

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// Store is the history store. Methods return errors wrapping ixp.ErrNotFound
// when what is asked for does not exist, ixp.ErrShrink and ixp.ErrConflict
// when a snapshot is refused, ixp.ErrInvalid for bad arguments.
type Store interface {
	// Publish writes a snapshot atomically: readers see all of it or none
	// of it. Publishing the same content again at the same time changes
	// nothing and returns the existing snapshot with Unchanged set.
	Publish(ctx context.Context, in ixp.SnapshotInput) (PublishResult, error)

	// DeleteSnapshot removes the snapshot of a source taken at exactly at
	// and repairs the validity intervals as if it had never been
	// published. It refuses (ixp.ErrConflict) when the next snapshot of the
	// source depends on it: an incremental one, or one that does not cover
	// every kind the deleted one covers.
	DeleteSnapshot(ctx context.Context, source string, at time.Time) (ixp.Snapshot, error)

	// Snapshots lists the snapshots of a source, oldest first.
	Snapshots(ctx context.Context, source string) ([]ixp.Snapshot, error)
	// SnapshotAt returns the newest snapshot of a source taken at or before
	// at; a zero at means the newest one.
	SnapshotAt(ctx context.Context, source string, at time.Time) (ixp.Snapshot, error)
	// Generation changes whenever a snapshot is published or deleted
	// (it grows with the highest snapshot id and with each deletion):
	// answers computed from snapshots can be cached under it.
	Generation(ctx context.Context) (int64, error)
	// Sources lists the names of the sources that have snapshots.
	Sources(ctx context.Context) ([]string, error)

	// Objects returns the objects of a kind valid at a time, filtered by
	// q (zero fields do not filter), ordered by id.
	Objects(ctx context.Context, source string, kind ixp.Kind, at time.Time, q Filter) ([]ixp.Record, error)
	// Briefs returns the objects of a kind with briefs (ixp.HasBrief)
	// valid at a time, ordered by id, each with its brief (ixp.Brief) as
	// Data, or its data when it has none: what a list of every object of
	// a date needs, read without whole objects.
	Briefs(ctx context.Context, source string, kind ixp.Kind, at time.Time) ([]ixp.Record, error)
	// Versions returns every version of the objects of a kind that
	// matches q and whose validity overlaps [from, to), ordered by object
	// id then start.
	Versions(ctx context.Context, source string, kind ixp.Kind, from, to time.Time, q Filter) ([]Version, error)

	// ExchangeStats returns the indicators of every exchange in a
	// snapshot (a zero ixID) or of one exchange.
	ExchangeStats(ctx context.Context, snapshotID int64, ixID int64) ([]ixp.ExchangeStats, error)
	// ExchangeHistory returns the indicators of one exchange at each
	// snapshot of a source where the exchange existed, oldest first.
	ExchangeHistory(ctx context.Context, source string, ixID int64) ([]StatsPoint, error)
	// AllExchangeHistory returns the indicators of every exchange at each
	// snapshot of a source, oldest first (for region and country series).
	AllExchangeHistory(ctx context.Context, source string) ([]StatsPoint, error)

	// RecordRun stores the outcome of one collection run.
	RecordRun(ctx context.Context, r Run) error
	// Runs returns the newest runs of a source (all sources when source
	// is empty), newest first.
	Runs(ctx context.Context, source string, limit int) ([]Run, error)
	// RunSummaries returns, for every source with runs, its last run and
	// the end of its last successful run.
	RunSummaries(ctx context.Context) ([]RunSummary, error)

	// PutStatus stores the latest value of a key (replacing the previous
	// one): state that is not history, such as live BGP sessions.
	PutStatus(ctx context.Context, key string, value []byte) error
	// Statuses returns the values whose key starts with prefix.
	Statuses(ctx context.Context, prefix string) ([]Status, error)

	// PutDerived stores the derived rows of one state key in one
	// transaction, replacing the key's previous rows (no rows: the key is
	// dropped): figures computed from the snapshots the key names (see
	// Derived), kept so that they are not computed again. A cache:
	// DeleteSnapshot drops the rows whose key names the deleted snapshot,
	// and exports do not carry them.
	PutDerived(ctx context.Context, key string, rows []Derived) error
	// Derived returns the derived rows of key (every key when empty) and
	// of the areas listed (every area when none), ordered by key then
	// area.
	Derived(ctx context.Context, key string, areas ...string) ([]Derived, error)

	// ExportHistory writes the whole history in the versioned format of
	// docs/HISTORY-FORMAT.md.
	ExportHistory(ctx context.Context, w io.Writer) error
	// ImportHistory reads such an export into an empty store, whole or
	// not at all.
	ImportHistory(ctx context.Context, r io.Reader) error

	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Filter narrows Objects and Versions. Zero fields (an empty ASNs) do
// not filter.
type Filter struct {
	ID   int64
	IXID int64
	ASN  ixp.ASN
	// ASNs keeps the objects of any of these ASNs (up to MaxFilterASNs).
	ASNs []ixp.ASN
}

// MaxFilterASNs is the longest Filter.ASNs a store takes.
const MaxFilterASNs = 1000

// IsZero reports whether the filter keeps every object.
func (q Filter) IsZero() bool {
	return q.ID == 0 && q.IXID == 0 && q.ASN == 0 && len(q.ASNs) == 0
}

// Derived is one row of figures derived from snapshots: the figures of
// one area (a country, a region) in the state the key names. A state key
// is a list of snapshot ids, "P/R,R,/B,B," (the PeeringDB snapshot, then
// the RIR snapshots, then the BGP snapshots, each id followed by a comma
// in the two lists): DerivedKeyNames tells which snapshots it names.
type Derived struct {
	Key  string
	Area string
	Data []byte
}

// DerivedKeyNames reports whether a state key names snapshot id.
func DerivedKeyNames(key string, id int64) bool {
	return slices.Contains(DerivedKeyIDs(key), id)
}

// DerivedKeyIDs returns the snapshot ids a state key names, sorted and
// without repeats: the id before the first "/" and every id followed by a
// comma after it. A part that is not a decimal id names nothing.
func DerivedKeyIDs(key string) []int64 {
	first, lists, ok := strings.Cut(key, "/")
	if !ok {
		return nil
	}
	var ids []int64
	add := func(s string) {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && s != "" && s[0] != '+' && s[0] != '-' {
			ids = append(ids, id)
		}
	}
	add(first)
	for list := range strings.SplitSeq(lists, "/") {
		parts := strings.Split(list, ",")
		for _, p := range parts[:len(parts)-1] { // the last is not followed by a comma
			add(p)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Version is one version of an object with its validity interval.
type Version struct {
	ixp.Record
	ixp.Interval
}

// StatsPoint is the indicators of an exchange at one snapshot.
type StatsPoint struct {
	SnapshotID int64
	At         time.Time
	ixp.ExchangeStats
}

// PublishResult says what a Publish did.
type PublishResult struct {
	Snapshot  ixp.Snapshot
	Unchanged bool // the same snapshot existed already
	Inserted  int  // versions written
	Ended     int  // versions whose validity was ended
	Dangling  int  // references to objects that do not exist
	// TextReplaced counts the characters the text rule replaced by U+FFFD
	// (ixp.CleanText, ixp.CleanJSON); the snapshot's notes name the quirk.
	TextReplaced int
}

// Run is the outcome of one collection run of a source.
type Run struct {
	Source     string
	Started    time.Time
	Finished   time.Time
	OK         bool
	ErrorKind  string // a short class: "timeout", "http_status", "parse", "shrink", …
	Error      string
	SnapshotID int64
	Detail     string // free text: counts, what was dropped
}

// RunSummary is a source's last run and last success.
type RunSummary struct {
	Last        Run
	LastSuccess time.Time // zero: never succeeded
}

// Status is the latest value of a key.
type Status struct {
	Key     string
	Value   []byte
	Updated time.Time
}
