package collector_test

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/collector"
	"github.com/ixpobs/ixpobs/collector/ixf"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/metrics"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// The hostile-input sweep: every case runs through the real collector.Runner
// with two sources, the one fed the hostile input and a healthy IX-F export,
// on a real SQLite store that already holds a good snapshot of the hostile
// source, with the run metrics on a registry. An error case must give its
// typed error (naming source, file and place), be counted under its kind,
// leave the last good snapshot newest and unchanged, and not stop the
// healthy source. An accepted case (deleted-and-resurrected objects,
// dangling references, additive schema drift, a 429 followed by data, the
// quirks of real IX-F feeds) must publish what the input says.

// family is the kind of input a case feeds.
type family string

const (
	famDump  family = "peeringdb dump"    // a dump directory (ixpobs import peeringdb DIR)
	famFile  family = "peeringdb file"    // the single-file dump layout
	famAPI   family = "peeringdb api"     // the API collector against an httptest server
	famIXF   family = "ixf export"        // an IX-F member export file
	famRIR   family = "rir file"          // a delegated statistics file
	famMRT   family = "mrt archive"       // an MRT archive (plain, gzip, bzip2)
	healthyN        = "ixf:healthy"       // the healthy source
	hostileD        = "testdata/hostile/" // fixtures
)

var (
	goodAt   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pdbKinds = []string{"org", "ix", "ixlan", "ixpfx", "net", "netixlan"}
)

type hostileCase struct {
	name string
	fam  family
	// file is the file of the input replaced by the hostile bytes: a
	// dump file name ("netixlan.json", "ix.json.gz") for famDump, the
	// requested object for famAPI; the other families have one file.
	file string
	// mutate turns the good bytes of that file into the hostile ones.
	mutate func(t *testing.T, good []byte) []byte
	// api, for famAPI, answers the n-th (from 0) hostile request for
	// file itself; nil serves mutate's body with status 200.
	api func(w http.ResponseWriter, n int)

	// Error cases: the runner kind, errors.Is targets, and whether an
	// *ixp.ParseError is expected (any other typed error is checked by
	// check).
	kind  string
	is    []error
	parse bool
	check func(t *testing.T, h *harness, err error)
	// day, when set, moves every good file of a dump to that day (the
	// hostile file is a later dump's).
	day string
	// accepted cases: kind is "" and then checks the result.
	then func(t *testing.T, h *harness)
}

// harness is one case's world: a store with a good snapshot, the hostile
// source reading h.input, the healthy source, a metrics registry.
type harness struct {
	st      store.Store
	dir     string
	source  string // the hostile source's name
	input   string // what the hostile source reads now (file, dir or URL base)
	srv     *httptest.Server
	hostile *hostileCase
	good    map[string][]byte // API bodies by object
	reqs    map[string]int    // hostile requests by object
	mu      sync.Mutex
	delays  []time.Duration // sleeps asked by the PeeringDB collector
	clock   time.Time
	lastErr error
	src     collector.Source
	prior   ixp.Snapshot
	content string
}

func TestHostileInputs(t *testing.T) {
	cases := hostileCases()
	counts := map[family][2]int{}
	for _, c := range cases {
		n := counts[c.fam]
		if c.kind != "" {
			n[0]++
		} else {
			n[1]++
		}
		counts[c.fam] = n
	}
	errCases := 0
	for _, n := range counts {
		errCases += n[0]
	}
	if errCases < 60 {
		t.Fatalf("%d error cases, want at least 60", errCases)
	}
	fams := make([]string, 0, len(counts))
	for f := range counts {
		fams = append(fams, string(f))
	}
	sort.Strings(fams)
	for _, f := range fams {
		t.Logf("%-15s %2d refused, %d accepted", f, counts[family(f)][0], counts[family(f)][1])
	}
	seen := map[string]bool{}
	for _, c := range cases {
		name := string(c.fam) + "/" + c.name
		if seen[name] {
			t.Fatalf("case %q twice", name)
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runHostile(t, &c)
		})
	}
}

func runHostile(t *testing.T, c *hostileCase) {
	ctx := context.Background()
	h := newHarness(t, c)

	// The hostile input.
	h.mu.Lock()
	h.hostile = c
	h.mu.Unlock()
	h.setHostileInput(t)

	// Both sources through the runner, concurrently, with metrics.
	reg := prometheus.NewRegistry()
	runs := metrics.NewRuns(reg)
	healthy := healthySource(t, h.st)
	rec := &signalRecorder{st: h.st, done: make(chan string, 2)}
	r := collector.NewRunner([]collector.Source{h.src, healthy}, rec, runs, nil)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { r.Run(rctx); close(stopped) }()
	timeout := time.After(30 * time.Second)
	for range 2 {
		select {
		case <-rec.done:
		case <-timeout:
			cancel()
			t.Fatal("the two runs did not finish in 30 s")
		}
	}
	cancel()
	<-stopped
	err := h.lastErr

	// The healthy source is unaffected.
	if v := counterValue(reg, "ixpobs_source_runs_total", healthyN, "result", "success"); v != 1 {
		t.Errorf("healthy source: %v successful runs, want 1", v)
	}
	if sn, err := h.st.SnapshotAt(ctx, healthyN, time.Time{}); err != nil {
		t.Errorf("healthy source published nothing: %v", err)
	} else if sn.Counts[ixp.KindConnection.String()] == 0 {
		t.Errorf("healthy snapshot has no connections: %v", sn.Counts)
	}

	last, lerr := h.st.Runs(ctx, h.source, 1)
	if lerr != nil || len(last) != 1 {
		t.Fatalf("run of %s not recorded: %v", h.source, lerr)
	}
	if c.kind == "" {
		if err != nil {
			t.Fatalf("accepted case failed: %v", err)
		}
		if v := counterValue(reg, "ixpobs_source_runs_total", h.source, "result", "success"); v != 1 {
			t.Errorf("%v successful runs counted, want 1", v)
		}
		if !last[0].OK {
			t.Errorf("run recorded as failed: %+v", last[0])
		}
		if c.then != nil {
			c.then(t, h)
		}
		return
	}

	// An error case: typed, counted, recorded, last good snapshot kept.
	if err == nil {
		t.Fatalf("hostile input accepted, want a %s error", c.kind)
	}
	t.Logf("error: %v", err)
	if got := collector.ErrorKind(err); got != c.kind {
		t.Errorf("error kind %q, want %q (%v)", got, c.kind, err)
	}
	for _, target := range c.is {
		if !errors.Is(err, target) {
			t.Errorf("error does not wrap %v: %v", target, err)
		}
	}
	if c.parse {
		checkParseError(t, h, c, err)
	}
	if c.check != nil {
		c.check(t, h, err)
	}
	if v := counterValue(reg, "ixpobs_source_errors_total", h.source, "kind", c.kind); v != 1 {
		t.Errorf("ixpobs_source_errors_total{source=%q,kind=%q} = %v, want 1", h.source, c.kind, v)
	}
	if v := counterValue(reg, "ixpobs_source_runs_total", h.source, "result", "failure"); v != 1 {
		t.Errorf("ixpobs_source_runs_total{source=%q,result=failure} = %v, want 1", h.source, v)
	}
	if last[0].OK || last[0].ErrorKind != c.kind {
		t.Errorf("recorded run %+v, want a failure of kind %s", last[0], c.kind)
	}
	h.checkPriorKept(t)
}

