package showbgp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/ixp"
)

// source is the Source of the *ixp.ParseError values of this package.
const source = "showbgp"

const (
	// maxLine is the longest line read (the bufio buffer); a longer one is
	// malformed. A BGP message of 4096 bytes holds no AS path near it.
	maxLine = 64 << 10
	// headerWithin bounds the search for the column header: an input
	// without one in its first MiB is not a dump.
	headerWithin = 1 << 20
	// maxRouteLines is the number of lines a route may take: the network,
	// the next hop and the rest each on a line of its own at most.
	maxRouteLines = 3
	// ctxEvery is how often (in lines) Read checks its context.
	ctxEvery = 4096
	// nextHopCacheMax bounds the cache of parsed IPv6 next hops.
	nextHopCacheMax = 4096
)

// statusCodes are the characters allowed in the status column besides
// spaces: Cisco's and Quagga's route status codes, and Cisco's RPKI
// validation codes (V, I, N) that some versions print before them.
const statusCodes = "*>=sdhirSRmbfxacVIN"

// columns says where the table's columns are, from its header line.
type columns struct {
	network   int // width of the status column: where Network starts
	nextHop   int // where Next Hop starts
	weightEnd int // where the right-aligned Weight column ends
}

// parseHeader recognises the column header line ("   Network   Next Hop
// ... Weight Path") and reads its column positions.
func parseHeader(line []byte) (columns, bool) {
	trimmed := bytes.TrimLeft(line, " \t")
	if !bytes.HasPrefix(trimmed, []byte("Network")) {
		return columns{}, false
	}
	nh := bytes.Index(line, []byte("Next Hop"))
	if nh < 0 {
		return columns{}, false
	}
	c := columns{network: len(line) - len(trimmed), nextHop: nh, weightEnd: nh + 40}
	if w := bytes.Index(line[nh:], []byte("Weight")); w >= 0 {
		c.weightEnd = nh + w + len("Weight")
	}
	return c, true
}

// token is a whitespace-separated field of a route: text[start:end] of the
// route's text, at column col of line number line of the route (from 0).
type token struct {
	start, end int
	col        int
	line       int
}

// endCol is the column just after the token.
func (t token) endCol() int { return t.col + t.end - t.start }

// route is the route being put together from its lines.
type route struct {
	open   bool   // lines read, origin code not yet
	valid  bool   // "*" in the status column
	off    int64  // byte offset of its first line
	lineNo int64  // number of its first line
	lines  int    // lines read
	text   []byte // its lines' text: the input buffer while one line, own after
	own    []byte
	owned  bool
	toks   []token
}

func (r *route) field(t token) []byte { return r.text[t.start:t.end] }

// segMeta is a segment of the path being parsed, in parser.asns.
type segMeta struct {
	set        bool
	start, end int
}

// parser reads the lines of one dump.
type parser struct {
	name     string
	strict   bool
	maxBytes int64
	logger   *slog.Logger
	fn       func(*bgp.Route) error
	st       *Stats
	br       *bufio.Reader

	lineNo  int64 // number of the current line, from 1
	off     int64 // byte offset of the current line
	cols    columns
	inTable bool // the column header was read

	rt   route
	prev netip.Prefix // network of the last route that had one; invalid after a bad one

	out       bgp.Route
	asns      []uint32
	meta      []segMeta
	segs      []bgp.Segment
	nextHops  map[string]netip.Addr // parsed IPv6 next hops
	prefixes  *bgp.PrefixSet
	lastPfx   netip.Prefix
	peers     map[bgp.Peer]struct{}
	peerCache [256]bgp.Peer
}

