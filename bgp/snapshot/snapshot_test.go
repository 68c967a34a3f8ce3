package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func route(peerASN uint32, peer, prefix string, path ...uint32) bgp.Route {
	return bgp.Route{Peer: bgp.Peer{ASN: peerASN, Addr: netip.MustParseAddr(peer)}, Prefix: netip.MustParsePrefix(prefix),
		Path: []bgp.Segment{{ASNs: path}}}
}

func TestBuildAndStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "b.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agg := bgp.NewAggregator()
	agg.Announce(route(64500, "187.16.216.1", "10.0.0.0/8", 64500, 64501))
	agg.Announce(route(64500, "187.16.216.1", "2001:db8::/32", 64500, 64500, 64502))
	agg.Announce(route(64510, "187.16.216.2", "10.0.0.0/8", 64510, 64501))
	c := ixp.BGPCollector{Name: "rrc15", IXID: 171, Type: "mrt", Files: []string{"bview.gz"}}
	day := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	in, err := snapshot.Build(c, day, agg.Summary())
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Publish(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"bgp_collector": 1, "bgp_peer": 2, "bgp_origin": 2, "bgp_link": 2, "bgp_prefix": 2} // links grouped by A: 64500 (2), 64501 (1)
	for k, n := range want {
		if res.Snapshot.Counts[k] != n {
			t.Errorf("%s = %d, want %d (counts %v)", k, res.Snapshot.Counts[k], n, res.Snapshot.Counts)
		}
	}
	recs, _ := st.Objects(ctx, "bgp:rrc15", ixp.KindBGPOrigin, time.Time{}, store.Filter{ASN: 64501})
	var o ixp.BGPOrigin
	if len(recs) != 1 || json.Unmarshal(recs[0].Data, &o) != nil || o.PrefixesV4 != 1 || o.AddrsV4 != 1<<24 || recs[0].IXID != 171 {
		t.Errorf("origin 64501 = %+v (%d records)", o, len(recs))
	}
	// The same table later: no new versions but the collector's route count.
	again, _ := snapshot.Build(c, day.Add(8*time.Hour), agg.Summary())
	res, err = st.Publish(ctx, again)
	if err != nil || res.Inserted != 0 {
		t.Errorf("unchanged table: %d versions written (%v), want 0", res.Inserted, err)
	}
	if err := snapshot.ValidName("bad name/"); err == nil {
		t.Errorf("ValidName accepted a slash")
	}
}

// TestBuildEncodesAsEncodingJSON checks that the hand-encoded link and
// prefix records are byte for byte what encoding/json makes of the
// ixp.BGPLinks and ixp.BGPPrefixes they stand for (the store compares
// versions by their bytes: a different encoding would make every record
// look changed).
func TestBuildEncodesAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var sum bgp.Summary
	for a := uint32(1); a < 300; a += 1 + uint32(rng.IntN(20)) {
		for b := a + 1; b < a+200; b += 1 + uint32(rng.IntN(50)) {
			sum.Links = append(sum.Links, bgp.Link{A: a, B: b + uint32(rng.IntN(4))<<30, Peers: 1 + rng.IntN(30)})
		}
	}
	for i := range 2000 {
		var p netip.Prefix
		if i%5 == 0 {
			p = netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}), 48)
		} else {
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
		}
		var origins []uint32
		switch rng.IntN(10) {
		case 0: // only AS_SET origins
		case 1:
			origins = []uint32{uint32(rng.IntN(50)), 4200000000 + uint32(rng.IntN(50))}
		default:
			origins = []uint32{uint32(rng.IntN(50)) * 65536}
		}
		slices.Sort(origins)
		sum.Prefixes = append(sum.Prefixes, bgp.PrefixOrigins{Prefix: p, Origins: slices.Compact(origins)})
	}
	in, err := snapshot.Build(ixp.BGPCollector{Name: "enc", Type: "mrt"}, time.Unix(0, 0), sum)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: the records as encoding/json makes them.
	want := map[ixp.Kind]map[int64][]byte{ixp.KindBGPLink: {}, ixp.KindBGPPrefix: {}}
	links := map[uint32]*ixp.BGPLinks{}
	for _, l := range sum.Links {
		g := links[l.A]
		if g == nil {
			g = &ixp.BGPLinks{A: ixp.ASN(l.A)}
			links[l.A] = g
		}
		g.B = append(g.B, ixp.ASN(l.B))
		g.Peers = append(g.Peers, l.Peers)
	}
	for a, g := range links {
		want[ixp.KindBGPLink][int64(a)], _ = json.Marshal(g)
	}
	prefixes := map[uint32]*ixp.BGPPrefixes{}
	for _, p := range sum.Prefixes {
		var first uint32
		if len(p.Origins) > 0 {
			first = p.Origins[0]
		}
		g := prefixes[first]
		if g == nil {
			g = &ixp.BGPPrefixes{Origin: ixp.ASN(first)}
			prefixes[first] = g
		}
		g.Prefixes = append(g.Prefixes, p.Prefix.String())
		if len(p.Origins) > 1 {
			var origins []ixp.ASN
			for _, o := range p.Origins {
				origins = append(origins, ixp.ASN(o))
			}
			g.MOAS = append(g.MOAS, ixp.BGPPrefix{Prefix: p.Prefix.String(), Origins: origins})
		}
	}
	for o, g := range prefixes {
		want[ixp.KindBGPPrefix][int64(o)], _ = json.Marshal(g)
	}
	got := 0
	for _, r := range in.Records {
		w, ok := want[r.Kind]
		if !ok {
			continue
		}
		got++
		if !bytes.Equal(r.Data, w[r.ID]) {
			t.Errorf("%s %d:\n got %s\nwant %s", r.Kind, r.ID, r.Data, w[r.ID])
		}
	}
	if n := len(links) + len(prefixes); got != n {
		t.Errorf("%d link and prefix records, want %d", got, n)
	}
}

