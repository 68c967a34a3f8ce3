package rir

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/bits"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// MaxASNRange is the largest asn line (count of ASNs) that is expanded into
// records; a delegated range larger than this is taken as corrupt input.
const MaxASNRange = 1 << 16

// Result is a delegated file turned into records.
type Result struct {
	Header  Header
	Records []ixp.Record
	Report  *Report
}

// Import reads a delegated file (plain or gzip) and builds its records:
// one ixp.KindASNDelegation record per ASN of each allocated or assigned
// asn line, and one ixp.KindPrefixDelegation record per allocated or
// assigned ipv4/ipv6 line. In IANA's file every ipv4/ipv6 line is kept,
// with the designated registry as status, and asn blocks (up to billions of
// ASNs) are not expanded. name is used in errors.
//
// The declared record count is never used to size anything: a version line
// may claim billions. What is built is bounded by DefaultMaxRecords and the
// bytes read by DefaultMaxBytes (ImportLimits sets other caps).
func Import(ctx context.Context, r io.Reader, name string) (*Result, error) {
	return ImportLimits(ctx, r, name, Limits{})
}

// ImportLimits is Import with caps of its own; past them it fails with a
// ParseError wrapping ixp.ErrTooLarge.
func ImportLimits(ctx context.Context, r io.Reader, name string, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	rd, err := newReader(ctx, r, name, lim)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	if err := ixp.CheckSnapshotTime(rd.header.Date, time.Now()); err != nil {
		return nil, &ixp.ParseError{Source: "rir", File: name, Offset: -1, Record: -1,
			Err: fmt.Errorf("file date from serial %q / end date %q: %w", rd.header.Serial, rd.header.EndDate, err)}
	}
	b := newBuilder(rd.header.Registry, 0)
	b.max = lim.MaxRecords
	for {
		e, err := rd.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := b.add(e, rd.Report()); err != nil {
			return nil, &ixp.ParseError{Source: "rir", File: name, Offset: rd.off, Record: -1,
				Err: fmt.Errorf("line %d: %w", e.Line, err)}
		}
	}
	rep := rd.Report()
	if rd.header.Registry == RegistryIANA {
		rep.Notes = append(rep.Notes, fmt.Sprintf("iana: %d asn blocks not expanded", rd.header.Summary[TypeASN]))
	}
	return &Result{Header: rd.Header(), Records: b.recs, Report: rep}, nil
}

// ImportFile opens path (a regular file: a FIFO or a device is refused at
// once, wrapping zstream.ErrNotRegular) and imports it; see Import.
func ImportFile(ctx context.Context, path string) (*Result, error) {
	return ImportFileProgress(ctx, path, nil)
}

// ImportFileProgress is ImportFile adding the bytes read from the file to
// read as they are read (nil: no counting), for a progress display.
func ImportFileProgress(ctx context.Context, path string, read *atomic.Int64) (*Result, error) {
	f, err := zstream.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("open rir file: %w", err)
	}
	defer f.Close()
	return Import(ctx, zstream.Progress(f, read), path)
}

// Kinds returns the record kinds a file of the registry covers: IANA's
// file only provides prefix designations.
func Kinds(registry string) []ixp.Kind {
	if registry == RegistryIANA {
		return []ixp.Kind{ixp.KindPrefixDelegation}
	}
	return []ixp.Kind{ixp.KindASNDelegation, ixp.KindPrefixDelegation}
}

// SnapshotInput returns the full snapshot to publish for the result:
// source "rir:<registry>" at the file date (midnight UTC).
func (r *Result) SnapshotInput() ixp.SnapshotInput {
	return ixp.SnapshotInput{
		Source:  ixp.RIRSource(r.Header.Registry),
		At:      r.Header.Date,
		Kinds:   Kinds(r.Header.Registry),
		Records: r.Records,
		Notes:   append([]string(nil), r.Report.Notes...),
	}
}

// Records builds the records of entries read from one file; see Import
// for what is kept. Two records with the same id (an ASN listed twice, a
// prefix line repeated) are an error.
func Records(entries []Entry) ([]ixp.Record, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	b := newBuilder(entries[0].Registry, len(entries))
	b.max = DefaultMaxRecords
	rep := &Report{ASNsDropped: map[string]int{}, PrefixesDropped: map[string]int{}}
	for _, e := range entries {
		if err := b.add(e, rep); err != nil {
			return nil, fmt.Errorf("line %d: %w", e.Line, err)
		}
	}
	return b.recs, nil
}

// PrefixID returns the record id of a prefix line: the FNV-1a 64-bit hash
// of "registry|family|start|count", with the top bit cleared so that it is
// a positive int64. start must be in canonical form (Entry.Start is).
func PrefixID(registry string, family int, start string, count uint64) int64 {
	h := fnv.New64a()
	h.Write([]byte(registry + "|" + strconv.Itoa(family) + "|" + start + "|" + strconv.FormatUint(count, 10)))
	return int64(h.Sum64() & (1<<63 - 1))
}

type builder struct {
	registry string
	max      int // records allowed
	recs     []ixp.Record
	asns     map[ixp.ASN]int64 // asn → line
	prefixes map[int64]int64   // id → line
}

func newBuilder(registry string, hint int) *builder {
	return &builder{
		registry: registry,
		recs:     make([]ixp.Record, 0, hint),
		asns:     make(map[ixp.ASN]int64, hint/4),
		prefixes: make(map[int64]int64, hint),
	}
}