func newParser(r *Reader, fn func(*bgp.Route) error, st *Stats) *parser {
	p := &parser{
		name:     r.Name,
		strict:   r.Strict,
		maxBytes: r.MaxBytes,
		logger:   r.Logger,
		fn:       fn,
		st:       st,
		br:       bufio.NewReaderSize(r.Src, maxLine),
		nextHops: make(map[string]netip.Addr),
		prefixes: bgp.NewPrefixSet(),
		peers:    make(map[bgp.Peer]struct{}),
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	return p
}

func (p *parser) finishStats() {
	p.st.Prefixes = int64(p.prefixes.Len())
	p.st.Peers = int64(len(p.peers))
}

func (p *parser) parseErr(off, line int64, err error) *ixp.ParseError {
	return &ixp.ParseError{Source: source, File: p.name, Offset: off, Record: line, Err: err}
}

// run reads every line.
func (p *parser) run(ctx context.Context) error {
	for {
		if p.lineNo%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, n, long, err := p.readLine()
		p.st.Bytes += int64(n)
		if err != nil && err != io.EOF {
			return p.inputErr(err)
		}
		if n > 0 {
			p.lineNo++
			p.st.Lines++
			if p.maxBytes > 0 && p.off+int64(n) > p.maxBytes {
				return p.parseErr(p.off, p.lineNo, fmt.Errorf("input longer than the limit of %d bytes", p.maxBytes))
			}
			if lerr := p.line(line, long); lerr != nil {
				return lerr
			}
			p.off += int64(n)
		}
		if err == io.EOF {
			return p.end()
		}
		if !p.inTable && p.off > headerWithin {
			return p.parseErr(-1, -1, fmt.Errorf("no column header line (Network, Next Hop, ...) in the first %d bytes: not a show ip bgp dump: %w", headerWithin, ixp.ErrInvalid))
		}
	}
}

// readLine reads the next line. It returns the line with its end of line,
// the number of bytes it took, whether it was longer than maxLine (then
// line is nil: it was read and dropped), and the error of the input after
// it (io.EOF at its end).
func (p *parser) readLine() (line []byte, n int, long bool, err error) {
	line, err = p.br.ReadSlice('\n')
	n = len(line)
	for err == bufio.ErrBufferFull {
		long, line = true, nil
		if p.maxBytes > 0 && p.off+int64(n) > p.maxBytes || !p.inTable && p.off+int64(n) > headerWithin {
			return nil, n, true, nil // run reports it
		}
		var more []byte
		more, err = p.br.ReadSlice('\n')
		n += len(more)
	}
	return line, n, long, err
}

// inputErr reports an error of the input (a compressed stream that ends
// early or is corrupt, a failed read) at the line being read.
func (p *parser) inputErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ixp.ErrTruncated) {
		err = fmt.Errorf("%w (%w)", ixp.ErrTruncated, err)
	}
	return p.parseErr(p.off, p.lineNo+1, fmt.Errorf("read: %w", err))
}

// end checks the state at the end of the input.
func (p *parser) end() error {
	switch {
	case p.st.Bytes == 0:
		return p.parseErr(0, -1, fmt.Errorf("empty input: %w", ixp.ErrTruncated))
	case !p.inTable:
		return p.parseErr(-1, -1, fmt.Errorf("no column header line (Network, Next Hop, ...): not a show ip bgp dump: %w", ixp.ErrInvalid))
	case p.rt.open:
		return p.parseErr(p.rt.off, p.rt.lineNo, fmt.Errorf("input ends inside a route: %w", ixp.ErrTruncated))
	}
	return nil
}

// line handles one line. Errors are returned as Read returns them.
func (p *parser) line(b []byte, long bool) error {
	if long {
		if !p.inTable {
			return nil
		}
		if err := p.closeRoute(); err != nil {
			return err
		}
		return p.malformed(p.off, p.lineNo, fmt.Errorf("line longer than %d bytes", maxLine))
	}
	b = trimEOL(b)
	lead := leadingSpace(b)
	if lead < len(b) && b[lead] == 'N' {
		if c, ok := parseHeader(b); ok {
			err := p.closeRoute()
			p.cols, p.inTable = c, true
			return err
		}
	}
	if !p.inTable {
		return nil
	}
	if lead == len(b) { // blank
		return p.closeRoute()
	}
	status := b[:min(len(b), p.cols.network)]
	if p.rt.open && lead >= len(status) {
		return p.continueRoute(b)
	}
	if err := p.closeRoute(); err != nil {
		return err
	}
	if !isRoute(status, b[len(status):]) {
		p.st.Skipped++
		return nil
	}
	return p.startRoute(b, status)
}

// trimEOL removes the end of line (LF or CRLF).
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// leadingSpace returns the number of spaces and tabs that begin b.
func leadingSpace(b []byte) int { return skipSpace(b, 0) }

// isRoute reports whether a line whose status column is status and whose
// rest is rest begins a route: the status column holds only status codes
// and spaces, and either a code that only routes show (*, >, =) or a
// network or next hop follows (letters alone could begin a word).
func isRoute(status, rest []byte) bool {
	marked := false
	for _, c := range status {
		switch {
		case c == ' ' || c == '\t':
		case c == '*' || c == '>' || c == '=':
			marked = true
		case strings.IndexByte(statusCodes, c) < 0:
			return false
		}
	}
	if marked {
		return true
	}
	rest = rest[leadingSpace(rest):]
	end := bytes.IndexAny(rest, " \t")
	if end < 0 {
		end = len(rest)
	}
	return end > 0 && isAddrLike(rest[:end])
}

