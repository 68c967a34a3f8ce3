package ribs

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/bgp/showbgp"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/collector/vantage"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// The formats of RIB dumps, told apart by their content.
const (
	FormatMRT     = "mrt"     // MRT (RIS, RouteViews): TABLE_DUMP, TABLE_DUMP_V2, BGP4MP
	FormatShowBGP = "showbgp" // the text of "show ip bgp" (PCH's daily tables)
)

// ImportOptions says how the files of a dump become a collector snapshot.
type ImportOptions struct {
	Collector string // snapshot source "bgp:" + Collector
	IXID      int64  // PeeringDB ix id of the collector's exchange (0: none)
	// At is the snapshot time; zero: the newest record time of an MRT
	// file, or the date in a text dump's name (…2026.07.01…, at 00:00 UTC).
	At    time.Time
	Force bool // publish even if an object kind shrinks by more than 30 %
	// Origins name the files as the snapshot records them, one per path
	// (the URLs they were downloaded from, say); the first is the
	// snapshot's origin. Empty means the paths.
	Origins []string
	// Records and Bytes, when set, follow the progress of the read: MRT
	// records (text dumps: routes) decoded and bytes read from the files
	// so far.
	Records *atomic.Int64
	Bytes   *atomic.Int64
}

// Result is what importing one dump did.
type Result struct {
	mrt.Stats
	// Files lists the files of a snapshot made of several (File is the
	// first); Format is how they were read.
	Files     []string `json:"files,omitempty"`
	Format    string   `json:"format"`
	Collector string   `json:"collector"`
	// IXID is the exchange the snapshot is tied to and TiedBy how:
	// "config" (given) or "peer-addresses" (found from the peers'
	// addresses in PeeringDB's LAN prefixes; see collector/vantage).
	IXID      int64  `json:"ixp_id,omitempty"`
	TiedBy    string `json:"tied_by,omitempty"`
	Snapshot  string `json:"snapshot,omitempty"` // time of the stored snapshot
	Unchanged bool   `json:"unchanged,omitempty"`
	// Passes is 1 for a RIB dump summarized as it was read, 2 for a file
	// read again into an Aggregator (updates, state changes, a prefix
	// that comes back).
	Passes int `json:"passes"`
	// Phases: reading and aggregating the file, deriving the summary,
	// building the snapshot records, publishing them to the store.
	ReadSeconds    float64             `json:"read_seconds"`
	SummarySeconds float64             `json:"summary_seconds"`
	BuildSeconds   float64             `json:"build_seconds"`
	StoreSeconds   float64             `json:"store_seconds"`
	Publish        store.PublishResult `json:"-"`
}

// ImportFile imports one file as a snapshot: ImportFiles of one path.
func ImportFile(ctx context.Context, st store.Store, path string, o ImportOptions) (Result, error) {
	return ImportFiles(ctx, st, []string{path}, o)
}

