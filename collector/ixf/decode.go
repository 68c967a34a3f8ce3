package ixf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/internal/jsonkeys"
	"github.com/ixpobs/ixpobs/ixp"
)

// Errors for bodies that are not an IX-F export at all. Decode wraps them in
// an *ixp.ParseError naming the file.
var (
	ErrEmpty     = errors.New("empty body")
	ErrHTML      = errors.New("html instead of json")
	ErrNotExport = errors.New("not an ix-f member export")
	ErrNoMembers = errors.New("no member_list")
	ErrNoIXPs    = errors.New("no usable ixp_list")
)

// KnownVersions are the IX-F schema versions the decoder is written for.
var KnownVersions = []string{"0.4", "0.5", "0.6", "0.7", "1.0"}

// Export is one decoded IX-F member export.
type Export struct {
	File      string    // file path or URL, as given to Decode
	Version   string    // version as written in the export
	Timestamp time.Time // UTC; zero when the export has no usable timestamp
	Exchanges []Exchange
	Members   []Member // one per ASN, in the order of first appearance
	Report    Report
}

// Exchange is one entry of the export's ixp_list. The embedded
// ExportedExchange has MatchedIXID and MatchedBy set by a Matcher.
type Exchange struct {
	ixp.ExportedExchange
	// VLANAddrs are network addresses of vlans given without a usable mask
	// length (AMS-IX 0.4); they still help matching.
	VLANAddrs []netip.Addr `json:"-"`
}

// Member is one network of the export, with its connections at every
// exchange of the export.
type Member struct {
	ASN         ixp.ASN
	Name        string
	Type        string // member_type
	Since       string // member_since as YYYY-MM-DD, "" when absent or invalid
	Connections []Connection
}

// Connection is one vlan interface of a member connection: its addresses on
// one vlan of one exchange. The embedded ixp.Connection has ASN, Name,
// State, Speed, IPv4, IPv6, RouteServer and Created set; ID and IXID are set
// by Records.
type Connection struct {
	ExportIXPID int64 // ixp_id of the exchange inside the export
	VLANID      int64
	ixp.Connection
	// ordinal tells apart connections without addresses of one member on
	// one vlan (the n-th such connection); see ConnectionID.
	ordinal int
}

// knownStates are connection states of the IX-F wiki and of the PeeringDB
// importer.
var knownStates = map[string]bool{
	"": true, "active": true, "inactive": true, "connected": true, "operational": true,
	"notconnected": true, "not-connected": true, "disconnected": true, "disabled": true,
	"quarantine": true, "awaiting-xconnect": true, "deleted": true,
}