// isAddrLike reports whether b has only characters of an address or a
// prefix.
func isAddrLike(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

// startRoute begins a route at line b.
func (p *parser) startRoute(b, status []byte) error {
	p.rt.open = true
	p.rt.valid = bytes.IndexByte(status, '*') >= 0
	p.rt.off, p.rt.lineNo, p.rt.lines = p.off, p.lineNo, 1
	p.rt.text, p.rt.owned = b, false
	p.rt.toks = appendTokens(p.rt.toks[:0], b, len(status), 0, 0)
	return p.routeLineDone()
}

// continueRoute adds line b (whose status and network columns are blank)
// to the open route.
func (p *parser) continueRoute(b []byte) error {
	base := len(p.rt.own)
	p.rt.own = append(p.rt.own, b...)
	p.rt.text = p.rt.own
	p.rt.toks = appendTokens(p.rt.toks, b, 0, base, p.rt.lines)
	p.rt.lines++
	return p.routeLineDone()
}

// appendTokens appends the fields of line[from:], whose text starts at
// base in the route's text.
func appendTokens(toks []token, line []byte, from, base, lineIdx int) []token {
	i := from
	for {
		i = skipSpace(line, i)
		if i == len(line) {
			return toks
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		toks = append(toks, token{start: base + i, end: base + j, col: i, line: lineIdx})
		i = j
	}
}

// spaces8 is eight spaces read as a little-endian word.
const spaces8 = 0x2020202020202020

// skipSpace returns the index of the first byte of line from i that is
// not a space or tab, len(line) if none. The columns of a table are runs
// of spaces: it skips them eight at a time.
func skipSpace(line []byte, i int) int {
	for i+8 <= len(line) && binary.LittleEndian.Uint64(line[i:]) == spaces8 {
		i += 8
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// routeLineDone finishes the route if its last field is an origin code;
// otherwise the route continues on the next line (keeping a copy of this
// one), unless it has taken all the lines a route may.
func (p *parser) routeLineDone() error {
	if n := len(p.rt.toks); n > 0 && isOrigin(p.rt.field(p.rt.toks[n-1])) {
		p.rt.open = false
		return p.finishRoute()
	}
	if p.rt.lines >= maxRouteLines {
		p.rt.open = false
		return p.malformedRoute(fmt.Errorf("route takes %d lines without an origin code", p.rt.lines))
	}
	if !p.rt.owned {
		p.rt.own = append(p.rt.own[:0], p.rt.text...)
		p.rt.text, p.rt.owned = p.rt.own, true
	}
	return nil
}

// closeRoute ends an open route as malformed: a line that cannot continue
// it came first.
func (p *parser) closeRoute() error {
	if !p.rt.open {
		return nil
	}
	p.rt.open = false
	return p.malformedRoute(errors.New("route without an origin code (i, e or ?)"))
}

func isOrigin(b []byte) bool {
	return len(b) == 1 && (b[0] == 'i' || b[0] == 'e' || b[0] == '?')
}

// finishRoute parses a complete route and gives it to fn if it is valid.
// Its fields are [network] next-hop [metric] [locprf] weight path...
// origin.
func (p *parser) finishRoute() error {
	toks := p.rt.toks
	i := 0
	if t := toks[0]; t.line == 0 && t.col < p.cols.nextHop {
		pfx, err := parsePrefix(p.rt.field(t))
		if err != nil {
			p.prev = netip.Prefix{}
			return p.malformedRoute(err)
		}
		p.prev = pfx
		i++
	} else if !p.prev.IsValid() {
		return p.malformedRoute(errors.New("route without a network, and no previous network to continue"))
	}
	if !p.rt.valid {
		p.st.Skipped++
		return nil
	}
	if i >= len(toks)-1 {
		return p.malformedRoute(errors.New("route without a next hop"))
	}
	nh, ok := p.nextHop(p.rt.field(toks[i]))
	if !ok {
		return p.malformedRoute(fmt.Errorf("bad next hop %q", clip(p.rt.field(toks[i]))))
	}
	mid := toks[i+1 : len(toks)-1]
	w := p.weightIndex(mid)
	if w < 0 {
		return p.malformedRoute(errors.New("route without a weight after its next hop"))
	}
	if err := p.parsePath(mid[w+1:]); err != nil {
		return p.malformedRoute(err)
	}
	return p.emit(nh)
}

// Quagga and Cisco print the numbers after the next hop right-aligned:
// Metric as %10u and LocPrf as %7u (blank when absent), then Weight as
// "%7u " (always), from 24 columns before the end of the Weight column.
var numberWidths = [3]int{10, 7, 7}

// weightIndex finds the Weight among the numbers after the next hop
// (mid): the Metric and LocPrf, either of which may be blank, and the
// Weight. It returns -1 if there is no number.
func (p *parser) weightIndex(mid []token) int {
	if w, ok := p.weightByLayout(mid); ok {
		return w
	}
	return p.weightNearest(mid)
}

// weightByLayout places the numbers as Quagga prints them, a number wider
// than its column pushing the next ones right. It reports false when the
// fields do not sit where that layout puts them.
func (p *parser) weightByLayout(mid []token) (int, bool) {
	if len(mid) == 0 {
		return -1, false
	}
	line := mid[0].line
	c := p.cols.weightEnd - numberWidths[0] - numberWidths[1] - numberWidths[2]
	k, weight := 0, -1
	for f, w := range numberWidths {
		if k < len(mid) && mid[k].line == line && mid[k].col < c+w && isDecimal(p.rt.field(mid[k])) {
			t := mid[k]
			if n := t.end - t.start; n <= w && t.endCol() != c+w || n > w && t.col != c {
				return -1, false
			}
			if f == len(numberWidths)-1 {
				weight = k
			}
			c = t.endCol()
			k++
		} else {
			c += w
		}
	}
	if weight < 0 || k < len(mid) && (mid[k].line != line || mid[k].col != c+1) {
		return -1, false // no Weight, or the path is not one space after it
	}
	return weight, true
}

// weightNearest takes for the Weight the number whose end is nearest the
// end of the Weight column, so that a wrapped line a few columns off still
// finds it.
func (p *parser) weightNearest(mid []token) int {
	best, bestDist := -1, 0
	for k := 0; k < len(mid) && k < len(numberWidths); k++ {
		if !isDecimal(p.rt.field(mid[k])) {
			break
		}
		d := mid[k].endCol() - p.cols.weightEnd
		if d < 0 {
			d = -d
		}
		if best < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func isDecimal(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// emit gives the parsed route to fn.
func (p *parser) emit(nh netip.Addr) error {
	var first uint32
	if len(p.asns) > 0 {
		first = p.asns[0]
	}
	p.out = bgp.Route{Peer: bgp.Peer{ASN: first, Addr: nh}, Prefix: p.prev, Path: p.segs}
	p.st.Routes++
	if p.prev != p.lastPfx {
		p.prefixes.Add(p.prev)
		p.lastPfx = p.prev
	}
	p.notePeer(p.out.Peer)
	return p.fn(&p.out)
}

// notePeer adds a peer to the distinct peers, through a direct-mapped
// cache of the peers seen last: a dump names the same peers over and over.
func (p *parser) notePeer(pe bgp.Peer) {
	a := pe.Addr.As16()
	h := (binary.LittleEndian.Uint64(a[8:]) ^ uint64(pe.ASN)) * 0x9e3779b97f4a7c15 >> (64 - 8)
	if p.peerCache[h] == pe {
		return
	}
	p.peerCache[h] = pe
	p.peers[pe] = struct{}{}
}

// malformedRoute reports the route being read as malformed.
func (p *parser) malformedRoute(err error) error {
	return p.malformed(p.rt.off, p.rt.lineNo, err)
}

// malformed stops Read (Strict) or counts and skips the malformed route or
// line at offset off, line number line.
func (p *parser) malformed(off, line int64, err error) error {
	perr := p.parseErr(off, line, err)
	if p.strict {
		return perr
	}
	p.st.Errors++
	if p.st.FirstError == "" {
		p.st.FirstError = perr.Error()
	}
	p.logger.Debug("malformed route in show bgp dump", "err", perr)
	return nil
}

// clip shortens a field quoted in an error.
func clip(b []byte) string {
	const max = 48
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// nextHop parses a next hop address; IPv6 ones, which repeat (one per
// peer), are cached.
func (p *parser) nextHop(b []byte) (netip.Addr, bool) {
	if a, ok := parseIPv4(b); ok {
		return a, true
	}
	if a, ok := p.nextHops[string(b)]; ok {
		return a, true
	}
	if bytes.IndexByte(b, ':') < 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		return netip.Addr{}, false
	}
	if len(p.nextHops) >= nextHopCacheMax {
		clear(p.nextHops)
	}
	p.nextHops[string(b)] = a
	return a, true
}
