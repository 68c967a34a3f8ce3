package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestCollectorPeersVsMembersRealData imports the real RIS rrc15 (IX.br
// São Paulo) update file of 2010 as the collector of PeeringDB ix 171,
// dated the day after the 2022-06-01 PeeringDB dump (the shared data has
// no PeeringDB dump from 2010), and checks the peers-versus-members
// comparison against the dump's own netixlan.json.gz.
func TestCollectorPeersVsMembersRealData(t *testing.T) {
	dir := testenv.SharedData(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bgp-real.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := peeringdb.ReadDir(ctx, realdata.PeeringDBDir(t, "ixgen-2022-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.Snapshot(time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, in); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 6, 2, 0, 0, 0, 0, time.UTC)
	file := filepath.Join(dir, "mrt", "bgpkit-parser", "rrc15_updates.20100227.1600.gz")
	if _, err := ribs.ImportFile(ctx, st, file, ribs.ImportOptions{Collector: "rrc15", IXID: 171, At: at}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()

	var detail struct {
		Peers []struct {
			ASN       uint32 `json:"asn"`
			IXPMember *bool  `json:"ixp_member"`
		} `json:"peers"`
		PeersVsMembers []struct {
			Source       string   `json:"source"`
			SnapshotDate string   `json:"snapshot_date"`
			Members      int      `json:"members"`
			Peers        int      `json:"peers"`
			Seen         int      `json:"seen"`
			NotSeen      []uint32 `json:"members_not_seen"`
			NotMembers   []uint32 `json:"peers_not_members"`
		} `json:"peers_vs_members"`
	}
	code, body := get(t, srv, "/api/v1/bgp/collectors/rrc15")
	if code != 200 || json.Unmarshal([]byte(body), &detail) != nil {
		t.Fatalf("collector: %d %.300s", code, body)
	}
	members, _, _, _, _ := reference(t, "ixgen-2022-06-01", 171)
	peers := map[uint32]bool{}
	for _, p := range detail.Peers {
		peers[p.ASN] = true
		if p.IXPMember == nil {
			t.Fatalf("peer AS%d without ixp_member", p.ASN)
		}
	}
	if len(detail.PeersVsMembers) != 1 || detail.PeersVsMembers[0].Source != "peeringdb" {
		t.Fatalf("peers_vs_members = %+v, want one PeeringDB comparison", detail.PeersVsMembers)
	}
	c := detail.PeersVsMembers[0]
	flagged := map[uint32]bool{}
	for _, p := range detail.Peers {
		if *p.IXPMember {
			flagged[p.ASN] = true
		}
	}
	if c.SnapshotDate != "2022-06-01" || c.Members != members || c.Peers != len(peers) || c.Seen == 0 ||
		c.Seen+len(c.NotSeen) != c.Members || c.Seen+len(c.NotMembers) != c.Peers || len(flagged) != c.Seen {
		t.Errorf("comparison = date %s, %d members (netixlan: %d), %d peers (%d), %d seen, %d not seen, %d not members",
			c.SnapshotDate, c.Members, members, c.Peers, len(peers), c.Seen, len(c.NotSeen), len(c.NotMembers))
	}
	for _, a := range c.NotMembers {
		if !peers[a] {
			t.Errorf("AS%d listed as a peer that is not a member, but it is no peer", a)
		}
	}
	t.Logf("rrc15 (2010 updates) against IX.br SP members on 2022-06-01: %d peers, %d members, %d seen", c.Peers, c.Members, c.Seen)
}
