package mrt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/ixp"
)

// MRT types and subtypes (RFC 6396, RFC 8050).
const (
	typeBGP        = 5 // deprecated
	typeTableDump  = 12
	typeTableDump2 = 13
	typeBGP4MP     = 16
	typeBGP4MPET   = 17

	td2PeerIndex          = 1
	td2RIBIPv4Unicast     = 2
	td2RIBIPv4Multicast   = 3
	td2RIBIPv6Unicast     = 4
	td2RIBIPv6Multicast   = 5
	td2RIBGeneric         = 6
	td2RIBIPv4UnicastAP   = 8
	td2RIBIPv4MulticastAP = 9
	td2RIBIPv6UnicastAP   = 10
	td2RIBIPv6MulticastAP = 11
	td2RIBGenericAP       = 12

	headerLen = 12
)

var (
	errUnsupported = errors.New("unsupported record type")
	errStop        = errors.New("stopped by callback")
)

// decoder frames records out of a stream and decodes them.
type decoder struct {
	name     string
	codec    string
	src      io.Reader
	logger   *slog.Logger
	strict   bool
	maxBytes int64

	buf    []byte
	r, w   int   // unread bytes are buf[r:w]
	base   int64 // stream offset of buf[0]
	srcErr error // sticky error of src (io.EOF at the end)

	rec    int64 // index of the current record
	recLen int   // length of the current record's body

	fn    func(*Elem) error
	cbErr error
	st    *Stats
	elem  Elem

	// PEER_INDEX_TABLE of TABLE_DUMP_V2.
	peers    []bgp.Peer
	peerSeen []bool
	hasIndex bool

	// Attributes of the current route.
	origin   Origin
	nextHop  netip.Addr
	asns     []uint32
	segMeta  []segMeta
	as4Start int // index in segMeta of the AS4_PATH segments, -1 if none
	segs     []bgp.Segment
	mpReach  mpAttr
	mpUnr    mpAttr

	// Distinct prefixes and peers, for Stats.
	pfxSet  *bgp.PrefixSet
	peerSet map[bgp.Peer]struct{}
}

type segMeta struct {
	set        bool
	confed     bool
	start, end int
}

type mpAttr struct {
	ok      bool
	afi     uint16
	safi    uint8
	nextHop netip.Addr
	nlri    []byte
}

func newDecoder(name, codec string, src io.Reader) *decoder {
	return &decoder{
		name:    name,
		codec:   codec,
		src:     src,
		buf:     make([]byte, 256<<10),
		pfxSet:  bgp.NewPrefixSet(),
		peerSet: make(map[bgp.Peer]struct{}),
	}
}

func (d *decoder) parseErr(off int64, err error) *ixp.ParseError {
	return &ixp.ParseError{Source: "mrt", File: d.name, Offset: off, Record: d.rec, Err: err}
}

// fill makes n unread bytes available in buf[r:]. It reports false when
// the stream ends (or fails) first; d.srcErr then says why. The buffer
// grows only as data arrives, so a bogus record length costs no memory.
func (d *decoder) fill(n int) bool {
	if d.w-d.r >= n {
		return true
	}
	if d.r > 0 && d.r+n > len(d.buf) {
		copy(d.buf, d.buf[d.r:d.w])
		d.base += int64(d.r)
		d.w -= d.r
		d.r = 0
	}
	zero := 0
	for d.w-d.r < n {
		if d.srcErr != nil {
			return false
		}
		if d.w == len(d.buf) { // here r == 0 and len(buf) < n
			nb := make([]byte, min(2*len(d.buf), n))
			copy(nb, d.buf[:d.w])
			d.buf = nb
		}
		m, err := d.src.Read(d.buf[d.w:])
		d.w += m
		switch {
		case err != nil:
			d.srcErr = err
		case m == 0:
			if zero++; zero >= 100 {
				d.srcErr = io.ErrNoProgress
			}
		default:
			zero = 0
		}
	}
	return true
}

