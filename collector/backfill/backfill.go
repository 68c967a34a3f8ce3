// Package backfill fills the history from public archives: PeeringDB
// snapshots kept by CAIDA (v1 and v2 SQLite files, then JSON dumps), the
// RIRs' dated delegated statistics, and route collectors' RIB dumps. It
// plans the dates of a cadence, skips those the store already has,
// downloads with bounded parallelism into a cache (a partial download is
// never trusted: files are written as .part and renamed once whole and,
// where the archive publishes one, checked against its MD5), and imports
// each file through the importers `ixpobs import` uses, oldest first (the
// shrink guard compares a snapshot with both neighbours, so history is
// built in time order). Each snapshot is published whole or not at all, so
// a run stopped at any point, even killed, is continued by running it
// again.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// The archives a backfill reads.
const (
	KindPeeringDB = "peeringdb"
	KindRIR       = "rir"
	KindMRT       = "mrt"
)

// Kinds are the archive kinds, in the order they are imported on a date.
var Kinds = []string{KindPeeringDB, KindRIR, KindMRT}

// RIRArchive is one registry's archive of dated delegated files.
type RIRArchive struct {
	Registry string `yaml:"registry"`
	Layout   `yaml:",inline"`
}

// Config configures a backfill. Start from DefaultConfig.
type Config struct {
	Kinds []string  // archives to read (default: all)
	Since time.Time // first date (inclusive)
	Until time.Time // last date (inclusive)
	Every Cadence
	// PeeringDB is CAIDA's PeeringDB archive.
	PeeringDB Layout
	// RIR are the registries' archives (and IANA's).
	RIR []RIRArchive
	// Collectors are the route collectors whose RIB dump of each date is
	// imported (the first dump of the day).
	Collectors []ribs.Collector
	// BrokerURL, when set, is a BGPKIT broker (ribs.DefaultBrokerURL)
	// asked for the first RIB dump of each date; a collector it does not
	// index (PCH), a broker failure or a listed file missing from the
	// archive falls back to the collector's URL template.
	BrokerURL string
	// CacheDir keeps downloads between runs.
	CacheDir string
	// Keep keeps imported files in the cache (default: removed once
	// their snapshot is stored).
	Keep bool
	// Parallel downloads at once (default 2).
	Parallel int
	// MaxBytes caps one file (default 4 GiB); Timeout one download
	// (default 2 h: CAIDA's server is slow).
	MaxBytes int64
	Timeout  time.Duration
	Logger   *slog.Logger
	// Progress, when set, is called after every date with the counts so
	// far.
	Progress func(Progress)
}

// DefaultConfig returns the public archives' layouts (see docs/BACKFILL.md
// for which were checked against the real archives and which come from
// documentation only) and the defaults: all archives, monthly from
// 2010-08-01 to today.
func DefaultConfig() Config {
	rirs := []RIRArchive{
		{"afrinic", Layout{Dir: "https://ftp.afrinic.net/stats/afrinic/{YYYY}/", File: `^delegated-afrinic-(?:extended-)?(?P<ymd>\d{8})(?:\.gz|\.bz2)?$`, Prefer: []string{"extended"}}},
		{"apnic", Layout{Dir: "https://ftp.apnic.net/stats/apnic/{YYYY}/", File: `^delegated-apnic-(?:extended-)?(?P<ymd>\d{8})(?:\.gz|\.bz2)?$`, Prefer: []string{"extended"}}},
		{"arin", Layout{Dir: "https://ftp.arin.net/pub/stats/arin/archive/{YYYY}/", File: `^delegated-arin-(?:extended-)?(?P<ymd>\d{8})(?:\.gz|\.bz2)?$`, Prefer: []string{"extended"}}},
		{"lacnic", Layout{Dir: "https://ftp.lacnic.net/pub/stats/lacnic/archive/{YYYY}/", File: `^delegated-lacnic-(?:extended-)?(?P<ymd>\d{8})(?:\.gz|\.bz2)?$`, Prefer: []string{"extended"}}},
		{"ripencc", Layout{Dir: "https://ftp.ripe.net/pub/stats/ripencc/{YYYY}/", File: `^delegated-ripencc-(?:extended-)?(?P<ymd>\d{8})(?:\.gz|\.bz2)?$`, Prefer: []string{"extended"}}},
		{"iana", Layout{Dir: "https://ftp.apnic.net/stats/iana/{YYYY}/", File: `^delegated-iana-(?P<ymd>\d{8})(?:\.gz|\.bz2)?$`}},
	}
	cache := filepath.Join(os.TempDir(), "ixpobs-backfill")
	if d, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(d, "ixpobs", "backfill")
	}
	now := time.Now().UTC()
	return Config{
		Kinds: append([]string(nil), Kinds...),
		Since: time.Date(2010, 8, 1, 0, 0, 0, 0, time.UTC),
		Until: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
		Every: Monthly,
		PeeringDB: Layout{Dir: "https://publicdata.caida.org/datasets/peeringdb/{YYYY}/{MM}/",
			File:   `^peeringdb_(?:2_)?dump_(?P<y>\d{4})_(?P<m>\d{2})_(?P<d>\d{2})\.(?:json|sqlite)(?:\.gz|\.bz2)?$`,
			Prefer: []string{".json", ".sqlite"}},
		RIR:        rirs,
		Collectors: ribs.DefaultCollectors(),
		CacheDir:   cache,
		Parallel:   2,
		MaxBytes:   4 << 30,
		Timeout:    2 * time.Hour,
	}
}

