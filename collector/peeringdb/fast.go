package peeringdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ixpobs/ixpobs/internal/jsonws"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// The fast reader reads a dump file in one pass over its bytes: each
// object's keys are checked and its values decoded into its raw type
// together, with no encoding/json scan. It decides only what it is sure
// of: an input it reads to the end gives exactly the dump the reference
// reader (readSlow: encoding/json, jsonkeys, ixp.CleanJSON, jsonws) gives.
// Anything else makes it give up (errBail), and Read sets the dump back
// and reads the input again with readSlow, so that every error, its
// wording and its offset, and every quirk are the reference reader's:
//
//   - any error of the input (syntax, truncation, compression, the size
//     cap, a cancelled context, a read error);
//   - a key with an escape, an upper-case letter or a byte that is not
//     ASCII, or given twice (so none differs from another only in case);
//   - a string with a byte that is not UTF-8, a \u0000 or a \u escape of
//     a surrogate (what the text rule counts);
//   - a value encoding/json would refuse for its field (a string for a
//     number, a fraction or exponent for an integer, out of range, an
//     object or array for a field);
//   - a white-space run longer than jsonws.Keep (so that offsets need no
//     mapping), an object over fastMaxObject bytes, nesting deeper than
//     fastMaxDepth, and layouts it does not know.
//
// Errors the dump itself finds (an id given twice, an object without a
// valid id or a field it needs) come from the same code in both readers
// and are returned as they are.

// errBail is the fast reader giving up.
var errBail = errors.New("peeringdb: fast reader gives up")

const (
	fastMaxObject = 1 << 20
	fastMaxDepth  = 64
)

// fastBuffers are the fast reader's buffers, kept from one file to the
// next.
type fastBuffers struct {
	buf  []byte
	keys []fastKey
}

// fastScanner reads a stream in a buffer: buf[pos:end] is unread; off is
// the stream offset of buf[0].
type fastScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	off      int64
	err      error
}

func (s *fastScanner) offset() int64 { return s.off + int64(s.pos) }

// more reads more of the stream, keeping buf[pos:end] (moved to the
// front); false at the end of the stream or an error.
func (s *fastScanner) more() bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) > 2*fastMaxObject {
			s.err = errBail
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.err = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// Results of next.
const (
	gotByte = iota
	gotEOF
	gotBail
)

// next skips white space and returns the next byte, unread: gotEOF at the
// clean end of the stream, gotBail on an error or a run over jsonws.Keep.
func (s *fastScanner) next() (byte, int) {
	run := 0
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
				if run++; run > jsonws.Keep {
					return 0, gotBail
				}
			default:
				return c, gotByte
			}
		}
		if !s.more() {
			if s.err == io.EOF {
				return 0, gotEOF
			}
			return 0, gotBail
		}
	}
}

// value returns the bytes of the value starting at pos (not white space)
// and consumes them; they are valid until the next read. A container or
// string ends at its closing byte; any other value at the next delimiter.
// It does not validate.
func (s *fastScanner) value() ([]byte, bool) {
	j, depth, run := 0, 0, 0
	inString, escape := false, false
	scalar := false
	for {
		if s.pos+j >= s.end {
			if j >= fastMaxObject || !s.more() {
				return nil, false
			}
			continue
		}
		c := s.buf[s.pos+j]
		if j == 0 {
			scalar = c != '{' && c != '[' && c != '"'
		}
		if scalar {
			switch c {
			case ' ', '\t', '\n', '\r', ',', ']', '}', ':':
				v := s.buf[s.pos : s.pos+j]
				s.pos += j
				return v, j > 0
			}
			j++
			continue
		}
		j++
		if inString {
			switch {
			case escape:
				escape = false
			case c == '\\':
				escape = true
			case c == '"':
				inString = false
				if depth == 0 {
					v := s.buf[s.pos : s.pos+j]
					s.pos += j
					return v, true
				}
			}
			continue
		}
		switch c {
		case '"':
			inString, run = true, 0
		case '{', '[':
			depth++
			run = 0
		case '}', ']':
			depth--
			run = 0
			if depth <= 0 {
				v := s.buf[s.pos : s.pos+j]
				s.pos += j
				return v, true
			}
		case ' ', '\t', '\n', '\r':
			if run++; run > jsonws.Keep {
				return nil, false
			}
		default:
			run = 0
		}
	}
}