// Decode decodes an IX-F member export. file names the source (path or URL)
// in errors and in the Export. It returns an error wrapping an
// *ixp.ParseError when the body is not an export: empty (ErrEmpty), HTML
// (ErrHTML), invalid or truncated JSON (ixp.ErrTruncated), not an object
// (ErrNotExport), no member_list (ErrNoMembers) or no usable ixp_list
// (ErrNoIXPs). Anything else is decoded leniently and counted in
// Export.Report.
func Decode(file string, data []byte) (*Export, error) {
	perr := func(off int64, err error) error {
		return &ixp.ParseError{Source: "ixf", File: file, Offset: off, Record: -1, Err: err}
	}
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	start := len(data) - len(bytes.TrimLeft(body, " \t\r\n"))
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil, perr(-1, ErrEmpty)
	case body[0] == '<':
		return nil, perr(int64(start), ErrHTML)
	case body[0] != '{':
		return nil, perr(int64(start), fmt.Errorf("%w: document starts with %q, want an object", ErrNotExport, body[:1]))
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, perr(int64(len(data)), fmt.Errorf("%w: %w", ixp.ErrTruncated, err))
		case errors.As(err, &se):
			return nil, perr(se.Offset, err)
		}
		return nil, perr(dec.InputOffset(), err)
	}
	ex := &Export{File: file}
	r := &ex.Report
	// The text rule (ixp.CleanJSON) on the document: encoding/json turned
	// each byte that is not UTF-8 and each lone surrogate into U+FFFD
	// without a word, and a NUL would be replaced by the store; decoded
	// again from the cleaned text, each is counted here once.
	if clean, n := ixp.CleanJSON(data[:dec.InputOffset()]); n > 0 {
		root = nil
		again := json.NewDecoder(bytes.NewReader(clean))
		again.UseNumber()
		if err := again.Decode(&root); err != nil {
			return nil, perr(-1, fmt.Errorf("after the text rule: %w", err))
		}
		r.quirk(ixp.QuirkTextReplaced, fmt.Sprintf("%d characters replaced by U+FFFD", n))
		r.Quirks[ixp.QuirkTextReplaced] += n - 1
	}
	if rest, _ := io.ReadAll(dec.Buffered()); len(bytes.TrimSpace(rest)) > 0 || dec.More() {
		r.quirk(QuirkTrailingData, "")
	}
	// A key given twice (the map keeps the last) or in two cases (only
	// the exact spelling is read) is reported, never merged silently.
	if end := dec.InputOffset(); end > 0 && end <= int64(len(data)) {
		for _, p := range jsonkeys.Check(data[:end], 0, nil) {
			r.quirk(ixp.QuirkDuplicateKey, p.Error())
		}
	}

	// version and timestamp
	ex.Version, _ = getString(root["version"])
	if !isKnownVersion(ex.Version) {
		r.quirk(QuirkVersionUnknown, strconv.Quote(ex.Version))
	}
	ts, _ := getString(root["timestamp"])
	if t, odd, ok := parseTimestamp(ts); ok {
		ex.Timestamp = t
		if odd {
			r.quirk(QuirkTimestampOdd, strconv.Quote(ts))
		}
	} else {
		r.quirk(QuirkTimestampMissing, short(root["timestamp"]))
	}

	members, form := getList(root["member_list"])
	switch form {
	case formMissing, formOther:
		return nil, perr(-1, ErrNoMembers)
	case formString:
		r.quirk(QuirkObjectAsList, "member_list")
	}
	d := decoder{ex: ex, r: r, ixps: map[int64]int{}}
	d.decodeIXPs(root["ixp_list"])
	if len(ex.Exchanges) == 0 {
		return nil, perr(-1, ErrNoIXPs)
	}
	d.decodeMembers(members)
	return ex, nil
}

func isKnownVersion(v string) bool {
	for _, k := range KnownVersions {
		if v == k {
			return true
		}
	}
	return false
}

// decoder holds the state of one Decode call.
type decoder struct {
	ex    *Export
	r     *Report
	ixps  map[int64]int // export ixp_id → index in ex.Exchanges
	byASN map[ixp.ASN]int
	seen  map[connKey]connRef
	next  map[connKey]int // next ordinal of address-less connections
	entry int             // index of the member_list entry being decoded
	// prefixes are the vlan prefixes of the exchange being decoded.
	prefixes map[string]bool
	owners   map[addrKey]ixp.ASN
}

type connKey struct {
	ixp, vlan  int64
	asn        ixp.ASN
	ipv4, ipv6 string
	ordinal    int // for connections without addresses
}

// connRef locates a decoded connection and the member_list entry it came
// from.
type connRef struct {
	member, conn, entry int
}

type addrKey struct {
	ixp  int64
	addr string
}

func (d *decoder) list(v any, what, where string) []any {
	l, form := getList(v)
	switch form {
	case formString:
		d.r.quirk(QuirkObjectAsList, what+" of "+where)
	case formMissing:
		d.r.quirk(QuirkNullList, what+" of "+where)
	case formOther:
		d.r.quirk(QuirkNullList, what+" of "+where+" is "+short(v))
	}
	return l
}

func (d *decoder) int(v any, what string) (int64, valueForm) {
	n, form := getInt(v)
	if form == formString {
		d.r.quirk(QuirkStringNumber, what+"="+short(v))
	}
	return n, form
}