// Progress counts what a run did so far.
type Progress struct {
	Planned  int // dates × archives in the plan
	Present  int // already in the store: skipped
	Imported int // snapshots published (or found unchanged)
	Missing  int // dates the archive has no file for
	Failed   int // dates that failed (retried by the next run)
	// Held are later dates of a source whose date failed for a reason
	// that may pass (network, server error): they wait for the next run,
	// so that history is still built oldest first.
	Held      int
	Files     int64 // files downloaded
	Bytes     int64 // bytes downloaded
	Started   time.Time
	Remaining int // dates still to do
}

// Done is how many planned dates are settled.
func (p Progress) Done() int { return p.Present + p.Imported + p.Missing + p.Failed + p.Held }

// ETA estimates the time left from the rate of the dates done in this run.
func (p Progress) ETA(now time.Time) time.Duration {
	done := p.Imported + p.Missing + p.Failed
	if done == 0 || p.Remaining == 0 {
		return 0
	}
	per := now.Sub(p.Started) / time.Duration(done)
	return per * time.Duration(p.Remaining)
}

// Result is what a run did.
type Result struct {
	Progress
	// Failures name each failed date with its error.
	Failures []string
	// MissingDates name the dates the archives had no file for.
	MissingDates []string
}

// unit is one stream of snapshots: a source in the store.
type unit struct {
	kind   string
	name   string // store source: peeringdb, rir:lacnic, bgp:rrc15
	layout Layout
	col    ribs.Collector
}

// job is one date of one unit.
type job struct {
	u        unit
	from, to time.Time
	// set by the download
	file   File
	dumpAt time.Time // the dump's time when the broker named it (zero: from)
	paths  []string
	urls   []string
	err    error
	none   bool // the archive has no file for the window
	ready  chan struct{}
}

// Backfiller runs backfills.
type Backfiller struct {
	client *safehttp.Client
	st     store.Store
	cfg    Config
	broker *ribs.Broker
	files  atomic.Int64
	bytes  atomic.Int64
}

