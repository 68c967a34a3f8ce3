// Command rirgen writes a daily history of RIR delegated-extended files,
// one file per registry per day, named as the registries name theirs
// (delegated-lacnic-extended-20210405.gz), from the real files of each
// registry: the scaling benchmarks import it as `ixpobs backfill` would
// import the registries' archives. The output is GENERATED: it is built
// from real files, but only the days of the real files are real.
//
//	go run ./scripts/rirgen -out /tmp/rir -from 2010-07-29 -to 2024-01-04 ../shared/data/rir
//
// Arguments are delegated-<registry>-extended-YYYYMMDD.gz files or
// directories holding them (../shared/data/rir has LACNIC on 8 dates
// 2016-01-29 … 2024-01-04, APNIC 2016-01-31 and AFRINIC 2023-03-23).
//
// How the file of a registry for a day D is made (deterministic: the same
// inputs and -seed give byte-identical files):
//   - A record is keyed by (registry, type, start). Its line at D (country,
//     value, date, status, opaque id, as written) is the one of the newest
//     real file dated on or before D. On the date of a real file the
//     generated file has exactly that file's records.
//   - A record that appears, disappears or changes between two real files
//     does so on a day drawn uniformly in the gap (the day after the older
//     file … the day of the newer one) from a hash of its key, the gap and
//     -seed; except that a record that becomes allocated or assigned with a
//     date field (a new date, not the one it had) inside the gap changes on
//     that date, as the registry's own date says it did. The pool lines
//     (available, reserved) between two real files are therefore
//     approximate: a reserved block that the newer file shows split into
//     allocations may overlap them on the days in between.
//   - Before the first real file of a registry, its allocated and assigned
//     records are present from their own date field (a record dated after
//     D is absent; one without a date is present), and the available and
//     reserved lines are those of the first file: the pool's past is
//     unknown. Resources that were delegated and returned before the first
//     file are in no file, so the counts back-cast before it are a lower
//     bound of what the registry had delegated (LACNIC's delegated ASNs:
//     5,707 on 2016-01-29, 1,776 back-cast to 2010-07-29, 40 to 1995).
//   - After the last real file of a registry, up to -to, delegations go on
//     at the rates of the last gap between two real files (for a registry
//     with one file: the records dated in the year before it, and no
//     returns): new ASNs, IPv4 and IPv6 delegations per day (Poisson), each
//     copying the country, status and opaque id of a record that became
//     delegated in that gap (so countries follow the recent distribution),
//     and returns per day. A new ASN is the first ASN of an `available`
//     line (drawn weighted by its size, the rest of the line stays
//     available), so ASNs stay valid and unique; a new prefix turns an
//     available (IPv4: available or reserved) line of the model's size into
//     a delegation, and is left out when no such line is left. A return
//     turns a delegated line into a reserved one in the registry's style.
//     Other changes (status, opaque id, country) do not go on. The pools
//     are finite (LACNIC 2024-01-04: 873 available ASNs, about 480 days
//     at its rate; the registries' new blocks from IANA and returned
//     resources made available again are not modelled): once one is empty
//     the delegations of that type stop growing, and the log says from
//     which day.
//
// The header is the real one on the date of a real file; on other days
// its version, start date and UTC offset are those of the newest real file
// (the first before it), with D as serial and end date and the count of
// records written. Summary lines count the records written. Comment lines
// (APNIC's conditions of use) and the LACNIC quirks are kept as written:
// available lines of 7 fields, reserved lines with an empty opaque id.
// A day whose delegated ASN ranges would overlap (collector/rir refuses
// such a file) is an error. On the dates of the real files the output is
// the real LACNIC and APNIC files, byte for byte once decompressed (the
// AFRINIC file has the same lines, in numeric order: three of its lines
// are out of order); the tests check this and that collector/rir reads
// every generated day.
//
// Each day prints "DAY lacnic records=… asns=… prefixes=… changes=…
// delegated_changes=…": the record lines, delegated ASNs and prefixes,
// the lines that differ from the last day written and those of them that
// are or were a delegation (what the store keeps).
//
// With -every N only every Nth day is written (the history stays daily).
// With -exec CMD each day's files are handed to CMD (environment: DAY,
// DAY_DIR, DAY_FILES, space-separated) and removed after it, so a long
// history needs the disk of one day (about 0.5 MB a registry).
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/internal/poisson"
)

