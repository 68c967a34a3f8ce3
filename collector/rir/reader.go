// Package rir reads the delegated statistics files that the five Regional
// Internet Registries (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) and IANA
// publish daily ("RIR Statistics Exchange Format", plain and extended), and
// turns their asn, ipv4 and ipv6 lines into ixp.Record values for the store.
//
// # Strictness
//
// A delegated file is imported as a full snapshot: an object missing from
// it ends in the history. Skipping a line silently would therefore end a
// delegation that still exists, so the reader is strict: any malformed line
// inside the declared records (bad ASN, bad address, bad count, bad date,
// unknown type, wrong registry, too few fields) stops the import with an
// *ixp.ParseError naming the file, the byte offset and the line; values
// that are out of range wrap ixp.ErrInvalid. A file that ends before the
// number of records its version line declares, or a truncated gzip stream,
// fails with an error wrapping ixp.ErrTruncated. Summary lines must agree
// with the records of their type.
//
// Lines after the declared number of records are not parsed: they are
// counted in Report.Trailing and noted. This is the one tolerance, needed
// because some mirrored files (IANA 2019-09-11) were rewritten in place
// without truncation and carry a stale tail of an older version.
//
// Lines whose status is neither allocated nor assigned (available,
// reserved, …) are parsed and validated like the others but are not turned
// into records; Report counts them.
package rir

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// Resource types of record lines.
const (
	TypeASN  = "asn"
	TypeIPv4 = "ipv4"
	TypeIPv6 = "ipv6"
)

// Statuses of record lines that are delegations (kept as records).
const (
	StatusAllocated = "allocated"
	StatusAssigned  = "assigned"
)

// RegistryIANA is the registry name of IANA's file, whose seventh field is
// the designated registry (e.g. "lacnic", "ietf") instead of a status.
const RegistryIANA = "iana"

const (
	maxLine   = 1 << 20 // longest line accepted
	ctxEvery  = 4096    // lines between context checks
	maxFields = 64      // more fields than this is not a delegated file
	// maxIdleLines bounds the blank and comment lines of a file: real
	// ones have a few, and a bomb of newlines would otherwise be read up
	// to MaxBytes one empty line at a time (512 M lines, about 10 s).
	maxIdleLines = 1_000_000
)

// Default caps (Limits). The largest real file held in ../shared/data
// (LACNIC 2024-01-04) has 88,623 lines, 4.2 MB and 13,234 expanded ASNs;
// today's largest registry file (RIPE NCC extended) is about 10× that.
const (
	DefaultMaxBytes   = 512 << 20 // decompressed bytes
	DefaultMaxRecords = 1_000_000 // records built (each ASN of a range is one)
)

// Limits bound what one file may make the reader read and build. A zero
// field takes its default.
type Limits struct {
	MaxBytes   int64 // decompressed bytes read, over it ixp.ErrTooLarge
	MaxRecords int   // records built, over it ixp.ErrTooLarge
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultMaxRecords
	}
	return l
}

// Header is the version line of a delegated file plus its summary lines.
type Header struct {
	Version   string // "2" or "2.3"
	Registry  string // afrinic, apnic, arin, iana, lacnic, ripencc
	Serial    string
	Records   int    // record lines declared (summaries, comments and blank lines excluded)
	StartDate string // YYYY-MM-DD, "" when 00000000 or empty
	EndDate   string // YYYY-MM-DD, "" when 00000000 or empty
	UTCOffset string // as written: "-0300", "+1000", "00000", …
	// Date is the day the file describes, midnight UTC: the serial when it
	// is a YYYYMMDD date (LACNIC, APNIC, AFRINIC, IANA), else the end date
	// (ARIN and RIPE NCC use other serials).
	Date time.Time
	// Summary holds the count of each summary line by type; it is filled
	// as summary lines are read.
	Summary map[string]int
}