// ImportFiles reads the files of one dump (plain, gzip or bzip2) into its
// Summary and publishes the collector snapshot: the one path used by
// `ixpobs import mrt` and the scheduled fetcher. The files are one MRT
// file (mrt.Summarize: a RIB dump in one pass, other files into a
// bgp.Aggregator), or the "show ip bgp" text tables of one collector and
// day (showbgp.Summarize: PCH publishes IPv4 and IPv6 apart); the format
// comes from their content. A file that is not read to its clean end is
// never published.
func ImportFiles(ctx context.Context, st store.Store, paths []string, o ImportOptions) (Result, error) {
	started := time.Now()
	res := Result{Collector: o.Collector}
	if len(paths) == 0 {
		return res, fmt.Errorf("mrt import: no file: %w", ixp.ErrInvalid)
	}
	res.File = paths[0]
	if len(paths) > 1 {
		res.Files = paths
	}
	if err := snapshot.ValidName(o.Collector); err != nil {
		return res, err
	}
	origins := o.Origins
	if len(origins) == 0 {
		origins = paths
	}
	if len(origins) != len(paths) {
		return res, fmt.Errorf("mrt import: %d origins for %d files: %w", len(origins), len(paths), ixp.ErrInvalid)
	}
	format, err := formatOf(paths)
	if err != nil {
		return res, err
	}
	res.Format = format
	var sum bgp.Summary
	var derive time.Duration
	var last time.Time
	switch format {
	case FormatMRT:
		sum, derive, last, err = summarizeMRT(ctx, paths[0], &res, o)
	default:
		sum, derive, err = summarizeText(ctx, paths, &res, o)
		last = dateInName(paths[0])
	}
	phase := time.Now()
	res.ReadSeconds = (phase.Sub(started) - derive).Seconds()
	if err != nil {
		return res, err
	}
	if !res.Complete {
		return res, fmt.Errorf("%s: not read to its end: %w", res.File, ixp.ErrTruncated)
	}
	if res.Entries == 0 {
		// An empty file, or one of record types that give no route: a
		// snapshot of it would say the collector saw nothing.
		return res, fmt.Errorf("%s: no route or prefix read (%d records, %d skipped): refusing an empty snapshot: %w",
			res.File, res.Records, res.Skipped, ixp.ErrInvalid)
	}
	when := o.At
	if when.IsZero() {
		when = last
	}
	if when.IsZero() {
		return res, fmt.Errorf("%s: no record time or date in the file name; give the snapshot time: %w", res.File, ixp.ErrInvalid)
	}
	if err := ixp.CheckSnapshotTime(when, time.Now()); err != nil {
		what := "newest record time"
		if !o.At.IsZero() {
			what = "given snapshot time"
		} else if format != FormatMRT {
			what = "date in the file name"
		}
		return res, fmt.Errorf("%s: %s: %w", res.File, what, err)
	}
	// The routes are summarized (a RIB dump as it was read): what is left
	// of reading is garbage, a hundred megabytes or more for a full table.
	// Collect it, so that building and storing the snapshot reuse its
	// memory instead of touching new pages (on the virtual machines
	// measured, a page touched for the first time costs more than most of
	// the work done in it).
	runtime.GC()
	res.SummarySeconds = (derive + time.Since(phase)).Seconds()
	phase = time.Now()
	col := ixp.BGPCollector{Name: o.Collector, IXID: o.IXID, Type: format, Files: origins, Entries: res.Entries}
	if col.IXID != 0 {
		col.TiedBy = "config"
	} else {
		// Not configured: the exchange whose PeeringDB LAN prefixes (at
		// the snapshot time) hold most of the peers' addresses, if any
		// (a multihop collector stays untied).
		lans, err := vantage.LANsAt(ctx, st, ixp.SourcePeeringDB, when)
		if err != nil {
			return res, fmt.Errorf("%s: exchange prefixes: %w", res.File, err)
		}
		addrs := make([]netip.Addr, 0, len(sum.Peers))
		for _, p := range sum.Peers {
			addrs = append(addrs, p.Peer.Addr)
		}
		if m := vantage.Tie(addrs, lans, 0); m.IXID != 0 {
			col.IXID, col.TiedBy = m.IXID, m.By
		}
	}
	res.IXID, res.TiedBy = col.IXID, col.TiedBy
	snap, err := snapshot.Build(col, when, sum)
	if err != nil {
		return res, err
	}
	res.BuildSeconds = time.Since(phase).Seconds()
	phase = time.Now()
	snap.Force, snap.Origin = o.Force, origins[0]
	pub, err := st.Publish(ctx, snap)
	if err != nil {
		return res, fmt.Errorf("%s: %w", strings.Join(origins, ","), err) // a shrink or conflict names the file too
	}
	res.StoreSeconds = time.Since(phase).Seconds()
	res.Publish = pub
	res.Snapshot, res.Unchanged = pub.Snapshot.At.Format(time.RFC3339), pub.Unchanged
	return res, nil
}