const day = 24 * time.Hour

// line is one record line of a delegated file, as written.
type line struct {
	text      string
	fields    []string
	cc        string
	status    string
	opaque    string
	value     uint64
	date      int // day number; noDate when the field is empty or 00000000
	delegated bool
}

const noDate = math.MinInt32

// extVer is a record's line from a day on, after the last real file (nil:
// absent).
type extVer struct {
	day int
	l   *line
}

// rec is one (type, start) of a registry across its real files.
type rec struct {
	typ     string
	start   string // as written
	typeIdx int
	key     [2]uint64 // numeric start, for the order of the file
	files   []*line   // per real file, nil when the file lacks it
	change  []int     // per gap: day the newer file's line takes over
	ext     []extVer  // after the last real file, oldest first
	out     *line     // the line of the last day written, for the changes
}

// realFile is one real file of a registry.
type realFile struct {
	date     int
	path     string
	header   []string // the version line's fields
	comments []string // comment lines before the version line
	summary  []string // types of the summary lines, in order
	records  int
}

// registry is the history of one registry.
type registry struct {
	name  string
	files []*realFile
	recs  []*rec // in file order
	byKey map[string]*rec
	types []string // record types in file order
	seed  uint64
	// rates after the last file, for the log
	joins, leaves map[string]float64
	unplaced      map[string]int // new delegations that found no pool line, by type
	firstUnplaced map[string]int // the day the first of them did
}

func main() {
	out := flag.String("out", "", "output directory (one subdirectory per written day)")
	from := flag.String("from", "2010-07-29", "first day (the PeeringDB history of scripts/histgen starts on 2010-07-29)")
	to := flag.String("to", "", "last day (default: the newest real file's date)")
	every := flag.Int("every", 1, "write every Nth day")
	seed := flag.Uint64("seed", 1, "seed of the drawn change days and of the delegations after the last file")
	command := flag.String("exec", "", "shell command run after each day is written (environment: DAY, DAY_DIR, DAY_FILES); its time is printed and the day's directory removed after it")
	regs := flag.String("registries", "lacnic,apnic,afrinic", "registries to write (comma-separated)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: rirgen -out DIR [-from DAY] [-to DAY] [-every N] [-seed S] [-exec CMD] [-registries R,…] FILE|DIR...\n\nFILEs are delegated-<registry>-extended-YYYYMMDD.gz; a DIR stands for those in it.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(os.Stdout, *out, *from, *to, *every, *seed, *command, strings.Split(*regs, ","), flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "rirgen:", err)
		os.Exit(1)
	}
}

var fileName = regexp.MustCompile(`^delegated-([a-z]+)-extended-(\d{8})\.gz$`)

// findFiles expands the arguments into real files per registry, oldest
// first, keeping only the registries asked for.
func findFiles(args, registries []string) (map[string][]string, error) {
	want := map[string]bool{}
	for _, r := range registries {
		if r = strings.TrimSpace(r); r != "" {
			want[r] = true
		}
	}
	var paths []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			paths = append(paths, a)
			continue
		}
		ents, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if fileName.MatchString(e.Name()) {
				paths = append(paths, filepath.Join(a, e.Name()))
			}
		}
	}
	byReg := map[string][]string{}
	for _, p := range paths {
		m := fileName.FindStringSubmatch(filepath.Base(p))
		if m == nil {
			return nil, fmt.Errorf("%s: not named delegated-<registry>-extended-YYYYMMDD.gz", p)
		}
		if want[m[1]] {
			byReg[m[1]] = append(byReg[m[1]], p)
		}
	}
	for r := range want {
		if len(byReg[r]) == 0 {
			return nil, fmt.Errorf("no real file of registry %s among the arguments", r)
		}
		slices.SortFunc(byReg[r], func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	}
	return byReg, nil
}

