package live

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/internal/zstream"
)

// FuzzUpdate feeds arbitrary bytes to GoBGP's BGP message parser with the
// options of our sessions (four-octet AS or not, ADD-PATH receive or not,
// extended messages or not), validates every UPDATE as GoBGP's FSM does
// for an eBGP peer, builds the paths GoBGP's Adj-RIB-In watcher hands to
// onPaths (table.ProcessMessage, rebuilt here because it is internal to
// GoBGP), and runs our conversion: toRoute on every path and onPaths on
// the whole update. A parse or validation error resets the session in
// GoBGP (we do not enable RFC 7606 treat-as-withdraw), so the input ends
// there. A panic anywhere is a finding.
//
// Not covered: GoBGP merges AS4_PATH into AS_PATH for two-octet peers
// (table.UpdatePathAttrs4ByteAs, internal) before the watcher; here the
// conversion sees the unmerged attributes, a superset of what it gets.
func FuzzUpdate(f *testing.F) {
	for _, s := range updateSeeds() {
		f.Add(s.msg, s.as2, s.addPath, false)
	}
	if root := sharedMRTDir(); root != "" {
		for _, s := range mrtUpdates(root, 16) {
			f.Add(s.msg, s.as2, s.addPath, false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, as2, addPath, ext bool) {
		fuzzlimit.Check(t, func() { handleUpdate(t, data, as2, addPath, ext) })
	})
}

var fuzzPeer = netip.MustParseAddr("192.0.2.1")

func handleUpdate(t *testing.T, data []byte, as2, addPath, ext bool) {
	mode := gobgp.BGP_ADD_PATH_NONE
	if addPath {
		mode = gobgp.BGP_ADD_PATH_RECEIVE
	}
	families := map[gobgp.Family]gobgp.BGPAddPathMode{gobgp.RF_IPv4_UC: mode, gobgp.RF_IPv6_UC: mode}
	m, err := gobgp.ParseBGPMessage(data, &gobgp.MarshallingOption{AddPath: families, Use2ByteAS: as2, ExtendedMessage: ext})
	if err != nil || m.Header.Type != gobgp.BGP_MSG_UPDATE {
		return
	}
	u := m.Body.(*gobgp.BGPUpdate)
	if ok, _ := gobgp.ValidateUpdateMsg(u, families, true, false, false); !ok {
		return
	}
	paths := watcherPaths(u)
	for _, p := range paths {
		if p.Withdrawal {
			if pfx, ok := pathPrefix(p); ok && pfx != pfx.Masked() {
				t.Fatalf("withdrawn prefix %v is not masked", pfx)
			}
			continue
		}
		r, ok := toRoute(bgp.Peer{Addr: fuzzPeer, ASN: 65001}, p)
		if !ok {
			continue
		}
		if !r.Prefix.IsValid() || r.Prefix != r.Prefix.Masked() {
			t.Fatalf("route prefix %v is not a valid masked prefix", r.Prefix)
		}
		if r.Prefix.Addr().Is4() != (p.Family == gobgp.RF_IPv4_UC) {
			t.Fatalf("route prefix %v from a path of family %v", r.Prefix, p.Family)
		}
		if r.PathID != p.RemoteID {
			t.Fatalf("route path id %d, path has %d", r.PathID, p.RemoteID)
		}
		for _, s := range r.Path {
			if len(s.ASNs) == 0 {
				t.Fatalf("empty AS path segment in %v", r.Path)
			}
		}
	}
	c, err := New(fuzzConfig(), nopSink{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.onPaths(paths, time.Unix(0, 0))
	st := c.peers[fuzzPeer]
	if len(paths) > 0 && st == nil {
		t.Fatalf("%d paths and no peer state", len(paths))
	}
	if st != nil && st.announcements+st.withdrawals > uint64(len(paths)) {
		t.Fatalf("%d announcements and %d withdrawals counted from %d paths", st.announcements, st.withdrawals, len(paths))
	}
}

// fuzzConfig is the smallest valid collector configuration.
func fuzzConfig() Config {
	cfg := DefaultConfig()
	cfg.ASN, cfg.RouterID, cfg.ListenPort = 65000, "192.0.2.254", 1179 // New listens on nothing
	cfg.QueueSize = 64
	cfg.Dynamic = []DynamicConfig{{Name: "lan", Prefix: "192.0.2.0/24"}}
	return cfg
}

// watcherPaths builds the paths of an UPDATE as GoBGP hands them to a
// WatchEvent callback: table.ProcessMessage (one path per NLRI, MP_REACH
// replaced by a single-NLRI copy, no attributes on withdrawals) followed
// by the conversion of table.Path into apiutil.Path.
func watcherPaths(u *gobgp.BGPUpdate) []*apiutil.Path {
	if eor, _ := u.IsEndOfRib(); eor {
		return nil
	}
	var attrs []gobgp.PathAttributeInterface
	var reach *gobgp.PathAttributeMpReachNLRI
	var unreach *gobgp.PathAttributeMpUnreachNLRI
	for _, a := range u.PathAttributes {
		switch a := a.(type) {
		case *gobgp.PathAttributeMpReachNLRI:
			reach = a
		case *gobgp.PathAttributeMpUnreachNLRI:
			unreach = a
		default:
			attrs = append(attrs, a)
		}
	}
	path := func(f gobgp.Family, n gobgp.PathNLRI, withdraw bool, attrs []gobgp.PathAttributeInterface) *apiutil.Path {
		return &apiutil.Path{Family: f, Nlri: n.NLRI, Attrs: attrs, Withdrawal: withdraw,
			PeerASN: 65001, PeerID: fuzzPeer, PeerAddress: fuzzPeer, IsFromExternal: true, RemoteID: n.ID}
	}
	var out []*apiutil.Path
	for _, n := range u.NLRI {
		out = append(out, path(gobgp.RF_IPv4_UC, n, false, attrs))
	}
	if reach != nil {
		fam := gobgp.NewFamily(reach.AFI, reach.SAFI)
		for _, n := range reach.Value {
			one, err := gobgp.NewPathAttributeMpReachNLRI(fam, []gobgp.PathNLRI{n}, reach.Nexthop)
			pa := append([]gobgp.PathAttributeInterface(nil), attrs...)
			if err == nil {
				pa = append(pa, one)
			}
			out = append(out, path(fam, n, false, pa))
		}
	}
	for _, n := range u.WithdrawnRoutes {
		out = append(out, path(gobgp.RF_IPv4_UC, n, true, nil))
	}
	if unreach != nil {
		fam := gobgp.NewFamily(unreach.AFI, unreach.SAFI)
		for _, n := range unreach.Value {
			out = append(out, path(fam, n, true, nil))
		}
	}
	return out
}

type updateSeed struct {
	msg          []byte
	as2, addPath bool
}

// bgpMessage frames a BGP message body: marker, length, type.
func bgpMessage(typ byte, body []byte) []byte {
	b := bytes.Repeat([]byte{0xff}, 16)
	b = binary.BigEndian.AppendUint16(b, uint16(19+len(body)))
	return append(append(b, typ), body...)
}

// updateBody builds an UPDATE body from raw withdrawn routes, attributes
// and NLRI.
func updateBody(withdrawn, attrs, nlri []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(withdrawn)))
	b = append(b, withdrawn...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(attrs)))
	return append(append(b, attrs...), nlri...)
}