// key reads an object key (pos at its quote) and the colon after it; only
// a key of ASCII without escapes.
func (s *fastScanner) key() (string, bool) {
	v, ok := s.value()
	if !ok || len(v) < 2 || v[0] != '"' {
		return "", false
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
	}
	k := string(v[1 : len(v)-1])
	if c, st := s.next(); st != gotByte || c != ':' {
		return "", false
	}
	s.pos++
	return k, true
}

// skip consumes a value of no interest, valid JSON by encoding/json's
// rules.
func (s *fastScanner) skip() bool {
	if _, st := s.next(); st != gotByte {
		return false
	}
	v, ok := s.value()
	return ok && json.Valid(v)
}

// dumpMark is what Read sets a dump back to when the fast reader gives
// up.
type dumpMark struct {
	objects    map[ixp.Kind][]object
	deleted    map[ixp.Kind][]int64
	seen       map[ixp.Kind]bool
	report     Report
	maxUpdated time.Time
}

func (d *Dump) mark() dumpMark {
	m := dumpMark{objects: maps.Clone(d.objects), deleted: maps.Clone(d.deleted), seen: map[ixp.Kind]bool{},
		report: d.Report, maxUpdated: d.MaxUpdated}
	for k := range d.seen {
		m.seen[k] = true
	}
	m.report.Deleted = maps.Clone(d.Report.Deleted)
	m.report.Skipped = maps.Clone(d.Report.Skipped)
	m.report.Quirks = maps.Clone(d.Report.Quirks)
	m.report.QuirkExamples = maps.Clone(d.Report.QuirkExamples)
	return m
}

// restore sets d back to m: the objects and deleted ids added since are
// dropped, the ids the fast reader added to seen (fastSeen) forgotten, and
// the report's counts set back.
func (d *Dump) restore(m dumpMark) {
	for _, id := range d.fastSeen {
		delete(d.seen[id.kind], id.id)
	}
	d.fastSeen = d.fastSeen[:0]
	for k := range d.seen {
		if !m.seen[k] {
			delete(d.seen, k)
		}
	}
	d.objects, d.deleted = m.objects, m.deleted
	d.Report.Deleted, d.Report.Skipped = m.report.Deleted, m.report.Skipped
	d.Report.Quirks, d.Report.QuirkExamples = m.report.Quirks, m.report.QuirkExamples
	d.MaxUpdated = m.maxUpdated
}

type kindID struct {
	kind ixp.Kind
	id   int64
}

// readFast reads one input as Read does; done is false when it gives up
// (the dump is then to be set back and the input read by readSlow).
func (d *Dump) readFast(r io.Reader, name string, kind ixp.Kind) (done bool, err error) {
	d.fastSeen = d.fastSeen[:0]
	max := d.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	z, err := zstream.NewReader(r, name, zstream.Options{MaxBytes: max, Ctx: d.ctx})
	if err != nil {
		return false, nil
	}
	defer z.Close()
	if d.fast.buf == nil {
		d.fast.buf = make([]byte, 64<<10)
	}
	s := &fastScanner{r: z, buf: d.fast.buf}
	defer func() {
		if len(s.buf) <= 4<<20 {
			d.fast.buf = s.buf
		}
	}()
	fd := &fastDecoder{keys: d.fast.keys[:0]}
	defer func() { d.fast.keys = fd.keys[:0] }()
	if c, st := s.next(); st != gotByte || c != '{' {
		return false, nil
	}
	s.pos++
	sawData := false
	for first := true; ; first = false {
		c, st := s.next()
		if st != gotByte {
			return false, nil
		}
		if c == '}' && first {
			s.pos++
			break
		}
		if !first {
			if c == '}' {
				s.pos++
				break
			}
			if c != ',' {
				return false, nil
			}
			s.pos++
			if c, st = s.next(); st != gotByte {
				return false, nil
			}
		}
		if c != '"' {
			return false, nil
		}
		key, ok := s.key()
		if !ok {
			return false, nil
		}
		k, isTag := ixp.KindByName(key)
		switch {
		case key == "data" && kind != 0:
			sawData = true
			if done, err := d.fastData(s, fd, name, kind); !done || err != nil {
				return done, err
			}
		case key == "data":
			return false, nil
		case isTag && isPeeringDBKind(k) && kind == 0:
			if done, err := d.fastSection(s, fd, name, k); !done || err != nil {
				return done, err
			}
		default:
			if !s.skip() {
				return false, nil
			}
		}
	}
	if kind != 0 && !sawData {
		return false, nil
	}
	// Nothing but white space to the end, and the end is clean (a
	// compressed stream's trailer checked).
	if _, st := s.next(); st != gotEOF {
		return false, nil
	}
	d.fastFiles++
	return true, nil
}