// generator holds the registries in the order they are written.
type generator struct {
	regs []*registry
}

// newGenerator loads the real files and draws the change days.
func newGenerator(args, registries []string, seed uint64) (*generator, error) {
	byReg, err := findFiles(args, registries)
	if err != nil {
		return nil, err
	}
	g := &generator{}
	names := mapsKeys(byReg)
	slices.Sort(names)
	for _, name := range names {
		r := &registry{name: name, byKey: map[string]*rec{}, seed: seed}
		for i, p := range byReg[name] {
			if err := r.load(i, p); err != nil {
				return nil, err
			}
		}
		r.finish()
		g.regs = append(g.regs, r)
	}
	return g, nil
}

func mapsKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// lastFile is the newest real file's date over the registries.
func (g *generator) lastFile() int {
	d := noDate
	for _, r := range g.regs {
		d = max(d, r.files[len(r.files)-1].date)
	}
	return d
}

// extend makes every registry's days after its last real file up to to.
func (g *generator) extend(to int) {
	for _, r := range g.regs {
		r.extend(to)
	}
}

func run(stdout io.Writer, out, fromS, toS string, every int, seed uint64, command string, registries, args []string) error {
	if out == "" || len(args) == 0 || every < 1 {
		return errors.New("need -out, -every >= 1 and at least one real file or directory")
	}
	g, err := newGenerator(args, registries, seed)
	if err != nil {
		return err
	}
	from, err := time.Parse(time.DateOnly, fromS)
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	to := g.lastFile()
	if toS != "" {
		t, err := time.Parse(time.DateOnly, toS)
		if err != nil {
			return fmt.Errorf("-to: %w", err)
		}
		to = dayNum(t)
	}
	g.extend(to)
	for _, r := range g.regs {
		fmt.Fprintf(os.Stderr, "rirgen: %s: %d real files, %d records; after %s a day: %s\n", r.name, len(r.files), len(r.recs),
			dayString(r.files[len(r.files)-1].date), r.rates())
	}
	n := 0
	for d := dayNum(from); d <= to; d += every {
		dir := filepath.Join(out, dayString(d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var files []string
		text := dayString(d)
		for _, r := range g.regs {
			path := filepath.Join(dir, r.fileName(d))
			st, err := r.write(path, d)
			if err != nil {
				return err
			}
			files = append(files, path)
			text += fmt.Sprintf(" %s records=%d asns=%d prefixes=%d changes=%d delegated_changes=%d",
				r.name, st.records, st.asns, st.prefixes, st.changes, st.delegatedChanges)
		}
		n++
		if command != "" {
			cmd := exec.Command("sh", "-c", command)
			cmd.Env = append(os.Environ(), "DAY="+dayString(d), "DAY_DIR="+dir, "DAY_FILES="+strings.Join(files, " "))
			cmd.Stdout, cmd.Stderr = stdout, os.Stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %s: %w", dayString(d), command, err)
			}
			st := cmd.ProcessState
			text += fmt.Sprintf(" exec_seconds=%.3f exec_cpu_seconds=%.3f", time.Since(start).Seconds(), (st.UserTime() + st.SystemTime()).Seconds())
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
		fmt.Fprintln(stdout, text)
	}
	fmt.Fprintf(os.Stderr, "rirgen: %d days written under %s\n", n, out)
	return nil
}

// dayNum is the number of days since 1970-01-01 of t's UTC date.
func dayNum(t time.Time) int { return int(t.UTC().Unix() / 86400) }

func dayTime(d int) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func dayString(d int) string { return dayTime(d).Format(time.DateOnly) }

// parseDay reads YYYYMMDD; "" and 00000000 give noDate.
func parseDay(s string) (int, error) {
	if s == "" || s == "00000000" {
		return noDate, nil
	}
	t, err := time.Parse("20060102", s)
	if err != nil {
		return 0, err
	}
	return dayNum(t), nil
}

func (r *registry) fileName(d int) string {
	return "delegated-" + r.name + "-extended-" + dayTime(d).Format("20060102") + ".gz"
}

// load reads real file i of the registry.
func (r *registry) load(i int, path string) error {
	m := fileName.FindStringSubmatch(filepath.Base(path))
	date, _ := parseDay(m[2])
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rf := &realFile{date: date, path: path}
	if i > 0 && date <= r.files[i-1].date {
		return fmt.Errorf("%s: two files of %s on one date", path, r.name)
	}
	r.files = append(r.files, rf)
	sc := bufio.NewScanner(z)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		t := strings.TrimSpace(sc.Text())
		if t == "" {
			continue
		}
		if t[0] == '#' {
			if rf.header == nil {
				rf.comments = append(rf.comments, sc.Text())
			}
			continue
		}
		f := strings.Split(t, "|")
		if rf.header == nil {
			if len(f) != 7 {
				return fmt.Errorf("%s:%d: version line has %d fields", path, lineNo, len(f))
			}
			rf.header = f
			rf.records, _ = strconv.Atoi(f[3])
			continue
		}
		if len(f) == 6 && f[5] == "summary" {
			rf.summary = append(rf.summary, f[2])
			continue
		}
		if len(f) < 7 {
			return fmt.Errorf("%s:%d: record has %d fields", path, lineNo, len(f))
		}
		l, err := parseLine(t, f)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, lineNo, err)
		}
		typ := f[2]
		ti := slices.Index(r.types, typ)
		if ti < 0 {
			r.types = append(r.types, typ)
			ti = len(r.types) - 1
		}
		k, err := numericStart(typ, f[3])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, lineNo, err)
		}
		id := typ + "|" + strconv.FormatUint(k[0], 16) + "." + strconv.FormatUint(k[1], 16)
		rc := r.byKey[id]
		if rc == nil {
			rc = &rec{typ: typ, start: f[3], typeIdx: ti, key: k}
			r.byKey[id] = rc
			r.recs = append(r.recs, rc)
		}
		for len(rc.files) < i {
			rc.files = append(rc.files, nil)
		}
		if len(rc.files) > i {
			return fmt.Errorf("%s:%d: %s %s listed twice", path, lineNo, typ, f[3])
		}
		rc.files = append(rc.files, l)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if rf.header == nil {
		return fmt.Errorf("%s: no version line", path)
	}
	return nil
}

