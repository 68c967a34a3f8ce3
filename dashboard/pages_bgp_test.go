package dashboard_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"html"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// mrtPeer and mrtRoute describe a small TABLE_DUMP_V2 RIB (RFC 6396).
type mrtPeer struct {
	addr string
	asn  uint32
}

type mrtRoute struct {
	prefix string
	peer   int // index in the peer table
	path   []uint32
}

// writeRIB encodes a PEER_INDEX_TABLE and one RIB record per prefix
// (entries in the order given), as a route collector writes a RIB dump.
func writeRIB(ts time.Time, peers []mrtPeer, routes []mrtRoute) []byte {
	var out bytes.Buffer
	u16 := func(b []byte, v int) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
	u32 := func(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
	record := func(sub int, body []byte) {
		var h []byte
		h = u32(h, uint32(ts.Unix()))
		h = u16(h, 13) // TABLE_DUMP_V2
		h = u16(h, sub)
		h = u32(h, uint32(len(body)))
		out.Write(h)
		out.Write(body)
	}
	idx := u32(nil, 0x0a000001)
	idx = u16(idx, 0) // no view name
	idx = u16(idx, len(peers))
	for _, p := range peers {
		a := netip.MustParseAddr(p.addr)
		typ := byte(2) // 4-byte AS
		if a.Is6() {
			typ |= 1
		}
		idx = append(idx, typ, 10, 0, 0, 9)
		idx = append(idx, a.AsSlice()...)
		idx = u32(idx, p.asn)
	}
	record(1, idx)
	var order []string
	byPrefix := map[string][]mrtRoute{}
	for _, r := range routes {
		if byPrefix[r.prefix] == nil {
			order = append(order, r.prefix)
		}
		byPrefix[r.prefix] = append(byPrefix[r.prefix], r)
	}
	for seq, s := range order {
		p := netip.MustParsePrefix(s)
		body := u32(nil, uint32(seq))
		body = append(body, byte(p.Bits()))
		body = append(body, p.Addr().AsSlice()[:(p.Bits()+7)/8]...)
		body = u16(body, len(byPrefix[s]))
		for _, r := range byPrefix[s] {
			attrs := []byte{0x40, 1, 1, 0} // ORIGIN IGP
			path := []byte{2, byte(len(r.path))}
			for _, a := range r.path {
				path = u32(path, a)
			}
			attrs = append(attrs, 0x40, 2, byte(len(path)))
			attrs = append(attrs, path...)
			if p.Addr().Is4() {
				attrs = append(attrs, 0x40, 3, 4, 187, 16, 216, byte(r.peer+1))
			}
			body = u16(body, r.peer)
			body = u32(body, uint32(ts.Unix()))
			body = u16(body, len(attrs))
			body = append(body, attrs...)
		}
		sub := 2 // RIB_IPV4_UNICAST
		if p.Addr().Is6() {
			sub = 4
		}
		record(sub, body)
	}
	return out.Bytes()
}

// TestPagesShowBGP imports a small MRT RIB of a collector at an exchange
// and checks the BGP views of the country, exchange and network pages.
func TestPagesShowBGP(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bgp-pages.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pub := func(in ixp.SnapshotInput) {
		t.Helper()
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// IX.br SP with three members; AS64503 is registered to Brazil but not
	// a member, AS64999 peers with the collector but is no member.
	pub(ixp.SnapshotInput{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindNetwork, ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindExchange, 171, 171, 0, ixp.Exchange{ID: 171, Name: "IX.br SP", Country: "BR"}),
		rec(ixp.KindNetwork, 1, 0, 64500, ixp.Network{ID: 1, ASN: 64500, Name: "Net A"}),
		rec(ixp.KindNetwork, 2, 0, 64501, ixp.Network{ID: 2, ASN: 64501, Name: "Net B"}),
		rec(ixp.KindNetwork, 3, 0, 64502, ixp.Network{ID: 3, ASN: 64502, Name: "Net C"}),
		rec(ixp.KindConnection, 1, 171, 64500, ixp.Connection{ID: 1, IXID: 171, ASN: 64500, IPv4: "187.16.216.1"}),
		rec(ixp.KindConnection, 2, 171, 64501, ixp.Connection{ID: 2, IXID: 171, ASN: 64501, IPv4: "187.16.216.2"}),
		rec(ixp.KindConnection, 3, 171, 64502, ixp.Connection{ID: 3, IXID: 171, ASN: 64502, IPv4: "187.16.216.3"}),
	}})
	var dels []ixp.Record
	for _, a := range []ixp.ASN{64500, 64501, 64502, 64503} {
		dels = append(dels, rec(ixp.KindASNDelegation, int64(a), 0, a, ixp.ASNDelegation{ASN: a, Country: "BR"}))
	}
	pub(ixp.SnapshotInput{Source: "rir:lacnic", At: day, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Records: dels})

	rib := writeRIB(day, []mrtPeer{{"187.16.216.1", 64500}, {"187.16.216.2", 64501}, {"187.16.216.9", 64999}}, []mrtRoute{
		{"200.0.0.0/16", 0, []uint32{64500}},
		{"200.0.0.0/16", 2, []uint32{64999, 64500}},
		{"200.1.0.0/16", 1, []uint32{64501}},
		{"2804::/32", 0, []uint32{64500, 64503}},
		{"10.0.0.0/8", 2, []uint32{64999}},
	})
	r, err := mrt.NewReader(bytes.NewReader(rib), "test.mrt")
	if err != nil {
		t.Fatal(err)
	}
	agg := bgp.NewAggregator()
	stats, err := r.Aggregate(ctx, agg)
	if err != nil || !stats.Complete {
		t.Fatalf("read the test RIB: %+v, %v", stats, err)
	}
	in, err := snapshot.Build(ixp.BGPCollector{Name: "rrc15", IXID: 171, Type: "mrt"}, day, agg.Summary())
	if err != nil {
		t.Fatal(err)
	}
	pub(in)
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()

	tests := []struct {
		path string
		want []string
		not  []string
	}{
		// BR: 200.0.0.0/16 (AS64500), 200.1.0.0/16 (AS64501), 2804::/32
		// (AS64503) routed, one of three IPv6, all seen at IX.br; 3 of the 4
		// registered ASNs are origins there.
		{"/countries/BR", []string{`id="bgp"`, "Routed prefixes</a></dt><dd>3</dd>", "IPv6 share of routed prefixes</a></dt><dd>33%</dd>",
			"Routed prefixes seen at a local IXP</a></dt><dd>100%</dd>", "Registered ASNs reachable at a local IXP</a></dt><dd>75%</dd>", "3 of 4 ASNs"}, nil},
		// Peers 64500, 64501, 64999 against members 64500, 64501, 64502.
		{"/ixps/171", []string{`data-source="bgp"`, "BGP collector rrc15 (peers)",
			"2 of the 3 members of this exchange in PeeringDB on Jan 1, 2024 peer with the BGP collector rrc15 (67%); 1 of its 3 peer networks were not members of this exchange in PeeringDB on that date.",
			`<a href="/networks/64999">AS64999</a>`, "/api/v1/bgp/collectors/rrc15"}, nil},
		{"/networks/64500", []string{"What it originates in BGP", "Seen as an origin by 1 of 1 BGP collectors.", "rrc15", `<a href="/ixps/171">IX.br SP</a>`,
			"200.0.0.0/16", "/api/v1/asns/64500/origins"}, []string{"2804::/32"}},
		{"/networks/64502", []string{"None of the 1 BGP collectors sees this network as the origin of a prefix at this date."}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, body := getLang(t, srv, tc.path, "en")
			if code != 200 {
				t.Fatalf("GET %s = %d: %.300s", tc.path, code, body)
			}
			text := html.UnescapeString(body)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("GET %s lacks %q", tc.path, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("GET %s has %q", tc.path, w)
				}
			}
		})
	}
}

func getLang(t *testing.T, srv *httptest.Server, path, lang string) (int, string) {
	t.Helper()
	return get(t, srv, path+"?lang="+lang)
}
