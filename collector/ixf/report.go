package ixf

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Reasons a Report counts. Dropped reasons remove data from the output;
// quirk reasons are tolerated oddities that lose nothing (or only a field
// that is not kept).
const (
	// Dropped.
	DropInvalidASN        = "invalid_asn"          // member ASN missing, zero, reserved or not a number: member dropped
	DropInvalidIP         = "invalid_ip"           // an address that does not parse: that connection dropped
	DropUnknownIXP        = "unknown_ixp_id"       // connection references no ixp of ixp_list: connection dropped
	DropDuplicateConn     = "duplicate_connection" // same member, ixp, vlan and addresses listed again
	DropInvalidMember     = "invalid_member"       // a member_list entry that is not an object
	DropInvalidConnection = "invalid_connection"   // a connection_list entry that is not an object
	DropInvalidIXP        = "invalid_ixp"          // an ixp_list entry that is not an object or repeats an ixp_id

	// Quirks.
	QuirkVersionUnknown   = "version_unknown"   // version is not 0.4, 0.5, 0.6, 0.7 or 1.0
	QuirkTimestampMissing = "timestamp_missing" // no usable timestamp: the fetch time is used
	QuirkTimestampOdd     = "timestamp_odd"     // timestamp parsed with a lenient rule (no zone, zone name, out of range)
	// QuirkTimestampImplausible: a timestamp after the fetch time (beyond
	// MaxClockSkew) or before ixp.EarliestSnapshot; the fetch time is used.
	QuirkTimestampImplausible = "timestamp_implausible"
	QuirkObjectAsList         = "object_as_list"          // an object where a list is expected, read as a one-element list
	QuirkNullList             = "null_list"               // null or missing if_list, vlan_list or vlan
	QuirkStringNumber         = "string_number"           // a number sent as a string
	QuirkStringBool           = "string_bool"             // a boolean sent as a string or number
	QuirkIXFIDAlias           = "ixf_id_alias"            // ixf id under the non-standard key ixp_ixf_id
	QuirkIfSpeedMissing       = "if_speed_missing"        // if_speed null, missing or not a positive number
	QuirkUnknownState         = "unknown_state"           // connection state outside the known IX-F/PeeringDB values (kept)
	QuirkMemberState          = "member_state"            // state given on the member instead of the connection
	QuirkDuplicateMember      = "duplicate_member"        // the same ASN listed as several members: merged
	QuirkSharedAddress        = "connection_ports_merged" // several connections of one member entry with the same addresses: one connection, speeds added
	QuirkDuplicateAddress     = "duplicate_address"       // one IP address used by several members of one exchange (kept)
	QuirkAddressWhitespace    = "address_whitespace"      // an address padded with spaces
	QuirkAddressPrefixLength  = "address_prefix_length"   // an address written with a /length
	QuirkAddressMissing       = "address_missing"         // an ipv4/ipv6 object without an address
	QuirkVLANIDMissing        = "vlan_id_missing"         // vlan_list entry without vlan_id (0 used)
	QuirkVLANMerged           = "vlan_families_merged"    // IPv4-only and IPv6-only entries of one vlan merged into one connection
	QuirkNoVLAN               = "connection_without_vlan" // connection without any vlan entry (kept, no addresses)
	QuirkNoConnections        = "member_without_connections"
	QuirkMemberSinceInvalid   = "member_since_invalid" // member_since that is not a date (ignored)
	QuirkPrefixNoLength       = "vlan_prefix_without_length"
	QuirkPrefixInvalid        = "vlan_prefix_invalid" // vlan prefix that does not parse (ignored)
	QuirkCountryUK            = "country_uk"          // country "UK" read as ISO 3166 "GB"
	QuirkIXPIDMissing         = "ixp_id_missing"      // connection without ixp_id in a single-exchange export
	QuirkTrailingData         = "trailing_data"       // bytes after the JSON document
)

// maxExamples is how many examples a Report keeps per reason.
const maxExamples = 3

// Report counts what the decoder dropped and what oddities it tolerated,
// by reason, with a few examples of each.
type Report struct {
	MemberEntries     int            `json:"member_entries"`     // entries of member_list in the file
	ConnectionEntries int            `json:"connection_entries"` // entries of all connection_lists
	Dropped           map[string]int `json:"dropped,omitempty"`
	Quirks            map[string]int `json:"quirks,omitempty"`
	// Examples holds up to three short examples per reason (dropped or quirk).
	Examples map[string][]string `json:"examples,omitempty"`
}

func (r *Report) drop(reason, example string) {
	if r.Dropped == nil {
		r.Dropped = map[string]int{}
	}
	r.Dropped[reason]++
	r.example(reason, example)
}

func (r *Report) quirk(reason, example string) {
	if r.Quirks == nil {
		r.Quirks = map[string]int{}
	}
	r.Quirks[reason]++
	r.example(reason, example)
}

func (r *Report) example(reason, example string) {
	if example == "" {
		return
	}
	if r.Examples == nil {
		r.Examples = map[string][]string{}
	}
	if len(r.Examples[reason]) < maxExamples {
		if len(example) > 120 {
			example = example[:120] + "…"
		}
		r.Examples[reason] = append(r.Examples[reason], example)
	}
}

// DroppedTotal returns the number of dropped items over all reasons.
func (r *Report) DroppedTotal() int {
	n := 0
	for _, c := range r.Dropped {
		n += c
	}
	return n
}

// Notes summarises the report in a few sorted lines, one per reason, fit
// for ixp.SnapshotInput.Notes.
func (r *Report) Notes() []string {
	var notes []string
	for _, k := range slices.Sorted(maps.Keys(r.Dropped)) {
		notes = append(notes, note("dropped", k, r.Dropped[k], r.Examples[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Quirks)) {
		notes = append(notes, note("quirk", k, r.Quirks[k], r.Examples[k]))
	}
	return notes
}

func note(what, reason string, n int, examples []string) string {
	s := fmt.Sprintf("ixf %s %s: %d", what, reason, n)
	if len(examples) > 0 {
		s += " (e.g. " + strings.Join(examples, "; ") + ")"
	}
	return s
}