// Entry is one record line of a delegated file.
type Entry struct {
	Line     int64  // 1-based line number
	Registry string // lower case
	CC       string // upper case as written; "" when absent
	Type     string // asn, ipv4 or ipv6
	// Start is the first ASN in decimal, or the first address in canonical
	// form (RFC 5952 for IPv6).
	Start string
	// Value is the count of ASNs (asn), of addresses (ipv4) or the prefix
	// length (ipv6).
	Value uint64
	Date  string // YYYY-MM-DD; "" when 00000000 or empty
	// Status is lower case: allocated, assigned, available, reserved…; in
	// IANA's file it is the designated registry or "ietf"/"iana".
	Status     string
	OpaqueID   string   // extended files only
	Extensions []string // fields after the opaque id, if any
}

// Delegated reports whether the entry is an allocation or an assignment,
// the only statuses kept as records.
func (e Entry) Delegated() bool {
	return e.Status == StatusAllocated || e.Status == StatusAssigned
}

// Report says what a parse read, kept and left out.
type Report struct {
	Lines    int // lines read, comments, blank and trailing lines included
	Comments int
	Blank    int
	// Entries counts record lines by type then status.
	Entries map[string]map[string]int
	// Fields counts record lines by their number of fields.
	Fields map[int]int
	// Trailing counts the lines after the declared number of records,
	// which were not parsed.
	Trailing int
	// ASNsKept counts the ASNs expanded into records; ASNsDropped the ASNs
	// of asn lines not kept, by status.
	ASNsKept    int
	ASNsDropped map[string]int
	// PrefixesKept counts the ipv4/ipv6 lines kept; PrefixesDropped the
	// lines not kept, by status.
	PrefixesKept    int
	PrefixesDropped map[string]int
	Notes           []string
}