// New returns a Backfiller that downloads with client into st.
func New(client *safehttp.Client, st store.Store, cfg Config) (*Backfiller, error) {
	def := DefaultConfig()
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = def.Kinds
	}
	for _, k := range cfg.Kinds {
		if k != KindPeeringDB && k != KindRIR && k != KindMRT {
			return nil, fmt.Errorf("backfill: unknown archive %q (known: %s): %w", k, strings.Join(Kinds, ", "), ixp.ErrInvalid)
		}
	}
	if cfg.Every.step == nil {
		cfg.Every = Monthly
	}
	if cfg.Since.IsZero() || cfg.Until.Before(cfg.Since) {
		return nil, fmt.Errorf("backfill: the dates from %s to %s are empty: %w", day(cfg.Since), day(cfg.Until), ixp.ErrInvalid)
	}
	if cfg.CacheDir == "" {
		return nil, fmt.Errorf("backfill: no cache directory: %w", ixp.ErrInvalid)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = def.Parallel
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = def.MaxBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := cfg.PeeringDB.compile(); err != nil && has(cfg.Kinds, KindPeeringDB) {
		return nil, err
	}
	for _, r := range cfg.RIR {
		if _, err := r.compile(); err != nil && has(cfg.Kinds, KindRIR) {
			return nil, fmt.Errorf("rir %s: %w", r.Registry, err)
		}
	}
	for _, c := range cfg.Collectors {
		if err := c.Validate(); err != nil && has(cfg.Kinds, KindMRT) {
			return nil, err
		}
	}
	b := &Backfiller{client: client, st: st, cfg: cfg}
	if cfg.BrokerURL != "" {
		var err error
		if b.broker, err = ribs.NewBroker(client, cfg.BrokerURL); err != nil {
			return nil, fmt.Errorf("backfill: %w", err)
		}
	}
	return b, nil
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func (b *Backfiller) units() []unit {
	var out []unit
	for _, k := range Kinds {
		if !has(b.cfg.Kinds, k) {
			continue
		}
		switch k {
		case KindPeeringDB:
			out = append(out, unit{kind: k, name: ixp.SourcePeeringDB, layout: b.cfg.PeeringDB})
		case KindRIR:
			for _, r := range b.cfg.RIR {
				out = append(out, unit{kind: k, name: ixp.RIRSource(r.Registry), layout: r.Layout})
			}
		case KindMRT:
			for _, c := range b.cfg.Collectors {
				out = append(out, unit{kind: k, name: ixp.BGPSource(c.Name), col: c})
			}
		}
	}
	return out
}

// Plan returns the jobs of the run, oldest first, without those whose
// window already holds a snapshot of their source.
func (b *Backfiller) plan(ctx context.Context) (jobs []*job, planned, present int, err error) {
	dates := b.cfg.Every.Dates(b.cfg.Since, b.cfg.Until)
	for _, u := range b.units() {
		snaps, err := b.st.Snapshots(ctx, u.name)
		if err != nil && !errors.Is(err, ixp.ErrNotFound) {
			return nil, 0, 0, fmt.Errorf("backfill: snapshots of %s: %w", u.name, err)
		}
		for i, t := range dates {
			to := b.cfg.Every.Next(t)
			if i+1 < len(dates) {
				to = dates[i+1]
			}
			planned++
			if covered(snaps, t, to) {
				present++
				continue
			}
			jobs = append(jobs, &job{u: u, from: t, to: to, ready: make(chan struct{})})
		}
	}
	order := map[string]int{}
	for i, k := range Kinds {
		order[k] = i
	}
	sort.SliceStable(jobs, func(i, j int) bool {
		if !jobs[i].from.Equal(jobs[j].from) {
			return jobs[i].from.Before(jobs[j].from)
		}
		return order[jobs[i].u.kind] < order[jobs[j].u.kind]
	})
	return jobs, planned, present, nil
}

// covered reports whether a snapshot lies in [from, to).
func covered(snaps []ixp.Snapshot, from, to time.Time) bool {
	i := sort.Search(len(snaps), func(i int) bool { return !snaps[i].At.Before(from) })
	return i < len(snaps) && snaps[i].At.Before(to)
}

// Run plans, downloads and imports. It returns an error when dates failed
// (each named in Result.Failures; running again retries them) or ctx ended.
func (b *Backfiller) Run(ctx context.Context) (Result, error) {
	var res Result
	res.Started = time.Now()
	jobs, planned, present, err := b.plan(ctx)
	if err != nil {
		return res, err
	}
	res.Planned, res.Present, res.Remaining = planned, present, len(jobs)
	b.cfg.Logger.Info("backfill: plan", "dates", planned, "present", present, "to_do", len(jobs),
		"since", day(b.cfg.Since), "until", day(b.cfg.Until), "every", b.cfg.Every.String(), "cache", b.cfg.CacheDir)
	if err := b.cleanPartials(); err != nil {
		return res, err
	}
	report := func() {
		res.Files, res.Bytes = b.files.Load(), b.bytes.Load()
		if b.cfg.Progress != nil {
			b.cfg.Progress(res.Progress)
		}
	}
	report()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lst := newLister(b.client)
	// Downloads run ahead of the imports by at most 2×Parallel jobs, so
	// the cache holds a bounded number of files.
	slots := make(chan struct{}, 2*b.cfg.Parallel)
	work := make(chan *job)
	var wg sync.WaitGroup
	for range b.cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				b.download(ctx, lst, j)
				close(j.ready)
			}
		}()
	}
	go func() {
		defer close(work)
		for _, j := range jobs {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case work <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	held := map[string]string{} // unit → the failed date holding it
	for _, j := range jobs {
		select {
		case <-j.ready:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		<-slots
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		what := j.u.name + " " + day(j.from)
		switch {
		case held[j.u.name] != "":
			res.Held++
			b.cfg.Logger.Info("backfill: date held until the failed one before it is imported", "source", j.u.name, "date", day(j.from), "failed", held[j.u.name])
		case j.err != nil:
			res.Failed++
			res.Failures = append(res.Failures, what+": "+j.err.Error())
			b.cfg.Logger.Warn("backfill: date failed (retried by the next run)", "source", j.u.name, "date", day(j.from), "err", j.err)
			if transient(j.err) {
				held[j.u.name] = day(j.from)
			}
		case j.none:
			res.Missing++
			res.MissingDates = append(res.MissingDates, what)
			b.cfg.Logger.Info("backfill: no file in the archive for the date", "source", j.u.name, "from", day(j.from), "to", day(j.to))
		default:
			pub, err := b.importJob(ctx, j)
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			if err != nil {
				res.Failed++
				res.Failures = append(res.Failures, what+": "+err.Error())
				b.cfg.Logger.Warn("backfill: import failed (retried by the next run)", "source", j.u.name, "file", j.urls, "err", err)
				if transient(err) {
					held[j.u.name] = day(j.from)
				}
			} else {
				res.Imported++
				b.cfg.Logger.Info("backfill: imported", "source", j.u.name, "date", day(pub.Snapshot.At), "file", j.file.Name,
					"unchanged", pub.Unchanged, "versions", pub.Inserted)
				if !b.cfg.Keep {
					for _, p := range j.paths {
						os.Remove(p)
					}
				}
			}
		}
		res.Remaining--
		report()
	}
	if len(res.Failures) > 0 {
		return res, fmt.Errorf("backfill: %d of %d dates failed, %d later dates held (run again to retry them): %s", len(res.Failures), len(jobs), res.Held,
			strings.Join(res.Failures[:min(5, len(res.Failures))], "; "))
	}
	return res, nil
}

// transient reports whether an error may pass on a later try (network,
// timeout, server errors, a cut download); a file that cannot be read or
// a snapshot the store refuses fails again the same way.
func transient(err error) bool {
	switch safehttp.Kind(err) {
	case "timeout", "http_5xx", "http_429", "network":
		return !errors.Is(err, ixp.ErrInvalid) && !errors.Is(err, ixp.ErrShrink) && !isParse(err)
	}
	return errors.Is(err, ixp.ErrTruncated) && !isParse(err)
}

func isParse(err error) bool {
	var pe *ixp.ParseError
	return errors.As(err, &pe)
}

// cleanPartials removes downloads a stopped run left half written.
func (b *Backfiller) cleanPartials() error {
	if err := os.MkdirAll(b.cfg.CacheDir, 0o755); err != nil {
		return fmt.Errorf("backfill: cache: %w", err)
	}
	return filepath.WalkDir(b.cfg.CacheDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".part") {
			return os.Remove(p)
		}
		return err
	})
}