func parseLine(text string, f []string) (*line, error) {
	v, err := strconv.ParseUint(f[4], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad value %q", f[4])
	}
	d, err := parseDay(f[5])
	if err != nil {
		return nil, fmt.Errorf("bad date %q", f[5])
	}
	l := &line{text: text, fields: f, cc: f[1], status: f[6], value: v, date: d}
	if len(f) > 7 {
		l.opaque = f[7]
	}
	l.delegated = l.status == "allocated" || l.status == "assigned"
	return l, nil
}

// numericStart orders starts: an ASN, or an address as two 64-bit halves.
func numericStart(typ, s string) ([2]uint64, error) {
	if typ == "asn" {
		a, err := strconv.ParseUint(s, 10, 32)
		return [2]uint64{a, 0}, err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return [2]uint64{}, err
	}
	b := a.As16()
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return [2]uint64{hi, lo}, nil
}

// finish pads the records to every file, draws the change days and sorts
// the records in file order.
func (r *registry) finish() {
	n := len(r.files)
	for _, rc := range r.recs {
		for len(rc.files) < n {
			rc.files = append(rc.files, nil)
		}
		rc.change = make([]int, n-1)
		for i := range n - 1 {
			a, b := rc.files[i], rc.files[i+1]
			if sameLine(a, b) {
				rc.change[i] = noDate
				continue
			}
			lo, hi := r.files[i].date, r.files[i+1].date
			if b != nil && b.delegated && (a == nil || !a.delegated || a.date != b.date) && b.date > lo && b.date <= hi {
				rc.change[i] = b.date
				continue
			}
			rc.change[i] = lo + 1 + r.draw(rc, i, hi-lo)
		}
	}
	r.sortRecs()
}