// Records returns the number of record lines counted in Entries.
func (r *Report) Records() int {
	n := 0
	for _, m := range r.Entries {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// Reader reads a delegated file line by line. Create it with NewReader,
// then call Next until it returns io.EOF.
type Reader struct {
	name   string
	z      *zstream.Reader
	src    *errReader
	sc     *bufio.Scanner
	header Header
	report Report

	line    int64 // current line number
	off     int64 // byte offset of the current line
	next    int64 // byte offset of the next line
	records int   // record lines read
	open    bool  // the current line has no newline: the input ended in it
	fields  []string
	done    bool
}

// NewReader opens r with zstream (gzip, bzip2 or plain, told from its
// first bytes; at most DefaultMaxBytes decompressed), reads up to and
// including the version line and returns a Reader positioned on the line
// after it. name is the file name or URL used in errors. Close the Reader.
func NewReader(r io.Reader, name string) (*Reader, error) {
	return newReader(context.Background(), r, name, Limits{})
}

func newReader(ctx context.Context, r io.Reader, name string, lim Limits) (*Reader, error) {
	lim = lim.withDefaults()
	z, err := zstream.NewReader(r, name, zstream.Options{MaxBytes: lim.MaxBytes, Ctx: ctx})
	if err != nil {
		return nil, &ixp.ParseError{Source: "rir", File: name, Offset: 0, Record: -1, Err: err}
	}
	rd := &Reader{
		name:   name,
		z:      z,
		src:    &errReader{r: z},
		fields: make([]string, 0, 16),
		report: Report{
			Entries:         map[string]map[string]int{},
			Fields:          map[int]int{},
			ASNsDropped:     map[string]int{},
			PrefixesDropped: map[string]int{},
		},
	}
	rd.sc = bufio.NewScanner(rd.src)
	rd.sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	rd.sc.Split(rd.split)
	for {
		line, ok, err := rd.scan()
		if err != nil {
			z.Close()
			return nil, err
		}
		if !ok {
			z.Close()
			return nil, rd.errorf(fmt.Errorf("no version line: %w", ixp.ErrTruncated))
		}
		if line == "" {
			continue
		}
		h, err := parseHeader(rd.fieldsOf(line))
		if err != nil {
			z.Close()
			return nil, rd.errorf(err)
		}
		rd.header = h
		return rd, nil
	}
}

// Close stops the decompressor; it does not close the input.
func (r *Reader) Close() error { return r.z.Close() }

// Header returns the version line and the summary lines read so far (all
// of them once Next has returned io.EOF).
func (r *Reader) Header() Header { return r.header }

// Report returns the counts of the lines read so far.
func (r *Reader) Report() *Report { return &r.report }

// Next returns the next record line. After the declared number of records
// it reads the rest of the input, checks the summaries and returns io.EOF.
func (r *Reader) Next(ctx context.Context) (Entry, error) {
	if r.done {
		return Entry{}, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	for {
		if r.records == r.header.Records {
			return Entry{}, r.finish(ctx)
		}
		line, ok, err := r.scan()
		if err != nil {
			return Entry{}, err
		}
		if !ok {
			return Entry{}, r.errorf(fmt.Errorf("end of input after %d of %d declared records: %w",
				r.records, r.header.Records, ixp.ErrTruncated))
		}
		if line == "" {
			continue
		}
		f := r.fieldsOf(line)
		if len(f) == 6 && f[5] == "summary" {
			if err := r.summary(f); err != nil {
				return Entry{}, r.errorf(err)
			}
			continue
		}
		// An unterminated last line is a cut file, whatever is left of
		// the line.
		if r.open {
			return Entry{}, r.errorf(fmt.Errorf("last record has no end of line: %w", ixp.ErrTruncated))
		}
		e, err := parseEntry(f, r.header.Registry)
		if err != nil {
			return Entry{}, r.errorf(err)
		}
		e.Line = r.line
		r.records++
		r.count(e, len(f))
		return e, nil
	}
}

// finish reads what follows the declared records and checks the summaries.
func (r *Reader) finish(ctx context.Context) error {
	r.done = true
	for {
		if r.line%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, ok, err := r.scan()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if line == "" {
			continue
		}
		f := r.fieldsOf(line)
		if len(f) == 6 && f[5] == "summary" && r.records == 0 {
			// A file with no records still has its summary lines.
			if err := r.summary(f); err != nil {
				return r.errorf(err)
			}
			continue
		}
		r.report.Trailing++
	}
	if r.report.Trailing > 0 {
		r.report.Notes = append(r.report.Notes, fmt.Sprintf(
			"%d lines after the %d declared records were ignored", r.report.Trailing, r.header.Records))
	}
	// In a fixed order, so that the same file always gives the same error.
	for _, typ := range slices.Sorted(maps.Keys(r.report.Entries)) {
		m := r.report.Entries[typ]
		n := 0
		for _, c := range m {
			n += c
		}
		want, ok := r.header.Summary[typ]
		if !ok {
			return r.errorf(fmt.Errorf("no summary line for type %s (%d records): %w", typ, n, ixp.ErrInvalid))
		}
		if want != n {
			return r.errorf(fmt.Errorf("summary says %d %s records, file has %d: %w", want, typ, n, ixp.ErrInvalid))
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(r.header.Summary)) {
		want := r.header.Summary[typ]
		if _, ok := r.report.Entries[typ]; !ok && want != 0 {
			return r.errorf(fmt.Errorf("summary says %d %s records, file has none: %w", want, typ, ixp.ErrInvalid))
		}
	}
	return io.EOF
}

func (r *Reader) summary(f []string) error {
	if f[0] != r.header.Registry {
		return fmt.Errorf("summary of registry %q in a %s file: %w", f[0], r.header.Registry, ixp.ErrInvalid)
	}
	typ := f[2]
	switch typ {
	case TypeASN, TypeIPv4, TypeIPv6:
	default:
		return fmt.Errorf("summary of unknown type %q: %w", typ, ixp.ErrInvalid)
	}
	n, err := strconv.Atoi(f[4])
	if err != nil || n < 0 {
		return fmt.Errorf("bad summary count %q: %w", f[4], ixp.ErrInvalid)
	}
	if r.header.Summary == nil {
		r.header.Summary = map[string]int{}
	}
	if _, dup := r.header.Summary[typ]; dup {
		return fmt.Errorf("second summary line for type %s: %w", typ, ixp.ErrInvalid)
	}
	r.header.Summary[typ] = n
	return nil
}

func (r *Reader) count(e Entry, fields int) {
	m := r.report.Entries[e.Type]
	if m == nil {
		m = map[string]int{}
		r.report.Entries[e.Type] = m
	}
	m[e.Status]++
	r.report.Fields[fields]++
}

// errReader remembers the error that ended its input.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// split is bufio.ScanLines that also tracks byte offsets and refuses to
// return an unterminated last line: when the input broke (truncated gzip)
// that line is a fragment that could still parse, e.g. an ASN cut short.
// An unterminated line at a clean end of input is returned; the caller
// treats it as truncated if it is needed as a record.
func (r *Reader) split(data []byte, atEOF bool) (int, []byte, error) {
	if atEOF && len(data) > 0 && bytes.IndexByte(data, '\n') < 0 && r.src.err != nil && r.src.err != io.EOF {
		return 0, nil, r.src.err
	}
	adv, tok, err := bufio.ScanLines(data, atEOF)
	if adv > 0 || tok != nil {
		r.open = atEOF && bytes.IndexByte(data, '\n') < 0
		r.off = r.next
		r.next += int64(adv)
	}
	return adv, tok, err
}

// scan returns the next line with comments blanked out; ok is false at the
// end of the input.
func (r *Reader) scan() (string, bool, error) {
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return "", false, r.errorf(fmt.Errorf("line longer than %d bytes: %w", maxLine, ixp.ErrInvalid))
			}
			return "", false, &ixp.ParseError{Source: "rir", File: r.name, Offset: r.next, Record: -1, Err: gzipErr(err)}
		}
		return "", false, nil
	}
	r.line++
	r.report.Lines++
	b := bytes.TrimSpace(r.sc.Bytes())
	switch {
	case len(b) == 0:
		r.report.Blank++
	case b[0] == '#':
		r.report.Comments++
	default:
		return string(b), true, nil
	}
	if r.report.Blank+r.report.Comments > maxIdleLines {
		return "", false, r.errorf(fmt.Errorf("more than %d blank or comment lines: %w", maxIdleLines, ixp.ErrTooLarge))
	}
	return "", true, nil
}

// fieldsOf splits a line on '|' into the reader's reused field slice,
// trimming blanks around fields.
func (r *Reader) fieldsOf(line string) []string {
	f := r.fields[:0]
	for len(f) < maxFields {
		i := strings.IndexByte(line, '|')
		if i < 0 {
			f = append(f, strings.TrimSpace(line))
			break
		}
		f = append(f, strings.TrimSpace(line[:i]))
		line = line[i+1:]
	}
	r.fields = f
	return f
}

func (r *Reader) errorf(err error) error {
	return &ixp.ParseError{Source: "rir", File: r.name, Offset: r.off, Record: -1,
		Err: fmt.Errorf("line %d: %w", r.line, err)}
}

// gzipErr wraps a read error (zstream has already mapped decompression
// errors to the shared sentinels).
func gzipErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("input ends early: %w", ixp.ErrTruncated)
	}
	return fmt.Errorf("read: %w", err)
}