// downloadBrokered fetches the first RIB dump of a job's day that the
// broker lists. It returns false when the URL template must be walked
// instead: no broker, a collector of two files per dump (PCH, not
// indexed), the broker failing or listing nothing, or its file missing.
func (b *Backfiller) downloadBrokered(ctx context.Context, j *job) bool {
	if b.broker == nil || j.u.col.URLTemplateV6 != "" {
		return false
	}
	items, err := b.broker.RIBs(ctx, j.u.col.Name, j.from, j.from.Add(24*time.Hour-time.Second))
	if err != nil || len(items) == 0 {
		if err != nil {
			b.cfg.Logger.Warn("backfill: broker failed; walking the URL template", "source", j.u.name, "date", j.from.Format(time.DateOnly), "err", err)
		}
		return false
	}
	it := items[0]
	p, err := b.fetch(ctx, j.u.name, it.URL)
	var se *safehttp.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusForbidden) {
		b.cfg.Logger.Warn("backfill: the broker's file is not in the archive; walking the URL template", "source", j.u.name, "url", it.URL)
		return false
	}
	if err != nil {
		j.err = err
		return true
	}
	j.paths, j.urls, j.dumpAt = []string{p}, []string{it.URL}, it.Start
	j.file = File{Name: filepath.Base(p), URL: it.URL, Date: it.Start}
	return true
}

