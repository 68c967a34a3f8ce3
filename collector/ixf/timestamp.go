package ixf

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// zoneOffsets maps the zone names seen in (or likely in) exports to their
// UTC offsets in hours. Ambiguous names (IST, CST in Asia) use the reading
// most common among IXPs.
var zoneOffsets = map[string]int{
	"Z": 0, "UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1,
	"CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"BRT": -3, "ART": -3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AWST": 8,
	"AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}

// looseTime matches date, optional separator (T, space or a zone name such
// as "CEST" in 2016-10-22CEST19:09:25), optional time with fraction, and an
// optional zone (Z, ±hh:mm, ±hhmm, ±hh or a name).
var looseTime = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]|([A-Za-z]{1,5}))?` +
	`(?:(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9})\d*)?)?)?` +
	`\s*(Z|z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{2,5})?$`)

// parseTimestamp reads an export timestamp. It returns the time in UTC,
// whether a lenient rule was needed (odd) and whether it could be read at
// all.
func parseTimestamp(s string) (t time.Time, odd, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false, true
	}
	m := looseTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false, false
	}
	num := func(i int) int {
		if m[i] == "" {
			return 0
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	year, month, day := num(1), num(2), num(3)
	hour, minute, sec := num(5), num(6), num(7)
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 99 || sec > 99 {
		return time.Time{}, false, false
	}
	nsec := 0
	if m[8] != "" {
		frac := m[8] + strings.Repeat("0", 9-len(m[8]))
		nsec, _ = strconv.Atoi(frac)
	}
	zone := m[9]
	if zone == "" {
		zone = m[4] // a zone name used as the date/time separator
	}
	offset := 0
	switch {
	case zone == "":
		// No zone designator: read as UTC.
	case zone[0] == '+' || zone[0] == '-':
		digits := strings.ReplaceAll(zone[1:], ":", "")
		h, _ := strconv.Atoi(digits[:2])
		mm := 0
		if len(digits) == 4 {
			mm, _ = strconv.Atoi(digits[2:])
		}
		offset = h*3600 + mm*60
		if zone[0] == '-' {
			offset = -offset
		}
	default:
		h, known := zoneOffsets[strings.ToUpper(zone)]
		if !known {
			return time.Time{}, false, false
		}
		offset = h * 3600
	}
	// time.Date normalises out-of-range values (16:10:87 is 16:11:27).
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.FixedZone("", offset))
	return t.UTC(), true, true
}

// parseDate reads a member_since or connected_since value as YYYY-MM-DD: the
// date as written, whatever follows it.
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return "", false
	}
	return s[:10], true
}