func (r *registry) sortRecs() {
	slices.SortFunc(r.recs, func(a, b *rec) int {
		if a.typeIdx != b.typeIdx {
			return a.typeIdx - b.typeIdx
		}
		if a.key[0] != b.key[0] {
			if a.key[0] < b.key[0] {
				return -1
			}
			return 1
		}
		if a.key[1] < b.key[1] {
			return -1
		}
		if a.key[1] > b.key[1] {
			return 1
		}
		return 0
	})
}

func sameLine(a, b *line) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.text == b.text
}

// draw returns a deterministic number in [0, n) for a record and a gap.
func (r *registry) draw(rc *rec, gap, n int) int {
	f := fnv.New64a()
	fmt.Fprintf(f, "%d/%s/%s/%s/%d", r.seed, r.name, rc.typ, rc.start, gap)
	return int(f.Sum64() % uint64(max(n, 1)))
}

// at returns the record's line on day d, nil when it is absent.
func (r *registry) at(rc *rec, d int) *line {
	n := len(r.files)
	if d < r.files[0].date {
		l := rc.files[0]
		if l != nil && l.delegated && l.date != noDate && l.date > d {
			return nil
		}
		return l
	}
	if d >= r.files[n-1].date {
		l := rc.files[n-1]
		for _, e := range rc.ext {
			if e.day > d {
				break
			}
			l = e.l
		}
		return l
	}
	// i: the newest file on or before d.
	i, _ := slices.BinarySearchFunc(r.files, d, func(f *realFile, d int) int { return f.date - d })
	if i == n || r.files[i].date > d {
		i--
	}
	if c := rc.change[i]; c != noDate && d >= c {
		return rc.files[i+1]
	}
	return rc.files[i]
}

// fileAt is the newest real file on or before d, else the first.
func (r *registry) fileAt(d int) *realFile {
	f := r.files[0]
	for _, g := range r.files {
		if g.date <= d {
			f = g
		}
	}
	return f
}

type dayStats struct {
	records, asns, prefixes int
	// lines that differ from the last day written, and those of them
	// that are or were a delegation (what the store keeps)
	changes, delegatedChanges int
}

