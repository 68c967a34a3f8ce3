package ixp

import "strings"

// Source ids. A source id names one stream of snapshots and of the runs
// that produce them; it is stored in the snapshots' source and in every
// run record, and it is the "source" label of the collection metrics. Each
// source kind has one spelling, built here and nowhere else:
//
//	peeringdb             PeeringDB (API and dumps)
//	ixf:<export>          one IX-F member export
//	rir:<registry>        one RIR delegated-extended file (rir:lacnic)
//	bgp:<collector>       one BGP route collector, whether its tables come
//	                      from archived dumps (MRT, "show ip bgp" text:
//	                      `import mrt`, the scheduled MRT fetcher), from
//	                      live sessions (`ixpobs bgp`) or from a looking
//	                      glass (bgp:alicelg-<glass>-<route server>)
//
// Two ids name runs that publish under several sources: the IX-F round as
// a whole (discovery and every export) runs under SourceIXF, without a
// name, and each Alice-LG looking glass (all its route servers) under
// alicelg:<glass> (AliceLGSource).
const (
	SourcePeeringDB = "peeringdb"
	SourceIXF       = "ixf"
	SourceRIR       = "rir"
	SourceBGP       = "bgp"
	SourceAliceLG   = "alicelg"
)

// Prefixes of the source ids that carry a name.
const (
	SourcePrefixIXF = SourceIXF + ":"
	SourcePrefixRIR = SourceRIR + ":"
	SourcePrefixBGP = SourceBGP + ":"

	SourcePrefixAliceLG = SourceAliceLG + ":"
)

// legacyPrefixMRT is the spelling scheduled MRT runs were recorded under
// before they shared "bgp:" with `import mrt` (store migration 0004 renames
// the stored ones).
const legacyPrefixMRT = "mrt:"

// IXFSource returns the source id of the IX-F export named name.
func IXFSource(name string) string { return SourcePrefixIXF + name }

// RIRSource returns the source id of a registry's delegated file.
func RIRSource(registry string) string { return SourcePrefixRIR + registry }

// BGPSource returns the source id of a BGP route collector.
func BGPSource(collector string) string { return SourcePrefixBGP + collector }

// AliceLGSource returns the run id of an Alice-LG looking glass.
func AliceLGSource(glass string) string { return SourcePrefixAliceLG + glass }

// CanonicalSource returns the one spelling of a source id: a legacy
// "mrt:<collector>" becomes "bgp:<collector>"; any other id is returned
// unchanged. Readers of ids written by older versions (a history export,
// a command-line argument) pass them through it.
func CanonicalSource(id string) string {
	if name, ok := strings.CutPrefix(id, legacyPrefixMRT); ok {
		return BGPSource(name)
	}
	return id
}
