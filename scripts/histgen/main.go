// Command histgen writes a daily history of PeeringDB dumps, one directory
// of per-object files (ix.json.gz, netixlan.json.gz, …) per day, from real
// full dumps: the scaling benchmarks import it as `ixpobs backfill` would
// import PeeringDB's archive.
//
//	go run ./scripts/histgen -out /tmp/hist -from 2010-07-01 -to 2026-12-01 \
//	    ../shared/data/peeringdb/ixgen-{2019-01-19,2020-05-05,2022-06-01}
//
// How a day D is made (deterministic: the same inputs and -seed give the
// same files):
//   - An object is present at D when it was created on or before D
//     (its "created" time), its parents are present (a netixlan needs its
//     net and ixlan, …), and it has not left yet.
//   - An object missing from a later dump left at a day drawn uniformly
//     between the last dump that has it and the first that does not (its
//     real leave happened somewhere in that gap).
//   - Its data at D is the newest dump version whose "updated" time is on
//     or before D (the earliest version before that), so speed, name and
//     policy changes happen on the day the dumps say they did.
//   - Before the first dump, only the "created" times remove objects: the
//     networks and exchanges that joined and later left before that dump
//     are not in any dump, so counts back-cast from the dumps are a lower
//     bound of what PeeringDB held (the public record shows PeeringDB
//     smaller in 2010, and this gives 207 exchanges and about 1,300 IXP
//     connections created in 2010 in the 2022 dump).
//   - After the last dump, the connections (netixlan) continue at the rates
//     of the year before the last dump: joins (a known network at a known
//     LAN, new id), leaves and port speed changes per day, drawn from -seed.
//     Other kinds stay as in the last dump.
//
// With -every N only every Nth day is written (the history stays daily).
// With -exec CMD each day is handed to CMD (an import) and removed, so a
// long history needs the disk of one day (about 11 MB compressed in 2022);
// with -batch N, N days at a time (DAY_DIRS), for an import of many dumps
// in one process. Days are written on -workers goroutines.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/internal/poisson"
	"github.com/ixpobs/ixpobs/internal/zstream"
)

// kinds in reference order: an object's parents come before it.
var kinds = []string{"org", "fac", "ix", "ixlan", "ixpfx", "ixfac", "net", "netfac", "netixlan"}

// parents names the reference fields of each kind.
var parents = map[string][]struct{ field, kind string }{
	"fac":      {{"org_id", "org"}},
	"ix":       {{"org_id", "org"}},
	"ixlan":    {{"ix_id", "ix"}},
	"ixpfx":    {{"ixlan_id", "ixlan"}},
	"ixfac":    {{"ix_id", "ix"}, {"fac_id", "fac"}},
	"net":      {{"org_id", "org"}},
	"netfac":   {{"net_id", "net"}, {"fac_id", "fac"}},
	"netixlan": {{"net_id", "net"}, {"ixlan_id", "ixlan"}},
}

const day = 24 * time.Hour

// version is an object as one dump has it.
type version struct {
	dump    int // index of the dump
	updated time.Time
	fields  map[string]any
	raw     []byte // fields encoded, once
	// early is raw with the "updated" value cut out: an earliest version
	// shown at a day before its own update time is written as
	// early[0] + that day + early[1], without encoding it again.
	early [2][]byte
	refs  []int64 // the parents' ids, in the order of parents[kind] (0: none)
}

// object is one id of one kind across the dumps.
type object struct {
	id       int64
	created  time.Time
	versions []version // in dump order
	leaves   time.Time // zero: still present after the last dump
	synth    bool
}

type history struct {
	dumps   []time.Time
	objects map[string]map[int64]*object
	ids     map[string][]int64 // sorted, by kind; set by encodeVersions
	seed    uint64
	gzip    bool // write kind.json.gz, not kind.json
}

func main() {
	out := flag.String("out", "", "output directory (one subdirectory per written day)")
	from := flag.String("from", "2010-07-29", "first day (PeeringDB's oldest created time is 2010-07-29)")
	to := flag.String("to", "", "last day (default: the last dump's date)")
	every := flag.Int("every", 1, "write every Nth day")
	seed := flag.Uint64("seed", 1, "seed of the drawn leave days and of the changes after the last dump")
	command := flag.String("exec", "", "shell command run after each day (or -batch days) is written (environment: DAY, DAY_DIR, DAY_DIRS); its time is printed and the days' directories removed after it")
	batch := flag.Int("batch", 1, "with -exec: days handed to the command at once (DAY_DIRS lists them, oldest first; DAY and DAY_DIR name the last)")
	workers := flag.Int("workers", 2, "days written at once")
	ahead := flag.Bool("ahead", true, "with -exec: write the next days while the command runs on these (false: one at a time, the command alone on the machine)")
	compress := flag.Bool("gzip", true, "write kind.json.gz files (false: plain kind.json, as CAIDA's PeeringDB archive has its dumps)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: histgen -out DIR [-from DAY] [-to DAY] [-every N] [-seed S] DUMPDIR...\n\nDUMPDIR names end in their date (ixgen-2022-06-01).\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*out, *from, *to, *every, *seed, *command, max(*batch, 1), max(*workers, 1), *compress, *ahead, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "histgen:", err)
		os.Exit(1)
	}
}