// attr encodes a path attribute, with the extended length flag when needed.
func attr(flags, typ byte, val []byte) []byte {
	if len(val) > 255 {
		return append(binary.BigEndian.AppendUint16([]byte{flags | 0x10, typ}, uint16(len(val))), val...)
	}
	return append([]byte{flags, typ, byte(len(val))}, val...)
}

// asPathVal encodes one AS_SEQUENCE of two- or four-octet ASNs.
func asPathVal(four bool, asns ...uint32) []byte {
	b := []byte{2, byte(len(asns))}
	for _, a := range asns {
		if four {
			b = binary.BigEndian.AppendUint32(b, a)
		} else {
			b = binary.BigEndian.AppendUint16(b, uint16(a))
		}
	}
	return b
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// updateSeeds are hand-made UPDATEs: ordinary ones for each session
// option, and malformed ones GoBGP must refuse without panicking.
func updateSeeds() []updateSeed {
	origin := attr(0x40, 1, []byte{0})
	nh := attr(0x40, 3, []byte{192, 0, 2, 1})
	v4nlri := []byte{24, 198, 51, 100}
	v4 := cat(origin, attr(0x40, 2, asPathVal(true, 65001, 4200000000)), nh)
	as4path := attr(0xc0, 17, asPathVal(true, 65001, 4200000000))
	mpReach := func(pathID bool) []byte {
		v := []byte{0, 2, 1, 16}
		v = append(v, netip.MustParseAddr("2001:db8::1").AsSlice()...)
		v = append(v, 0)
		if pathID {
			v = append(v, 0, 0, 0, 7)
		}
		return attr(0x80, 14, append(v, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1))
	}
	prefixSID := func(tlvs []byte) []byte { return attr(0xc0, 40, tlvs) }
	labelIndex := []byte{1, 0, 7, 0, 0, 0, 0, 0, 0, 100}
	srv6 := []byte{5, 0, 30, 0, 1, 0, 26, 0}
	srv6 = append(srv6, netip.MustParseAddr("2001:db8::5").AsSlice()...)
	srv6 = append(srv6, 0, 0, 0x13, 0)
	seeds := []updateSeed{
		{msg: bgpMessage(2, updateBody(nil, v4, v4nlri))},
		{msg: bgpMessage(2, updateBody(nil, cat(origin, attr(0x40, 2, asPathVal(false, 65001, 23456)), nh, as4path), v4nlri)), as2: true},
		{msg: bgpMessage(2, updateBody(nil, v4, []byte{0, 0, 0, 3, 24, 198, 51, 100})), addPath: true},
		{msg: bgpMessage(2, updateBody(nil, cat(origin, attr(0x40, 2, asPathVal(true, 65001)), mpReach(false)), nil))},
		{msg: bgpMessage(2, updateBody(nil, cat(origin, attr(0x40, 2, asPathVal(true, 65001)), mpReach(true)), nil)), addPath: true},
		{msg: bgpMessage(2, updateBody([]byte{16, 10, 1}, nil, nil))},
		{msg: bgpMessage(2, updateBody(nil, attr(0x80, 15, []byte{0, 2, 1, 32, 0x20, 0x01, 0x0d, 0xb8}), nil))},
		{msg: bgpMessage(2, updateBody(nil, nil, nil))},                                                              // IPv4 End-of-RIB
		{msg: bgpMessage(2, updateBody(nil, attr(0x80, 15, []byte{0, 2, 1}), nil))},                                  // IPv6 End-of-RIB
		{msg: bgpMessage(2, updateBody(nil, cat(v4, prefixSID(labelIndex)), v4nlri))},                                // Prefix-SID label index
		{msg: bgpMessage(2, updateBody(nil, cat(v4, prefixSID(srv6)), v4nlri))},                                      // Prefix-SID SRv6 L3 service
		{msg: bgpMessage(2, updateBody(nil, cat(v4, prefixSID([]byte{5, 0, 200})), v4nlri))},                         // SRv6 TLV longer than the attribute
		{msg: bgpMessage(2, updateBody(nil, cat(origin, []byte{0x40, 2, 200, 2, 1, 0, 0, 0xfd, 0xe9}, nh), v4nlri))}, // AS_PATH length overrun
		{msg: bgpMessage(2, cat([]byte{0, 0, 0x0f, 0xff}, v4, v4nlri))},                                              // total attribute length overrun
		{msg: bgpMessage(2, updateBody(nil, cat(origin, attr(0x40, 2, []byte{2, 50, 0, 1}), nh), v4nlri))},           // segment count overrun
		{msg: bgpMessage(2, updateBody(nil, cat(origin, attr(0x40, 2, asPathVal(true, make([]uint32, 255)...)), nh), v4nlri))},
		{msg: bgpMessage(2, updateBody(nil, v4, []byte{33, 1, 2, 3, 4, 5}))}, // prefix length over 32
		{msg: bgpMessage(4, nil)}, // KEEPALIVE
	}
	return seeds
}

// mrtUpdates returns up to perFile BGP UPDATE messages (header included)
// from the BGP4MP MESSAGE records of every MRT file under root, with the
// session options the record subtype implies.
func mrtUpdates(root string, perFile int) []updateSeed {
	var out []updateSeed
	filepath.WalkDir(root, func(path string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || filepath.Ext(path) == ".md" {
			return nil
		}
		r, err := zstream.OpenFile(path, zstream.Options{}) // gzip, bzip2 or plain, told from the content
		if err != nil {
			return nil
		}
		defer r.Close()
		n := 0
		for records := 0; n < perFile && records < 1000; records++ {
			var h [12]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				break
			}
			typ, sub, size := binary.BigEndian.Uint16(h[4:]), binary.BigEndian.Uint16(h[6:]), binary.BigEndian.Uint32(h[8:])
			if size > 1<<20 {
				break
			}
			body := make([]byte, size)
			if _, err := io.ReadFull(r, body); err != nil {
				break
			}
			if typ == 17 && len(body) >= 4 { // BGP4MP_ET: microseconds first
				body = body[4:]
			} else if typ != 16 {
				continue
			}
			msg, as2, addPath, ok := bgp4mpMessage(sub, body)
			if !ok || len(msg) < 19 || msg[18] != 2 {
				continue
			}
			out = append(out, updateSeed{msg: msg, as2: as2, addPath: addPath})
			n++
		}
		return nil
	})
	return out
}