// fastSection reads {"data": [...], …} of kind k (the single-file layout).
func (d *Dump) fastSection(s *fastScanner, fd *fastDecoder, name string, k ixp.Kind) (bool, error) {
	if c, st := s.next(); st != gotByte || c != '{' {
		return false, nil
	}
	s.pos++
	for first := true; ; first = false {
		c, st := s.next()
		if st != gotByte {
			return false, nil
		}
		if c == '}' {
			s.pos++
			return true, nil
		}
		if !first {
			if c != ',' {
				return false, nil
			}
			s.pos++
			if c, st = s.next(); st != gotByte {
				return false, nil
			}
		}
		if c != '"' {
			return false, nil
		}
		key, ok := s.key()
		if !ok {
			return false, nil
		}
		if key == "data" {
			if done, err := d.fastData(s, fd, name, k); !done || err != nil {
				return done, err
			}
			continue
		}
		if !s.skip() {
			return false, nil
		}
	}
}

// fastData reads the array of objects of kind k as decodeData does.
func (d *Dump) fastData(s *fastScanner, fd *fastDecoder, name string, k ixp.Kind) (bool, error) {
	if _, ok := d.objects[k]; !ok {
		d.objects[k] = nil
	}
	c, st := s.next()
	if st != gotByte {
		return false, nil
	}
	if c == 'n' {
		v, ok := s.value()
		return ok && string(v) == "null", nil
	}
	if c != '[' {
		return false, nil
	}
	s.pos++
	for i := int64(0); ; i++ {
		c, st := s.next()
		if st != gotByte {
			return false, nil
		}
		if c == ']' {
			s.pos++
			return true, nil
		}
		// As json.Decoder's More, which skips the white space before
		// the next byte: the object's offset is its first byte's, or
		// its comma's.
		start := s.offset()
		if i > 0 {
			if c != ',' {
				return false, nil
			}
			s.pos++
			if c, st = s.next(); st != gotByte {
				return false, nil
			}
		}
		if c != '{' {
			return false, nil
		}
		raw, ok := s.value()
		if !ok {
			return false, nil
		}
		var o object
		fd.raw = raw
		if err := buildObject(k, &o, fd); err != nil {
			return false, nil
		}
		fd.raw = nil
		if o.ID <= 0 {
			d.fastFiles++
			return true, d.parseError(name, start, i, fmt.Errorf("%s object without a valid id: %w", k, ixp.ErrInvalid))
		}
		if err := d.add(name, start, i, k, o); err != nil {
			d.fastFiles++
			return true, err
		}
		d.fastSeen = append(d.fastSeen, kindID{k, o.ID})
	}
}

// fastDecoder decodes one object's bytes (raw) into a raw type.
type fastDecoder struct {
	raw   []byte
	keys  []fastKey
	gen   uint32
	slots [128]struct{ gen, idx uint32 }
}

type fastKey struct {
	hash uint64
	key  []byte
}

// fieldType is the Go type of a raw type's field.
type fieldType uint8

const (
	tNone fieldType = iota
	tInt64
	tInt
	tUint32
	tString
	tBool
	tPtrInt64
	tPtrInt
	tPtrUint32
	tPtrFloat64
	tPtrString
	tPtrBool
)

type fastField struct {
	off uintptr
	typ fieldType
}

// fastTables holds the fields of each raw type by JSON name; computed
// once, only read afterwards.
var fastTables = func() map[reflect.Type]map[string]fastField {
	m := map[reflect.Type]map[string]fastField{}
	for t := range rawFields {
		fields := map[string]fastField{}
		addFastFields(fields, t, 0)
		m[t] = fields
	}
	return m
}()