func (d *decoder) decodeIXPs(v any) {
	entries := d.list(v, "ixp_list", "export")
	for i, e := range entries {
		o, ok := getObject(e)
		if !ok {
			d.r.drop(DropInvalidIXP, fmt.Sprintf("ixp_list[%d]=%s", i, short(e)))
			continue
		}
		var x Exchange
		id, form := d.int(o["ixp_id"], "ixp_id")
		if form == formMissing || form == formOther {
			// Without ixp_id only a single-exchange export is usable.
			if len(entries) != 1 {
				d.r.drop(DropInvalidIXP, fmt.Sprintf("ixp_list[%d] without ixp_id", i))
				continue
			}
			d.r.quirk(QuirkIXPIDMissing, fmt.Sprintf("ixp_list[%d]", i))
			id = 0
		}
		if _, dup := d.ixps[id]; dup {
			d.r.drop(DropInvalidIXP, fmt.Sprintf("ixp_list[%d] repeats ixp_id %d", i, id))
			continue
		}
		x.ExportIXPID = id
		x.Shortname, _ = getString(o["shortname"])
		x.Name, _ = getString(o["name"])
		x.Country, _ = getString(o["country"])
		x.Country = strings.ToUpper(strings.TrimSpace(x.Country))
		if x.Country == "UK" {
			d.r.quirk(QuirkCountryUK, x.Shortname)
			x.Country = "GB"
		}
		if x.Country != "" && geo.Normalize(x.Country) == "" {
			d.r.quirk(ixp.QuirkCountryInvalid, fmt.Sprintf("%s country=%s", x.Shortname, short(x.Country)))
			x.Country = ""
		}
		ixfRaw, hasIXF := o["ixf_id"]
		if !hasIXF {
			if alias, ok := o["ixp_ixf_id"]; ok {
				d.r.quirk(QuirkIXFIDAlias, x.Shortname)
				ixfRaw = alias
			}
		}
		if n, _ := d.int(ixfRaw, "ixf_id"); n > 0 {
			x.IXFID = n
		}
		if n, _ := d.int(o["peeringdb_id"], "peeringdb_id"); n > 0 {
			x.PeeringDBID = n
		}
		d.prefixes = map[string]bool{}
		vlans, form := getList(o["vlan"])
		if form == formString {
			d.r.quirk(QuirkObjectAsList, "vlan of "+x.Shortname)
		}
		for _, ve := range vlans {
			vo, ok := getObject(ve)
			if !ok {
				continue
			}
			for _, fam := range [...]string{"ipv4", "ipv6"} {
				d.vlanPrefix(&x, vo[fam])
			}
		}
		d.ixps[id] = len(d.ex.Exchanges)
		d.ex.Exchanges = append(d.ex.Exchanges, x)
	}
}

func (d *decoder) vlanPrefix(x *Exchange, v any) {
	o, ok := getObject(v)
	if !ok {
		return
	}
	ps, _ := getString(o["prefix"])
	ps = strings.TrimSpace(ps)
	if ps == "" {
		return
	}
	var addr netip.Addr
	var bits int64 = -1
	if p, err := netip.ParsePrefix(ps); err == nil {
		addr, bits = p.Addr(), int64(p.Bits())
	} else if a, err := netip.ParseAddr(ps); err == nil && a.Zone() == "" {
		addr = a
	} else {
		d.r.quirk(QuirkPrefixInvalid, x.Shortname+" "+strconv.Quote(ps))
		return
	}
	if bits < 0 {
		n, form := d.int(o["mask_length"], "mask_length")
		if form == formNative || form == formString {
			bits = n
		}
	}
	if bits < 0 || bits > int64(addr.BitLen()) {
		d.r.quirk(QuirkPrefixNoLength, x.Shortname+" "+ps)
		x.VLANAddrs = append(x.VLANAddrs, addr)
		return
	}
	p, err := addr.Prefix(int(bits))
	if err != nil {
		d.r.quirk(QuirkPrefixInvalid, x.Shortname+" "+ps)
		return
	}
	s := p.String()
	if d.prefixes[s] {
		return
	}
	d.prefixes[s] = true
	x.Prefixes = append(x.Prefixes, s)
}

