package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/internal/birdtest"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestLiveVantageARDA: a live session is a vantage point of ARDA's
// indicators (issue 22). `ixpobs bgp` holds a session with a BIRD route
// server at IX.br São Paulo (PeeringDB exchange 171, BR) that exports 300
// IPv4 and 100 IPv6 routes; the store also holds the exchange and a
// LACNIC file delegating some of the routes' ASNs and prefixes to BR, some
// to AR. /api/v1/arda/countries/BR must name the live session's snapshot
// as its vantage point and give the four indicators computed here
// independently from the routes BIRD was configured to export
// (birdtest.V4Net/V6Net/Path) and the delegations.
func TestLiveVantageARDA(t *testing.T) {
	const n4, n6 = 300, 100
	port := birdtest.FreePort(t, "127.0.0.1")
	rs := birdtest.Peer{Name: "rs1", Local: "127.0.0.2", ASN: 65010, N4: n4, N6: n6, HostPort: birdtest.FreePort(t, "127.0.0.2")}
	birdtest.Start(t, birdtest.Config(port, 65000, rs))
	dir := t.TempDir()
	db := filepath.Join(dir, "bgp.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// The exchange, and the registry: BR holds the peer, origins
	// 65100-65149 (IPv4) and 65300-65304 (IPv6), and 10 ASNs never seen;
	// AR holds 65150-65199; the rest (transit 4200000000+, 65305-65309)
	// is not delegated in this file.
	day := time.Now().UTC().Truncate(24 * time.Hour)
	rec := func(k ixp.Kind, id, ix int64, asn ixp.ASN, v any) ixp.Record {
		b, _ := json.Marshal(v)
		return ixp.Record{Kind: k, ID: id, IXID: ix, ASN: asn, Data: b}
	}
	if _, err := st.Publish(ctx, ixp.SnapshotInput{Source: ixp.SourcePeeringDB, At: day.Add(-24 * time.Hour), Kinds: []ixp.Kind{ixp.KindExchange},
		Records: []ixp.Record{rec(ixp.KindExchange, 171, 171, 0, ixp.Exchange{ID: 171, Name: "IX.br (PTT.br) São Paulo", Country: "BR"})}}); err != nil {
		t.Fatal(err)
	}
	country := map[ixp.ASN]string{65010: "BR"}
	for a := 65100; a < 65150; a++ {
		country[ixp.ASN(a)] = "BR"
	}
	for a := 65150; a < 65200; a++ {
		country[ixp.ASN(a)] = "AR"
	}
	for a := 65300; a < 65305; a++ {
		country[ixp.ASN(a)] = "BR"
	}
	for a := 64600; a < 64610; a++ {
		country[ixp.ASN(a)] = "BR"
	}
	// Delegated to BR: a seen /24, a /16 covering seen /24s, a /23 inside
	// nothing seen, a /32 covering the IPv6 routes; to AR: the other /16.
	delegated := map[string][]string{"BR": {"10.0.5.0/24", "10.0.0.0/16", "192.0.2.0/23", "2001:db8::/32"}, "AR": {"10.1.0.0/16"}}
	rir := ixp.SnapshotInput{Source: "rir:lacnic", At: day, Kinds: []ixp.Kind{ixp.KindASNDelegation, ixp.KindPrefixDelegation}}
	for a, cc := range country {
		rir.Records = append(rir.Records, rec(ixp.KindASNDelegation, int64(a), 0, a, ixp.ASNDelegation{ASN: a, Registry: "lacnic", Country: cc, Status: "allocated"}))
	}
	id := int64(1)
	for cc, ps := range delegated {
		for _, p := range ps {
			rir.Records = append(rir.Records, rec(ixp.KindPrefixDelegation, id, 0, 0, ixp.PrefixDelegation{Registry: "lacnic", Country: cc, Prefixes: []string{p}, Status: "assigned"}))
			id++
		}
	}
	if _, err := st.Publish(ctx, rir); err != nil {
		t.Fatal(err)
	}

	stderr := startBGPProcess(t, db, "rs-live", port)
	deadline := time.Now().Add(60 * time.Second)
	var sn ixp.Snapshot
	for {
		sn, err = st.SnapshotAt(ctx, "bgp:rs-live", time.Time{})
		if err == nil && collectorPrefixes(t, st, sn) == n4+n6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no live snapshot with the %d routes within 60s (%v)\n%s", n4+n6, err, birdtest.Tail(stderr(), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The independent computation, from the routes BIRD exports.
	reach := map[ixp.ASN]bool{}
	v4, v6 := map[netip.Prefix]bool{}, map[netip.Prefix]bool{}
	v6origins := map[ixp.ASN]bool{}
	var seen []netip.Prefix
	for i := range n4 + n6 {
		isV6 := i >= n4
		j, p := i, birdtest.V4Net(i)
		if isV6 {
			j = i - n4
			p = birdtest.V6Net(j)
		}
		path := birdtest.Path(65010, j, isV6)
		for _, a := range path {
			reach[ixp.ASN(a)] = true
		}
		seen = append(seen, p)
		origin := ixp.ASN(path[len(path)-1])
		if country[origin] != "BR" {
			continue
		}
		if isV6 {
			v6[p], v6origins[origin] = true, true
		} else {
			v4[p] = true
		}
	}
	registered, reachBR := 0, 0
	for a, cc := range country {
		if cc == "BR" {
			registered++
			if reach[a] {
				reachBR++
			}
		}
	}
	announced := 0
	for _, d := range delegated["BR"] {
		dp := netip.MustParsePrefix(d)
		for _, p := range seen {
			if dp.Overlaps(p) {
				announced++
				break
			}
		}
	}
	want := indicator.ARDA{Country: "BR", Date: sn.At.UTC().Format(time.DateOnly),
		Vantages:       []indicator.VantageRef{{Source: "bgp:rs-live", Type: "live", IXPID: 171, Date: sn.At.UTC().Format(time.DateOnly)}},
		RIRDate:        ptrTo(day.Format(time.DateOnly)),
		RegisteredASNs: &registered, ReachableASNs: &reachBR, ASNShare: ratio(reachBR, registered),
		DelegatedPrefixes: ptrTo(len(delegated["BR"])), AnnouncedPrefixes: &announced, PrefixShare: ratio(announced, len(delegated["BR"])),
		ReachableTotal: ptrTo(len(reach)), ExternalASNs: ptrTo(len(reach) - reachBR), ExternalShare: ratio(len(reach)-reachBR, len(reach)),
		LocalPrefixes: ptrTo(len(v4) + len(v6)), IPv6Prefixes: ptrTo(len(v6)), IPv6Share: ratio(len(v6), len(v4)+len(v6)),
		IPv6ASNs: ptrTo(len(v6origins)), IPv6ASNShare: ratio(len(v6origins), reachBR)}
	// The fixture is built so that no figure is trivial.
	if reachBR == 0 || reachBR == registered || announced == 0 || announced == len(delegated["BR"]) || len(reach) == reachBR || len(v6) == 0 || len(v4) == 0 {
		t.Fatalf("degenerate fixture: %+v", want)
	}

	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/arda/countries/BR")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Current indicator.ARDA   `json:"current"`
		History []indicator.ARDA `json:"history"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("arda BR: %d %v", resp.StatusCode, err)
	}
	gj, _ := json.Marshal(got.Current)
	wj, _ := json.Marshal(want)
	t.Logf("ARDA of BR from the live session: %s", gj)
	if string(gj) != string(wj) {
		t.Errorf("ARDA of BR from the live session\n got  %s\n want %s", gj, wj)
	}
	if len(got.History) == 0 || got.History[len(got.History)-1].Vantages[0].Type != "live" {
		t.Errorf("history %+v, want observations of the live vantage point", got.History)
	}
}

func ptrTo[T any](v T) *T { return &v }

func ratio(n, d int) *float64 { v := float64(n) / float64(d); return &v }
