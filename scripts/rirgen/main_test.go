package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/rir"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// sharedRIR is ../shared/data/rir (skipped outside CI, failed in CI, when
// absent); trimmedRIR the three LACNIC files committed under
// testdata/realdata, always present.
func sharedRIR(t *testing.T) string  { return filepath.Join(realdata.Shared(t).Dir, "rir") }
func trimmedRIR(t *testing.T) string { return filepath.Join(realdata.Trimmed(t).Dir, "rir") }

func mustDay(t *testing.T, s string) int {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return dayNum(d)
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordLines returns the record lines of a delegated file (no comments,
// version or summary lines), sorted.
func recordLines(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(gunzip(t, path)))
	header := false
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		if !header {
			header = true
			continue
		}
		if strings.HasSuffix(l, "|summary") {
			continue
		}
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func newGen(t *testing.T, dir string, seed uint64, regs ...string) *generator {
	t.Helper()
	g, err := newGenerator([]string{dir}, regs, seed)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// writeDay writes every registry's file of day d into dir.
func writeDay(t *testing.T, g *generator, dir string, d int) []string {
	t.Helper()
	var paths []string
	for _, r := range g.regs {
		p := filepath.Join(dir, r.fileName(d))
		if _, err := r.write(p, d); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// parse reads a generated file with collector/rir and checks that its
// header and summaries agree with its records.
func parse(t *testing.T, path string, d int) *rir.Result {
	t.Helper()
	res, err := rir.ImportFile(context.Background(), path)
	if err != nil {
		t.Fatalf("%s: collector/rir refuses it: %v", filepath.Base(path), err)
	}
	h, rep := res.Header, res.Report
	if got := rep.Records(); got != h.Records {
		t.Errorf("%s: version line declares %d records, file has %d", filepath.Base(path), h.Records, got)
	}
	for typ, m := range rep.Entries {
		n := 0
		for _, c := range m {
			n += c
		}
		if h.Summary[typ] != n {
			t.Errorf("%s: summary %s says %d, file has %d", filepath.Base(path), typ, h.Summary[typ], n)
		}
	}
	if rep.Trailing != 0 {
		t.Errorf("%s: %d trailing lines", filepath.Base(path), rep.Trailing)
	}
	if !h.Date.Equal(dayTime(d)) {
		t.Errorf("%s: file date %s, want %s", filepath.Base(path), h.Date.Format(time.DateOnly), dayString(d))
	}
	return res
}

// openRIR opens a file with collector/rir's line reader; done closes
// both.
func openRIR(t *testing.T, path string) (rd *rir.Reader, done func()) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rd, err = rir.NewReader(f, path)
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	return rd, func() { rd.Close(); f.Close() }
}

// scan reads a file with collector/rir's line reader (which checks the
// summaries against the records) and counts what Import would keep.
func scan(t *testing.T, path string) (rir.Header, *rir.Report) {
	t.Helper()
	rd, done := openRIR(t, path)
	defer done()
	rep := rd.Report()
	for {
		e, err := rd.Next(context.Background())
		if err == io.EOF {
			return rd.Header(), rep
		}
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		switch {
		case e.Delegated() && e.Type == rir.TypeASN:
			rep.ASNsKept += int(e.Value)
		case e.Delegated():
			rep.PrefixesKept++
		}
	}
}

// On the date of each real file the generated file has exactly its
// records (LACNIC: the same bytes once decompressed).
func TestRealDatesExact(t *testing.T) {
	dir := sharedRIR(t)
	g := newGen(t, dir, 1, "lacnic", "apnic", "afrinic")
	out := t.TempDir()
	n := 0
	for _, r := range g.regs {
		for _, f := range r.files {
			p := filepath.Join(out, r.fileName(f.date))
			if _, err := r.write(p, f.date); err != nil {
				t.Fatal(err)
			}
			real := filepath.Join(dir, filepath.Base(p))
			if got, want := recordLines(t, p), recordLines(t, real); !slices.Equal(got, want) {
				t.Errorf("%s: %d generated records, %d real ones, not the same set", filepath.Base(p), len(got), len(want))
			}
			if r.name == "lacnic" && !bytes.Equal(gunzip(t, p), gunzip(t, real)) {
				t.Errorf("%s: decompressed bytes differ from the real file", filepath.Base(p))
			}
			h, rep := scan(t, p)
			realH, realRep := scan(t, real)
			if !headerEqual(h, realH) || rep.ASNsKept != realRep.ASNsKept || rep.PrefixesKept != realRep.PrefixesKept {
				t.Errorf("%s: header %+v, %d ASNs, %d prefixes; real: %+v, %d, %d", filepath.Base(p),
					h, rep.ASNsKept, rep.PrefixesKept, realH, realRep.ASNsKept, realRep.PrefixesKept)
			}
			n++
		}
	}
	if lac := g.regs[slices.IndexFunc(g.regs, func(r *registry) bool { return r.name == "lacnic" })]; len(lac.files) != 8 {
		t.Errorf("%d LACNIC files, want the 8 of the shared data", len(lac.files))
	}
	t.Logf("%d real dates checked", n)
}

func headerEqual(a, b rir.Header) bool {
	return a.Version == b.Version && a.Registry == b.Registry && a.Serial == b.Serial && a.Records == b.Records &&
		a.StartDate == b.StartDate && a.EndDate == b.EndDate && a.UTCOffset == b.UTCOffset && a.Date.Equal(b.Date)
}

// Days before the first file, between files, on them and after the last
// one parse with collector/rir, their summaries equal their records.
func TestDaysParse(t *testing.T) {
	check := func(t *testing.T, g *generator, days []string) {
		last := 0
		for _, s := range days {
			last = max(last, mustDay(t, s))
		}
		g.extend(last)
		out := t.TempDir()
		for _, s := range days {
			d := mustDay(t, s)
			for _, p := range writeDay(t, g, out, d) {
				res := parse(t, p, d)
				if len(res.Records) == 0 {
					t.Errorf("%s: no delegations", filepath.Base(p))
				}
			}
		}
	}
	t.Run("trimmed", func(t *testing.T) {
		g := newGen(t, trimmedRIR(t), 1, "lacnic")
		check(t, g, []string{"1995-06-01", "2010-07-29", "2016-01-28", "2016-01-29", "2016-01-30", "2017-07-01",
			"2019-09-09", "2019-09-10", "2019-09-11", "2022-03-31", "2022-04-01", "2022-09-30"})
	})
	t.Run("shared", func(t *testing.T) {
		g := newGen(t, sharedRIR(t), 1, "lacnic", "apnic", "afrinic")
		check(t, g, []string{"2005-01-01", "2016-01-31", "2016-02-01", "2023-03-24", "2024-06-30"})
	})
}

// The same seed gives the same bytes; another seed other days.
func TestDeterminism(t *testing.T) {
	dir := trimmedRIR(t)
	gen := func(seed uint64) string {
		out := t.TempDir()
		// two days between real files, one after the last
		if err := run(io.Discard, out, "2021-12-31", "2022-04-30", 60, seed, "", []string{"lacnic"}, []string{dir}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	files := func(out string) map[string][]byte {
		m := map[string][]byte{}
		paths, _ := filepath.Glob(filepath.Join(out, "*", "*.gz"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m[strings.TrimPrefix(p, out)] = b
		}
		return m
	}
	a, b, c := files(gen(1)), files(gen(1)), files(gen(2))
	if len(a) != 3 {
		t.Fatalf("%d files written, want 3", len(a))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s: two runs with seed 1 differ", name)
		}
		if bytes.Equal(data, c[name]) {
			t.Errorf("%s: seeds 1 and 2 give the same file", name)
		}
	}
	g1, g2 := newGen(t, dir, 1, "lacnic"), newGen(t, dir, 2, "lacnic")
	drawn, differ := 0, 0
	for i, rc := range g1.regs[0].recs {
		for gap, c := range rc.change {
			if b := rc.files[gap+1]; c == noDate || b != nil && c == b.date {
				continue // no change, or on the record's own date
			}
			drawn++
			if g2.regs[0].recs[i].change[gap] != c {
				differ++
			}
		}
	}
	if drawn == 0 || differ < drawn*9/10 {
		t.Errorf("seeds 1 and 2: %d of %d change days differ", differ, drawn)
	}
	t.Logf("seeds 1 and 2: %d of %d change days differ", differ, drawn)
}

// delegatedASNs reads the delegated ASNs of a generated file with
// collector/rir's line reader (cheaper than building the records).
func delegatedASNs(t *testing.T, path string) map[ixp.ASN]bool {
	t.Helper()
	rd, done := openRIR(t, path)
	defer done()
	m := map[ixp.ASN]bool{}
	for {
		e, err := rd.Next(context.Background())
		if err == io.EOF {
			return m
		}
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		if e.Type != rir.TypeASN || !e.Delegated() {
			continue
		}
		a, err := strconv.ParseUint(e.Start, 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		for i := range e.Value {
			m[ixp.ASN(a+i)] = true
		}
	}
}

// The delegated ASNs of LACNIC never drop by more than the ASNs that left
// that day, and no day loses more than a few (no jump at a real file's
// date); before the first file the counts shrink going back.
func TestMonotone(t *testing.T) {
	dir := trimmedRIR(t)
	g := newGen(t, dir, 1, "lacnic")
	r := g.regs[0]
	to := mustDay(t, "2022-04-05")
	g.extend(to)
	// the mean ASN returns a day in each gap and after the last file
	leaveRate := func(d int) float64 {
		n := len(r.files)
		if d > r.files[n-1].date {
			return r.leaves["asn"]
		}
		i := 0
		for i+1 < n-1 && r.files[i+1].date < d {
			i++
		}
		left := 0
		for _, rc := range r.recs {
			if a, b := rc.files[i], rc.files[i+1]; rc.typ == "asn" && a != nil && a.delegated && (b == nil || !b.delegated) {
				left += int(a.value)
			}
		}
		return float64(left) / float64(r.files[i+1].date-r.files[i].date)
	}
	out := t.TempDir()
	for _, span := range [][2]string{{"2019-09-06", "2019-09-14"}, {"2022-03-28", "2022-04-05"}} {
		var prev map[ixp.ASN]bool
		for d := mustDay(t, span[0]); d <= mustDay(t, span[1]); d++ {
			cur := delegatedASNs(t, writeDay(t, g, out, d)[0])
			if prev != nil {
				left := 0
				for a := range prev {
					if !cur[a] {
						left++
					}
				}
				if len(cur) < len(prev)-left {
					t.Errorf("%s: %d delegated ASNs after %d, but only %d left", dayString(d), len(cur), len(prev), left)
				}
				mean := leaveRate(d)
				if limit := mean + 6*math.Sqrt(mean) + 5; float64(left) > limit {
					t.Errorf("%s: %d ASNs left in one day (mean %.2f a day): a sudden drop", dayString(d), left, mean)
				}
			}
			prev = cur
		}
	}
	// Back-cast: fewer delegated ASNs the further back.
	count := func(d int) int {
		n := 0
		for _, rc := range r.recs {
			if l := r.at(rc, d); rc.typ == "asn" && l != nil && l.delegated {
				n += int(l.value)
			}
		}
		return n
	}
	prevN := math.MaxInt
	for _, s := range []string{"2016-01-29", "2016-01-28", "2015-06-30", "2013-01-01", "2010-07-29", "2005-01-01", "1995-01-01"} {
		n := count(mustDay(t, s))
		if n >= prevN {
			t.Errorf("%s: %d delegated ASNs, not fewer than the later date's %d", s, n, prevN)
		}
		prevN = n
		t.Logf("%s: %d delegated ASNs", s, n)
	}
	for d := mustDay(t, "2016-01-01"); d < mustDay(t, "2016-01-29"); d++ {
		if count(d) > count(d+1) {
			t.Errorf("%s: more delegated ASNs than the day after", dayString(d))
		}
	}
}

// -exec gets each day's files and the days are removed after it.
func TestExec(t *testing.T) {
	dir := trimmedRIR(t)
	out, copies := t.TempDir(), t.TempDir()
	t.Setenv("COPIES", copies)
	var log bytes.Buffer
	err := run(&log, out, "2019-09-09", "2019-09-11", 1, 1, `for f in $DAY_FILES; do cp "$f" "$COPIES/$DAY-$(basename "$f")"; done`,
		[]string{"lacnic"}, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := filepath.Glob(filepath.Join(copies, "*"))
	if len(got) != 3 || filepath.Base(got[1]) != "2019-09-10-delegated-lacnic-extended-20190910.gz" {
		t.Errorf("exec got %v", got)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Errorf("%d day directories left after -exec", len(left))
	}
	if n := strings.Count(log.String(), "exec_cpu_seconds="); n != 3 {
		t.Errorf("log has %d exec lines, want 3:\n%s", n, log.String())
	}
}

// Generated days publish into a store as `ixpobs import rir` does: a full
// snapshot on the first day, then only the day's delegated changes.
func TestPublish(t *testing.T) {
	g := newGen(t, trimmedRIR(t), 1, "lacnic")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rir.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := t.TempDir()
	for d := mustDay(t, "2019-09-09"); d <= mustDay(t, "2019-09-11"); d++ {
		s, err := g.regs[0].write(filepath.Join(out, "day.gz"), d)
		if err != nil {
			t.Fatal(err)
		}
		res := parse(t, filepath.Join(out, "day.gz"), d)
		pub, err := st.Publish(ctx, res.SnapshotInput())
		if err != nil {
			t.Fatalf("%s: publish: %v", dayString(d), err)
		}
		if d > mustDay(t, "2019-09-09") && pub.Inserted > s.delegatedChanges {
			t.Errorf("%s: %d versions written for %d delegated lines changed", dayString(d), pub.Inserted, s.delegatedChanges)
		}
		t.Logf("%s: %d records, %d versions written, %d ended, %d delegated lines changed", dayString(d), len(res.Records), pub.Inserted, pub.Ended, s.delegatedChanges)
	}
}