// write writes the registry's file for day d.
func (r *registry) write(path string, d int) (st dayStats, err error) {
	lines := make([]*line, 0, len(r.recs))
	counts := map[string]int{}
	var prevEnd uint64 // one past the last delegated ASN
	var prevStart string
	for _, rc := range r.recs {
		l := r.at(rc, d)
		if l != rc.out {
			if !sameLine(l, rc.out) {
				st.changes++
				if l != nil && l.delegated || rc.out != nil && rc.out.delegated {
					st.delegatedChanges++
				}
			}
			rc.out = l
		}
		if l == nil {
			continue
		}
		lines = append(lines, l)
		counts[rc.typ]++
		if !l.delegated {
			continue
		}
		if rc.typ == "asn" {
			if rc.key[0] < prevEnd {
				return st, fmt.Errorf("%s %s: AS%s+%d overlaps AS%s", r.name, dayString(d), rc.start, l.value, prevStart)
			}
			prevEnd, prevStart = rc.key[0]+l.value, rc.start
			st.asns += int(l.value)
		} else {
			st.prefixes++
		}
	}
	st.records = len(lines)
	rf := r.fileAt(d)
	header := slices.Clone(rf.header)
	if rf.date != d {
		ds := dayTime(d).Format("20060102")
		header[2], header[5] = ds, ds
	}
	header[3] = strconv.Itoa(len(lines))
	f, err := os.Create(path)
	if err != nil {
		return st, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	z, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	w := bufio.NewWriterSize(z, 1<<16)
	for _, c := range rf.comments {
		w.WriteString(c)
		w.WriteByte('\n')
	}
	w.WriteString(strings.Join(header, "|"))
	w.WriteByte('\n')
	summary := rf.summary
	for _, t := range r.types {
		if !slices.Contains(summary, t) {
			summary = append(slices.Clone(summary), t)
		}
	}
	for _, t := range summary {
		fmt.Fprintf(w, "%s|*|%s|*|%d|summary\n", r.name, t, counts[t])
	}
	for _, l := range lines {
		w.WriteString(l.text)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return st, err
	}
	if err := z.Close(); err != nil {
		return st, err
	}
	return st, bw.Flush()
}

// rates formats the rates used after the last file.
func (r *registry) rates() string {
	var b strings.Builder
	for _, t := range r.types {
		fmt.Fprintf(&b, "%s +%.2f -%.2f ", t, r.joins[t], r.leaves[t])
	}
	for _, t := range r.types {
		if n := r.unplaced[t]; n > 0 {
			fmt.Fprintf(&b, "(%s: %d new delegations found no pool line left, the first on %s) ", t, n, dayString(r.firstUnplaced[t]))
		}
	}
	return strings.TrimSpace(b.String())
}

// unit is what a line counts for in the rates: its ASNs, or one prefix.
func unit(typ string, l *line) float64 {
	if typ == "asn" {
		return float64(l.value)
	}
	return 1
}

// extend makes the delegations and returns after the last real file, up
// to day to.
func (r *registry) extend(to int) {
	if r.joins != nil {
		return // once: the days after the last file are drawn in one pass
	}
	n := len(r.files)
	last := r.files[n-1].date
	r.joins, r.leaves = map[string]float64{}, map[string]float64{}
	r.unplaced, r.firstUnplaced = map[string]int{}, map[string]int{}
	unplaced := func(typ string, d int) {
		if r.unplaced[typ] == 0 {
			r.firstUnplaced[typ] = d
		}
		r.unplaced[typ]++
	}
	models := map[string][]*line{}
	var span int
	if n >= 2 {
		prev := r.files[n-2].date
		span = last - prev
		for _, rc := range r.recs {
			a, b := rc.files[n-2], rc.files[n-1]
			if b != nil && b.delegated && (a == nil || !a.delegated) {
				r.joins[rc.typ] += unit(rc.typ, b)
				models[rc.typ] = append(models[rc.typ], b)
			}
			if a != nil && a.delegated && (b == nil || !b.delegated) {
				r.leaves[rc.typ] += unit(rc.typ, a)
			}
		}
	} else {
		span = 365
		for _, rc := range r.recs {
			if b := rc.files[0]; b != nil && b.delegated && b.date != noDate && b.date > last-365 {
				r.joins[rc.typ] += unit(rc.typ, b)
				models[rc.typ] = append(models[rc.typ], b)
			}
		}
	}
	for t := range r.joins {
		r.joins[t] /= float64(span)
	}
	for t := range r.leaves {
		r.leaves[t] /= float64(span)
	}
	if to <= last {
		return
	}
	// The state after the last file, and the records to draw from: the
	// available ASN lines, the pool lines of each prefix type and size, and
	// the delegated lines of each type. Lists keep file order and change
	// deterministically.
	cur := map[*rec]*line{}
	availASN := []*rec{}
	pools := map[string][]*rec{} // "type/value" → available (IPv4: or reserved) lines
	dele := map[string][]*rec{}
	poolKey := func(typ string, v uint64) string { return typ + "/" + strconv.FormatUint(v, 10) }
	isPool := func(typ string, l *line) bool {
		return typ != "asn" && (l.status == "available" || typ == "ipv4" && l.status == "reserved")
	}
	remove := func(list []*rec, rc *rec) []*rec {
		if i := slices.Index(list, rc); i >= 0 {
			return slices.Delete(list, i, i+1)
		}
		return list
	}
	index := func(rc *rec, l *line, add bool) {
		switch {
		case l.delegated:
			if add {
				dele[rc.typ] = append(dele[rc.typ], rc)
			} else {
				dele[rc.typ] = remove(dele[rc.typ], rc)
			}
		case rc.typ == "asn" && l.status == "available":
			if add {
				availASN = append(availASN, rc)
			} else {
				availASN = remove(availASN, rc)
			}
		case isPool(rc.typ, l):
			k := poolKey(rc.typ, l.value)
			if add {
				pools[k] = append(pools[k], rc)
			} else {
				pools[k] = remove(pools[k], rc)
			}
		}
	}
	for _, rc := range r.recs {
		if l := rc.files[n-1]; l != nil {
			cur[rc] = l
			index(rc, l, true)
		}
	}
	style := func(typ, status string) []string {
		var other []string
		for _, rc := range r.recs {
			l := rc.files[n-1]
			if l == nil || l.status != status {
				continue
			}
			if rc.typ == typ {
				return l.fields
			}
			if other == nil {
				other = l.fields
			}
		}
		return other
	}
	reserved := map[string][]string{}
	for _, t := range r.types {
		reserved[t] = style(t, "reserved")
	}
	mk := func(tmpl []string, typ, start string, value uint64) *line {
		f := slices.Clone(tmpl)
		f[2], f[3], f[4] = typ, start, strconv.FormatUint(value, 10)
		l, _ := parseLine(strings.Join(f, "|"), f)
		return l
	}
	rng := rand.New(rand.NewPCG(r.seed, fnv64(r.name)))
	set := func(rc *rec, d int, l *line) {
		rc.ext = append(rc.ext, extVer{day: d, l: l})
		if old := cur[rc]; old != nil {
			index(rc, old, false)
		}
		if l == nil {
			delete(cur, rc)
		} else {
			cur[rc] = l
			index(rc, l, true)
		}
	}
	byKey := func(typ string, k uint64, start string) *rec {
		id := typ + "|" + strconv.FormatUint(k, 16) + ".0"
		rc := r.byKey[id]
		if rc == nil {
			rc = &rec{typ: typ, start: start, typeIdx: slices.Index(r.types, typ), key: [2]uint64{k, 0},
				files: make([]*line, n), change: make([]int, n-1)}
			for i := range rc.change {
				rc.change[i] = noDate
			}
			r.byKey[id] = rc
			r.recs = append(r.recs, rc)
		}
		return rc
	}
	for d := last + 1; d <= to; d++ {
		for _, typ := range r.types {
			for range poisson.Draw(rng, r.joins[typ]) {
				if len(models[typ]) == 0 {
					break
				}
				if typ == "asn" {
					var total uint64
					for _, rc := range availASN {
						total += cur[rc].value
					}
					if total == 0 {
						unplaced(typ, d)
						continue
					}
					x := rng.Uint64N(total)
					var rc *rec
					for _, p := range availASN {
						v := cur[p].value
						if x < v {
							rc = p
							break
						}
						x -= v
					}
					avail := cur[rc]
					model := models[typ][rng.IntN(len(models[typ]))]
					set(rc, d, r.delegation(model, rc.start, 1, d))
					if avail.value > 1 {
						next := rc.key[0] + 1
						nrc := byKey("asn", next, strconv.FormatUint(next, 10))
						set(nrc, d, mk(avail.fields, "asn", nrc.start, avail.value-1))
					}
					continue
				}
				placed := false
				for range 10 {
					model := models[typ][rng.IntN(len(models[typ]))]
					pool := pools[poolKey(typ, model.value)]
					if len(pool) == 0 {
						continue
					}
					rc := pool[rng.IntN(len(pool))]
					set(rc, d, r.delegation(model, rc.start, model.value, d))
					placed = true
					break
				}
				if !placed {
					unplaced(typ, d)
				}
			}
			for range poisson.Draw(rng, r.leaves[typ]) {
				dl := dele[typ]
				if len(dl) == 0 {
					break
				}
				rc := dl[rng.IntN(len(dl))]
				if reserved[typ] == nil {
					set(rc, d, nil)
				} else {
					set(rc, d, mk(reserved[typ], typ, rc.start, cur[rc].value))
				}
			}
		}
	}
	r.sortRecs()
}

// delegation is a new delegated line in the model's style and country.
func (r *registry) delegation(model *line, start string, value uint64, d int) *line {
	f := slices.Clone(model.fields)
	f[3], f[4], f[5] = start, strconv.FormatUint(value, 10), dayTime(d).Format("20060102")
	l, _ := parseLine(strings.Join(f, "|"), f)
	return l
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