func parseHeader(f []string) (Header, error) {
	if len(f) != 7 {
		return Header{}, fmt.Errorf("version line has %d fields, want 7: %w", len(f), ixp.ErrInvalid)
	}
	h := Header{Version: f[0], Registry: strings.ToLower(f[1]), Serial: f[2], UTCOffset: f[6], Summary: map[string]int{}}
	if _, err := strconv.ParseFloat(h.Version, 64); err != nil || !strings.HasPrefix(h.Version, "2") {
		return Header{}, fmt.Errorf("unsupported version %q: %w", h.Version, ixp.ErrInvalid)
	}
	if !isLowerWord(h.Registry) {
		return Header{}, fmt.Errorf("bad registry %q: %w", f[1], ixp.ErrInvalid)
	}
	n, err := strconv.Atoi(f[3])
	if err != nil || n < 0 {
		return Header{}, fmt.Errorf("bad record count %q: %w", f[3], ixp.ErrInvalid)
	}
	h.Records = n
	if h.StartDate, err = parseDate(f[4]); err != nil {
		return Header{}, fmt.Errorf("start date: %w", err)
	}
	if h.EndDate, err = parseDate(f[5]); err != nil {
		return Header{}, fmt.Errorf("end date: %w", err)
	}
	day := h.EndDate
	if len(h.Serial) == 8 {
		if d, err := parseDate(h.Serial); err == nil && d != "" {
			day = d
		}
	}
	if day == "" {
		return Header{}, fmt.Errorf("no file date in serial %q or end date %q: %w", f[2], f[5], ixp.ErrInvalid)
	}
	h.Date, _ = ixp.Date(day)
	return h, nil
}