// openCounted opens a file, counting the bytes read in o.Bytes; restart
// sets the count back to 0 (the files are read again).
func openCounted(path string, o ImportOptions, restart bool) (io.ReadCloser, error) {
	f, err := zstream.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("mrt import: %w", err)
	}
	if o.Bytes == nil {
		return f, nil
	}
	if restart {
		o.Bytes.Store(0)
	}
	return &zstream.Counter{R: f, Total: o.Bytes}, nil
}

// summarizeMRT reads one MRT file; last is its newest record time.
func summarizeMRT(ctx context.Context, path string, res *Result, o ImportOptions) (sum bgp.Summary, derive time.Duration, last time.Time, err error) {
	open := func() (*mrt.Reader, error) {
		in, err := openCounted(path, o, true)
		if err != nil {
			return nil, err
		}
		return mrt.NewReadCloser(in, path)
	}
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
	return sm.Summary, sm.Derive, last, err
}

// summarizeText reads the text tables of one snapshot; their counts go to
// res as MRT ones: lines as records, routes as entries.
func summarizeText(ctx context.Context, paths []string, res *Result, o ImportOptions) (bgp.Summary, time.Duration, error) {
	open := func(i int) (*showbgp.Reader, error) {
		in, err := openCounted(paths[i], o, i == 0)
		if err != nil {
			return nil, err
		}
		return showbgp.NewReadCloser(in, paths[i])
	}
	var progress func(int64)
	if o.Records != nil {
		progress = o.Records.Store
	}
	sm, err := showbgp.Summarize(ctx, len(paths), open, progress)
	s := sm.Stats
	res.Stats = mrt.Stats{File: paths[0], Records: s.Lines, Entries: s.Routes, Prefixes: s.Prefixes, Peers: s.Peers,
		Skipped: s.Skipped, Errors: s.Errors, FirstError: s.FirstError, Bytes: s.Bytes, Complete: s.Complete}
	res.Passes = sm.Passes
	return sm.Summary, sm.Derive, err
}

// formatOf tells the format of the files from their first bytes: all
// must have the same, and a snapshot has one MRT file at most.
func formatOf(paths []string) (string, error) {
	var format string
	for _, p := range paths {
		f, err := sniff(p)
		if err != nil {
			return "", err
		}
		if format != "" && f != format {
			return "", fmt.Errorf("mrt import: %s is %s, %s is %s: one snapshot has files of one format: %w", paths[0], format, p, f, ixp.ErrInvalid)
		}
		format = f
	}
	if format == FormatMRT && len(paths) > 1 {
		return "", fmt.Errorf("mrt import: one MRT file per snapshot, not %d: %w", len(paths), ixp.ErrInvalid)
	}
	return format, nil
}

// sniff reads the beginning of a file (decompressed) to tell a text dump
// from MRT.
func sniff(path string) (string, error) {
	f, err := zstream.OpenRegular(path)
	if err != nil {
		return "", fmt.Errorf("mrt import: %w", err)
	}
	defer f.Close()
	z, _, err := zstream.Open(f, path)
	if err != nil {
		// Not readable as a compressed stream: the reader of either
		// format reports it with the file and the offset.
		return FormatMRT, nil
	}
	defer z.Close()
	// A short or failing read decides on what it got: the reader of the
	// format reports the failure itself.
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(z, head)
	if showbgp.Looks(head[:n]) {
		return FormatShowBGP, nil
	}
	return FormatMRT, nil
}

// datePattern finds the date of a PCH file name: …-ipv4_bgp_routes.2026.07.01.gz.
var datePattern = regexp.MustCompile(`(?:^|[^0-9])(\d{4})\.(\d{2})\.(\d{2})(?:[^0-9]|$)`)

// dateInName returns the date in a file name at 00:00 UTC, or zero.
func dateInName(path string) time.Time {
	m := datePattern.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return time.Time{}
	}
	t, err := time.Parse("2006.01.02", m[1]+"."+m[2]+"."+m[3])
	if err != nil {
		return time.Time{}
	}
	return t
}