func addFastFields(out map[string]fastField, t reflect.Type, base uintptr) {
	for f := range t.Fields() {
		if f.Anonymous {
			addFastFields(out, f.Type, base+f.Offset)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		typ := tNone
		if opts == "" {
			typ = fieldTypeOf(f.Type)
		}
		out[name] = fastField{base + f.Offset, typ}
	}
}

func fieldTypeOf(t reflect.Type) fieldType {
	ptr := t.Kind() == reflect.Pointer
	if ptr {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Int64 && !ptr:
		return tInt64
	case t.Kind() == reflect.Int64:
		return tPtrInt64
	case t.Kind() == reflect.Int && !ptr:
		return tInt
	case t.Kind() == reflect.Int:
		return tPtrInt
	case t.Kind() == reflect.Uint32 && !ptr:
		return tUint32
	case t.Kind() == reflect.Uint32:
		return tPtrUint32
	case t.Kind() == reflect.Float64 && ptr:
		return tPtrFloat64
	case t.Kind() == reflect.String && !ptr:
		return tString
	case t.Kind() == reflect.String:
		return tPtrString
	case t.Kind() == reflect.Bool && !ptr:
		return tBool
	case t.Kind() == reflect.Bool:
		return tPtrBool
	}
	return tNone
}

func (f *fastDecoder) decode(r any) error {
	v := reflect.ValueOf(r)
	fields, ok := fastTables[v.Type().Elem()]
	if !ok || v.IsNil() {
		return errBail
	}
	if !f.object(f.raw, fields, v.UnsafePointer()) {
		return errBail
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// object decodes b, one object exactly, into the struct at p; false when
// it cannot decide.
func (f *fastDecoder) object(b []byte, fields map[string]fastField, p unsafe.Pointer) bool {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	f.keys = f.keys[:0]
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return true
	}
	for {
		key, j, ok := objectKey(b, i)
		if !ok || !f.newKey(key) {
			return false
		}
		if i = skipSpace(b, j); i >= len(b) || b[i] != ':' {
			return false
		}
		if i = skipSpace(b, i+1); i >= len(b) {
			return false
		}
		if fl, known := fields[string(key)]; known {
			i, ok = setField(b, i, fl, p)
		} else {
			i, ok = skipValue(b, i, 1)
		}
		if !ok {
			return false
		}
		if i = skipSpace(b, i); i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i == len(b)-1
		default:
			return false
		}
	}
}

// objectKey reads the key at b[i] (its quote): ASCII without escapes or
// upper case only, so that no two keys equal but for case pass newKey.
func objectKey(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf || 'A' <= c && c <= 'Z':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// newKey records a key of the current object (keys is emptied for each
// object, and gen moved on); false when it was given before. Up to
// len(slots)/2 keys are found through slots, an open-addressing table
// marked by generation; further ones by comparing with every key.
func (f *fastDecoder) newKey(key []byte) bool {
	h := uint64(14695981039346656037)
	for _, c := range key {
		h = (h ^ uint64(c)) * 1099511628211
	}
	if len(f.keys) == 0 {
		f.gen++
	}
	if len(f.keys) >= len(f.slots)/2 {
		for _, k := range f.keys {
			if k.hash == h && string(k.key) == string(key) {
				return false
			}
		}
		f.keys = append(f.keys, fastKey{h, key})
		return true
	}
	for i := h; ; i++ {
		s := &f.slots[i%uint64(len(f.slots))]
		if s.gen != f.gen {
			s.gen, s.idx = f.gen, uint32(len(f.keys))
			f.keys = append(f.keys, fastKey{h, key})
			return true
		}
		if k := f.keys[s.idx]; k.hash == h && string(k.key) == string(key) {
			return false
		}
	}
}

// setField decodes the value at b[i] into the field fl of the struct at
// p as encoding/json would, or returns false.
func setField(b []byte, i int, fl fastField, p unsafe.Pointer) (int, bool) {
	fp := unsafe.Add(p, fl.off)
	switch c := b[i]; {
	case c == 'n':
		if !literal(b, i, "null") {
			return 0, false
		}
		// null leaves a value as it is and sets a pointer to nil.
		switch fl.typ {
		case tPtrInt64, tPtrInt, tPtrUint32, tPtrFloat64, tPtrString, tPtrBool:
			*(*unsafe.Pointer)(fp) = nil
		case tNone:
			return 0, false
		}
		return i + 4, true
	case c == 't' || c == 'f':
		v := c == 't'
		lit := "false"
		if v {
			lit = "true"
		}
		if !literal(b, i, lit) {
			return 0, false
		}
		switch fl.typ {
		case tBool:
			*(*bool)(fp) = v
		case tPtrBool:
			pv := new(bool)
			*pv = v
			*(**bool)(fp) = pv
		default:
			return 0, false
		}
		return i + len(lit), true
	case c == '"':
		s, j, ok := jsonString(b, i, true)
		if !ok {
			return 0, false
		}
		switch fl.typ {
		case tString:
			*(*string)(fp) = s
		case tPtrString:
			ps := new(string)
			*ps = s
			*(**string)(fp) = ps
		default:
			return 0, false
		}
		return j, true
	case c == '-' || '0' <= c && c <= '9':
		j, isInt, ok := number(b, i)
		if !ok {
			return 0, false
		}
		num := unsafe.String(&b[i], j-i)
		switch fl.typ {
		case tInt64, tInt, tPtrInt64, tPtrInt:
			if !isInt {
				return 0, false
			}
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return 0, false
			}
			switch fl.typ {
			case tInt64:
				*(*int64)(fp) = n
			case tInt:
				*(*int)(fp) = int(n)
			case tPtrInt64:
				pn := new(int64)
				*pn = n
				*(**int64)(fp) = pn
			case tPtrInt:
				pn := new(int)
				*pn = int(n)
				*(**int)(fp) = pn
			}
		case tUint32, tPtrUint32:
			if !isInt {
				return 0, false
			}
			n, err := strconv.ParseUint(num, 10, 32)
			if err != nil {
				return 0, false
			}
			if fl.typ == tUint32 {
				*(*uint32)(fp) = uint32(n)
			} else {
				pn := new(uint32)
				*pn = uint32(n)
				*(**uint32)(fp) = pn
			}
		case tPtrFloat64:
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, false
			}
			pv := new(float64)
			*pv = v
			*(**float64)(fp) = pv
		default:
			return 0, false
		}
		return j, true
	}
	return 0, false
}