func TestCheckPeerShrink(t *testing.T) {
	peer := func(asn ixp.ASN, addr string, v4, v6 int) ixp.BGPPeer {
		return ixp.BGPPeer{ASN: asn, Address: addr, PrefixesV4: v4, PrefixesV6: v6}
	}
	prev := []ixp.BGPPeer{peer(65010, "192.0.2.1", 160000, 40000), peer(65011, "192.0.2.2", 1000, 0)}
	for _, tc := range []struct {
		name  string
		next  []ixp.BGPPeer
		allow func(ixp.BGPPeer) bool
		bad   []string // "ASN prev->next" of the refused peers
	}{
		{"same", prev, nil, nil},
		{"grown, new peer", []ixp.BGPPeer{peer(65010, "192.0.2.1", 170000, 40000), peer(65011, "192.0.2.2", 1000, 0), peer(65012, "192.0.2.3", 5, 0)}, nil, nil},
		{"30% drop is allowed", []ixp.BGPPeer{peer(65010, "192.0.2.1", 100000, 40000), peer(65011, "192.0.2.2", 700, 0)}, nil, nil},
		{"half table refused", []ixp.BGPPeer{peer(65010, "192.0.2.1", 20345, 0), peer(65011, "192.0.2.2", 1000, 0)}, nil, []string{"65010 200000->20345"}},
		{"missing peer refused", []ixp.BGPPeer{prev[0]}, nil, []string{"65011 1000->0"}},
		{"same address, other ASN is another peer", []ixp.BGPPeer{prev[0], peer(65099, "192.0.2.2", 1000, 0)}, nil, []string{"65011 1000->0"}},
		{"allowed by the caller", []ixp.BGPPeer{prev[0]}, func(p ixp.BGPPeer) bool { return p.ASN == 65011 }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := snapshot.CheckPeerShrink("bgp:rs1", prev, tc.next, tc.allow)
			var got []string
			var se *snapshot.PeerShrinkError
			if errors.As(err, &se) {
				for _, p := range se.Peers {
					got = append(got, fmt.Sprintf("%d %d->%d", p.ASN, p.Previous, p.Next))
				}
				if !errors.Is(err, ixp.ErrShrink) || !strings.Contains(err.Error(), "bgp:rs1: peer tables would shrink") {
					t.Errorf("error %v: want it to wrap ixp.ErrShrink and name the source", err)
				}
			} else if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if !slices.Equal(got, tc.bad) {
				t.Errorf("refused %v, want %v", got, tc.bad)
			}
		})
	}
}
