package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func TestBGPViews(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bgp.db"), nil)
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
	pub(ixp.SnapshotInput{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindExchange, 171, 171, 0, ixp.Exchange{ID: 171, Name: "IX.br SP", Country: "BR"}),
		rec(ixp.KindConnection, 1, 171, 64500, ixp.Connection{ID: 1, IXID: 171, ASN: 64500}),
	}})
	// An IX-F export of IX.br SP lists AS64999 (not in PeeringDB) and
	// AS64502 (not a peer of the collector).
	pub(ixp.SnapshotInput{Source: "ixf:ix.br/sp.json", At: day, Kinds: []ixp.Kind{ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindConnection, 11, 171, 64999, ixp.Connection{ID: 11, IXID: 171, ASN: 64999}),
		rec(ixp.KindConnection, 12, 171, 64502, ixp.Connection{ID: 12, IXID: 171, ASN: 64502}),
	}})
	pub(ixp.SnapshotInput{Source: "rir:lacnic", At: day, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Records: []ixp.Record{
		rec(ixp.KindASNDelegation, 64500, 0, 64500, ixp.ASNDelegation{ASN: 64500, Country: "BR"}),
		rec(ixp.KindASNDelegation, 64501, 0, 64501, ixp.ASNDelegation{ASN: 64501, Country: "BR"}),
		rec(ixp.KindASNDelegation, 64502, 0, 64502, ixp.ASNDelegation{ASN: 64502, Country: "BR"}),
	}})
	agg := bgp.NewAggregator()
	announce := func(peerASN uint32, peer, prefix string, path ...uint32) {
		agg.Announce(bgp.Route{Peer: bgp.Peer{ASN: peerASN, Addr: netip.MustParseAddr(peer)}, Prefix: netip.MustParsePrefix(prefix), Path: []bgp.Segment{{ASNs: path}}})
	}
	announce(64500, "187.16.216.1", "200.0.0.0/16", 64500)
	announce(64500, "187.16.216.1", "2804::/32", 64500, 64501)
	announce(64999, "187.16.216.9", "10.0.0.0/8", 64999) // not a PeeringDB member
	in, err := snapshot.Build(ixp.BGPCollector{Name: "rrc15", IXID: 171, Type: "mrt"}, day, agg.Summary())
	if err != nil {
		t.Fatal(err)
	}
	pub(in)
	st.PutStatus(ctx, "bgp-sessions:rs1", []byte(`[{"address":"187.16.216.250","asn":26162,"state":"established"}]`))
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()

	var detail struct {
		IXPName string `json:"ixp_name"`
		Peers   []struct {
			ASN       uint32 `json:"asn"`
			IXPMember *bool  `json:"ixp_member"`
			IXFMember *bool  `json:"ixf_member"`
		} `json:"peers"`
		PeersVsMembers []struct {
			Source     string   `json:"source"`
			Members    int      `json:"members"`
			Peers      int      `json:"peers"`
			Seen       int      `json:"seen"`
			Coverage   float64  `json:"coverage"`
			NotSeen    []uint32 `json:"members_not_seen"`
			NotMembers []uint32 `json:"peers_not_members"`
		} `json:"peers_vs_members"`
	}
	code, body := get(t, srv, "/api/v1/bgp/collectors/rrc15")
	if code != 200 || json.Unmarshal([]byte(body), &detail) != nil || detail.IXPName != "IX.br SP" || len(detail.Peers) != 2 {
		t.Fatalf("collector: %d %s", code, body)
	}
	if !*detail.Peers[0].IXPMember || *detail.Peers[1].IXPMember || *detail.Peers[0].IXFMember || !*detail.Peers[1].IXFMember {
		t.Errorf("peers against members = %+v, want AS64500 in PeeringDB only and AS64999 in IX-F only", detail.Peers)
	}
	want := []struct {
		Source     string
		Members    int
		Seen       int
		Coverage   float64
		NotSeen    []uint32
		NotMembers []uint32
	}{
		{"peeringdb", 1, 1, 1, []uint32{}, []uint32{64999}},
		{"ixf", 2, 1, 0.5, []uint32{64502}, []uint32{64500}},
	}
	if len(detail.PeersVsMembers) != len(want) {
		t.Fatalf("peers_vs_members = %+v", detail.PeersVsMembers)
	}
	for i, w := range want {
		g := detail.PeersVsMembers[i]
		if g.Source != w.Source || g.Members != w.Members || g.Seen != w.Seen || g.Coverage != w.Coverage || g.Peers != 2 ||
			fmt.Sprint(g.NotSeen) != fmt.Sprint(w.NotSeen) || fmt.Sprint(g.NotMembers) != fmt.Sprint(w.NotMembers) {
			t.Errorf("peers_vs_members[%d] = %+v, want %+v", i, g, w)
		}
	}
	var origins struct {
		Seen []struct {
			Prefixes []string `json:"prefixes"`
		} `json:"seen"`
	}
	code, body = get(t, srv, "/api/v1/asns/64501/origins")
	if code != 200 || json.Unmarshal([]byte(body), &origins) != nil || len(origins.Seen) != 1 || len(origins.Seen[0].Prefixes) != 1 || origins.Seen[0].Prefixes[0] != "2804::/32" {
		t.Errorf("origins of AS64501: %d %s", code, body)
	}
	var country struct {
		BGP struct {
			Routed       int     `json:"routed_prefixes"`
			V6Share      float64 `json:"routed_ipv6_share"`
			Local        int     `json:"locally_reachable_prefixes"`
			Reachable    int     `json:"locally_reachable_asns"`
			Reachability float64 `json:"bgp_reachability"`
		} `json:"bgp"`
	}
	code, body = get(t, srv, "/api/v1/countries/BR")
	if code != 200 || json.Unmarshal([]byte(body), &country) != nil {
		t.Fatalf("country: %d %s", code, body)
	}
	// BR's prefixes: 200.0.0.0/16 (AS64500) and 2804::/32 (AS64501), both
	// seen at the collector at IX.br; 2 of the 3 registered ASNs reachable.
	if b := country.BGP; b.Routed != 2 || b.V6Share != 0.5 || b.Local != 2 || b.Reachable != 2 || b.Reachability != 2.0/3 {
		t.Errorf("BR bgp = %+v", b)
	}
	var sessions struct {
		Data []struct {
			Collector string `json:"collector"`
			Stale     bool   `json:"stale"`
			Sessions  []any  `json:"sessions"`
		} `json:"data"`
	}
	code, body = get(t, srv, "/api/v1/bgp/sessions")
	if code != 200 || json.Unmarshal([]byte(body), &sessions) != nil || len(sessions.Data) != 1 || sessions.Data[0].Collector != "rs1" || sessions.Data[0].Stale || len(sessions.Data[0].Sessions) != 1 {
		t.Errorf("sessions: %d %s", code, body)
	}
	if code, _ := get(t, srv, "/api/v1/bgp/collectors/nope"); code != 404 {
		t.Errorf("unknown collector = %d, want 404", code)
	}
}