// bgp4mpMessage returns the BGP message of a BGP4MP MESSAGE* record body
// (RFC 6396 4.4.2, RFC 8050 for the ADD-PATH subtypes).
func bgp4mpMessage(sub uint16, body []byte) (msg []byte, as2, addPath, ok bool) {
	switch sub {
	case 1, 6: // MESSAGE, MESSAGE_LOCAL
		as2 = true
	case 4, 7: // MESSAGE_AS4, MESSAGE_AS4_LOCAL
	case 8, 10: // MESSAGE_ADDPATH, MESSAGE_LOCAL_ADDPATH
		as2, addPath = true, true
	case 9, 11: // MESSAGE_AS4_ADDPATH, MESSAGE_AS4_LOCAL_ADDPATH
		addPath = true
	default:
		return nil, false, false, false
	}
	asLen := 4
	if as2 {
		asLen = 2
	}
	head := 2*asLen + 4
	if len(body) < head {
		return nil, false, false, false
	}
	ipLen := 4
	if binary.BigEndian.Uint16(body[head-2:]) == 2 {
		ipLen = 16
	}
	head += 2 * ipLen
	if len(body) < head {
		return nil, false, false, false
	}
	return body[head:], as2, addPath, true
}

// TestFuzzUpdateSeeds checks that the seeds reach the conversion: the
// ordinary hand-made UPDATEs become the routes they encode.
func TestFuzzUpdateSeeds(t *testing.T) {
	seeds := updateSeeds()
	tests := []struct {
		seed   int
		prefix string
		pathID uint32
		path   []uint32
	}{
		{0, "198.51.100.0/24", 0, []uint32{65001, 4200000000}},
		{1, "198.51.100.0/24", 0, []uint32{65001, 23456}},
		{2, "198.51.100.0/24", 3, []uint32{65001, 4200000000}},
		{3, "2001:db8:1::/48", 0, []uint32{65001}},
		{4, "2001:db8:1::/48", 7, []uint32{65001}},
	}
	for _, tc := range tests {
		s := seeds[tc.seed]
		mode := gobgp.BGP_ADD_PATH_NONE
		if s.addPath {
			mode = gobgp.BGP_ADD_PATH_RECEIVE
		}
		fams := map[gobgp.Family]gobgp.BGPAddPathMode{gobgp.RF_IPv4_UC: mode, gobgp.RF_IPv6_UC: mode}
		m, err := gobgp.ParseBGPMessage(s.msg, &gobgp.MarshallingOption{AddPath: fams, Use2ByteAS: s.as2})
		if err != nil {
			t.Fatalf("seed %d: %v", tc.seed, err)
		}
		u := m.Body.(*gobgp.BGPUpdate)
		if ok, err := gobgp.ValidateUpdateMsg(u, fams, true, false, false); !ok {
			t.Fatalf("seed %d: %v", tc.seed, err)
		}
		paths := watcherPaths(u)
		if len(paths) != 1 {
			t.Fatalf("seed %d: got %d paths, want 1", tc.seed, len(paths))
		}
		r, ok := toRoute(bgp.Peer{Addr: fuzzPeer}, paths[0])
		if !ok || r.Prefix.String() != tc.prefix || r.PathID != tc.pathID || len(r.Path) != 1 || !slices.Equal(r.Path[0].ASNs, tc.path) {
			t.Errorf("seed %d: got %+v %v, want %s id %d path %v", tc.seed, r, ok, tc.prefix, tc.pathID, tc.path)
		}
	}
	for i, s := range seeds[12:15] {
		if _, err := gobgp.ParseBGPMessage(s.msg, &gobgp.MarshallingOption{}); err == nil {
			t.Errorf("malformed seed %d parsed without error", 12+i)
		}
	}
	if root := sharedMRTDir(); root != "" && len(mrtUpdates(root, 2)) == 0 {
		t.Error("no UPDATE extracted from the shared MRT files")
	}
}

// sharedMRTDir is the shared MRT directory, or "" when absent.
func sharedMRTDir() string {
	if data := testenv.SharedDataDir(); data != "" {
		return filepath.Join(data, "mrt")
	}
	return ""
}
