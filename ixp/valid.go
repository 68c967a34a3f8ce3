package ixp

import (
	"math"
	"regexp"
	"strconv"
)

// Values are validated where they enter (issue 20, item 4; the rules are
// in docs/RELIABILITY.md, "Values"). A value outside its range is a quirk:
// counted in the snapshot's notes ("quirk NAME: N …", see QuirkNote) and in
// ixpobs_source_quirks_total, and the figure it would feed is unknown.

// MaxPortSpeedMbps is the largest port speed taken as real: 10 Tbps. The
// fastest Ethernet port standardised is 800 Gbps; PeeringDB's largest
// declared speeds are aggregates of a few of them.
const MaxPortSpeedMbps = 10_000_000

// Quirks of values.
const (
	// QuirkSpeedOutOfRange: a port speed below zero or above
	// MaxPortSpeedMbps; the speed is unknown (0) and adds nothing to a
	// capacity.
	QuirkSpeedOutOfRange = "speed_out_of_range"
	// QuirkAddressInvalid: an address field that does not hold an address
	// of its family (ipaddr4 not IPv4, ipaddr6 not IPv6); the address is
	// unknown (empty).
	QuirkAddressInvalid = "address_invalid"
	// QuirkCountryInvalid: a country field that is not an ISO 3166-1
	// alpha-2 code ixpobs knows; the country is unknown (empty).
	QuirkCountryInvalid = "country_invalid"
	// QuirkDuplicateKey: a JSON object giving one key twice, or two keys
	// equal but for case (encoding/json would silently keep the last, or
	// match "ASN" to asn).
	QuirkDuplicateKey = "duplicate_key"
)

// SpeedValid reports whether a port speed in Mbps is in the physical
// range: 0 (not given) to MaxPortSpeedMbps.
func SpeedValid(mbps int64) bool {
	return mbps >= 0 && mbps <= MaxPortSpeedMbps
}

// AddMbps adds two non-negative figures in Mbps, saturating at
// math.MaxInt64 instead of wrapping around. A negative operand counts as 0.
func AddMbps(a, b int64) int64 {
	if a < 0 {
		a = 0
	}
	if b < 0 {
		b = 0
	}
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// QuirkNote is the snapshot note of a quirk counted n times; detail (may
// be empty) says where, e.g. "in FILE (e.g. net 123)".
func QuirkNote(name string, n int, detail string) string {
	s := "quirk " + name + ": " + strconv.Itoa(n)
	if detail != "" {
		s += " " + detail
	}
	return s
}

// quirkNote matches the notes that count a quirk or a dropped item: the
// store's and PeeringDB's "quirk NAME: N …" and IX-F's "ixf quirk NAME: N"
// and "ixf dropped NAME: N".
var quirkNote = regexp.MustCompile(`^(?:[a-z]+ )?(?:quirk|dropped) ([a-z0-9_]+): ([0-9]+)`)

// QuirkCounts reads the quirk counts out of a snapshot's notes (the notes
// QuirkNote and the IX-F report write), summing repeated names.
func QuirkCounts(notes []string) map[string]int {
	var out map[string]int
	for _, n := range notes {
		m := quirkNote.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		c, err := strconv.Atoi(m[2])
		if err != nil {
			continue
		}
		if out == nil {
			out = map[string]int{}
		}
		out[m[1]] += c
	}
	return out
}