func parseEntry(f []string, registry string) (Entry, error) {
	if len(f) < 7 {
		return Entry{}, fmt.Errorf("record has %d fields, want at least 7: %w", len(f), ixp.ErrInvalid)
	}
	e := Entry{Registry: strings.ToLower(f[0]), CC: strings.ToUpper(f[1]), Type: strings.ToLower(f[2]), Status: strings.ToLower(f[6])}
	if e.Registry != registry {
		return Entry{}, fmt.Errorf("record of registry %q in a %s file: %w", f[0], registry, ixp.ErrInvalid)
	}
	if e.CC != "" && !isCC(e.CC) {
		return Entry{}, fmt.Errorf("bad country code %q: %w", f[1], ixp.ErrInvalid)
	}
	if e.Status == "" || !isLowerWord(e.Status) {
		return Entry{}, fmt.Errorf("bad status %q: %w", f[6], ixp.ErrInvalid)
	}
	if e.Delegated() && e.CC == "" {
		return Entry{}, fmt.Errorf("%s %s without country code: %w", e.Status, e.Type, ixp.ErrInvalid)
	}
	v, err := strconv.ParseUint(f[4], 10, 64)
	if err != nil || v == 0 {
		return Entry{}, fmt.Errorf("bad value %q: %w", f[4], ixp.ErrInvalid)
	}
	e.Value = v
	switch e.Type {
	case TypeASN:
		a, err := strconv.ParseUint(f[3], 10, 32)
		if err != nil {
			return Entry{}, fmt.Errorf("bad asn %q: %w", f[3], ixp.ErrInvalid)
		}
		if uint64(a)+v-1 > math.MaxUint32 {
			return Entry{}, fmt.Errorf("asn range %s+%d passes AS4294967295: %w", f[3], v, ixp.ErrInvalid)
		}
		e.Start = strconv.FormatUint(a, 10)
	case TypeIPv4:
		a, err := netip.ParseAddr(f[3])
		if err != nil || !a.Is4() {
			return Entry{}, fmt.Errorf("bad ipv4 address %q: %w", f[3], ixp.ErrInvalid)
		}
		if uint64(v4(a))+v > 1<<32 {
			return Entry{}, fmt.Errorf("ipv4 range %s+%d passes 255.255.255.255: %w", f[3], v, ixp.ErrInvalid)
		}
		e.Start = a.String()
	case TypeIPv6:
		a, err := netip.ParseAddr(f[3])
		if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
			return Entry{}, fmt.Errorf("bad ipv6 address %q: %w", f[3], ixp.ErrInvalid)
		}
		if v > 128 {
			return Entry{}, fmt.Errorf("bad ipv6 prefix length %d: %w", v, ixp.ErrInvalid)
		}
		p := netip.PrefixFrom(a, int(v))
		if p.Masked().Addr() != a {
			return Entry{}, fmt.Errorf("ipv6 start %s has bits set after /%d: %w", f[3], v, ixp.ErrInvalid)
		}
		e.Start = a.String()
	default:
		return Entry{}, fmt.Errorf("unknown type %q: %w", f[2], ixp.ErrInvalid)
	}
	if e.Date, err = parseDate(f[5]); err != nil {
		return Entry{}, err
	}
	if len(f) > 7 {
		e.OpaqueID = f[7]
	}
	if len(f) > 8 {
		e.Extensions = append([]string(nil), f[8:]...)
	}
	return e, nil
}

// parseDate turns YYYYMMDD into YYYY-MM-DD; "" and 00000000 give "".
func parseDate(s string) (string, error) {
	if s == "" || s == "00000000" {
		return "", nil
	}
	if len(s) != 8 {
		return "", fmt.Errorf("bad date %q: %w", s, ixp.ErrInvalid)
	}
	t, err := time.Parse("20060102", s)
	if err != nil {
		return "", fmt.Errorf("bad date %q: %w", s, ixp.ErrInvalid)
	}
	return t.Format(time.DateOnly), nil
}

func isCC(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func isLowerWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