var dumpDate = regexp.MustCompile(`(\d{4}-\d{2}-\d{2})/?$`)

func run(out, fromS, toS string, every int, seed uint64, command string, batch, workers int, compress, ahead bool, dirs []string) error {
	if out == "" || len(dirs) == 0 || every < 1 {
		return errors.New("need -out, -every >= 1 and at least one dump directory")
	}
	h := &history{objects: map[string]map[int64]*object{}, seed: seed, gzip: compress}
	for _, k := range kinds {
		h.objects[k] = map[int64]*object{}
	}
	sort.Strings(dirs)
	for i, dir := range dirs {
		m := dumpDate.FindStringSubmatch(dir)
		if m == nil {
			return fmt.Errorf("%s: the directory name must end in its date", dir)
		}
		at, _ := time.Parse(time.DateOnly, m[1])
		h.dumps = append(h.dumps, at)
		for _, k := range kinds {
			if err := h.load(i, k, filepath.Join(dir, k+".json.gz")); err != nil {
				return err
			}
		}
	}
	h.drawLeaves()
	from, err := time.Parse(time.DateOnly, fromS)
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	to := h.dumps[len(h.dumps)-1]
	if toS != "" {
		if to, err = time.Parse(time.DateOnly, toS); err != nil {
			return fmt.Errorf("-to: %w", err)
		}
	}
	if to.After(h.dumps[len(h.dumps)-1]) {
		h.extend(to)
	}
	h.encodeVersions()
	var days []time.Time
	for d := from; !d.After(to); d = d.Add(day * time.Duration(every)) {
		days = append(days, d)
	}
	if command == "" {
		batch = 8 * workers // lines printed as the days are written
	}
	type written struct {
		days        []time.Time
		lines, dirs []string
		err         error
	}
	write := func() written {
		b := days[:min(batch, len(days))]
		days = days[len(b):]
		lines, dirs, err := h.writeDays(out, b, workers)
		return written{b, lines, dirs, err}
	}
	next := func() (written, bool) {
		if len(days) == 0 {
			return written{}, false
		}
		return write(), true
	}
	if ahead {
		// The next batch is written while the command runs on this one.
		batches := make(chan written, 1)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			defer close(batches)
			for len(days) > 0 {
				w := write()
				select {
				case batches <- w:
				case <-stop:
					return
				}
				if w.err != nil {
					return
				}
			}
		}()
		next = func() (written, bool) {
			w, ok := <-batches
			return w, ok
		}
	}
	n := 0
	for {
		w, ok := next()
		if !ok {
			break
		}
		if w.err != nil {
			return w.err
		}
		b, lines, dirs := w.days, w.lines, w.dirs
		n += len(b)
		if command == "" {
			for _, l := range lines {
				fmt.Println(l)
			}
			continue
		}
		cmd := exec.Command("sh", "-c", command)
		last := b[len(b)-1].Format(time.DateOnly)
		cmd.Env = append(os.Environ(), "DAY="+last, "DAY_DIR="+dirs[len(dirs)-1], "DAY_DIRS="+strings.Join(dirs, " "))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %s: %w", last, command, err)
		}
		st := cmd.ProcessState
		timing := fmt.Sprintf(" exec_seconds=%.3f exec_cpu_seconds=%.3f", time.Since(start).Seconds(), (st.UserTime() + st.SystemTime()).Seconds())
		if len(b) == 1 {
			lines[0] += timing
		} else {
			lines = append(lines, fmt.Sprintf("batch %s %s days=%d%s", b[0].Format(time.DateOnly), last, len(b), timing))
		}
		for _, l := range lines {
			fmt.Println(l)
		}
		for _, dir := range dirs {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(os.Stderr, "histgen: %d days written under %s\n", n, out)
	return nil
}

