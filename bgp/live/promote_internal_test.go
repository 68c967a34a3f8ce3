package live

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"
)

// TestPromotedPeerConfig promotes an address of a dynamic range and reads
// GoBGP's configuration of the new static peer back: passive, the range's
// AS, password, timers, GTSM, families and ADD-PATH, and a reject-all
// export policy, the same as the range's peer group. The collector still
// reports the address as a dynamic neighbour of the range.
func TestPromotedPeerConfig(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := DefaultConfig()
	cfg.ASN, cfg.RouterID, cfg.ListenPort, cfg.ListenAddresses = 65000, "127.0.0.1", int32(port), []string{"127.0.0.1"}
	cfg.ShutdownGrace = 100 * time.Millisecond
	cfg.Dynamic = []DynamicConfig{{Name: "lan", Prefix: "127.0.2.0/24", ASN: 65300, IXPID: 44, SessionConfig: SessionConfig{
		Password: "s3cret", TTLSecurity: 1, HoldTime: 30 * time.Second, AddPath: true,
		MaxPrefix: MaxPrefixConfig{IPv4: 100, IPv6: 10},
	}}}
	c, err := New(cfg, nopSink{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	<-c.Ready()
	c.mu.Lock()
	srv := c.srv
	addr := netip.MustParseAddr("127.0.2.7")
	c.wantPromotionLocked(c.peerLocked(addr)) // as when its first session ends
	c.mu.Unlock()
	c.promote(ctx, srv, addr)

	var peer *api.Peer
	if err := srv.ListPeer(ctx, &api.ListPeerRequest{Address: addr.String()}, func(p *api.Peer) { peer = p }); err != nil || peer == nil {
		t.Fatalf("ListPeer(%s) = %v, %v; want the promoted peer", addr, peer, err)
	}
	var group *api.PeerGroup
	if err := srv.ListPeerGroup(ctx, &api.ListPeerGroupRequest{PeerGroupName: "lan"}, func(g *api.PeerGroup) { group = g }); err != nil || group == nil {
		t.Fatalf("ListPeerGroup(lan) = %v, %v", group, err)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("promoted peer %s = %v, want %v", what, got, want)
		}
	}
	check("peer AS", peer.GetConf().GetPeerAsn(), uint32(65300))
	check("peer AS (group)", peer.GetConf().GetPeerAsn(), group.GetConf().GetPeerAsn())
	check("description", peer.GetConf().GetDescription(), "lan")
	check("password", peer.GetConf().GetAuthPassword(), group.GetConf().GetAuthPassword())
	check("passive", peer.GetTransport().GetPassiveMode(), true)
	check("hold time", peer.GetTimers().GetConfig().GetHoldTime(), uint64(30))
	check("hold time (group)", peer.GetTimers().GetConfig().GetHoldTime(), group.GetTimers().GetConfig().GetHoldTime())
	check("keepalive", peer.GetTimers().GetConfig().GetKeepaliveInterval(), group.GetTimers().GetConfig().GetKeepaliveInterval())
	check("GTSM", peer.GetTtlSecurity().GetEnabled(), true)
	check("GTSM minimum TTL", peer.GetTtlSecurity().GetTtlMin(), uint32(255))
	check("GTSM minimum TTL (group)", peer.GetTtlSecurity().GetTtlMin(), group.GetTtlSecurity().GetTtlMin())
	check("export default", peer.GetApplyPolicy().GetExportPolicy().GetDefaultAction(), api.RouteAction_ROUTE_ACTION_REJECT)
	check("export default (group)", group.GetApplyPolicy().GetExportPolicy().GetDefaultAction(), api.RouteAction_ROUTE_ACTION_REJECT)
	// ListPeerGroup reports ADD-PATH from the group-level setting, not the
	// per-family one the group is configured with: compare families only.
	check("families (group)", strings.ReplaceAll(afiSafiSummary(peer.GetAfiSafis()), " add-path-receive", ""),
		strings.ReplaceAll(afiSafiSummary(group.GetAfiSafis()), " add-path-receive", ""))
	check("families", afiSafiSummary(peer.GetAfiSafis()), "AFI_IP/SAFI_UNICAST add-path-receive;AFI_IP6/SAFI_UNICAST add-path-receive")

	sessions := c.Sessions()
	i := slices.IndexFunc(sessions, func(s Session) bool { return s.Address == addr })
	if i < 0 {
		t.Fatalf("no session for %s", addr)
	}
	if s := sessions[i]; !s.Dynamic || !s.Promoted || s.IXPID != 44 || s.Name != "lan" {
		t.Errorf("session = %+v, want dynamic, promoted, ixp 44, name lan", s)
	}
	// A second promotion of the same address is refused by GoBGP and
	// counted, and does not change the count.
	c.mu.Lock()
	c.peers[addr].promoted = false
	c.wantPromotionLocked(c.peers[addr])
	c.mu.Unlock()
	c.promote(ctx, srv, addr)
	if promoted, limit, skipped, failures := c.PromotionStats(); promoted != 1 || limit != DefaultDynamicPromoteMax || skipped != 0 || failures != 1 {
		t.Errorf("PromotionStats() = %d, %d, %d, %d; want 1, %d, 0, 1", promoted, limit, skipped, failures, DefaultDynamicPromoteMax)
	}
}

func afiSafiSummary(afs []*api.AfiSafi) string {
	var out []string
	for _, af := range afs {
		f := af.GetConfig().GetFamily()
		s := f.GetAfi().String() + "/" + f.GetSafi().String()
		if af.GetAddPaths().GetConfig().GetReceive() {
			s += " add-path-receive"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, ";")
}
