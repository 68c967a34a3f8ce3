package peeringdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/internal/jsonws"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// DefaultMaxBytes caps the decompressed bytes of one dump file or API
// page: the largest real file held (net.json of 2022-06-01) is 23.4 MB,
// today's PeeringDB about 3× that; 1 GiB leaves more than 10×.
const DefaultMaxBytes = 1 << 30

// Dump is a decoded PeeringDB dump or API sync: the objects of each kind
// it covers, before references are resolved.
type Dump struct {
	objects map[ixp.Kind][]object
	deleted map[ixp.Kind][]int64
	// seen locates the first occurrence of every id, by kind, to refuse
	// an id given twice.
	seen map[ixp.Kind]map[int64]place
	// MaxUpdated is the newest "updated" time of any object.
	MaxUpdated time.Time
	Report     Report
	// Schema is the schema of an archived SQLite file (SchemaV1,
	// SchemaV2), "" for JSON.
	Schema string
	// MaxBytes caps the decompressed bytes of each file read (0:
	// DefaultMaxBytes); past it Read fails wrapping ixp.ErrTooLarge.
	MaxBytes int64
	// ctx, set by ReadDir and ReadFile, stops a Read within one chunk.
	ctx context.Context
	// read, when set (ReadDirProgress, ReadFileProgress), counts the
	// bytes read from the files.
	read *atomic.Int64
	// ws maps the decoder's offsets back to the file's during a Read.
	ws *jsonws.Reader
	// buf holds each object's bytes while its keys are checked (no key
	// twice, none in two cases) and it is decoded.
	buf objectBuffers
	// fast holds the fast reader's buffers; fastFiles counts the inputs
	// it decided (read to the end, or refused for the dump's own
	// reasons: an id twice, a field missing), for tests; slowOnly turns
	// it off (tests).
	fast      fastBuffers
	fastFiles int
	slowOnly  bool
	// fastSeen holds the ids the fast reader added to seen in its
	// current input, to forget them when it gives up.
	fastSeen []kindID
}

// Report says what a dump contained and what was left out.
type Report struct {
	Files    []string       `json:"files"`
	Objects  map[string]int `json:"objects"`            // kept, by kind
	Skipped  map[string]int `json:"skipped,omitempty"`  // by "kind status"
	Deleted  map[string]int `json:"deleted,omitempty"`  // status "deleted", by kind
	Dangling map[string]int `json:"dangling,omitempty"` // by "kind.field"
	// Quirks counts values out of range (ixp.Quirk*: speed, address,
	// country), kept with the value unknown; QuirkExamples holds up to
	// three "file kind id value" examples of each.
	Quirks        map[string]int      `json:"quirks,omitempty"`
	QuirkExamples map[string][]string `json:"quirk_examples,omitempty"`
}

// quirk counts a value out of range of object id of kind k in file.
func (r *Report) quirk(file string, k ixp.Kind, id int64, q quirk) {
	if r.Quirks == nil {
		r.Quirks = map[string]int{}
		r.QuirkExamples = map[string][]string{}
	}
	n := q.n
	if n == 0 {
		n = 1
	}
	r.Quirks[q.name] += n
	if len(r.QuirkExamples[q.name]) < 3 {
		r.QuirkExamples[q.name] = append(r.QuirkExamples[q.name], fmt.Sprintf("%s %s %d %s", filepath.Base(file), k, id, q.value))
	}
}

// NewDump returns an empty dump to Read into.
func NewDump() *Dump {
	return &Dump{
		objects: map[ixp.Kind][]object{},
		deleted: map[ixp.Kind][]int64{},
		seen:    map[ixp.Kind]map[int64]place{},
		Report:  Report{Objects: map[string]int{}, Skipped: map[string]int{}, Deleted: map[string]int{}, Dangling: map[string]int{}},
	}
}