func (d *decoder) decodeMembers(members []any) {
	d.byASN = make(map[ixp.ASN]int, len(members))
	d.seen = make(map[connKey]connRef, len(members))
	d.next = map[connKey]int{}
	d.owners = make(map[addrKey]ixp.ASN, 2*len(members))
	d.r.MemberEntries = len(members)
	for i, e := range members {
		d.entry = i
		o, ok := getObject(e)
		if !ok {
			d.r.drop(DropInvalidMember, fmt.Sprintf("member_list[%d]=%s", i, short(e)))
			continue
		}
		conns, _ := getList(o["connection_list"])
		d.r.ConnectionEntries += len(conns)
		name, _ := getString(o["name"])
		name = strings.TrimSpace(name)
		n, form := d.int(o["asnum"], "asnum")
		if num, ok := o["asnum"].(json.Number); ok && !isInteger(string(num)) {
			form = formOther // 1e3 or 8560.0: not an ASN as written
		}
		if form == formMissing || form == formOther || !validASN(n) {
			d.r.drop(DropInvalidASN, fmt.Sprintf("member_list[%d] %q asnum=%s", i, name, short(o["asnum"])))
			continue
		}
		asn := ixp.ASN(n)
		mi, dup := d.byASN[asn]
		if dup {
			d.r.quirk(QuirkDuplicateMember, fmt.Sprintf("AS%d", asn))
		} else {
			mi = len(d.ex.Members)
			d.byASN[asn] = mi
			m := Member{ASN: asn, Name: name}
			m.Type, _ = getString(o["member_type"])
			if s, form := getString(o["member_since"]); form != formMissing {
				if date, ok := parseDate(s); ok {
					m.Since = date
				} else {
					d.r.quirk(QuirkMemberSinceInvalid, fmt.Sprintf("AS%d %q", asn, s))
				}
			}
			d.ex.Members = append(d.ex.Members, m)
		}
		m := &d.ex.Members[mi]
		if m.Name == "" {
			m.Name = name
		}
		memberState, form := getString(o["state"])
		if form != formMissing {
			d.r.quirk(QuirkMemberState, fmt.Sprintf("AS%d %q", asn, memberState))
		}
		if _, form := getList(o["connection_list"]); form == formString {
			d.r.quirk(QuirkObjectAsList, fmt.Sprintf("connection_list of AS%d", asn))
		}
		if len(conns) == 0 && !dup {
			d.r.quirk(QuirkNoConnections, fmt.Sprintf("AS%d", asn))
		}
		for j, ce := range conns {
			co, ok := getObject(ce)
			if !ok {
				d.r.drop(DropInvalidConnection, fmt.Sprintf("AS%d connection_list[%d]=%s", asn, j, short(ce)))
				continue
			}
			d.decodeConnection(m, co, memberState)
		}
	}
}

// validASN rejects what cannot be a member's ASN: 0 and AS_TRANS 23456, the
// last ASNs of the 16- and 32-bit spaces (RFC 7300) and values beyond 32
// bits.
func validASN(n int64) bool {
	switch n {
	case 0, 23456, 65535, 4294967295:
		return false
	}
	return n > 0 && n <= 4294967295
}

// vlanIface is one address family of a vlan entry after validation.
type vlanIface struct {
	vlan       int64
	ipv4, ipv6 string
	rs         bool
}