// load reads one kind of one dump; a missing file is a kind the dump lacks.
func (h *history) load(dump int, kind, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	z, err := zstream.NewReader(f, path, zstream.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer z.Close()
	var body struct {
		Data []map[string]any `json:"data"`
	}
	dec := json.NewDecoder(z)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, o := range body.Data {
		if s, _ := o["status"].(string); s != "" && s != "ok" {
			continue
		}
		id, ok := intField(o, "id")
		if !ok {
			return fmt.Errorf("%s: an object without id", path)
		}
		created, _ := timeField(o, "created")
		updated, _ := timeField(o, "updated")
		obj := h.objects[kind][id]
		if obj == nil {
			obj = &object{id: id, created: created}
			h.objects[kind][id] = obj
		}
		if !created.IsZero() && (obj.created.IsZero() || created.Before(obj.created)) {
			obj.created = created
		}
		obj.versions = append(obj.versions, version{dump: dump, updated: updated, fields: o})
	}
	return nil
}

// writeDays writes the days on workers goroutines and returns their lines
// ("DAY ix=… objects=…") and directories, in order.
func (h *history) writeDays(out string, days []time.Time, workers int) (lines, dirs []string, err error) {
	lines, dirs = make([]string, len(days)), make([]string, len(days))
	errs := make([]error, len(days))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				d := days[i]
				dirs[i] = filepath.Join(out, d.Format(time.DateOnly))
				counts, err := h.write(dirs[i], d)
				if err != nil {
					errs[i] = err
					continue
				}
				objects := 0
				for _, c := range counts {
					objects += c
				}
				lines[i] = fmt.Sprintf("%s ix=%d net=%d netixlan=%d objects=%d", d.Format(time.DateOnly), counts["ix"], counts["net"], counts["netixlan"], objects)
			}
		})
	}
	for i := range days {
		next <- i
	}
	close(next)
	wg.Wait()
	return lines, dirs, errors.Join(errs...)
}

// updatedMark stands for the day in an earliest version's encoding.
const updatedMark = "histgen-updated-mark"

// encodeVersions encodes every version once and sorts each kind's ids, so
// that writing days on several goroutines only reads them.
func (h *history) encodeVersions() {
	h.ids = map[string][]int64{}
	for kind, objs := range h.objects {
		ids := make([]int64, 0, len(objs))
		for id, o := range objs {
			ids = append(ids, id)
			for i := range o.versions {
				v := &o.versions[i]
				v.raw, _ = json.Marshal(v.fields)
				v.refs = make([]int64, len(parents[kind]))
				for j, p := range parents[kind] {
					v.refs[j], _ = intField(v.fields, p.field)
				}
			}
			v := &o.versions[0]
			f := cloneFields(v.fields)
			f["updated"] = updatedMark
			raw, _ := json.Marshal(f)
			a, b, _ := bytes.Cut(raw, []byte(updatedMark))
			v.early = [2][]byte{a, b}
		}
		slices.Sort(ids)
		h.ids[kind] = ids
	}
}

// drawLeaves sets the leave day of every object a later dump lacks.
func (h *history) drawLeaves() {
	last := len(h.dumps) - 1
	for kind, objs := range h.objects {
		for _, o := range objs {
			seen := o.versions[len(o.versions)-1].dump
			if seen == last {
				continue
			}
			gap := int(h.dumps[seen+1].Sub(h.dumps[seen]) / day)
			o.leaves = h.dumps[seen].Add(day * time.Duration(1+h.draw(kind, o.id, gap)))
		}
	}
}

// draw returns a deterministic number in [0, n) for one object.
func (h *history) draw(kind string, id int64, n int) int {
	f := fnv.New64a()
	fmt.Fprintf(f, "%d/%s/%d", h.seed, kind, id)
	return int(f.Sum64() % uint64(max(n, 1)))
}