// Kinds returns the kinds the dump covers, in reference order.
func (d *Dump) Kinds() []ixp.Kind {
	var out []ixp.Kind
	for _, k := range ixp.PeeringDBKinds {
		if _, ok := d.objects[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// fileName matches the file names of a dump directory: ix.json,
// ix-0.json (PeeringDB's cache files), ix-page-2.json, optionally .gz.
var fileName = regexp.MustCompile(`^([a-z]+)(?:-0|-page-(\d+))?\.json(\.gz)?$`)

// ReadDir reads a directory of per-object API responses.
func ReadDir(ctx context.Context, dir string) (*Dump, error) { return ReadDirProgress(ctx, dir, nil) }

// ReadDirProgress is ReadDir adding the bytes read from the files to read
// as they are read (nil: no counting), for a progress display.
func ReadDirProgress(ctx context.Context, dir string, read *atomic.Int64) (*Dump, error) {
	return readDir(ctx, dir, read, false)
}

// readDir is ReadDirProgress; slowOnly reads with the reference reader
// alone (tests).
func readDir(ctx context.Context, dir string, read *atomic.Int64, slowOnly bool) (*Dump, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("peeringdb: %w", err)
	}
	type page struct {
		path string
		n    int
	}
	pages := map[ixp.Kind][]page{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			continue
		}
		k, ok := ixp.KindByName(m[1])
		if !ok || !isPeeringDBKind(k) {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		pages[k] = append(pages[k], page{filepath.Join(dir, e.Name()), n})
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("peeringdb: %s: no PeeringDB object files (ix.json, netixlan.json.gz, …): %w", dir, ixp.ErrInvalid)
	}
	d := NewDump()
	d.ctx, d.read, d.slowOnly = ctx, read, slowOnly
	for _, k := range ixp.PeeringDBKinds {
		ps := pages[k]
		sort.Slice(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		for _, p := range ps {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := d.readFile(p.path, k); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

// ReadFile reads one file: the single-file layout
// {"ix": {"data": [...]}, "net": {"data": [...]}, …}, or one object's API
// response named after its tag (ix.json, netixlan.json.gz).
func ReadFile(ctx context.Context, path string) (*Dump, error) {
	return ReadFileProgress(ctx, path, nil)
}

// ReadFileProgress is ReadFile adding the bytes read from the file to read
// as they are read (nil: no counting), for a progress display.
func ReadFileProgress(ctx context.Context, path string, read *atomic.Int64) (*Dump, error) {
	d := NewDump()
	d.ctx, d.read = ctx, read
	k := ixp.Kind(0)
	if m := fileName.FindStringSubmatch(filepath.Base(path)); m != nil {
		if kk, ok := ixp.KindByName(m[1]); ok && isPeeringDBKind(kk) {
			k = kk
		}
	}
	if err := d.readFile(path, k); err != nil {
		return nil, err
	}
	if len(d.objects) == 0 {
		return nil, fmt.Errorf("peeringdb: %s: no PeeringDB objects found: %w", path, ixp.ErrInvalid)
	}
	return d, nil
}

// Read reads one API response or single-file dump from r (plain, gzip or
// bzip2, told from its first bytes); name is used in errors. kind is the
// object kind of an API response (0 for the single-file layout). Its cost
// is linear in the input, white space included (internal/jsonws), and at
// most MaxBytes are read.
//
// When r can seek (a file), the fast reader (readFast) reads it first; if
// it meets anything it cannot decide alone — an error of any kind, a key
// or a text the rules act on, a value encoding/json would refuse, a long
// white-space run — the dump is set back as it was and the input read
// again from where it started by the reader below, whose result and
// errors are thus the reference.
func (d *Dump) Read(r io.Reader, name string, kind ixp.Kind) error {
	if rs, ok := r.(io.ReadSeeker); ok && !d.slowOnly {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			cp := d.mark()
			if done, err := d.readFast(rs, name, kind); done {
				return err
			}
			d.restore(cp)
			if _, err := rs.Seek(pos, io.SeekStart); err != nil {
				return d.parseError(name, 0, -1, err)
			}
		}
	}
	return d.readSlow(r, name, kind)
}

// readSlow is Read with encoding/json: the reference reader.
func (d *Dump) readSlow(r io.Reader, name string, kind ixp.Kind) error {
	max := d.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	z, err := zstream.NewReader(r, name, zstream.Options{MaxBytes: max, Ctx: d.ctx})
	if err != nil {
		return d.parseError(name, 0, -1, err)
	}
	defer z.Close()
	d.ws = jsonws.NewReader(z)
	defer func() { d.ws = nil }()
	dec := json.NewDecoder(d.ws)
	dec.UseNumber()
	if err := d.decodeTop(dec, name, kind); err != nil {
		return err
	}
	// Read to the end so that a truncated or corrupt compressed tail is
	// reported, and nothing but white space follows the JSON.
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the end of the JSON document")
		}
		return d.parseError(name, dec.InputOffset(), -1, err)
	}
	if z.Codec() != "" {
		d.ws = nil // the offset below is the compressed one
		if _, err := io.Copy(io.Discard, z); err != nil {
			return d.parseError(name, z.InputOffset(), -1, fmt.Errorf("%s: %w", z.Codec(), err))
		}
	}
	return nil
}

func (d *Dump) readFile(path string, kind ixp.Kind) error {
	f, err := zstream.OpenRegular(path)
	if err != nil {
		return fmt.Errorf("peeringdb: %w", err)
	}
	defer f.Close()
	d.Report.Files = append(d.Report.Files, path)
	return d.Read(zstream.Progress(f, d.read), path, kind)
}

func (d *Dump) parseError(name string, offset, record int64, err error) error {
	if (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) && !errors.Is(err, ixp.ErrTruncated) {
		err = fmt.Errorf("%w: %w", ixp.ErrTruncated, err)
	}
	if d.ws != nil && offset > 0 {
		offset = d.ws.InputOffset(offset)
	}
	return &ixp.ParseError{Source: ixp.SourcePeeringDB, File: name, Offset: offset, Record: record, Err: err}
}

// decodeTop walks the top-level object: {"meta":…, "data": [...]} for an
// API response, {"ix": {"data": [...]}, …} for the single-file layout.
func (d *Dump) decodeTop(dec *json.Decoder, name string, kind ixp.Kind) error {
	if err := expectDelim(dec, '{'); err != nil {
		return d.parseError(name, dec.InputOffset(), -1, fmt.Errorf("want a JSON object: %w", err))
	}
	sawData := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return d.parseError(name, dec.InputOffset(), -1, err)
		}
		switch k, isTag := ixp.KindByName(fmt.Sprint(key)); {
		case key == "data" && kind != 0:
			sawData = true
			if err := d.decodeData(dec, name, kind); err != nil {
				return err
			}
		case key == "data":
			return d.parseError(name, dec.InputOffset(), -1, fmt.Errorf("an API response but the file name does not say which object (name it ix.json, net.json, …): %w", ixp.ErrInvalid))
		case isTag && isPeeringDBKind(k) && kind == 0:
			if err := d.decodeSection(dec, name, k); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return d.parseError(name, dec.InputOffset(), -1, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return d.parseError(name, dec.InputOffset(), -1, err)
	}
	if kind != 0 && !sawData {
		// An error answer ({"meta": {"error": …}}) or a renamed list: not
		// an empty list, which would end every object of the kind.
		return d.parseError(name, dec.InputOffset(), -1, fmt.Errorf("%s response has no \"data\" list: %w", kind, ixp.ErrInvalid))
	}
	return nil
}

// place is where an object was read.
type place struct {
	file   string
	record int64
}

// decodeSection reads {"data": [...], …} of one kind in the single-file
// layout.
func (d *Dump) decodeSection(dec *json.Decoder, name string, k ixp.Kind) error {
	if err := expectDelim(dec, '{'); err != nil {
		return d.parseError(name, dec.InputOffset(), -1, fmt.Errorf("section %q: want an object: %w", k, err))
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return d.parseError(name, dec.InputOffset(), -1, err)
		}
		if key == "data" {
			if err := d.decodeData(dec, name, k); err != nil {
				return err
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return d.parseError(name, dec.InputOffset(), -1, err)
		}
	}
	_, err := dec.Token()
	if err != nil {
		return d.parseError(name, dec.InputOffset(), -1, err)
	}
	return nil
}

func (d *Dump) decodeData(dec *json.Decoder, name string, k ixp.Kind) error {
	if _, ok := d.objects[k]; !ok {
		d.objects[k] = nil
	}
	tok, err := dec.Token()
	if err != nil {
		return d.parseError(name, dec.InputOffset(), -1, fmt.Errorf("%s data: %w", k, err))
	}
	if tok == nil {
		return nil // "data": null, an empty list
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '[' {
		return d.parseError(name, dec.InputOffset(), -1, fmt.Errorf("%s data: want an array, found %v", k, tok))
	}
	for i := int64(0); dec.More(); i++ {
		start := dec.InputOffset()
		o, err := decodeObject(k, dec, &d.buf)
		if err != nil {
			return d.parseError(name, start, i, fmt.Errorf("%s object: %w", k, err))
		}
		if o.ID <= 0 {
			return d.parseError(name, start, i, fmt.Errorf("%s object without a valid id: %w", k, ixp.ErrInvalid))
		}
		if err := d.add(name, start, i, k, o); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return d.parseError(name, dec.InputOffset(), -1, err)
	}
	return nil
}

// add keeps one decoded object read at record i (byte offset start, -1
// when not a byte stream) of file name: it refuses an id given twice and
// an object missing a field it cannot do without, and sorts objects by
// status.
func (d *Dump) add(name string, start, i int64, k ixp.Kind, o object) error {
	if first, dup := d.seen[k][o.ID]; dup {
		return d.parseError(name, start, i, fmt.Errorf("%s id %d given twice (first in %s, record %d): %w", k, o.ID, first.file, first.record, ixp.ErrInvalid))
	}
	if d.seen[k] == nil {
		d.seen[k] = map[int64]place{}
	}
	d.seen[k][o.ID] = place{name, i}
	status := strings.ToLower(o.Status)
	if o.missing != "" && (status == "ok" || status == "") {
		return d.parseError(name, start, i, fmt.Errorf("%s %d has no %s: %w", k, o.ID, o.missing, ixp.ErrInvalid))
	}
	if t, err := time.Parse(time.RFC3339, o.Updated); err == nil && t.After(d.MaxUpdated) {
		d.MaxUpdated = t.UTC()
	}
	switch status {
	case "ok", "":
		for _, q := range o.quirks {
			d.Report.quirk(name, k, o.ID, q)
		}
		// Doubling (append grows a large slice by a quarter: four
		// times the copying of objects this large).
		objs := d.objects[k]
		if len(objs) == cap(objs) {
			objs = slices.Grow(objs, max(len(objs), 64))
		}
		d.objects[k] = append(objs, o)
	case "deleted":
		d.deleted[k] = append(d.deleted[k], o.ID)
		d.Report.Deleted[k.String()]++
	default:
		d.Report.Skipped[k.String()+" "+o.Status]++
	}
	return nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("found %v", tok)
	}
	return nil
}

func isPeeringDBKind(k ixp.Kind) bool {
	for _, p := range ixp.PeeringDBKinds {
		if p == k {
			return true
		}
	}
	return false
}

// Snapshot resolves references and builds the snapshot to publish. A zero
// at means the newest "updated" time in the data, at the start of its day.
// delta makes an incremental snapshot: only the objects present change and
// deleted ones end.
func (d *Dump) Snapshot(at time.Time, delta bool) (ixp.SnapshotInput, error) {
	if at.IsZero() {
		if d.MaxUpdated.IsZero() {
			return ixp.SnapshotInput{}, fmt.Errorf("peeringdb: no snapshot date given and no object has an updated time: %w", ixp.ErrInvalid)
		}
		if err := ixp.CheckSnapshotTime(d.MaxUpdated, time.Now()); err != nil {
			return ixp.SnapshotInput{}, fmt.Errorf("peeringdb: %s: newest \"updated\" time of the objects, used as the snapshot date (give --at to override): %w",
				strings.Join(d.Report.Files, ","), err)
		}
		y, m, dd := d.MaxUpdated.Date()
		at = time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	}
	if err := ixp.CheckSnapshotTime(at, time.Now()); err != nil {
		return ixp.SnapshotInput{}, fmt.Errorf("peeringdb: %s: %w", strings.Join(d.Report.Files, ","), err)
	}
	in := ixp.SnapshotInput{Source: ixp.SourcePeeringDB, At: at, Kinds: d.Kinds(), Delta: delta, Origin: strings.Join(d.Report.Files, ",")}
	if delta {
		in.Deleted = d.deleted
	}
	present := map[ixp.Kind]map[int64]bool{}
	for k, objs := range d.objects {
		ids := make(map[int64]bool, len(objs))
		for _, o := range objs {
			ids[o.ID] = true
		}
		present[k] = ids
	}
	lanIX := map[int64]int64{}
	for _, o := range d.objects[ixp.KindExchangeLAN] {
		lanIX[o.ID] = o.rec.IXID
	}
	total := 0
	for _, k := range in.Kinds {
		total += len(d.objects[k])
	}
	in.Records = make([]ixp.Record, 0, total)
	seen := map[ixp.Kind]map[int64]bool{}
	for _, k := range in.Kinds {
		seen[k] = map[int64]bool{}
		for _, o := range d.objects[k] {
			if seen[k][o.ID] {
				d.Report.Skipped[k.String()+" duplicate id"]++
				continue
			}
			seen[k][o.ID] = true
			if o.ixlanID != 0 && o.rec.IXID == 0 {
				if ix, ok := lanIX[o.ixlanID]; ok {
					o.setIX(ix)
				}
			}
			if !delta {
				for _, r := range o.refs {
					ids, covered := present[r.kind]
					if covered && r.id != 0 && !ids[r.id] {
						d.Report.Dangling[k.String()+"."+r.name]++
					}
				}
			}
			data, err := json.Marshal(o.model)
			if err != nil {
				return in, fmt.Errorf("peeringdb: encode %s %d: %w", k, o.ID, err)
			}
			o.rec.Data = data
			in.Records = append(in.Records, o.rec)
			d.Report.Objects[k.String()]++
		}
	}
	in.Notes = d.notes()
	return in, nil
}

func (d *Dump) notes() []string {
	var notes []string
	add := func(prefix string, m map[string]int) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			notes = append(notes, fmt.Sprintf("%s %s: %d", prefix, k, m[k]))
		}
	}
	add("dangling reference", d.Report.Dangling)
	add("skipped", d.Report.Skipped)
	add("deleted", d.Report.Deleted)
	for _, q := range slices.Sorted(maps.Keys(d.Report.Quirks)) {
		what := "value unknown"
		if q == ixp.QuirkTextReplaced {
			what = "characters a store cannot keep replaced by U+FFFD"
		}
		notes = append(notes, ixp.QuirkNote(q, d.Report.Quirks[q], "("+what+"; e.g. "+strings.Join(d.Report.QuirkExamples[q], "; ")+")"))
	}
	return notes
}