// checkParseError checks the *ixp.ParseError names the source, the file
// and a place in it.
func checkParseError(t *testing.T, h *harness, c *hostileCase, err error) {
	t.Helper()
	var pe *ixp.ParseError
	if !errors.As(err, &pe) {
		t.Errorf("not an *ixp.ParseError: %T %v", err, err)
		return
	}
	wantSource := map[family]string{famDump: "peeringdb", famFile: "peeringdb", famAPI: "peeringdb", famIXF: "ixf", famRIR: "rir", famMRT: "mrt"}[c.fam]
	if pe.Source != wantSource {
		t.Errorf("ParseError source %q, want %q", pe.Source, wantSource)
	}
	wantFile := filepath.Base(h.hostileFile())
	if c.fam == famAPI {
		wantFile = "/api/" + c.file
	}
	if !strings.Contains(pe.File, wantFile) {
		t.Errorf("ParseError file %q does not name %q", pe.File, wantFile)
	}
	if pe.Offset < 0 && pe.Record < 0 && !strings.Contains(pe.Err.Error(), "line ") {
		// Errors about a whole file (empty, no member list) have no
		// place inside it.
		// A body cut by the connection has no offset the client knows.
		if !errors.Is(err, ixf.ErrEmpty) && !errors.Is(err, ixf.ErrNoMembers) && !errors.Is(err, ixf.ErrNoIXPs) &&
			!strings.Contains(pe.Err.Error(), "Content-Length") {
			t.Errorf("ParseError gives no place (offset, record or line): %v", pe)
		}
	}
}

// checkPriorKept checks the good snapshot is still the newest, alone and
// unchanged.
func (h *harness) checkPriorKept(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	snaps, err := h.st.Snapshots(ctx, h.source)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].ID != h.prior.ID {
		t.Errorf("snapshots of %s after the hostile run: %d (newest %+v), want only the good one %d", h.source, len(snaps), snaps[len(snaps)-1], h.prior.ID)
	}
	newest, err := h.st.SnapshotAt(ctx, h.source, time.Time{})
	if err != nil || newest.ID != h.prior.ID {
		t.Errorf("newest snapshot %d (%v), want the good one %d", newest.ID, err, h.prior.ID)
	}
	if got := contentOf(t, h.st, h.prior); got != h.content {
		t.Errorf("the good snapshot's content changed")
	}
}

