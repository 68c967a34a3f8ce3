package ixp

import "fmt"

// Kind is the kind of an object kept in history. Its numeric values are
// stored in databases: never renumber them, only add.
type Kind int

// Object kinds. The PeeringDB ones carry PeeringDB ids.
const (
	KindOrganization     Kind = 1  // PeeringDB org
	KindFacility         Kind = 2  // PeeringDB fac
	KindExchange         Kind = 3  // PeeringDB ix
	KindExchangeLAN      Kind = 4  // PeeringDB ixlan
	KindExchangePrefix   Kind = 5  // PeeringDB ixpfx
	KindExchangeFacility Kind = 6  // PeeringDB ixfac
	KindNetwork          Kind = 7  // PeeringDB net
	KindNetworkFacility  Kind = 8  // PeeringDB netfac
	KindConnection       Kind = 9  // PeeringDB netixlan, IX-F member connection
	KindCampus           Kind = 10 // PeeringDB campus
	KindCarrier          Kind = 11 // PeeringDB carrier
	KindCarrierFacility  Kind = 12 // PeeringDB carrierfac
	KindASNDelegation    Kind = 20 // RIR delegated statistics, asn line
	KindPrefixDelegation Kind = 21 // RIR delegated statistics, ipv4/ipv6 line
	KindExportedExchange Kind = 30 // an IXP described by an IX-F export
	KindBGPCollector     Kind = 40 // a BGP collector (MRT archive or live sessions), one per source
	KindBGPPeer          Kind = 41 // a neighbour of a collector and what it sends
	KindBGPOrigin        Kind = 42 // an origin ASN seen by a collector
	KindBGPLink          Kind = 43 // the AS adjacencies from one ASN seen in AS paths (BGPLinks)
	KindBGPPrefix        Kind = 44 // the prefixes of one first origin ASN seen by a collector (BGPPrefixes)
)

var kindNames = map[Kind]string{
	KindOrganization:     "org",
	KindFacility:         "fac",
	KindExchange:         "ix",
	KindExchangeLAN:      "ixlan",
	KindExchangePrefix:   "ixpfx",
	KindExchangeFacility: "ixfac",
	KindNetwork:          "net",
	KindNetworkFacility:  "netfac",
	KindConnection:       "netixlan",
	KindCampus:           "campus",
	KindCarrier:          "carrier",
	KindCarrierFacility:  "carrierfac",
	KindASNDelegation:    "asn",
	KindPrefixDelegation: "prefix",
	KindExportedExchange: "ixf_ixp",
	KindBGPCollector:     "bgp_collector",
	KindBGPPeer:          "bgp_peer",
	KindBGPOrigin:        "bgp_origin",
	KindBGPLink:          "bgp_link",
	KindBGPPrefix:        "bgp_prefix",
}

// BGPKinds are the kinds of a BGP collector snapshot.
var BGPKinds = []Kind{KindBGPCollector, KindBGPPeer, KindBGPOrigin, KindBGPLink, KindBGPPrefix}

// String returns the short name of the kind (the PeeringDB tag where there
// is one).
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// PeeringDBKinds lists the PeeringDB object kinds in the order that
// respects their references (an object's parents come first).
var PeeringDBKinds = []Kind{
	KindOrganization, KindCampus, KindFacility, KindCarrier, KindCarrierFacility,
	KindExchange, KindExchangeLAN, KindExchangePrefix, KindExchangeFacility,
	KindNetwork, KindNetworkFacility, KindConnection,
}

// KindByName returns the kind for a short name such as "netixlan".
func KindByName(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return k, true
		}
	}
	return 0, false
}

// Known reports whether k is one of the kinds above.
func (k Kind) Known() bool {
	_, ok := kindNames[k]
	return ok
}