func (d *decoder) decodeConnection(m *Member, co map[string]any, memberState string) {
	where := fmt.Sprintf("AS%d", m.ASN)
	ixpID, form := d.int(co["ixp_id"], "ixp_id")
	if form == formMissing && len(d.ex.Exchanges) == 1 {
		d.r.quirk(QuirkIXPIDMissing, where)
		ixpID = d.ex.Exchanges[0].ExportIXPID
	} else if _, ok := d.ixps[ixpID]; !ok || form == formMissing || form == formOther {
		d.r.drop(DropUnknownIXP, fmt.Sprintf("%s ixp_id=%s", where, short(co["ixp_id"])))
		return
	}

	state, form := getString(co["state"])
	if form == formMissing && memberState != "" {
		state = memberState
	}
	state = strings.ToLower(strings.TrimSpace(state))
	if !knownStates[state] {
		d.r.quirk(QuirkUnknownState, strconv.Quote(state))
	}

	var speed int64
	for _, ie := range d.list(co["if_list"], "if_list", where) {
		ifo, ok := getObject(ie)
		if !ok {
			d.r.quirk(QuirkIfSpeedMissing, where+" if_list entry "+short(ie))
			continue
		}
		s, form := d.int(ifo["if_speed"], "if_speed")
		if form == formMissing || form == formOther || s == 0 {
			d.r.quirk(QuirkIfSpeedMissing, where+" if_speed="+short(ifo["if_speed"]))
			continue
		}
		if !ixp.SpeedValid(s) {
			d.r.quirk(ixp.QuirkSpeedOutOfRange, where+" if_speed="+short(ifo["if_speed"]))
			continue
		}
		speed = ixp.AddMbps(speed, s)
	}

	created := m.Since
	if created == "" {
		if s, _ := getString(co["connected_since"]); s != "" {
			created, _ = parseDate(s)
		}
	}
	base := Connection{ExportIXPID: ixpID, Connection: ixp.Connection{
		ASN: m.ASN, Name: m.Name, State: state, Speed: speed, Created: created,
	}}

	ifaces, ok := d.vlanIfaces(co["vlan_list"], where)
	if !ok {
		return // an invalid address: the whole connection is dropped
	}
	if len(ifaces) == 0 {
		d.r.quirk(QuirkNoVLAN, where)
		d.add(m, base)
		return
	}
	for _, f := range ifaces {
		c := base
		c.VLANID, c.IPv4, c.IPv6, c.RouteServer = f.vlan, f.ipv4, f.ipv6, f.rs
		d.add(m, c)
	}
}