// contentOf hashes what readers see of a snapshot.
func contentOf(t *testing.T, st store.Store, sn ixp.Snapshot) string {
	t.Helper()
	hash := sha256.New()
	for _, k := range sn.Kinds {
		recs, err := st.Objects(context.Background(), sn.Source, k, sn.At, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(hash, "%s %d\n", k, len(recs))
		for _, r := range recs {
			fmt.Fprintf(hash, "%d %s\n", r.ID, r.Data)
		}
	}
	return hex.EncodeToString(hash.Sum(nil))
}

func counterValue(reg *prometheus.Registry, name, source, label, value string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var okSource, okLabel bool
			for _, lp := range m.GetLabel() {
				okSource = okSource || lp.GetName() == "source" && lp.GetValue() == source
				okLabel = okLabel || lp.GetName() == label && lp.GetValue() == value
			}
			if okSource && okLabel {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// signalRecorder stores runs and says when each is recorded.
type signalRecorder struct {
	st   store.Store
	done chan string
}

func (s *signalRecorder) RecordRun(ctx context.Context, r store.Run) error {
	err := s.st.RecordRun(ctx, r)
	s.done <- r.Source
	return err
}

func newHarness(t *testing.T, c *hostileCase) *harness {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "hostile.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{st: st, dir: dir, clock: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), reqs: map[string]int{}}
	switch c.fam {
	case famDump, famFile:
		h.source = ixp.SourcePeeringDB
		h.src = collector.Source{Name: h.source, Interval: time.Hour, Timeout: 20 * time.Second, Collect: h.capture(func(ctx context.Context) (store.PublishResult, error) {
			var d *peeringdb.Dump
			var err error
			if fi, serr := os.Stat(h.input); serr == nil && fi.IsDir() {
				d, err = peeringdb.ReadDir(ctx, h.input)
			} else {
				d, err = peeringdb.ReadFile(ctx, h.input)
			}
			if err != nil {
				return store.PublishResult{}, err
			}
			in, err := d.Snapshot(time.Time{}, false)
			if err != nil {
				return store.PublishResult{}, err
			}
			return st.Publish(ctx, in)
		})}
		h.input = filepath.Join(hostileD, "pdb")
	case famAPI:
		h.source = ixp.SourcePeeringDB
		h.good = map[string][]byte{}
		for _, k := range pdbKinds {
			h.good[k] = readFixture(t, "pdb/"+k+".json")
		}
		h.srv = httptest.NewServer(http.HandlerFunc(h.serveAPI))
		t.Cleanup(h.srv.Close)
		cfg := peeringdb.DefaultConfig()
		cfg.BaseURL = h.srv.URL + "/api"
		cfg.RequestsPerMinute = 600
		cfg.MaxRetries = 2
		cfg.FullSyncInterval = time.Nanosecond // every sync is a full one
		cfg.Objects = pdbKinds
		pdb, err := peeringdb.New(cfg, testClient(t), st, nil)
		if err != nil {
			t.Fatal(err)
		}
		pdb.Now = func() time.Time {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.clock = h.clock.Add(time.Minute)
			return h.clock
		}
		pdb.Sleep = func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.delays = append(h.delays, d)
			h.mu.Unlock()
			return ctx.Err()
		}
		h.src = collector.Source{Name: h.source, Interval: time.Hour, Timeout: 20 * time.Second, Collect: h.capture(func(ctx context.Context) (store.PublishResult, error) {
			return pdb.Collect(ctx, false)
		})}
	case famIXF:
		h.source = ixp.IXFSource("hostile")
		h.src = ixfSource(t, st, "hostile", func() string { return h.input })
		h.input = filepath.Join(hostileD, "ixf/good.json")
	case famRIR:
		h.source = "rir:lacnic"
		h.src = collector.Source{Name: h.source, Interval: time.Hour, Timeout: 20 * time.Second, Collect: h.capture(func(ctx context.Context) (store.PublishResult, error) {
			res, err := rir.ImportFile(ctx, h.input)
			if err != nil {
				return store.PublishResult{}, err
			}
			return st.Publish(ctx, res.SnapshotInput())
		})}
		h.input = filepath.Join(hostileD, "rir/delegated-lacnic-extended-good.txt")
	case famMRT:
		h.source = ixp.BGPSource("hostile")
		h.src = collector.Source{Name: h.source, Interval: time.Hour, Timeout: 20 * time.Second, Collect: h.capture(func(ctx context.Context) (store.PublishResult, error) {
			return importMRT(ctx, st, h.input, "hostile")
		})}
		h.input = filepath.Join(hostileD, "mrt/good.mrt.bz2")
	}
	if c.fam == famIXF {
		// ixfSource reports through h.capture too.
		inner := h.src.Collect
		h.src.Collect = h.capture(inner)
	}

	// The good snapshot, through a runner of its own.
	pre := collector.NewRunner([]collector.Source{h.src}, st, nil, nil)
	if err := pre.RunOnce(ctx, h.src); err != nil {
		t.Fatalf("good input of %s refused: %v", h.source, err)
	}
	h.prior, err = st.SnapshotAt(ctx, h.source, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h.content = contentOf(t, st, h.prior)
	return h
}

// capture keeps the error a collection returns, for errors.As.
func (h *harness) capture(f func(context.Context) (store.PublishResult, error)) func(context.Context) (store.PublishResult, error) {
	return func(ctx context.Context) (store.PublishResult, error) {
		res, err := f(ctx)
		h.mu.Lock()
		h.lastErr = err
		h.mu.Unlock()
		return res, err
	}
}

// hostileFile is the path of the hostile file in the input.
func (h *harness) hostileFile() string {
	if fi, err := os.Stat(h.input); err == nil && fi.IsDir() {
		return filepath.Join(h.input, h.hostile.file)
	}
	return h.input
}

// setHostileInput writes the hostile input and points the source at it.
func (h *harness) setHostileInput(t *testing.T) {
	t.Helper()
	c := h.hostile
	switch c.fam {
	case famDump:
		h.input = h.writeDump(t, map[string]func(*testing.T, []byte) []byte{c.file: c.mutate})
	case famFile:
		h.input = filepath.Join(h.dir, "peeringdb.json")
		writeFile(t, h.input, c.mutate(t, singleFileDump(t)))
	case famAPI:
		// the server switches to the case's answers
	case famIXF:
		h.input = filepath.Join(h.dir, c.file)
		writeFile(t, h.input, c.mutate(t, readFixture(t, "ixf/good.json")))
	case famRIR:
		h.input = filepath.Join(h.dir, c.file)
		writeFile(t, h.input, c.mutate(t, readFixture(t, "rir/delegated-lacnic-extended-good.txt")))
	case famMRT:
		h.input = filepath.Join(h.dir, c.file)
		good := readFixture(t, "mrt/good.mrt.bz2")
		if !strings.HasSuffix(c.file, ".bz2") {
			good = bunzip(t, good)
		}
		writeFile(t, h.input, c.mutate(t, good))
	}
}

// writeDump writes a dump directory: the good files, with the named ones
// replaced (a name ending in .gz replaces the plain file; a nil result
// removes it).
func (h *harness) writeDump(t *testing.T, replace map[string]func(*testing.T, []byte) []byte) string {
	t.Helper()
	dir, err := os.MkdirTemp(h.dir, "dump")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range pdbKinds {
		good := readFixture(t, "pdb/"+k+".json")
		if h.hostile != nil && h.hostile.day != "" {
			good = newDay(h.hostile.day)(t, good)
		}
		name := k + ".json"
		if f, ok := replace[name]; ok {
			if b := f(t, good); b != nil {
				writeFile(t, filepath.Join(dir, name), b)
			}
			continue
		}
		if f, ok := replace[name+".gz"]; ok {
			writeFile(t, filepath.Join(dir, name+".gz"), f(t, good))
			continue
		}
		writeFile(t, filepath.Join(dir, name), good)
	}
	return dir
}

// serveAPI answers /api/<object>: good data until the case's input is
// set, then the case's answers for its object.
func (h *harness) serveAPI(w http.ResponseWriter, r *http.Request) {
	obj := strings.TrimPrefix(r.URL.Path, "/api/")
	h.mu.Lock()
	c := h.hostile
	n := -1
	if c != nil && obj == c.file {
		n = h.reqs[obj]
		h.reqs[obj]++
	}
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case n < 0:
		w.Write(h.good[obj])
	case c.api != nil:
		c.api(w, n)
	default:
		w.Write(c.mutate(nil, h.good[obj]))
	}
}

func testClient(t *testing.T) *safehttp.Client {
	t.Helper()
	cfg := safehttp.DefaultConfig()
	cfg.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cfg.TotalTimeout = 10 * time.Second
	c, err := safehttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// ixfPublisher adapts the store to the IX-F collector.
type ixfPublisher struct{ st store.Store }

func (p ixfPublisher) Publish(ctx context.Context, in ixp.SnapshotInput) (ixp.Snapshot, error) {
	res, err := p.st.Publish(ctx, in)
	return res.Snapshot, err
}

// ixfSource collects one IX-F export file, as a scheduled source.
func ixfSource(t *testing.T, st store.Store, name string, path func() string) collector.Source {
	t.Helper()
	c, err := ixf.New(testClient(t), ixfPublisher{st}, ixf.Config{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	return collector.Source{Name: ixp.IXFSource(name), Interval: time.Hour, Timeout: 20 * time.Second,
		Collect: func(ctx context.Context) (store.PublishResult, error) {
			target, err := ixf.UserTarget(name, path())
			if err != nil {
				return store.PublishResult{}, err
			}
			r := c.Run(ctx, []ixf.Target{target}, nil)[0]
			return store.PublishResult{Snapshot: r.Snapshot}, r.Err
		}}
}

func healthySource(t *testing.T, st store.Store) collector.Source {
	return ixfSource(t, st, "healthy", func() string { return filepath.Join(hostileD, "ixf/good.json") })
}

// importMRT is what `ixpobs import mrt` does: read the archive to its clean
// end, aggregate, publish one collector snapshot.
func importMRT(ctx context.Context, st store.Store, path, name string) (store.PublishResult, error) {
	r, err := mrt.Open(path)
	if err != nil {
		return store.PublishResult{}, err
	}
	defer r.Close()
	agg := bgp.NewAggregator()
	var last time.Time
	stats, err := r.Read(ctx, func(e *mrt.Elem) error {
		if e.Time.After(last) {
			last = e.Time
		}
		mrt.Apply(agg, e)
		return nil
	})
	if err != nil {
		return store.PublishResult{}, err
	}
	if !stats.Complete {
		return store.PublishResult{}, fmt.Errorf("mrt: %s: not read to its end: %w", path, ixp.ErrTruncated)
	}
	if last.IsZero() {
		return store.PublishResult{}, fmt.Errorf("mrt: %s: no record with a time: %w", path, ixp.ErrInvalid)
	}
	in, err := snapshot.Build(ixp.BGPCollector{Name: name, Type: "mrt", Files: []string{path}, Entries: stats.Entries}, last, agg.Summary())
	if err != nil {
		return store.PublishResult{}, err
	}
	return st.Publish(ctx, in)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(hostileD, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// singleFileDump is the good dump in the single-file layout.
func singleFileDump(t *testing.T) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for i, k := range pdbKinds {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "%q: ", k)
		b.Write(bytes.TrimSpace(readFixture(t, "pdb/"+k+".json")))
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func bunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Mutators.

func replaceWith(s string) func(*testing.T, []byte) []byte {
	return func(*testing.T, []byte) []byte { return []byte(s) }
}

// cutAfter truncates just after the n-th byte past the first occurrence of
// marker (n may be negative).
func cutAfter(marker string, n int) func(*testing.T, []byte) []byte {
	return func(t *testing.T, good []byte) []byte {
		i := bytes.Index(good, []byte(marker))
		if i < 0 {
			panic(fmt.Sprintf("fixture has no %q", marker))
		}
		return append([]byte(nil), good[:i+n]...)
	}
}

// cutLast drops the last n bytes.
func cutLast(n int) func(*testing.T, []byte) []byte {
	return func(_ *testing.T, good []byte) []byte { return append([]byte(nil), good[:len(good)-n]...) }
}

// cutAtFraction keeps the first frac of the bytes.
func cutAtFraction(frac float64) func(*testing.T, []byte) []byte {
	return func(_ *testing.T, good []byte) []byte {
		return append([]byte(nil), good[:int(float64(len(good))*frac)]...)
	}
}

// sub replaces the first occurrence of old (which must exist).
func sub(old, new string) func(*testing.T, []byte) []byte {
	return subN(old, new, 1)
}

// subN replaces n occurrences of old (-1: all).
func subN(old, new string, n int) func(*testing.T, []byte) []byte {
	return func(_ *testing.T, good []byte) []byte {
		if !bytes.Contains(good, []byte(old)) {
			panic(fmt.Sprintf("fixture has no %q", old))
		}
		return bytes.Replace(good, []byte(old), []byte(new), n)
	}
}

// then applies mutators in order.
func chain(fs ...func(*testing.T, []byte) []byte) func(*testing.T, []byte) []byte {
	return func(t *testing.T, b []byte) []byte {
		for _, f := range fs {
			b = f(t, b)
		}
		return b
	}
}

// flip inverts one byte at an offset from the end (negative) or start.
func flip(off int) func(*testing.T, []byte) []byte {
	return func(_ *testing.T, good []byte) []byte {
		b := append([]byte(nil), good...)
		if off < 0 {
			off += len(b)
		}
		b[off] ^= 0xff
		return b
	}
}

func gzipped(f func(*testing.T, []byte) []byte) func(*testing.T, []byte) []byte {
	return func(t *testing.T, good []byte) []byte { return f(t, gz(good)) }
}

// newDay moves every updated time of a dump file to a later day (a later
// dump).
func newDay(day string) func(*testing.T, []byte) []byte {
	return subN(`"updated": "2024-01-01T00:00:00Z"`, `"updated": "`+day+`T00:00:00Z"`, -1)
}

// Checks used by several cases.

func wantShrink(kind ixp.Kind) func(*testing.T, *harness, error) {
	return func(t *testing.T, _ *harness, err error) {
		var se *ixp.ShrinkError
		if !errors.As(err, &se) {
			t.Fatalf("not an *ixp.ShrinkError: %v", err)
		}
		if se.Kind != kind || se.Next >= se.Previous {
			t.Errorf("shrink error %+v, want %s shrinking", se, kind)
		}
	}
}

func wantStatus(code int, delays ...time.Duration) func(*testing.T, *harness, error) {
	return func(t *testing.T, h *harness, err error) {
		var se *safehttp.StatusError
		if !errors.As(err, &se) || se.Code != code {
			t.Fatalf("want a *safehttp.StatusError %d, got %T %v", code, err, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "peeringdb") || !strings.Contains(msg, "/api/"+h.hostile.file) {
			t.Errorf("error does not name the source and URL: %v", err)
		}
		h.checkDelays(t, delays...)
	}
}

// checkDelays compares the sleeps asked for, after dropping the pacing
// ones (the fake clock makes them 0 or absent).
func (h *harness) checkDelays(t *testing.T, want ...time.Duration) {
	t.Helper()
	h.mu.Lock()
	got := append([]time.Duration(nil), h.delays...)
	h.mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("retry delays %v, want %v", got, want)
	}
	for i := range want {
		// An HTTP-date Retry-After is rounded to the second.
		if d := got[i] - want[i]; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("retry delay %d = %s, want %s (Retry-After honoured)", i, got[i], want[i])
		}
	}
}

// newSnapshot checks the accepted input made a new newest snapshot and
// returns it.
func (h *harness) newSnapshot(t *testing.T) ixp.Snapshot {
	t.Helper()
	sn, err := h.st.SnapshotAt(context.Background(), h.source, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if sn.ID == h.prior.ID {
		t.Fatalf("no new snapshot published")
	}
	return sn
}

func (h *harness) hasNote(t *testing.T, sn ixp.Snapshot, sub string) {
	t.Helper()
	for _, n := range sn.Notes {
		if strings.Contains(n, sub) {
			return
		}
	}
	t.Errorf("snapshot notes %q do not mention %q", sn.Notes, sub)
}

func (h *harness) objectIDs(t *testing.T, kind ixp.Kind, at time.Time) map[int64]bool {
	t.Helper()
	recs, err := h.st.Objects(context.Background(), h.source, kind, at, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, r := range recs {
		ids[r.ID] = true
	}
	return ids
}

// runAgain runs the hostile source once more on new input.
func (h *harness) runAgain(t *testing.T) {
	t.Helper()
	r := collector.NewRunner([]collector.Source{h.src}, h.st, nil, nil)
	if err := r.RunOnce(context.Background(), h.src); err != nil {
		t.Fatalf("second input refused: %v", err)
	}
}

// mrtRecords returns the offsets of the records of a plain MRT stream.
func mrtRecords(b []byte) []int {
	var starts []int
	for off := 0; off+12 <= len(b); {
		starts = append(starts, off)
		n := int(b[off+8])<<24 | int(b[off+9])<<16 | int(b[off+10])<<8 | int(b[off+11])
		off += 12 + n
	}
	return starts
}

// mrtCut truncates a plain MRT stream inside record i: at byte n of it.
func mrtCut(i, n int) func(*testing.T, []byte) []byte {
	return func(t *testing.T, b []byte) []byte {
		starts := mrtRecords(b)
		if i < 0 {
			i += len(starts)
		}
		return append([]byte(nil), b[:starts[i]+n]...)
	}
}

// mrtCutBody truncates record i halfway through its body.
func mrtCutBody(i int) func(*testing.T, []byte) []byte {
	return func(t *testing.T, b []byte) []byte {
		starts := mrtRecords(b)
		if i < 0 {
			i += len(starts)
		}
		s := starts[i]
		n := int(b[s+8])<<24 | int(b[s+9])<<16 | int(b[s+10])<<8 | int(b[s+11])
		return append([]byte(nil), b[:s+12+n/2]...)
	}
}

// mrtLength sets the declared length of record i.
func mrtLength(i int, n uint32) func(*testing.T, []byte) []byte {
	return func(t *testing.T, b []byte) []byte {
		b = append([]byte(nil), b...)
		s := mrtRecords(b)[i]
		b[s+8], b[s+9], b[s+10], b[s+11] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return b
	}
}

const ixfNewTS = `"timestamp": "2024-02-01T00:00:00Z"`

func hostileCases() []hostileCase {
	T, I := ixp.ErrTruncated, ixp.ErrInvalid
	nix := "netixlan.json"
	gzf := "netixlan.json.gz"
	var cs []hostileCase
	add := func(c ...hostileCase) { cs = append(cs, c...) }

	// PeeringDB dump directories: truncation at every structural point.
	add(
		hostileCase{name: "empty file", fam: famDump, file: nix, mutate: replaceWith(""), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "white space only", fam: famDump, file: nix, mutate: replaceWith(" \n\t\n"), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut after the opening brace", fam: famDump, file: nix, mutate: cutAfter(`{"meta"`, 1), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside a key", fam: famDump, file: nix, mutate: cutAfter(`"data"`, 3), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut after data colon", fam: famDump, file: nix, mutate: cutAfter(`"data":`, 7), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut after the array opens", fam: famDump, file: nix, mutate: cutAfter(`"data": [`, 9), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside an object", fam: famDump, file: nix, mutate: cutAfter(`"id": 7001,`, 11), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside a string", fam: famDump, file: nix, mutate: cutAfter(`"ipaddr4": "187.16`, 18), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside a number", fam: famDump, file: nix, mutate: cutAfter(`"speed": 100000`, 12), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside a literal", fam: famDump, file: nix, mutate: cutAfter(`"is_rs_peer": true`, 16), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside an escape", fam: famDump, file: "ix.json", mutate: cutAfter(`S\u00`, 4), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut between objects", fam: famDump, file: nix, mutate: cutAfter(`"status": "ok"},`, 16), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut before the array closes", fam: famDump, file: nix, mutate: cutLast(3), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut before the last brace", fam: famDump, file: nix, mutate: cutLast(2), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut inside another file", fam: famDump, file: "net.json", mutate: cutAfter(`"asn": 64501`, 8), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in the first file read", fam: famDump, file: "org.json", mutate: cutAtFraction(0.5), kind: "truncated", is: []error{T}, parse: true},
	)
	// Compressed dump files: bad tails.
	add(
		hostileCase{name: "gzip without its trailer", fam: famDump, file: gzf, mutate: gzipped(cutLast(8)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip missing one trailer byte", fam: famDump, file: gzf, mutate: gzipped(cutLast(1)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip bad CRC", fam: famDump, file: gzf, mutate: gzipped(flip(-8)), kind: "parse", is: []error{gzip.ErrChecksum}, parse: true},
		hostileCase{name: "gzip bad size", fam: famDump, file: gzf, mutate: gzipped(flip(-1)), kind: "parse", is: []error{gzip.ErrChecksum}, parse: true},
		hostileCase{name: "gzip cut in half", fam: famDump, file: gzf, mutate: gzipped(cutAtFraction(0.5)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip header only", fam: famDump, file: gzf, mutate: gzipped(func(_ *testing.T, b []byte) []byte { return b[:10] }), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip short header", fam: famDump, file: gzf, mutate: replaceWith("\x1f\x8b\x08\x00"), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip with trailing garbage", fam: famDump, file: gzf, mutate: gzipped(func(_ *testing.T, b []byte) []byte { return append(b, "garbage!garbage!"...) }), kind: "parse", is: []error{gzip.ErrHeader}, parse: true},
		hostileCase{name: "gzip of nothing", fam: famDump, file: gzf, mutate: func(*testing.T, []byte) []byte { return gz(nil) }, kind: "truncated", is: []error{T}, parse: true},
	)
	// Not the expected document.
	add(
		hostileCase{name: "top-level array", fam: famDump, file: nix, mutate: replaceWith(`[{"id": 7000}]`), kind: "parse", parse: true},
		hostileCase{name: "data is an object", fam: famDump, file: nix, mutate: replaceWith(`{"data": {"id": 7000}}`), kind: "parse", parse: true},
		hostileCase{name: "data is a string", fam: famDump, file: nix, mutate: replaceWith(`{"data": "none"}`), kind: "parse", parse: true},
		hostileCase{name: "error answer without data", fam: famDump, file: nix, mutate: replaceWith(`{"meta": {"error": "Internal error"}}`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "data renamed", fam: famDump, file: nix, mutate: sub(`"data"`, `"results"`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "two documents", fam: famDump, file: nix, mutate: func(_ *testing.T, b []byte) []byte { return append(append([]byte(nil), b...), b...) }, kind: "parse", parse: true},
		hostileCase{name: "byte order mark", fam: famDump, file: nix, mutate: func(_ *testing.T, b []byte) []byte { return append([]byte("\xef\xbb\xbf"), b...) }, kind: "parse", parse: true},
		hostileCase{name: "NUL byte in a number", fam: famDump, file: nix, mutate: sub(`"asn": 64501`, "\"asn\": 6\x004501"), kind: "parse", parse: true},
		hostileCase{name: "unquoted key", fam: famDump, file: nix, mutate: sub(`"speed"`, `speed`), kind: "parse", parse: true},
		hostileCase{name: "trailing comma", fam: famDump, file: nix, mutate: sub("\"status\": \"ok\"}\n]", "\"status\": \"ok\"},\n]"), kind: "parse", parse: true},
	)
	// Objects: ids, types, schema drift, duplicates.
	add(
		hostileCase{name: "object without id", fam: famDump, file: nix, mutate: sub(`"id": 7002, `, ``), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "id zero", fam: famDump, file: nix, mutate: sub(`"id": 7002`, `"id": 0`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "negative id", fam: famDump, file: nix, mutate: sub(`"id": 7002`, `"id": -7002`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "id as a string", fam: famDump, file: nix, mutate: sub(`"id": 7002`, `"id": "7002"`), kind: "parse", parse: true},
		hostileCase{name: "asn as a string", fam: famDump, file: nix, mutate: sub(`"asn": 64501`, `"asn": "AS64501"`), kind: "parse", parse: true},
		hostileCase{name: "negative asn", fam: famDump, file: nix, mutate: sub(`"asn": 64501`, `"asn": -1`), kind: "parse", parse: true},
		hostileCase{name: "asn beyond 32 bits", fam: famDump, file: nix, mutate: sub(`"asn": 64501`, `"asn": 4294967296`), kind: "parse", parse: true},
		hostileCase{name: "speed as a string", fam: famDump, file: nix, mutate: sub(`"speed": 100000`, `"speed": "100G"`), kind: "parse", parse: true},
		hostileCase{name: "status as a number", fam: famDump, file: nix, mutate: sub(`"status": "ok"`, `"status": 1`), kind: "parse", parse: true},
		hostileCase{name: "array where an object is due", fam: famDump, file: nix, mutate: sub(`{"id": 7001`, `[7001], {"id": 70011`), kind: "parse", parse: true},
		hostileCase{name: "asn field renamed", fam: famDump, file: nix, mutate: subN(`"asn":`, `"as_number":`, -1), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "ixlan_id dropped", fam: famDump, file: nix, mutate: sub(`"ixlan_id": 200, `, ``), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "prefix field renamed", fam: famDump, file: "ixpfx.json", mutate: subN(`"prefix":`, `"pfx":`, -1), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "net asn null", fam: famDump, file: "net.json", mutate: sub(`"asn": 64501`, `"asn": null`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "ixlan without ix_id", fam: famDump, file: "ixlan.json", mutate: sub(`"ix_id": 2`, `"ix": 2`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "duplicated id", fam: famDump, file: nix, mutate: sub(`"id": 7003`, `"id": 7001`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "duplicated object", fam: famDump, file: nix, mutate: func(_ *testing.T, b []byte) []byte {
			lines := bytes.SplitAfter(b, []byte("\n"))
			out := append([]byte(nil), bytes.Join(lines[:3], nil)...)
			out = append(out, lines[2]...)
			return append(out, bytes.Join(lines[3:], nil)...)
		}, kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "duplicated member net", fam: famDump, file: "net.json", mutate: sub(`"id": 502`, `"id": 501`), kind: "parse", is: []error{I}, parse: true},
	)
	// Whole kinds disappearing: the shrink guard.
	add(
		hostileCase{name: "kind emptied", fam: famDump, file: nix, day: "2024-02-01", mutate: chain(replaceWith(`{"meta": {}, "data": []}`)), kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
		hostileCase{name: "data null", fam: famDump, file: nix, day: "2024-02-01", mutate: replaceWith(`{"data": null}`), kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
		hostileCase{name: "four of five objects gone", fam: famDump, file: nix, day: "2024-02-01", mutate: func(_ *testing.T, b []byte) []byte {
			lines := bytes.SplitAfter(b, []byte("\n"))
			first := bytes.TrimRight(lines[1], ",\n")
			return []byte(`{"meta": {}, "data": [` + string(first) + "]}\n")
		}, kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
		hostileCase{name: "every object deleted", fam: famDump, file: nix, day: "2024-02-01", mutate: subN(`"status": "ok"`, `"status": "deleted"`, -1), kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
	)
	// Accepted: what real dumps do.
	add(
		hostileCase{name: "deleted then resurrected", fam: famDump, file: nix,
			mutate: chain(newDay("2024-02-01"), sub(`"id": 7003, "net_id": 502, "ix_id": 2, "ixlan_id": 200, "asn": 64502, "speed": 10000, "ipaddr4": "200.0.17.2", "ipaddr6": null, "is_rs_peer": false, "operational": true, "created": "2018-03-01T00:00:00Z", "updated": "2024-02-01T00:00:00Z", "status": "ok"`,
				`"id": 7003, "net_id": 502, "ix_id": 2, "ixlan_id": 200, "asn": 64502, "speed": 10000, "ipaddr4": "200.0.17.2", "ipaddr6": null, "is_rs_peer": false, "operational": true, "created": "2018-03-01T00:00:00Z", "updated": "2024-02-01T00:00:00Z", "status": "deleted"`)),
			then: func(t *testing.T, h *harness) {
				feb := h.newSnapshot(t)
				if ids := h.objectIDs(t, ixp.KindConnection, feb.At); ids[7003] || len(ids) != 4 {
					t.Errorf("deleted netixlan 7003 still valid at %s: %v", feb.At, ids)
				}
				h.hasNote(t, feb, "deleted netixlan: 1")
				// A later dump has it back, created unchanged.
				h.input = h.writeDump(t, map[string]func(*testing.T, []byte) []byte{nix: newDay("2024-03-01")})
				h.runAgain(t)
				mar := h.newSnapshot(t)
				if ids := h.objectIDs(t, ixp.KindConnection, mar.At); !ids[7003] || len(ids) != 5 {
					t.Errorf("resurrected netixlan 7003 not valid at %s: %v", mar.At, ids)
				}
				vs, err := h.st.Versions(context.Background(), h.source, ixp.KindConnection, goodAt, mar.At.Add(time.Hour), store.Filter{ID: 7003})
				if err != nil {
					t.Fatal(err)
				}
				if len(vs) != 2 || !vs[0].To.Equal(feb.At) || !vs[1].From.Equal(mar.At) {
					t.Errorf("versions of 7003 %+v: want one ending at the deletion and one from the resurrection", vs)
				}
			}},
		hostileCase{name: "dangling references", fam: famDump, file: nix,
			mutate: chain(newDay("2024-02-01"), sub(`"net_id": 502, "ix_id": 2`, `"net_id": 999, "ix_id": 2`)),
			then: func(t *testing.T, h *harness) {
				sn := h.newSnapshot(t)
				h.hasNote(t, sn, "dangling reference netixlan.net_id: 1")
				if ids := h.objectIDs(t, ixp.KindConnection, sn.At); len(ids) != 5 {
					t.Errorf("connections %v, want the 5 kept", ids)
				}
			}},
		hostileCase{name: "extra fields", fam: famDump, file: nix,
			mutate: chain(newDay("2024-02-01"), subN(`"status": "ok"`, `"status": "ok", "new_field": {"x": [1, 2]}`, -1)),
			then: func(t *testing.T, h *harness) {
				sn := h.newSnapshot(t)
				if got := h.objectIDs(t, ixp.KindConnection, sn.At); len(got) != 5 {
					t.Errorf("connections %v, want 5", got)
				}
			}},
		hostileCase{name: "pending object left out", fam: famDump, file: nix,
			mutate: chain(newDay("2024-02-01"), sub(`"updated": "2024-02-01T00:00:00Z", "status": "ok"`, `"updated": "2024-02-01T00:00:00Z", "status": "pending"`)),
			then: func(t *testing.T, h *harness) {
				sn := h.newSnapshot(t)
				h.hasNote(t, sn, "skipped netixlan pending: 1")
			}},
	)

	// The single-file layout.
	add(
		hostileCase{name: "empty", fam: famFile, mutate: replaceWith(""), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut between sections", fam: famFile, mutate: cutAfter(`"ixlan": `, 0), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut after a section's data", fam: famFile, mutate: cutAfter(`"net": {"meta": {}, "data": [`, 29), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in the last section", fam: famFile, mutate: cutAtFraction(0.97), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "section is an array", fam: famFile, mutate: sub(`"ix": {"meta": {}, "data": [`, `"ix": [{"meta": {}, "data": [`), kind: "parse", parse: true},
		hostileCase{name: "no known section", fam: famFile, mutate: replaceWith(`{"foo": {"data": []}}`), kind: "invalid", is: []error{I},
			check: func(t *testing.T, h *harness, err error) {
				if !strings.Contains(err.Error(), "peeringdb") || !strings.Contains(err.Error(), h.input) {
					t.Errorf("error does not name source and file: %v", err)
				}
			}},
	)

	// The PeeringDB API.
	retry := func(code int, after string) func(http.ResponseWriter, int) {
		return func(w http.ResponseWriter, _ int) {
			if after != "" {
				w.Header().Set("Retry-After", after)
			}
			w.WriteHeader(code)
			w.Write([]byte(`{"meta": {"error": "slow down"}}`))
		}
	}
	dateIn40s := func(w http.ResponseWriter, n int) {
		retry(503, time.Now().Add(40*time.Second).UTC().Format(http.TimeFormat))(w, n)
	}
	thenGood := func(bad func(http.ResponseWriter, int), n int) func(http.ResponseWriter, int) {
		return func(w http.ResponseWriter, i int) {
			if i < n {
				bad(w, i)
				return
			}
			w.Write(readFixtureBytes("pdb/netixlan.json"))
		}
	}
	api := "netixlan"
	add(
		hostileCase{name: "429 with Retry-After", fam: famAPI, file: api, api: retry(429, "7"), kind: "http_429", check: wantStatus(429, 7*time.Second, 7*time.Second)},
		hostileCase{name: "503 with Retry-After", fam: famAPI, file: api, api: retry(503, "11"), kind: "http_5xx", check: wantStatus(503, 11*time.Second, 11*time.Second)},
		hostileCase{name: "503 with a date Retry-After", fam: famAPI, file: api, api: dateIn40s, kind: "http_5xx", check: wantStatus(503, 40*time.Second, 40*time.Second)},
		hostileCase{name: "500 without Retry-After", fam: famAPI, file: api, api: retry(500, ""), kind: "http_5xx", check: wantStatus(500, 5*time.Second, 10*time.Second)},
		hostileCase{name: "502 HTML gateway page", fam: famAPI, file: api, api: func(w http.ResponseWriter, _ int) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			w.Write([]byte("<html><body>Bad Gateway</body></html>"))
		}, kind: "http_5xx", check: wantStatus(502, 5*time.Second, 10*time.Second)},
		hostileCase{name: "404", fam: famAPI, file: api, api: retry(404, ""), kind: "http_4xx", check: wantStatus(404)},
		hostileCase{name: "HTML instead of JSON", fam: famAPI, file: api, mutate: replaceWith("<!DOCTYPE html><html><body>Maintenance</body></html>"), kind: "parse", parse: true},
		hostileCase{name: "empty body", fam: famAPI, file: api, mutate: replaceWith(""), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "body shorter than its length", fam: famAPI, file: api, api: func(w http.ResponseWriter, _ int) {
			b := readFixtureBytes("pdb/netixlan.json")
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			w.Write(b[:len(b)/2])
		}, kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "truncated JSON", fam: famAPI, file: api, mutate: cutAtFraction(0.6), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "data renamed", fam: famAPI, file: api, mutate: sub(`"data"`, `"results"`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "asn renamed", fam: famAPI, file: api, mutate: subN(`"asn":`, `"asnum":`, -1), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "field missing", fam: famAPI, file: api, mutate: subN(`"ixlan_id": 100, `, ``, -1), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "id as a string", fam: famAPI, file: api, mutate: sub(`"id": 7000`, `"id": "7000"`), kind: "parse", parse: true},
		hostileCase{name: "speed as a string", fam: famAPI, file: api, mutate: sub(`"speed": 10000`, `"speed": "10G"`), kind: "parse", parse: true},
		hostileCase{name: "ipaddr4 as a number", fam: famAPI, file: api, mutate: sub(`"ipaddr4": "187.16.216.1"`, `"ipaddr4": 3138443265`), kind: "parse", parse: true},
		hostileCase{name: "error meta without data", fam: famAPI, file: api, mutate: replaceWith(`{"meta": {"error": "Rate limited"}}`), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "empty data list", fam: famAPI, file: api, mutate: replaceWith(`{"meta": {}, "data": []}`), kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
		hostileCase{name: "429 once then data", fam: famAPI, file: api, api: thenGood(retry(429, "7"), 1), then: func(t *testing.T, h *harness) {
			h.checkDelays(t, 7*time.Second)
			h.newSnapshot(t)
		}},
		hostileCase{name: "503 twice then data", fam: famAPI, file: api, api: thenGood(retry(503, "3"), 2), then: func(t *testing.T, h *harness) {
			h.checkDelays(t, 3*time.Second, 3*time.Second)
			h.newSnapshot(t)
		}},
		hostileCase{name: "extra fields", fam: famAPI, file: api, mutate: subN(`"status": "ok"`, `"status": "ok", "net_side_id": null, "ix_side_id": null`, -1), then: func(t *testing.T, h *harness) {
			sn := h.newSnapshot(t)
			if got := h.objectIDs(t, ixp.KindConnection, sn.At); len(got) != 5 {
				t.Errorf("connections %v, want 5", got)
			}
		}},
	)

	// IX-F member exports.
	ex, exgz := "export.json", "export.json.gz"
	add(
		hostileCase{name: "empty", fam: famIXF, file: ex, mutate: replaceWith(""), kind: "parse", is: []error{ixf.ErrEmpty}, parse: true},
		hostileCase{name: "white space only", fam: famIXF, file: ex, mutate: replaceWith("\n \n"), kind: "parse", is: []error{ixf.ErrEmpty}, parse: true},
		hostileCase{name: "HTML page", fam: famIXF, file: ex, mutate: replaceWith("<html><body>IXP Manager</body></html>"), kind: "parse", is: []error{ixf.ErrHTML}, parse: true},
		hostileCase{name: "top-level array", fam: famIXF, file: ex, mutate: replaceWith(`[{"version": "1.0"}]`), kind: "parse", is: []error{ixf.ErrNotExport}, parse: true},
		hostileCase{name: "a JSON string", fam: famIXF, file: ex, mutate: replaceWith(`"member_list"`), kind: "parse", is: []error{ixf.ErrNotExport}, parse: true},
		hostileCase{name: "cut after the opening brace", fam: famIXF, file: ex, mutate: cutAfter("{", 1), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in ixp_list", fam: famIXF, file: ex, mutate: cutAfter(`"shortname": "HOST`, 18), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in member_list", fam: famIXF, file: ex, mutate: cutAfter(`"asnum": 64498`, 10), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in a vlan address", fam: famIXF, file: ex, mutate: cutAfter(`"address": "2001:db8:99::4`, 20), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut before the last brace", fam: famIXF, file: ex, mutate: cutLast(2), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "syntax error", fam: famIXF, file: ex, mutate: sub(`"version": "1.0",`, `"version": "1.0"`), kind: "parse", parse: true},
		hostileCase{name: "no member_list", fam: famIXF, file: ex, mutate: sub(`"member_list"`, `"members"`), kind: "parse", is: []error{ixf.ErrNoMembers}, parse: true},
		hostileCase{name: "member_list a number", fam: famIXF, file: ex, mutate: sub(`"member_list": [`, `"member_list": 5, "old": [`), kind: "parse", is: []error{ixf.ErrNoMembers}, parse: true},
		hostileCase{name: "no ixp_list", fam: famIXF, file: ex, mutate: sub(`"ixp_list"`, `"ixps"`), kind: "parse", is: []error{ixf.ErrNoIXPs}, parse: true},
		hostileCase{name: "empty ixp_list", fam: famIXF, file: ex, mutate: sub(`"ixp_list": [{`, `"ixp_list": [], "old": [{`), kind: "parse", is: []error{ixf.ErrNoIXPs}, parse: true},
		hostileCase{name: "gzip without its trailer", fam: famIXF, file: exgz, mutate: gzipped(cutLast(8)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip bad CRC", fam: famIXF, file: exgz, mutate: gzipped(flip(-8)), kind: "parse", is: []error{gzip.ErrChecksum}, parse: true},
		hostileCase{name: "gzip header only", fam: famIXF, file: exgz, mutate: gzipped(func(_ *testing.T, b []byte) []byte { return b[:10] }), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "every vlan ref unknown", fam: famIXF, file: ex, mutate: chain(sub(`"timestamp": "2024-01-01T00:00:00Z"`, ixfNewTS), subN(`{"ixp_id": 1, "state"`, `{"ixp_id": 7, "state"`, -1)), kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
		hostileCase{name: "empty member_list", fam: famIXF, file: ex, mutate: func(_ *testing.T, b []byte) []byte {
			i := bytes.Index(b, []byte(`"member_list": [`))
			return []byte(strings.Replace(string(b[:i]), `"timestamp": "2024-01-01T00:00:00Z"`, ixfNewTS, 1) + `"member_list": []}`)
		}, kind: "shrink", is: []error{ixp.ErrShrink}, check: wantShrink(ixp.KindConnection)},
		hostileCase{name: "unknown version", fam: famIXF, file: ex, mutate: chain(sub(`"timestamp": "2024-01-01T00:00:00Z"`, ixfNewTS), sub(`"version": "1.0"`, `"version": "2016.10.22.21"`)),
			then: func(t *testing.T, h *harness) {
				sn := h.newSnapshot(t)
				h.hasNote(t, sn, "2016.10.22.21")
			}},
		hostileCase{name: "duplicated member", fam: famIXF, file: ex, mutate: chain(sub(`"timestamp": "2024-01-01T00:00:00Z"`, ixfNewTS), sub(`{"asnum": 65550, "name": "Five"`, `{"asnum": 64497, "name": "Two again", "connection_list": [{"ixp_id": 1, "state": "active", "if_list": [{"if_speed": 1000}], "vlan_list": [{"vlan_id": 1, "ipv4": {"address": "192.0.2.22"}}]}]},
    {"asnum": 65550, "name": "Five"`)),
			then: func(t *testing.T, h *harness) {
				sn := h.newSnapshot(t)
				h.hasNote(t, sn, "AS64497")
			}},
		hostileCase{name: "one vlan ref unknown", fam: famIXF, file: ex, mutate: chain(sub(`"timestamp": "2024-01-01T00:00:00Z"`, ixfNewTS), sub(`"connection_list": [{"ixp_id": 1, "state": "active", "if_list": [{"if_speed": 100000}]`, `"connection_list": [{"ixp_id": 3, "state": "active", "if_list": [{"if_speed": 100000}]`)),
			then: func(t *testing.T, h *harness) {
				sn := h.newSnapshot(t)
				h.hasNote(t, sn, "ixp_id=3")
			}},
	)

	// RIR delegated statistics.
	rf, rgz := "delegated-lacnic-extended-20240101", "delegated-lacnic-extended-20240101.gz"
	add(
		hostileCase{name: "empty", fam: famRIR, file: rf, mutate: replaceWith(""), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "version 3", fam: famRIR, file: rf, mutate: sub("2.3|lacnic", "3|lacnic"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "version line short", fam: famRIR, file: rf, mutate: sub("|19870101|20240101|-0300", ""), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "version line names another registry", fam: famRIR, file: rf, mutate: sub("2.3|lacnic", "2.3|lacnix"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "record count not a number", fam: famRIR, file: rf, mutate: sub("|20240101|10|", "|20240101|ten|"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "more records declared", fam: famRIR, file: rf, mutate: sub("|20240101|10|", "|20240101|12|"), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "fewer records declared", fam: famRIR, file: rf, mutate: sub("|20240101|10|", "|20240101|8|"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "summary count wrong", fam: famRIR, file: rf, mutate: sub("ipv4|*|3|summary", "ipv4|*|4|summary"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "summary line missing", fam: famRIR, file: rf, mutate: sub("lacnic|*|ipv6|*|2|summary\n", ""), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "cut inside the last line", fam: famRIR, file: rf, mutate: cutAfter("lacnic|UY|asn|60", 16), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut halfway", fam: famRIR, file: rf, mutate: cutAfter("lacnic|BR|ipv6|", 0), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in the header", fam: famRIR, file: rf, mutate: cutAfter("2.3|lacnic|2024", 0), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "bad start date", fam: famRIR, file: rf, mutate: sub("|19870101|", "|19871301|"), kind: "parse", parse: true},
		hostileCase{name: "bad record date", fam: famRIR, file: rf, mutate: sub("|20050715|", "|20051315|"), kind: "parse", parse: true},
		hostileCase{name: "bad asn", fam: famRIR, file: rf, mutate: sub("|asn|28598|", "|asn|28x98|"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "bad country code", fam: famRIR, file: rf, mutate: sub("|BR|asn|", "|Brazil|asn|"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "record of another registry", fam: famRIR, file: rf, mutate: sub("lacnic|MX|asn", "arin|MX|asn"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "bad status", fam: famRIR, file: rf, mutate: sub("|allocated|31986", "|allocated?|31986"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "ipv4 range past the end", fam: famRIR, file: rf, mutate: sub("24.232.0.0|65536", "255.255.0.0|16777216"), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "line too long", fam: famRIR, file: rf, mutate: sub("# hand-written", "# "+strings.Repeat("x", 1<<20+10)), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "duplicated record", fam: famRIR, file: rf, mutate: chain(sub("|20240101|10|", "|20240101|11|"), sub("asn|*|5|summary", "asn|*|6|summary"), sub("lacnic|UY|asn|6057|1|19960101|allocated|6057\n", "lacnic|UY|asn|6057|1|19960101|allocated|6057\nlacnic|UY|asn|6057|1|19960101|allocated|6057\n")), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "gzip without its trailer", fam: famRIR, file: rgz, mutate: gzipped(cutLast(8)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip bad CRC", fam: famRIR, file: rgz, mutate: gzipped(flip(-8)), kind: "parse", is: []error{I}, parse: true},
		hostileCase{name: "gzip header only", fam: famRIR, file: rgz, mutate: gzipped(func(_ *testing.T, b []byte) []byte { return b[:10] }), kind: "truncated", is: []error{T}, parse: true},
	)

	// MRT archives.
	mf, mgz, mbz := "rib.mrt", "rib.mrt.gz", "rib.mrt.bz2"
	add(
		hostileCase{name: "empty", fam: famMRT, file: mf, mutate: replaceWith(""), kind: "invalid", is: []error{I}},
		hostileCase{name: "cut in the first header", fam: famMRT, file: mf, mutate: mrtCut(0, 5), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in a later header", fam: famMRT, file: mf, mutate: mrtCut(5, 6), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut after a header", fam: famMRT, file: mf, mutate: mrtCut(5, 12), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in the peer index table", fam: famMRT, file: mf, mutate: mrtCutBody(0), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "cut in a RIB record", fam: famMRT, file: mf, mutate: mrtCutBody(7), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "last byte missing", fam: famMRT, file: mf, mutate: cutLast(1), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "record length beyond the cap", fam: famMRT, file: mf, mutate: mrtLength(3, 0x7fffffff), kind: "parse", parse: true},
		hostileCase{name: "gzip without its trailer", fam: famMRT, file: mgz, mutate: gzipped(cutLast(8)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip bad CRC", fam: famMRT, file: mgz, mutate: gzipped(flip(-8)), kind: "parse", parse: true},
		hostileCase{name: "gzip header only", fam: famMRT, file: mgz, mutate: gzipped(func(_ *testing.T, b []byte) []byte { return b[:10] }), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "gzip cut in half", fam: famMRT, file: mgz, mutate: gzipped(cutAtFraction(0.5)), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "bzip2 cut in half", fam: famMRT, file: mbz, mutate: cutAtFraction(0.5), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "bzip2 last byte missing", fam: famMRT, file: mbz, mutate: cutLast(1), kind: "truncated", is: []error{T}, parse: true},
		hostileCase{name: "bzip2 corrupt block", fam: famMRT, file: mbz, mutate: flip(200), kind: "parse", parse: true},
		hostileCase{name: "bzip2 magic only", fam: famMRT, file: mbz, mutate: replaceWith("BZh9"), kind: "truncated", is: []error{T}, parse: true},
	)
	return cs
}

func readFixtureBytes(name string) []byte {
	b, err := os.ReadFile(filepath.Join(hostileD, name))
	if err != nil {
		panic(err)
	}
	return b
}