func (b *builder) add(e Entry, rep *Report) error {
	if e.Registry != b.registry {
		return fmt.Errorf("record of registry %q among %s records: %w", e.Registry, b.registry, ixp.ErrInvalid)
	}
	switch e.Type {
	case TypeASN:
		if !e.Delegated() || b.registry == RegistryIANA {
			rep.ASNsDropped[e.Status] += int(min(e.Value, 1<<32))
			return nil
		}
		return b.addASNs(e, rep)
	case TypeIPv4, TypeIPv6:
		if !e.Delegated() && b.registry != RegistryIANA {
			rep.PrefixesDropped[e.Status]++
			return nil
		}
		return b.addPrefix(e, rep)
	}
	return fmt.Errorf("unknown type %q: %w", e.Type, ixp.ErrInvalid)
}

func (b *builder) addASNs(e Entry, rep *Report) error {
	start, err := strconv.ParseUint(e.Start, 10, 32)
	if err != nil {
		return fmt.Errorf("bad asn %q: %w", e.Start, ixp.ErrInvalid)
	}
	if e.Value == 0 || e.Value > MaxASNRange || start+e.Value-1 > 1<<32-1 {
		return fmt.Errorf("asn range %s+%d out of bounds (at most %d ASNs): %w", e.Start, e.Value, MaxASNRange, ixp.ErrInvalid)
	}
	if err := b.room(e.Value); err != nil {
		return err
	}
	for i := uint64(0); i < e.Value; i++ {
		asn := ixp.ASN(start + i)
		if line, dup := b.asns[asn]; dup {
			return fmt.Errorf("AS%d already delegated on line %d: %w", asn, line, ixp.ErrInvalid)
		}
		b.asns[asn] = e.Line
		data, err := json.Marshal(ixp.ASNDelegation{
			ASN: asn, Registry: e.Registry, Country: e.CC, Status: e.Status, Date: e.Date, OpaqueID: e.OpaqueID,
		})
		if err != nil {
			return fmt.Errorf("encode asn delegation: %w", err)
		}
		b.recs = append(b.recs, ixp.Record{Kind: ixp.KindASNDelegation, ID: int64(asn), ASN: asn, Data: data})
	}
	rep.ASNsKept += int(e.Value)
	return nil
}

// room fails when n more records would pass the record cap.
func (b *builder) room(n uint64) error {
	if b.max > 0 && uint64(len(b.recs))+n > uint64(b.max) {
		return fmt.Errorf("more than %d records (the record cap; a range of %d would pass it): %w", b.max, n, ixp.ErrTooLarge)
	}
	return nil
}

func (b *builder) addPrefix(e Entry, rep *Report) error {
	if err := b.room(1); err != nil {
		return err
	}
	a, err := netip.ParseAddr(e.Start)
	if err != nil {
		return fmt.Errorf("bad address %q: %w", e.Start, ixp.ErrInvalid)
	}
	d := ixp.PrefixDelegation{
		Registry: e.Registry, Country: e.CC, Start: a.String(), Count: e.Value,
		Status: e.Status, Date: e.Date, OpaqueID: e.OpaqueID,
	}
	switch {
	case e.Type == TypeIPv4 && a.Is4():
		d.Family = 4
		ps, err := SplitIPv4(a, e.Value)
		if err != nil {
			return err
		}
		d.Prefixes = make([]string, len(ps))
		for i, p := range ps {
			d.Prefixes[i] = p.String()
		}
	case e.Type == TypeIPv6 && a.Is6() && !a.Is4In6():
		d.Family = 6
		if e.Value > 128 {
			return fmt.Errorf("bad ipv6 prefix length %d: %w", e.Value, ixp.ErrInvalid)
		}
		p := netip.PrefixFrom(a, int(e.Value))
		if p.Masked().Addr() != a {
			return fmt.Errorf("ipv6 start %s has bits set after /%d: %w", a, e.Value, ixp.ErrInvalid)
		}
		d.Prefixes = []string{p.String()}
	default:
		return fmt.Errorf("bad %s address %q: %w", e.Type, e.Start, ixp.ErrInvalid)
	}
	id := PrefixID(e.Registry, d.Family, d.Start, d.Count)
	if line, dup := b.prefixes[id]; dup {
		return fmt.Errorf("%s %s+%d already listed on line %d: %w", e.Type, d.Start, d.Count, line, ixp.ErrInvalid)
	}
	b.prefixes[id] = e.Line
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode prefix delegation: %w", err)
	}
	b.recs = append(b.recs, ixp.Record{Kind: ixp.KindPrefixDelegation, ID: id, Data: data})
	rep.PrefixesKept++
	return nil
}

// SplitIPv4 returns the smallest list of CIDR prefixes that covers count
// addresses from start, in address order.
func SplitIPv4(start netip.Addr, count uint64) ([]netip.Prefix, error) {
	if !start.Is4() {
		return nil, fmt.Errorf("%s is not an ipv4 address: %w", start, ixp.ErrInvalid)
	}
	lo := uint64(v4(start))
	if count == 0 || lo+count > 1<<32 {
		return nil, fmt.Errorf("ipv4 range %s+%d out of bounds: %w", start, count, ixp.ErrInvalid)
	}
	var out []netip.Prefix
	for count > 0 {
		// Largest block aligned at lo that fits in count.
		size := uint64(1) << 32
		if lo != 0 {
			size = lo & -lo
		}
		for size > count {
			size >>= 1
		}
		plen := 32 - bits.TrailingZeros64(size)
		a := netip.AddrFrom4([4]byte{byte(lo >> 24), byte(lo >> 16), byte(lo >> 8), byte(lo)})
		out = append(out, netip.PrefixFrom(a, plen))
		lo += size
		count -= size
	}
	return out, nil
}