// download finds and fetches the files of a job.
func (b *Backfiller) download(ctx context.Context, lst *lister, j *job) {
	if j.u.kind == KindMRT {
		if b.downloadBrokered(ctx, j) {
			return
		}
		at := j.from
		for i, u := range j.u.col.URLs(at) {
			p, err := b.fetch(ctx, j.u.name, u)
			var se *safehttp.StatusError
			if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusForbidden) {
				if i == 0 {
					j.none = true
					return
				}
				continue // PCH's IPv6 table is optional
			}
			if err != nil {
				j.err = err
				return
			}
			j.paths, j.urls = append(j.paths, p), append(j.urls, u)
		}
		j.file = File{Name: filepath.Base(j.paths[0]), URL: j.urls[0], Date: at}
		return
	}
	re, err := j.u.layout.compile()
	if err != nil {
		j.err = err
		return
	}
	f, ok, err := lst.pick(ctx, j.u.layout, re, j.from, j.to)
	if err != nil {
		j.err = err
		return
	}
	if !ok {
		j.none = true
		return
	}
	p, err := b.fetch(ctx, j.u.name, f.URL)
	if err != nil {
		j.err = err
		return
	}
	if j.u.kind == KindRIR {
		err = b.checkMD5(ctx, f.URL, p)
	}
	if err == nil {
		p, err = decompressBzip2(p, j.u.kind == KindPeeringDB && strings.Contains(f.Name, ".sqlite"))
	}
	if err != nil {
		j.err = err
		return
	}
	j.file, j.paths, j.urls = f, []string{p}, []string{f.URL}
}

// importJob imports the files of a job through the importers of `ixpobs
// import`, and records the run.
func (b *Backfiller) importJob(ctx context.Context, j *job) (store.PublishResult, error) {
	started := time.Now()
	var pub store.PublishResult
	var err error
	switch j.u.kind {
	case KindPeeringDB:
		var d *peeringdb.Dump
		if strings.Contains(j.file.Name, ".sqlite") {
			d, err = peeringdb.ReadSQLite(ctx, j.paths[0])
		} else {
			d, err = peeringdb.ReadFile(ctx, j.paths[0])
		}
		if err == nil {
			var in ixp.SnapshotInput
			in, err = d.Snapshot(j.file.Date, false)
			if err == nil {
				in.Origin = j.urls[0]
				pub, err = b.st.Publish(ctx, in)
			}
		}
	case KindRIR:
		var r *rir.Result
		r, err = rir.ImportFile(ctx, j.paths[0])
		if err == nil {
			in := r.SnapshotInput()
			if in.Source != j.u.name {
				err = fmt.Errorf("%s: a file of %s, not %s: %w", j.file.URL, in.Source, j.u.name, ixp.ErrInvalid)
			} else {
				in.Origin = j.urls[0]
				pub, err = b.st.Publish(ctx, in)
			}
		}
	case KindMRT:
		var r ribs.Result
		at := j.from
		if !j.dumpAt.IsZero() {
			at = j.dumpAt
		}
		r, err = ribs.ImportFiles(ctx, b.st, j.paths, ribs.ImportOptions{Collector: j.u.col.Name, IXID: j.u.col.IXID, At: at, Origins: j.urls})
		pub = r.Publish
	}
	if ctx.Err() != nil {
		return pub, ctx.Err()
	}
	run := store.Run{Source: j.u.name, Started: started, Finished: time.Now(), OK: err == nil, SnapshotID: pub.Snapshot.ID,
		Detail: "backfill " + strings.Join(j.urls, " ")}
	if err != nil {
		run.Error, run.ErrorKind = err.Error(), collector.ErrorKind(err)
	}
	if rerr := b.st.RecordRun(context.WithoutCancel(ctx), run); rerr != nil {
		b.cfg.Logger.Warn("backfill: cannot record the run", "err", rerr)
	}
	return pub, err
}
