package live

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"

	"github.com/ixpobs/ixpobs/bgp"
)

type nopSink struct{}

func (nopSink) Announce(bgp.Route)                      {}
func (nopSink) Withdraw(bgp.Peer, netip.Prefix, uint32) {}
func (nopSink) ResetPeer(bgp.Peer)                      {}
func (nopSink) MarkWhole(bgp.Peer, bool)                {}

// TestExportPolicyRejects reads GoBGP's policy assignments back: export
// defaults to reject globally and for every neighbour (RFC 8212). Together
// with disabled best-path selection this is why nothing is announced;
// TestNeverAnnounces checks it on the wire.
func TestExportPolicyRejects(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := DefaultConfig()
	cfg.ASN, cfg.RouterID, cfg.ListenPort, cfg.ListenAddresses = 65000, "127.0.0.1", int32(port), []string{"127.0.0.1"}
	cfg.ShutdownGrace = 100 * time.Millisecond
	cfg.Peers = []PeerConfig{{Address: "127.0.0.9", Port: 9, ASN: 65009}}
	cfg.Dynamic = []DynamicConfig{{Name: "lan", Prefix: "127.0.1.0/24"}}
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
	c.mu.Unlock()
	// GoBGP keeps per-neighbour policies only for route-server clients:
	// for other neighbours ListPolicyAssignment fails and the global
	// assignment is the one applied. The per-neighbour config is still set
	// (below) so it holds if a peer is ever made an RS client.
	for _, name := range []string{"global"} {
		for _, dir := range []api.PolicyDirection{api.PolicyDirection_POLICY_DIRECTION_EXPORT, api.PolicyDirection_POLICY_DIRECTION_IMPORT} {
			want := api.RouteAction_ROUTE_ACTION_REJECT
			if dir == api.PolicyDirection_POLICY_DIRECTION_IMPORT {
				want = api.RouteAction_ROUTE_ACTION_ACCEPT
			}
			var got []api.RouteAction
			err := srv.ListPolicyAssignment(ctx, &api.ListPolicyAssignmentRequest{Name: name, Direction: dir}, func(a *api.PolicyAssignment) {
				got = append(got, a.DefaultAction)
			})
			if err != nil || len(got) != 1 || got[0] != want {
				t.Errorf("ListPolicyAssignment(%s, %v) = %v, %v; want [%v]", name, dir, got, err, want)
			}
		}
	}
	var peerExport api.RouteAction
	err = srv.ListPeer(ctx, &api.ListPeerRequest{Address: "127.0.0.9"}, func(p *api.Peer) {
		peerExport = p.GetApplyPolicy().GetExportPolicy().GetDefaultAction()
	})
	if err != nil || peerExport != api.RouteAction_ROUTE_ACTION_REJECT {
		t.Errorf("peer 127.0.0.9 export default = %v, %v; want reject", peerExport, err)
	}
	var groupExport api.RouteAction
	err = srv.ListPeerGroup(ctx, &api.ListPeerGroupRequest{PeerGroupName: "lan"}, func(g *api.PeerGroup) {
		groupExport = g.GetApplyPolicy().GetExportPolicy().GetDefaultAction()
	})
	if err != nil || groupExport != api.RouteAction_ROUTE_ACTION_REJECT {
		t.Errorf("peer group lan export default = %v, %v; want reject", groupExport, err)
	}
}
