package ribs

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// ImportOptions says how one MRT file becomes a collector snapshot.
type ImportOptions struct {
	Collector string    // snapshot source "bgp:" + Collector
	IXID      int64     // PeeringDB ix id of the collector's exchange (0: none)
	At        time.Time // snapshot time; zero: the newest record time in the file
	Force     bool      // publish even if an object kind shrinks by more than 30 %
	Origin    string    // recorded as the snapshot's origin; "" means the path
	// Records and Bytes, when set, follow the progress of the read: MRT
	// records decoded and bytes read from the file so far.
	Records *atomic.Int64
	Bytes   *atomic.Int64
}

// Result is what importing one file did.
type Result struct {
	mrt.Stats
	Collector string `json:"collector"`
	Snapshot  string `json:"snapshot,omitempty"` // time of the stored snapshot
	Unchanged bool   `json:"unchanged,omitempty"`
	// Passes is 1 for a RIB dump summarized as it was read, 2 for a file
	// read again into an Aggregator (updates, state changes).
	Passes int `json:"passes"`
	// Phases: reading and aggregating the file, deriving the summary,
	// building the snapshot records, publishing them to the store.
	ReadSeconds    float64             `json:"read_seconds"`
	SummarySeconds float64             `json:"summary_seconds"`
	BuildSeconds   float64             `json:"build_seconds"`
	StoreSeconds   float64             `json:"store_seconds"`
	Publish        store.PublishResult `json:"-"`
}

// countingReader counts the bytes read from a file.
type countingReader struct {
	*os.File
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// ImportFile reads one MRT file (plain, gzip or bzip2) into its Summary
// (mrt.Summarize: a RIB dump in one pass, other files into a
// bgp.Aggregator) and publishes the collector snapshot: the one path used
// by `ixpobs import mrt` and the scheduled fetcher. A file that is not read
// to its clean end is never published.
func ImportFile(ctx context.Context, st store.Store, path string, o ImportOptions) (Result, error) {
	started := time.Now()
	res := Result{Collector: o.Collector}
	res.File = path
	if err := snapshot.ValidName(o.Collector); err != nil {
		return res, err
	}
	// The file is read once, or twice when it is not a RIB dump (see
	// mrt.Summarize); the byte count restarts with each pass.
	open := func() (*mrt.Reader, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("mrt import: %w", err)
		}
		var in io.ReadCloser = f
		if o.Bytes != nil {
			o.Bytes.Store(0)
			in = countingReader{f, o.Bytes}
		}
		return mrt.NewReadCloser(in, path)
	}
	var last time.Time
	lastRecord := int64(-1)
	sm, err := mrt.Summarize(ctx, open, func(e *mrt.Elem) {
		if e.Record == lastRecord {
			return // a RIB record has an element per peer, all of one time
		}
		lastRecord = e.Record
		if e.Time.After(last) {
			last = e.Time
		}
		if o.Records != nil {
			o.Records.Store(e.Record)
		}
	})
	res.Stats, res.Passes = sm.Stats, sm.Passes
	phase := time.Now()
	res.ReadSeconds = (phase.Sub(started) - sm.Derive).Seconds()
	if err != nil {
		return res, err
	}
	stats := sm.Stats
	if !stats.Complete {
		return res, fmt.Errorf("%s: not read to its end: %w", path, ixp.ErrTruncated)
	}
	when := o.At
	if when.IsZero() {
		when = last
	}
	if when.IsZero() {
		return res, fmt.Errorf("%s: no record with a time; give the snapshot time: %w", path, ixp.ErrInvalid)
	}
	// The routes are summarized (a RIB dump as it was read): what is left
	// of reading is garbage, a hundred megabytes or more for a full table.
	// Collect it, so that building and storing the snapshot reuse its
	// memory instead of touching new pages (on the virtual machines
	// measured, a page touched for the first time costs more than most of
	// the work done in it).
	runtime.GC()
	res.SummarySeconds = (sm.Derive + time.Since(phase)).Seconds()
	phase = time.Now()
	origin := o.Origin
	if origin == "" {
		origin = path
	}
	snap, err := snapshot.Build(ixp.BGPCollector{Name: o.Collector, IXID: o.IXID, Type: "mrt", Files: []string{origin}, Entries: stats.Entries}, when, sm.Summary)
	if err != nil {
		return res, err
	}
	res.BuildSeconds = time.Since(phase).Seconds()
	phase = time.Now()
	snap.Force, snap.Origin = o.Force, origin
	pub, err := st.Publish(ctx, snap)
	if err != nil {
		return res, err
	}
	res.StoreSeconds = time.Since(phase).Seconds()
	res.Publish = pub
	res.Snapshot, res.Unchanged = pub.Snapshot.At.Format(time.RFC3339), pub.Unchanged
	return res, nil
}
