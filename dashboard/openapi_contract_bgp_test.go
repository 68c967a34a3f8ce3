package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestOpenAPIContractBGP validates against openapi.json the answers the
// golden set cannot show (its store has one MRT collector before any
// PeeringDB data and no live process): live sessions as `ixpobs bgp`
// publishes them, an Alice-LG route server with its neighbours' states
// and counts, and a collector tied to an exchange with PeeringDB and IX-F
// members (peers_vs_members, ixp_member, ixf_member).
func TestOpenAPIContractBGP(t *testing.T) {
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
	pub(ixp.SnapshotInput{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindNetwork, ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindExchange, 171, 171, 0, ixp.Exchange{ID: 171, Name: "IX.br SP", Country: "BR"}),
		rec(ixp.KindNetwork, 1, 0, 64500, ixp.Network{ID: 1, ASN: 64500, Name: "Example Net", InfoType: "NSP", Created: "2015-03-01"}),
		rec(ixp.KindConnection, 1, 171, 64500, ixp.Connection{ID: 1, IXID: 171, ASN: 64500, RouteServer: true}),
		rec(ixp.KindConnection, 2, 171, 64501, ixp.Connection{ID: 2, IXID: 171, ASN: 64501}),
	}})
	pub(ixp.SnapshotInput{Source: "ixf:ix.br/sp.json", At: day, Kinds: []ixp.Kind{ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindConnection, 11, 171, 64999, ixp.Connection{ID: 11, IXID: 171, ASN: 64999}),
	}})
	pub(ixp.SnapshotInput{Source: "rir:lacnic", At: day, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Records: []ixp.Record{
		rec(ixp.KindASNDelegation, 64500, 0, 64500, ixp.ASNDelegation{ASN: 64500, Country: "BR"}),
	}})
	agg := bgp.NewAggregator()
	announce := func(peerASN uint32, peer, prefix string, path ...uint32) {
		agg.Announce(bgp.Route{Peer: bgp.Peer{ASN: peerASN, Addr: netip.MustParseAddr(peer)}, Prefix: netip.MustParsePrefix(prefix), Path: []bgp.Segment{{ASNs: path}}})
	}
	announce(64500, "187.16.216.1", "200.0.0.0/16", 64500)
	announce(64500, "187.16.216.1", "2804::/32", 64500, 64501)
	announce(64999, "187.16.216.9", "10.0.0.0/8", 64999)
	sum := agg.Summary()
	in, err := snapshot.Build(ixp.BGPCollector{Name: "rrc15", IXID: 171, Type: "mrt"}, day, sum)
	if err != nil {
		t.Fatal(err)
	}
	pub(in)
	// An Alice-LG route server, as collector/alicelg stores it: a whole
	// table and its neighbours with their states and counts.
	started := day.Add(-time.Hour)
	rs := ixp.BGPCollector{Name: "alice-ixbr-rs1", IXID: 171, Type: "alicelg", Table: "complete", TableStarted: &started,
		LookingGlass: "https://lg.example", TiedBy: "peer-addresses"}
	if in, err = snapshot.Build(rs, day, sum); err != nil {
		t.Fatal(err)
	}
	n := func(v int) *int { return &v }
	up := int64(3600)
	if err := snapshot.SetPeers(&in, 171, []ixp.BGPPeer{
		{ASN: 64500, Address: "187.16.216.1", State: "up", RoutesReceived: n(2), RoutesAccepted: n(2), RoutesFiltered: n(0), UptimeSeconds: &up},
		{ASN: 64502, Address: "187.16.216.7", State: "down", RoutesReceived: n(0), RoutesAccepted: n(0), RoutesFiltered: n(0), UptimeSeconds: new(int64)},
	}); err != nil {
		t.Fatal(err)
	}
	pub(in)
	// Live sessions as `ixpobs bgp` publishes them (cmd/ixpobs
	// publishedSessions: the interval and live.Session values).
	changed := day.Add(-2 * time.Hour)
	sessions, _ := json.Marshal(map[string]any{"sessions_interval_s": 10, "sessions": []live.Session{
		{Name: "ixbr-rs", Address: netip.MustParseAddr("187.16.216.253"), ASN: 26162, IXPID: 171, State: "established", StateChanged: changed,
			Uptime: 2 * time.Hour, PrefixesIPv4: 900000, PrefixesIPv6: 200000, Updates: 10, Announcements: 12, Withdrawals: 2, LastUpdate: day},
		{Address: netip.MustParseAddr("2001:12f8::253"), ASN: 26162, State: "active", StateChanged: changed, Flaps: 3,
			LastError: "hold timer expired", ReconnectAttempts: 4, NextAttempt: day.Add(time.Minute), Dynamic: true, Promoted: true},
	}})
	if err := st.PutStatus(ctx, "bgp-sessions:rs1", sessions); err != nil {
		t.Fatal(err)
	}
	// An older process published the bare array.
	old, _ := json.Marshal([]live.Session{{Address: netip.MustParseAddr("187.16.216.254"), ASN: 26162, State: "idle", StateChanged: changed}})
	if err := st.PutStatus(ctx, "bgp-sessions:old", old); err != nil {
		t.Fatal(err)
	}
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return day.Add(time.Minute) }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	reqs := []string{
		"/api/v1/bgp/sessions",
		"/api/v1/bgp/collectors",
		"/api/v1/bgp/collectors?format=csv",
		"/api/v1/bgp/collectors/rrc15",
		"/api/v1/bgp/collectors/alice-ixbr-rs1",
		"/api/v1/bgp/collectors/rrc15?format=csv",
		"/api/v1/asns/64500/origins",
		"/api/v1/ixps/171/sources",
		"/api/v1/networks/64500",
		"/api/v1/countries/BR",
		"/api/v1/sources",
	}
	if got := newContract(t).validate(t, ts, reqs); got != len(reqs)-2 {
		t.Errorf("validated %d JSON answers, want %d", got, len(reqs)-2)
	}
	// The answers hold what the test is for.
	for path, want := range map[string][]string{
		"/api/v1/bgp/sessions":                  {`"uptime_ns":7200000000000`, `"next_attempt":`, `"stale":false`},
		"/api/v1/bgp/collectors/alice-ixbr-rs1": {`"state":"up"`, `"routes_received":2`, `"uptime_seconds":3600`},
		"/api/v1/bgp/collectors/rrc15":          {`"peers_vs_members":`, `"ixp_member":true`, `"ixf_member":true`},
		"/api/v1/ixps/171/sources":              {`"table":"complete"`, `"bgp_verified_active":false`},
	} {
		_, body := get(t, ts, path)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: answer lacks %s:\n%s", path, w, body)
			}
		}
	}
}