// extend continues the connections after the last dump to the day to at
// the joins, leaves and speed changes per day of the year before it.
func (h *history) extend(to time.Time) {
	lastDump := h.dumps[len(h.dumps)-1]
	yearAgo := lastDump.AddDate(-1, 0, 0)
	cons := h.objects["netixlan"]
	var joins, changes int
	var alive, nets []int64
	for id, o := range cons {
		if o.created.After(yearAgo) && !o.created.After(lastDump) {
			joins++
		}
		if n := len(o.versions); n > 1 && o.versions[n-1].updated.After(yearAgo) &&
			fmt.Sprint(o.versions[n-1].fields["speed"]) != fmt.Sprint(o.versions[n-2].fields["speed"]) {
			changes++
		}
		if o.leaves.IsZero() {
			alive = append(alive, id)
		}
	}
	leaves := 0
	for _, o := range cons {
		if !o.leaves.IsZero() && o.leaves.After(h.dumps[0]) {
			leaves++
		}
	}
	leavesPerDay := float64(leaves) / max(1, lastDump.Sub(h.dumps[0]).Hours()/24)
	for id, o := range h.objects["net"] {
		if o.leaves.IsZero() {
			nets = append(nets, id)
		}
	}
	slices.Sort(alive)
	slices.Sort(nets)
	r := rand.New(rand.NewPCG(h.seed, 0x6869737467656e))
	nextID := slices.Max(alive) + 1
	joinsPerDay, changesPerDay := float64(joins)/365, max(float64(changes)/365, 1)
	fmt.Fprintf(os.Stderr, "histgen: after %s: %.1f joins, %.1f leaves, %.1f speed changes of connections a day\n",
		lastDump.Format(time.DateOnly), joinsPerDay, leavesPerDay, changesPerDay)
	for d := lastDump.Add(day); !d.After(to); d = d.Add(day) {
		for range poisson.Draw(r, joinsPerDay) {
			model := cons[alive[r.IntN(len(alive))]]
			f := cloneFields(model.versions[len(model.versions)-1].fields)
			f["id"] = nextID
			f["net_id"] = nets[r.IntN(len(nets))]
			f["created"], f["updated"] = d.Format(time.RFC3339), d.Format(time.RFC3339)
			cons[nextID] = &object{id: nextID, created: d, synth: true, versions: []version{{dump: -1, updated: d, fields: f}}}
			alive = append(alive, nextID)
			nextID++
		}
		for range poisson.Draw(r, leavesPerDay) {
			i := r.IntN(len(alive))
			cons[alive[i]].leaves = d
			alive = slices.Delete(alive, i, i+1)
		}
		for range poisson.Draw(r, changesPerDay) {
			o := cons[alive[r.IntN(len(alive))]]
			f := cloneFields(o.versions[len(o.versions)-1].fields)
			speeds := []int{1000, 10000, 20000, 40000, 100000, 200000, 400000}
			f["speed"] = speeds[r.IntN(len(speeds))]
			f["updated"] = d.Format(time.RFC3339)
			o.versions = append(o.versions, version{dump: -1, updated: d, fields: f})
		}
	}
}

func cloneFields(f map[string]any) map[string]any {
	c := make(map[string]any, len(f))
	for k, v := range f {
		c[k] = v
	}
	return c
}

// at returns the object's version at d and its encoding (a row in up to
// three pieces), or nil when it is absent.
func (o *object) at(d time.Time) (*version, row) {
	end := d.Add(day)
	if !o.created.IsZero() && !o.created.Before(end) {
		return nil, row{}
	}
	if !o.leaves.IsZero() && !d.Before(o.leaves) {
		return nil, row{}
	}
	v := &o.versions[0]
	for i := range o.versions[1:] {
		if w := &o.versions[i+1]; w.updated.Before(end) {
			v = w
		}
	}
	if v.updated.IsZero() || !v.updated.Before(end) {
		// The earliest version, shown before its own update time: its
		// "updated" is the day.
		return v, row{v.early[0], d.Format(time.RFC3339), v.early[1]}
	}
	return v, row{a: v.raw}
}

// row is one object's JSON: a, then mid and b when a day is spliced in.
type row struct {
	a   []byte
	mid string
	b   []byte
}

// write writes day d's dump into dir and returns its object counts.
func (h *history) write(dir string, d time.Time) (map[string]int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	present := map[string]map[int64]bool{}
	counts := map[string]int{}
	for _, k := range kinds {
		present[k] = map[int64]bool{}
		var rows []row
	next:
		for _, id := range h.ids[k] {
			v, raw := h.objects[k][id].at(d)
			if v == nil {
				continue
			}
			for j, p := range parents[k] {
				if pid := v.refs[j]; pid != 0 && !present[p.kind][pid] {
					continue next
				}
			}
			present[k][id] = true
			rows = append(rows, raw)
		}
		counts[k] = len(rows)
		if err := writeKind(filepath.Join(dir, k+".json"), h.gzip, rows); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

func writeKind(path string, compress bool, rows []row) (err error) {
	if compress {
		path += ".gz"
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	var z *gzip.Writer
	if compress {
		z, _ = gzip.NewWriterLevel(bw, gzip.BestSpeed)
		w = z
	}
	io.WriteString(w, `{"data":[`)
	for i, r := range rows {
		if i > 0 {
			io.WriteString(w, ",\n")
		}
		w.Write(r.a)
		if r.b != nil {
			io.WriteString(w, r.mid)
			w.Write(r.b)
		}
	}
	if _, err := io.WriteString(w, "]}\n"); err != nil {
		return err
	}
	if z != nil {
		if err := z.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func intField(o map[string]any, name string) (int64, bool) {
	switch v := o[name].(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case int64:
		return v, true
	case int:
		return int64(v), true
	}
	return 0, false
}

func timeField(o map[string]any, name string) (time.Time, bool) {
	s, _ := o[name].(string)
	if s == "" {
		return time.Time{}, false
	}
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05.999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