// shortErr explains why fill failed at the current record.
func (d *decoder) shortErr(what string, need int) error {
	off := d.base + int64(d.r)
	have := d.w - d.r
	var err error
	switch {
	case d.srcErr == io.EOF:
		err = fmt.Errorf("%s: input ends after %d of %d bytes: %w", what, have, need, ixp.ErrTruncated)
	case errors.Is(d.srcErr, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%s: %s stream ends early after %d of %d bytes: %w", what, d.codec, have, need, ixp.ErrTruncated)
	default:
		err = fmt.Errorf("%s: read after %d of %d bytes: %w", what, have, need, d.srcErr)
	}
	return d.parseErr(off, err)
}

// run reads every record.
func (d *decoder) run(ctx context.Context, fn func(*Elem) error, st *Stats) error {
	d.fn, d.st = fn, st
	for d.rec = 0; ; d.rec++ {
		if d.rec&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !d.fill(headerLen) {
			if d.w == d.r && d.srcErr == io.EOF {
				return nil
			}
			return d.shortErr("record header", headerLen)
		}
		h := d.buf[d.r : d.r+headerLen]
		ts := binary.BigEndian.Uint32(h)
		typ := binary.BigEndian.Uint16(h[4:])
		sub := binary.BigEndian.Uint16(h[6:])
		n := binary.BigEndian.Uint32(h[8:])
		if n > MaxRecordLen {
			return d.parseErr(d.base+int64(d.r), fmt.Errorf("record type %d/%d declares %d bytes, more than %d: corrupt framing", typ, sub, n, MaxRecordLen))
		}
		d.recLen = int(n)
		if d.maxBytes > 0 && d.base+int64(d.r)+headerLen+int64(n) > d.maxBytes {
			return d.parseErr(d.base+int64(d.r), fmt.Errorf("input longer than the limit of %d bytes", d.maxBytes))
		}
		if !d.fill(headerLen + d.recLen) {
			return d.shortErr(fmt.Sprintf("record type %d/%d", typ, sub), headerLen+d.recLen)
		}
		st.Records++
		body := d.buf[d.r+headerLen : d.r+headerLen+d.recLen]
		entries := st.Entries + st.States
		extra, err := d.record(ts, typ, sub, body)
		st.Bytes += int64(headerLen + d.recLen + extra)
		recOff := d.base + int64(d.r)
		d.r += headerLen + d.recLen + extra
		switch {
		case err == nil:
		case errors.Is(err, errStop):
			return d.cbErr
		case errors.Is(err, errUnsupported):
			st.Skipped++
		default:
			var pe *ixp.ParseError
			if errors.As(err, &pe) {
				return err // framing or stream error: cannot go on
			}
			perr := d.parseErr(recOff, fmt.Errorf("record type %d/%d: %w", typ, sub, err))
			if d.strict {
				return perr
			}
			st.Errors++
			if st.Entries+st.States == entries {
				st.Skipped++
			}
			if st.FirstError == "" {
				st.FirstError = perr.Error()
			}
			d.logger.Debug("malformed mrt record", "err", perr)
		}
	}
}

func (d *decoder) finishStats(st *Stats) {
	d.flushPeerSeen()
	st.Prefixes = int64(d.pfxSet.Len())
	st.Peers = int64(len(d.peerSet))
}

func (d *decoder) flushPeerSeen() {
	for i, seen := range d.peerSeen {
		if seen {
			d.peerSet[d.peers[i]] = struct{}{}
		}
	}
	clear(d.peerSeen)
}

// record decodes one record body. extra is the number of bytes read past
// the declared length (the rrc00 TABLE_DUMP quirk).
func (d *decoder) record(ts uint32, typ, sub uint16, body []byte) (extra int, err error) {
	d.elem = Elem{Record: d.rec, Time: time.Unix(int64(ts), 0).UTC()}
	switch typ {
	case typeTableDump2:
		return 0, d.tableDump2(sub, body)
	case typeTableDump:
		return d.tableDump(sub, body)
	case typeBGP4MP:
		return 0, d.bgp4mp(sub, body)
	case typeBGP4MPET:
		if len(body) < 4 {
			return 0, fmt.Errorf("BGP4MP_ET record of %d bytes has no microsecond field", len(body))
		}
		us := binary.BigEndian.Uint32(body)
		if us < 1e6 {
			d.elem.Time = time.Unix(int64(ts), int64(us)*1000).UTC()
		}
		return 0, d.bgp4mp(sub, body[4:])
	case typeBGP:
		return 0, d.bgpLegacy(sub, body)
	}
	return 0, errUnsupported
}

func (d *decoder) emit() error {
	if d.elem.Type == StateChange {
		d.st.States++
	} else {
		d.st.Entries++
	}
	if err := d.fn(&d.elem); err != nil {
		d.cbErr = err
		return errStop
	}
	return nil
}

func (d *decoder) notePrefix(p netip.Prefix) {
	d.pfxSet.Add(p)
}

// prefix decodes a prefix of bits length from b (ceil(bits/8) bytes are
// present), clearing host bits.
func makePrefix(b []byte, bits int, v6 bool) netip.Prefix {
	nb := (bits + 7) / 8
	if v6 {
		var a [16]byte
		copy(a[:], b[:nb])
		if r := bits % 8; r != 0 {
			a[nb-1] &= 0xff << (8 - r)
		}
		return netip.PrefixFrom(netip.AddrFrom16(a), bits)
	}
	var a [4]byte
	copy(a[:], b[:nb])
	if r := bits % 8; r != 0 {
		a[nb-1] &= 0xff << (8 - r)
	}
	return netip.PrefixFrom(netip.AddrFrom4(a), bits)
}

func addrFrom(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
}

// ---- TABLE_DUMP_V2 ----

func (d *decoder) tableDump2(sub uint16, b []byte) error {
	switch sub {
	case td2PeerIndex:
		return d.peerIndex(b)
	case td2RIBIPv4Unicast, td2RIBIPv4Multicast, td2RIBIPv6Unicast, td2RIBIPv6Multicast,
		td2RIBIPv4UnicastAP, td2RIBIPv4MulticastAP, td2RIBIPv6UnicastAP, td2RIBIPv6MulticastAP:
		v6 := sub == td2RIBIPv6Unicast || sub == td2RIBIPv6Multicast || sub == td2RIBIPv6UnicastAP || sub == td2RIBIPv6MulticastAP
		addpath := sub >= td2RIBIPv4UnicastAP
		d.elem.Multicast = sub == td2RIBIPv4Multicast || sub == td2RIBIPv6Multicast || sub == td2RIBIPv4MulticastAP || sub == td2RIBIPv6MulticastAP
		if len(b) < 5 {
			return fmt.Errorf("RIB record of %d bytes", len(b))
		}
		p, n, err := readPrefix(b[4:], v6)
		if err != nil {
			return err
		}
		return d.ribEntries(b[4+n:], p, addpath)
	case td2RIBGeneric, td2RIBGenericAP:
		if len(b) < 7 {
			return fmt.Errorf("RIB_GENERIC record of %d bytes", len(b))
		}
		afi := binary.BigEndian.Uint16(b[4:])
		safi := b[6]
		if (afi != 1 && afi != 2) || (safi != 1 && safi != 2) {
			return errUnsupported
		}
		d.elem.Multicast = safi == 2
		p, n, err := readPrefix(b[7:], afi == 2)
		if err != nil {
			return err
		}
		return d.ribEntries(b[7+n:], p, sub == td2RIBGenericAP)
	}
	return errUnsupported
}

// readPrefix reads a length byte and the prefix bytes.
func readPrefix(b []byte, v6 bool) (netip.Prefix, int, error) {
	if len(b) < 1 {
		return netip.Prefix{}, 0, errors.New("prefix: no length byte")
	}
	bits := int(b[0])
	if (v6 && bits > 128) || (!v6 && bits > 32) {
		return netip.Prefix{}, 0, fmt.Errorf("prefix length %d too long", bits)
	}
	nb := (bits + 7) / 8
	if len(b) < 1+nb {
		return netip.Prefix{}, 0, fmt.Errorf("prefix /%d: %d of %d bytes", bits, len(b)-1, nb)
	}
	return makePrefix(b[1:], bits, v6), 1 + nb, nil
}

func (d *decoder) peerIndex(b []byte) error {
	d.flushPeerSeen()
	d.peers = d.peers[:0]
	d.hasIndex = false
	if len(b) < 6 {
		return fmt.Errorf("PEER_INDEX_TABLE of %d bytes", len(b))
	}
	vl := int(binary.BigEndian.Uint16(b[4:]))
	off := 6 + vl
	if len(b) < off+2 {
		return fmt.Errorf("PEER_INDEX_TABLE: view name of %d bytes overruns the record", vl)
	}
	cnt := int(binary.BigEndian.Uint16(b[off:]))
	off += 2
	for i := range cnt {
		if len(b) < off+5 {
			return fmt.Errorf("PEER_INDEX_TABLE: peer %d of %d overruns the record", i, cnt)
		}
		t := b[off]
		off += 5 // type, BGP ID
		alen, aslen := 4, 2
		if t&1 != 0 {
			alen = 16
		}
		if t&2 != 0 {
			aslen = 4
		}
		if len(b) < off+alen+aslen {
			return fmt.Errorf("PEER_INDEX_TABLE: peer %d of %d overruns the record", i, cnt)
		}
		p := bgp.Peer{Addr: addrFrom(b[off : off+alen])}
		off += alen
		if aslen == 4 {
			p.ASN = binary.BigEndian.Uint32(b[off:])
		} else {
			p.ASN = uint32(binary.BigEndian.Uint16(b[off:]))
		}
		off += aslen
		d.peers = append(d.peers, p)
	}
	if cap(d.peerSeen) < len(d.peers) {
		d.peerSeen = make([]bool, len(d.peers))
	}
	d.peerSeen = d.peerSeen[:len(d.peers)]
	d.hasIndex = true
	return nil
}

func (d *decoder) ribEntries(b []byte, p netip.Prefix, addpath bool) error {
	if len(b) < 2 {
		return errors.New("RIB record: no entry count")
	}
	if !d.hasIndex {
		return errors.New("RIB record before any PEER_INDEX_TABLE")
	}
	cnt := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	d.elem.Type = RIBEntry
	d.elem.Prefix = p
	hdr := 8
	if addpath {
		hdr = 12
	}
	noted := false
	for i := range cnt {
		if len(b) < hdr {
			return fmt.Errorf("RIB entry %d of %d: %d bytes left", i, cnt, len(b))
		}
		pi := int(binary.BigEndian.Uint16(b))
		if pi >= len(d.peers) {
			return fmt.Errorf("RIB entry %d: peer index %d, table has %d peers", i, pi, len(d.peers))
		}
		d.elem.PathID = 0
		if addpath {
			d.elem.PathID = binary.BigEndian.Uint32(b[6:])
		}
		al := int(binary.BigEndian.Uint16(b[hdr-2:]))
		if len(b) < hdr+al {
			return fmt.Errorf("RIB entry %d: attributes of %d bytes overrun the record", i, al)
		}
		if err := d.parseAttrs(b[hdr:hdr+al], true, true); err != nil {
			return fmt.Errorf("RIB entry %d: %w", i, err)
		}
		b = b[hdr+al:]
		d.elem.Peer = d.peers[pi]
		d.peerSeen[pi] = true
		d.setRoute(p.Addr().Is6())
		if !noted {
			d.notePrefix(p)
			noted = true
		}
		if err := d.emit(); err != nil {
			return err
		}
	}
	return nil
}

// setRoute copies the decoded attributes into the element.
func (d *decoder) setRoute(v6 bool) {
	d.elem.Path = d.segs
	d.elem.Origin = d.origin
	d.elem.NextHop = d.nextHop
	if d.mpReach.ok && (v6 || !d.nextHop.IsValid()) {
		d.elem.NextHop = d.mpReach.nextHop
	}
}

// ---- TABLE_DUMP (v1) ----

func (d *decoder) tableDump(sub uint16, b []byte) (extra int, err error) {
	var alen int
	switch sub {
	case 1:
		alen = 4
	case 2:
		alen = 16
	default:
		return 0, errUnsupported
	}
	fixed := alen + 1 + 1 + 4 + alen + 2 + 2 // prefix .. attribute length
	entryLen := func(e []byte) int {
		if len(e) < fixed {
			return -1
		}
		return fixed + int(binary.BigEndian.Uint16(e[fixed-2:]))
	}
	if len(b) < 4 {
		return 0, fmt.Errorf("TABLE_DUMP record of %d bytes", len(b))
	}
	n := entryLen(b[4:])
	switch {
	case n < 0 || 4+n > len(b):
		return 0, fmt.Errorf("TABLE_DUMP entry overruns the record of %d bytes", len(b))
	case 4+n < len(b):
		// RIS rrc00 (2000): several entries after one view/sequence
		// header, the record length 4 bytes short. Accept only if the
		// entries fill exactly 4 more bytes.
		if !d.fill(headerLen + d.recLen + 4) {
			if d.srcErr == io.EOF {
				return 0, fmt.Errorf("TABLE_DUMP record of %d bytes holds %d bytes of entries: %w", len(b), len(b)-4-n, ixp.ErrInvalid)
			}
			return 0, d.shortErr("TABLE_DUMP record", headerLen+d.recLen+4)
		}
		b = d.buf[d.r+headerLen : d.r+headerLen+d.recLen+4]
		off := 4
		for off < len(b) {
			n := entryLen(b[off:])
			if n < 0 || off+n > len(b) {
				return 0, fmt.Errorf("TABLE_DUMP record of %d bytes: %d bytes left after the first entry: %w", len(b)-4, len(b)-4-n, ixp.ErrInvalid)
			}
			off += n
		}
		extra = 4
	}
	d.elem.Type = RIBEntry
	for off := 4; off < len(b); {
		e := b[off:]
		n := entryLen(e)
		off += n
		bits := int(e[alen])
		if bits > alen*8 {
			return extra, fmt.Errorf("TABLE_DUMP prefix length %d", bits)
		}
		p := makePrefix(e[:alen], bits, alen == 16)
		o := alen + 1 + 1 + 4
		d.elem.Peer = bgp.Peer{Addr: addrFrom(e[o : o+alen]), ASN: uint32(binary.BigEndian.Uint16(e[o+alen:]))}
		if err := d.parseAttrs(e[fixed:n], false, true); err != nil {
			return extra, err
		}
		d.elem.Prefix = p
		d.elem.PathID = 0
		d.setRoute(alen == 16)
		d.notePrefix(p)
		d.peerSet[d.elem.Peer] = struct{}{}
		if err := d.emit(); err != nil {
			return extra, err
		}
	}
	return extra, nil
}

// ---- BGP4MP ----

func (d *decoder) bgp4mp(sub uint16, b []byte) error {
	var as4, state, addpath bool
	switch sub {
	case 0: // STATE_CHANGE
		state = true
	case 5: // STATE_CHANGE_AS4
		state, as4 = true, true
	case 1: // MESSAGE
	case 4: // MESSAGE_AS4
		as4 = true
	case 6: // MESSAGE_LOCAL
		d.elem.Local = true
	case 7: // MESSAGE_AS4_LOCAL
		as4, d.elem.Local = true, true
	case 8: // MESSAGE_ADDPATH
		addpath = true
	case 9: // MESSAGE_AS4_ADDPATH
		as4, addpath = true, true
	case 10: // MESSAGE_LOCAL_ADDPATH
		addpath, d.elem.Local = true, true
	case 11: // MESSAGE_AS4_LOCAL_ADDPATH
		as4, addpath, d.elem.Local = true, true, true
	default: // ENTRY, SNAPSHOT (deprecated) and unknown
		return errUnsupported
	}
	asz := 2
	if as4 {
		asz = 4
	}
	readAS := func(b []byte) uint32 {
		if asz == 4 {
			return binary.BigEndian.Uint32(b)
		}
		return uint32(binary.BigEndian.Uint16(b))
	}
	// Zebra's shortened records (RIS rrc01, 2000): peer AS and local AS,
	// then the states, or the BGP message.
	if !as4 && len(b) >= 4 {
		if state && len(b) == 8 {
			d.elem.Peer = bgp.Peer{ASN: readAS(b)}
			return d.stateChange(b[4:])
		}
		if !state && len(b) >= 4+19 && binary.BigEndian.Uint16(b[6:]) > 2 && allFF(b[4:20]) {
			d.elem.Peer = bgp.Peer{ASN: readAS(b)}
			return d.message(b[4:], false, addpath, true)
		}
	}
	if len(b) < 2*asz+4 {
		return fmt.Errorf("BGP4MP record of %d bytes", len(b))
	}
	peerAS := readAS(b)
	afi := binary.BigEndian.Uint16(b[2*asz+2:])
	off := 2*asz + 4
	var alen int
	switch afi {
	case 1:
		alen = 4
	case 2:
		alen = 16
	default:
		return fmt.Errorf("BGP4MP address family %d", afi)
	}
	if len(b) < off+2*alen {
		return fmt.Errorf("BGP4MP record of %d bytes", len(b))
	}
	d.elem.Peer = bgp.Peer{ASN: peerAS, Addr: addrFrom(b[off : off+alen])}
	off += 2 * alen
	if state {
		return d.stateChange(b[off:])
	}
	return d.message(b[off:], as4, addpath, true)
}

func allFF(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}

func (d *decoder) stateChange(b []byte) error {
	if len(b) < 4 {
		return fmt.Errorf("state change of %d bytes", len(b))
	}
	d.elem.Type = StateChange
	d.elem.OldState = binary.BigEndian.Uint16(b)
	d.elem.NewState = binary.BigEndian.Uint16(b[2:])
	return d.emit()
}

// message decodes a BGP message with its 19-byte header (or, without
// header, an UPDATE body).
func (d *decoder) message(b []byte, as4, addpath, header bool) error {
	if header {
		if len(b) < 19 {
			return fmt.Errorf("BGP message of %d bytes", len(b))
		}
		ml := int(binary.BigEndian.Uint16(b[16:]))
		if ml < 19 || ml > len(b) {
			return fmt.Errorf("BGP message length %d, record holds %d", ml, len(b))
		}
		if b[18] != 2 { // not an UPDATE
			return nil
		}
		b = b[19:ml]
	}
	return d.update(b, as4, addpath)
}

func (d *decoder) update(b []byte, as4, addpath bool) error {
	if len(b) < 2 {
		return errors.New("UPDATE: no withdrawn routes length")
	}
	wl := int(binary.BigEndian.Uint16(b))
	if len(b) < 4+wl {
		return fmt.Errorf("UPDATE: withdrawn routes of %d bytes overrun the message", wl)
	}
	withdrawn := b[2 : 2+wl]
	al := int(binary.BigEndian.Uint16(b[2+wl:]))
	if len(b) < 4+wl+al {
		return fmt.Errorf("UPDATE: attributes of %d bytes overrun the message", al)
	}
	if err := d.parseAttrs(b[4+wl:4+wl+al], as4, false); err != nil {
		return err
	}
	nlri := b[4+wl+al:]

	// BIRD (2017) wrote ADD-PATH NLRI into records of the plain MESSAGE
	// subtypes: if the NLRI do not parse without path identifiers but do
	// with them (and the identifiers are below 2^24, as the counters that
	// BGP speakers allocate are), read them with.
	if !addpath && !d.nlriValid(withdrawn, nlri, false) && d.nlriValid(withdrawn, nlri, true) {
		addpath = true
	}

	d.elem.Type = Withdraw
	d.elem.Path, d.elem.Origin, d.elem.NextHop = nil, OriginNone, netip.Addr{}
	if err := d.nlri(withdrawn, false, addpath); err != nil {
		return err
	}
	if d.mpUnr.ok && d.mpUnr.afi <= 2 && d.mpUnr.safi <= 2 {
		d.elem.Multicast = d.mpUnr.safi == 2
		if err := d.nlri(d.mpUnr.nlri, d.mpUnr.afi == 2, addpath); err != nil {
			return err
		}
		d.elem.Multicast = false
	}
	d.elem.Type = Announce
	d.elem.Path, d.elem.Origin, d.elem.NextHop = d.segs, d.origin, d.nextHop
	if err := d.nlri(nlri, false, addpath); err != nil {
		return err
	}
	if d.mpReach.ok && d.mpReach.afi <= 2 && d.mpReach.safi <= 2 {
		d.elem.NextHop = d.mpReach.nextHop
		d.elem.Multicast = d.mpReach.safi == 2
		if err := d.nlri(d.mpReach.nlri, d.mpReach.afi == 2, addpath); err != nil {
			return err
		}
	}
	return nil
}

// nlriValid says whether all NLRI fields of the UPDATE parse.
func (d *decoder) nlriValid(withdrawn, nlri []byte, addpath bool) bool {
	if !validNLRI(withdrawn, false, addpath) || !validNLRI(nlri, false, addpath) {
		return false
	}
	if d.mpUnr.ok && d.mpUnr.afi <= 2 && d.mpUnr.safi <= 2 && !validNLRI(d.mpUnr.nlri, d.mpUnr.afi == 2, addpath) {
		return false
	}
	if d.mpReach.ok && d.mpReach.afi <= 2 && d.mpReach.safi <= 2 && !validNLRI(d.mpReach.nlri, d.mpReach.afi == 2, addpath) {
		return false
	}
	return true
}

func validNLRI(b []byte, v6, addpath bool) bool {
	maxBits := 32
	if v6 {
		maxBits = 128
	}
	for len(b) > 0 {
		if addpath {
			if len(b) < 4 || b[0] != 0 {
				return false
			}
			b = b[4:]
		}
		if len(b) < 1 {
			return false
		}
		bits := int(b[0])
		nb := (bits + 7) / 8
		if bits > maxBits || len(b) < 1+nb {
			return false
		}
		b = b[1+nb:]
	}
	return true
}

// nlri emits one element per prefix of b.
func (d *decoder) nlri(b []byte, v6, addpath bool) error {
	noted := false
	for len(b) > 0 {
		d.elem.PathID = 0
		if addpath {
			if len(b) < 4 {
				return fmt.Errorf("NLRI: path identifier of %d bytes", len(b))
			}
			d.elem.PathID = binary.BigEndian.Uint32(b)
			b = b[4:]
		}
		p, n, err := readPrefix(b, v6)
		if err != nil {
			return fmt.Errorf("NLRI: %w", err)
		}
		b = b[n:]
		d.elem.Prefix = p
		d.notePrefix(p)
		if !noted {
			d.peerSet[d.elem.Peer] = struct{}{}
			noted = true
		}
		if err := d.emit(); err != nil {
			return err
		}
	}
	return nil
}

// ---- BGP (type 5, deprecated) ----

func (d *decoder) bgpLegacy(sub uint16, b []byte) error {
	switch sub {
	case 1: // UPDATE
		if len(b) < 12 {
			return fmt.Errorf("BGP UPDATE record of %d bytes", len(b))
		}
		d.elem.Peer = bgp.Peer{ASN: uint32(binary.BigEndian.Uint16(b)), Addr: addrFrom(b[2:6])}
		return d.update(b[12:], false, false)
	case 3: // STATE_CHANGE
		if len(b) < 10 {
			return fmt.Errorf("BGP STATE_CHANGE record of %d bytes", len(b))
		}
		d.elem.Peer = bgp.Peer{ASN: uint32(binary.BigEndian.Uint16(b)), Addr: addrFrom(b[2:6])}
		return d.stateChange(b[6:])
	case 0, 5, 6, 7: // NULL, OPEN, NOTIFY, KEEPALIVE: nothing to emit
		return nil
	}
	return errUnsupported
}