func literal(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// number returns the end of the JSON number at b[i] and whether it is an
// integer (no fraction, no exponent).
func number(b []byte, i int) (int, bool, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	digits := func() int {
		n := 0
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && '1' <= b[j] && b[j] <= '9':
		digits()
	default:
		return 0, false, false
	}
	isInt := true
	if j < len(b) && b[j] == '.' {
		isInt = false
		j++
		if digits() == 0 {
			return 0, false, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		isInt = false
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return 0, false, false
		}
	}
	return j, isInt, true
}

// jsonString reads the string at b[i] (its quote) and returns its value
// (when want) and its end; false for what encoding/json would refuse or
// the text rule would change: a control byte, a bad escape, a byte that
// is not UTF-8, \u0000 or a \u escape of a surrogate.
func jsonString(b []byte, i int, want bool) (string, int, bool) {
	escaped, ascii := false, true
	j := i + 1
	for {
		if j >= len(b) {
			return "", 0, false
		}
		c := b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			if j+1 >= len(b) {
				return "", 0, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) {
					return "", 0, false
				}
				r, ok := hex4(b[j+2 : j+6])
				if !ok || r == 0 || 0xD800 <= r && r < 0xE000 {
					return "", 0, false
				}
				j += 6
			default:
				return "", 0, false
			}
			continue
		}
		if c < 0x20 {
			return "", 0, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		j++
	}
	if !ascii && !utf8.Valid(b[i+1:j]) {
		return "", 0, false
	}
	if !want {
		return "", j + 1, true
	}
	if !escaped {
		return string(b[i+1 : j]), j + 1, true
	}
	var s string
	if err := json.Unmarshal(b[i:j+1], &s); err != nil {
		return "", 0, false
	}
	return s, j + 1, true
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skipValue validates the value at b[i] of no field (as the reference
// reader's key check and text rule would see it) and returns its end.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > fastMaxDepth {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		_, j, ok := jsonString(b, i, false)
		return j, ok
	case c == 'n' || c == 't' || c == 'f':
		for _, lit := range []string{"null", "true", "false"} {
			if literal(b, i, lit) {
				return i + len(lit), true
			}
		}
		return 0, false
	case c == '-' || '0' <= c && c <= '9':
		j, _, ok := number(b, i)
		return j, ok
	case c == '[':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			j, ok := skipValue(b, i, depth+1)
			if !ok {
				return 0, false
			}
			if i = skipSpace(b, j); i >= len(b) {
				return 0, false
			}
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
			case ']':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '{':
		var nested fastDecoder
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			key, j, ok := objectKey(b, i)
			if !ok || !nested.newKey(key) {
				return 0, false
			}
			if i = skipSpace(b, j); i >= len(b) || b[i] != ':' {
				return 0, false
			}
			if j, ok = skipValue(b, skipSpace(b, i+1), depth+1); !ok {
				return 0, false
			}
			if i = skipSpace(b, j); i >= len(b) {
				return 0, false
			}
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
			case '}':
				return i + 1, true
			default:
				return 0, false
			}
		}
	}
	return 0, false
}
