// GoBGP configuration of neighbours: static peers, dynamic ranges
// (peer groups) and promoted dynamic neighbours, all receive-only.

package live

import (
	"net/netip"

	"github.com/osrg/gobgp/v4/api"
)

// everything.
func rejectAll() *api.ApplyPolicy {
	return &api.ApplyPolicy{
		ExportPolicy: &api.PolicyAssignment{Direction: api.PolicyDirection_POLICY_DIRECTION_EXPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT},
		ImportPolicy: &api.PolicyAssignment{Direction: api.PolicyDirection_POLICY_DIRECTION_IMPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	}
}

// afiSafis enables IPv4 and IPv6 unicast. GoBGP's own prefix limit stays
// off (see enforceLimit).
func afiSafis(addPath bool) []*api.AfiSafi {
	var out []*api.AfiSafi
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		fam := &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}
		out = append(out, &api.AfiSafi{
			Config:       &api.AfiSafiConfig{Family: fam, Enabled: true},
			PrefixLimits: &api.PrefixLimit{Family: fam},
			AddPaths:     &api.AddPaths{Config: &api.AddPathsConfig{Receive: addPath}},
		})
	}
	return out
}

func timers(s *SessionConfig) *api.Timers {
	hold := s.holdSeconds()
	return &api.Timers{Config: &api.TimersConfig{
		HoldTime:          hold,
		KeepaliveInterval: max(hold/3, 1),
		ConnectRetry:      s.connectRetrySeconds(),
	}}
}

func ttlSecurity(s *SessionConfig) *api.TtlSecurity {
	if s.TTLSecurity == 0 {
		return nil
	}
	return &api.TtlSecurity{Enabled: true, TtlMin: uint32(256 - int(s.TTLSecurity))}
}

func staticPeer(p *PeerConfig) *api.Peer {
	return &api.Peer{
		ApplyPolicy: rejectAll(),
		Conf: &api.PeerConf{
			NeighborAddress: p.Address,
			PeerAsn:         p.ASN,
			AuthPassword:    p.Password,
			Description:     p.Name,
		},
		Transport: &api.Transport{
			PassiveMode:  p.Passive,
			RemotePort:   uint32(p.Port),
			LocalAddress: p.LocalAddress,
		},
		Timers:      timers(&p.SessionConfig),
		AfiSafis:    afiSafis(p.AddPath),
		TtlSecurity: ttlSecurity(&p.SessionConfig),
	}
}

// promotedPeer is the static passive peer a dynamic neighbour at addr is
// turned into: the same settings as its range's peer group (dynamicGroup).
func promotedPeer(addr netip.Addr, d *DynamicConfig) *api.Peer {
	return &api.Peer{
		ApplyPolicy: rejectAll(),
		Conf: &api.PeerConf{
			NeighborAddress: addr.String(),
			PeerAsn:         d.ASN,
			AuthPassword:    d.Password,
			Description:     d.Name,
		},
		Transport:   &api.Transport{PassiveMode: true},
		Timers:      timers(&d.SessionConfig),
		AfiSafis:    afiSafis(d.AddPath),
		TtlSecurity: ttlSecurity(&d.SessionConfig),
	}
}

func dynamicGroup(d *DynamicConfig) *api.PeerGroup {
	return &api.PeerGroup{
		ApplyPolicy: rejectAll(),
		Conf: &api.PeerGroupConf{
			PeerGroupName: d.Name,
			PeerAsn:       d.ASN,
			AuthPassword:  d.Password,
			Description:   d.Name,
		},
		Transport:   &api.Transport{PassiveMode: true},
		Timers:      timers(&d.SessionConfig),
		AfiSafis:    afiSafis(d.AddPath),
		TtlSecurity: ttlSecurity(&d.SessionConfig),
	}
}