// vlanIfaces reads a vlan_list. It returns ok false, after counting the
// drop, when any address is invalid. IPv4-only and IPv6-only entries of the
// same vlan are paired into one interface.
func (d *decoder) vlanIfaces(v any, where string) ([]vlanIface, bool) {
	var out []vlanIface
	for _, ve := range d.list(v, "vlan_list", where) {
		vo, ok := getObject(ve)
		if !ok {
			continue
		}
		var f vlanIface
		vid, form := d.int(vo["vlan_id"], "vlan_id")
		if form == formMissing || form == formOther {
			d.r.quirk(QuirkVLANIDMissing, where)
			vid = 0
		}
		f.vlan = vid
		for _, fam := range [...]int{4, 6} {
			key := "ipv4"
			if fam == 6 {
				key = "ipv6"
			}
			fv, present := vo[key]
			if !present || fv == nil {
				continue
			}
			fo, ok := getObject(fv)
			if !ok {
				d.r.drop(DropInvalidIP, fmt.Sprintf("%s %s=%s", where, key, short(fv)))
				return nil, false
			}
			addr, ok := d.address(fo["address"], fam, where)
			if !ok {
				return nil, false
			}
			if addr == "" {
				continue
			}
			if fam == 4 {
				f.ipv4 = addr
			} else {
				f.ipv6 = addr
			}
			rs, form := getBool(fo["routeserver"])
			if form == formString {
				d.r.quirk(QuirkStringBool, where+" routeserver="+short(fo["routeserver"]))
			}
			f.rs = f.rs || rs
		}
		if f.ipv4 == "" && f.ipv6 == "" {
			continue
		}
		out = append(out, f)
	}
	// Pair each IPv4-only entry with the first later unpaired IPv6-only
	// entry of the same vlan (linear: hostile exports can be long).
	v6only := map[int64][]int{}
	for j, f := range out {
		if f.ipv4 == "" && f.ipv6 != "" {
			v6only[f.vlan] = append(v6only[f.vlan], j)
		}
	}
	if len(v6only) > 0 {
		merged := make([]bool, len(out))
		for i := range out {
			f := &out[i]
			if merged[i] || f.ipv6 != "" || f.ipv4 == "" {
				continue
			}
			q := v6only[f.vlan]
			for len(q) > 0 && (q[0] < i || merged[q[0]]) {
				q = q[1:]
			}
			if len(q) > 0 {
				d.r.quirk(QuirkVLANMerged, where)
				f.ipv6, f.rs = out[q[0]].ipv6, f.rs || out[q[0]].rs
				merged[q[0]] = true
				q = q[1:]
			}
			v6only[f.vlan] = q
		}
		kept := out[:0]
		for i, f := range out {
			if !merged[i] {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	return out, true
}

// address validates one address of family fam. It returns "" and true when
// there is none, the canonical form and true when it is valid, and false
// (after counting the drop) when it is not an address of that family.
func (d *decoder) address(v any, fam int, where string) (string, bool) {
	s, form := getString(v)
	switch form {
	case formMissing:
		d.r.quirk(QuirkAddressMissing, where)
		return "", true
	case formOther, formString:
		d.r.drop(DropInvalidIP, fmt.Sprintf("%s address=%s", where, short(v)))
		return "", false
	}
	t := strings.TrimSpace(s)
	if t == "" {
		d.r.quirk(QuirkAddressMissing, where)
		return "", true
	}
	if t != s {
		d.r.quirk(QuirkAddressWhitespace, fmt.Sprintf("%s %q", where, s))
	}
	if i := strings.IndexByte(t, '/'); i >= 0 {
		p, err := netip.ParsePrefix(t)
		if err != nil {
			d.r.drop(DropInvalidIP, fmt.Sprintf("%s %q", where, s))
			return "", false
		}
		d.r.quirk(QuirkAddressPrefixLength, fmt.Sprintf("%s %q", where, s))
		t = p.Addr().String()
	}
	a, err := netip.ParseAddr(t)
	if err != nil || a.Zone() != "" || (fam == 4) != a.Is4() || a.IsUnspecified() {
		d.r.drop(DropInvalidIP, fmt.Sprintf("%s %q", where, s))
		return "", false
	}
	return a.String(), true
}

// add appends a connection to a member unless it repeats one already seen,
// and notes addresses used by two members of one exchange. A repeat inside
// one member_list entry is a second port with the same addresses (AMS-IX
// lists such ports as separate connections): its speed is added. A repeat
// from another entry of the same ASN is a copy and is dropped.
func (d *decoder) add(m *Member, c Connection) {
	k := connKey{ixp: c.ExportIXPID, vlan: c.VLANID, asn: c.ASN, ipv4: c.IPv4, ipv6: c.IPv6}
	if c.IPv4 == "" && c.IPv6 == "" {
		k.ordinal = d.next[k]
		d.next[connKey{ixp: k.ixp, vlan: k.vlan, asn: k.asn}]++
		c.ordinal = k.ordinal
	}
	if ref, ok := d.seen[k]; ok {
		if ref.entry == d.entry {
			d.r.quirk(QuirkSharedAddress, fmt.Sprintf("AS%d %s %s", c.ASN, c.IPv4, c.IPv6))
			sp := &d.ex.Members[ref.member].Connections[ref.conn].Speed
			*sp = ixp.AddMbps(*sp, c.Speed)
			return
		}
		d.r.drop(DropDuplicateConn, fmt.Sprintf("AS%d %s %s", c.ASN, c.IPv4, c.IPv6))
		return
	}
	d.seen[k] = connRef{member: d.byASN[c.ASN], conn: len(m.Connections), entry: d.entry}
	for _, a := range [...]string{c.IPv4, c.IPv6} {
		if a == "" {
			continue
		}
		ak := addrKey{ixp: c.ExportIXPID, addr: a}
		if owner, ok := d.owners[ak]; ok && owner != c.ASN {
			d.r.quirk(QuirkDuplicateAddress, fmt.Sprintf("%s AS%d AS%d", a, owner, c.ASN))
		} else if !ok {
			d.owners[ak] = c.ASN
		}
	}
	m.Connections = append(m.Connections, c)
}
