package live_test

import (
	"encoding/hex"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
)

func okAttrs(asn uint32) []byte {
	return cat(originAttr(), asPathAttr(seg{asns: []uint32{asn, 64500}}), nextHopAttr("127.0.0.4"))
}

// TestMalformedUpdates sends crafted UPDATEs from a raw speaker. The
// process must survive; what GoBGP v4.8.0 does (RFC 7606) is asserted so a
// change is noticed: treat-as-withdraw keeps the session up and drops the
// prefix; a session reset sends a NOTIFICATION.
func TestMalformedUpdates(t *testing.T) {
	port := birdtest.FreePort(t, "127.0.0.1")
	remote := "127.0.0.1:" + strconv.Itoa(port)
	sink := newMemSink()
	c, _ := runCollector(t, collectorConfig(port,
		live.PeerConfig{Name: "raw", Address: "127.0.0.4", ASN: 65040, IXPID: 3, Passive: true},
	), sink, nil)
	peer := bgp.Peer{ASN: 65040, Addr: netip.MustParseAddr("127.0.0.4")}

	// A valid UPDATE with an AS_SET: converted segment by segment.
	p := dialRaw(t, "127.0.0.4", remote, 65040, 30)
	set := netip.MustParsePrefix("192.0.2.0/24")
	p.mustSend(t, msgUpdate, updateBody(nil, cat(originAttr(),
		asPathAttr(seg{asns: []uint32{65040, 64500}}, seg{set: true, asns: []uint32{64501, 4200000001}}),
		nextHopAttr("127.0.0.4")), nlri(set)))
	waitFor(t, 5*time.Second, "AS_SET route", func() bool { _, ok := sink.route(peer, set); return ok })
	r, _ := sink.route(peer, set)
	want := []bgp.Segment{{ASNs: []uint32{65040, 64500}}, {Set: true, ASNs: []uint32{64501, 4200000001}}}
	if !slices.EqualFunc(r.Path, want, func(a, b bgp.Segment) bool { return a.Set == b.Set && slices.Equal(a.ASNs, b.ASNs) }) {
		t.Errorf("AS_SET route path = %+v, want %+v", r.Path, want)
	}
	if o, ok := r.Origin(); ok {
		t.Errorf("Origin() of a path ending in an AS_SET = %d, true; want false", o)
	}

	prefixSIDCrasher, _ := hex.DecodeString("0600000030303030303030303030303030303030")
	for i, tc := range []struct {
		name     string
		body     func(p netip.Prefix) []byte
		reset    bool // GoBGP v4.8.0 resets the session
		accepted bool // the prefix is kept (attribute discard), else treat-as-withdraw
	}{
		{
			name: "attribute length overruns the attribute field",
			body: func(p netip.Prefix) []byte {
				// COMMUNITIES claims 200 bytes, 4 are present; the
				// total path attribute length is consistent.
				return updateBody(nil, cat(okAttrs(65040), []byte{0xc0, 8, 200, 0, 0, 0, 1}), nlri(p))
			},
			// treat-as-withdraw, session kept (RFC 7606)
		},
		{
			name: "invalid Prefix-SID (v3.37.0 panic input)",
			body: func(p netip.Prefix) []byte {
				return updateBody(nil, cat(okAttrs(65040), attr(0xc0, 40, prefixSIDCrasher)), nlri(p))
			},
			accepted: true, // attribute discard (RFC 8669 section 6), session kept
		},
		{
			name: "missing mandatory ORIGIN",
			body: func(p netip.Prefix) []byte {
				return updateBody(nil, cat(asPathAttr(seg{asns: []uint32{65040}}), nextHopAttr("127.0.0.4")), nlri(p))
			},
		},
		{
			name: "AS_PATH segment length overrun",
			body: func(p netip.Prefix) []byte {
				bad := attr(0x40, 2, []byte{2, 9, 0, 0, 0xfd, 0xe8}) // 9 ASNs announced, 1 present
				return updateBody(nil, cat(originAttr(), bad, nextHopAttr("127.0.0.4")), nlri(p))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if closed, _ := p.closed(); closed {
				p.close()
				waitFor(t, 15*time.Second, "previous session down", func() bool { s, _ := session(c, "127.0.0.4"); return s.State != "established" })
				p = dialRaw(t, "127.0.0.4", remote, 65040, 30)
			}
			bad := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 32)
			good := netip.PrefixFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), 32)
			p.mustSend(t, msgUpdate, tc.body(bad))
			_ = p.send(msgUpdate, updateBody(nil, okAttrs(65040), nlri(good)))
			time.Sleep(500 * time.Millisecond)
			closed, notif := p.closed()
			_, gotBad := sink.route(peer, bad)
			_, gotGood := sink.route(peer, good)
			t.Logf("session closed: %v (notification %x); malformed prefix in sink: %v; following valid prefix in sink: %v",
				closed, notif, gotBad, gotGood)
			if gotBad != tc.accepted {
				t.Errorf("malformed UPDATE's prefix %s in the sink = %v, want %v", bad, gotBad, tc.accepted)
			}
			if closed != tc.reset {
				t.Errorf("session closed = %v, want %v (GoBGP v4.8.0 behaviour)", closed, tc.reset)
			}
			if tc.reset && len(notif) < 2 {
				t.Errorf("session reset without a NOTIFICATION")
			}
			if !tc.reset && !gotGood {
				t.Errorf("session kept but the following valid prefix %s is missing", good)
			}
		})
	}
	// The collector still works: a new session is accepted.
	if closed, _ := p.closed(); closed {
		p.close()
		waitFor(t, 15*time.Second, "previous session down", func() bool { s, _ := session(c, "127.0.0.4"); return s.State != "established" })
		p = dialRaw(t, "127.0.0.4", remote, 65040, 30)
	}
	last := netip.MustParsePrefix("203.0.113.128/25")
	p.mustSend(t, msgUpdate, updateBody(nil, okAttrs(65040), nlri(last)))
	waitFor(t, 5*time.Second, "route after the malformed ones", func() bool { _, ok := sink.route(peer, last); return ok })
}
