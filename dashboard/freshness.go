package dashboard

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// Default largest ages of a source's newest data, by kind, when no
// collection interval is configured for it (docs/CONFIG.md, "Freshness"):
// PeeringDB publishes daily, registries daily (files can lag a day), IX-F
// exports and RIB dumps many times a day.
var defaultMaxAge = map[string]time.Duration{
	ixp.SourcePeeringDB: 48 * time.Hour,
	ixp.SourceRIR:       72 * time.Hour,
	ixp.SourceIXF:       48 * time.Hour,
	ixp.SourceBGP:       48 * time.Hour,
}

// minLiveMaxAge is the least a live BGP session's snapshots may lag.
const minLiveMaxAge = time.Hour

// freshness says how old a source's newest data is and whether that is
// older than expected (stale).
type freshness struct {
	// DataDate: the date the newest snapshot's data describes (the dump
	// or file date, the RIB time), not when it was collected.
	DataDate string    `json:"data_date"`
	DataAt   time.Time `json:"data_at"`
	// AgeHours: hours from DataAt to now.
	AgeHours float64 `json:"age_hours"`
	// MaxAgeHours: the age after which the data is stale (nil: no rule
	// for this source, never called stale).
	MaxAgeHours *float64 `json:"max_age_hours"`
	// Stale: older than MaxAgeHours (nil: no rule).
	Stale *bool `json:"stale"`
	// Rule says where MaxAgeHours comes from.
	Rule   string `json:"rule"`
	maxAge time.Duration
}

// kindOf returns the kind of a source id: its name before ":".
func kindOf(source string) string {
	kind, _, _ := strings.Cut(source, ":")
	return kind
}

// maxAge returns how old the newest data of source may be, and why:
// twice the configured collection interval of the source (or of its
// kind: "ixf" runs every export), at least a day; for a live BGP session,
// three times the gap between its two newest snapshots, at least an hour;
// otherwise the default of its kind. ok is false when no rule applies.
func (s *Server) maxAge(ctx context.Context, source string, snaps []ixp.Snapshot) (time.Duration, string, bool, error) {
	kind := kindOf(source)
	if kind == ixp.SourceBGP && len(snaps) > 0 {
		c, err := s.collectorOf(ctx, snaps[len(snaps)-1])
		if err != nil {
			return 0, "", false, fmt.Errorf("freshness of %s: %w", source, err)
		}
		if c.Type == "live" {
			if len(snaps) < 2 {
				return minLiveMaxAge, "live session: at most 1h until a second snapshot gives its cadence", true, nil
			}
			gap := snaps[len(snaps)-1].At.Sub(snaps[len(snaps)-2].At)
			return max(3*gap, minLiveMaxAge), fmt.Sprintf("live session: three times the gap between its two newest snapshots (%s), at least 1h", gap), true, nil
		}
	}
	for _, name := range []string{source, kind} {
		if iv, ok := s.intervals[name]; ok && iv > 0 {
			return max(2*iv, 24*time.Hour), fmt.Sprintf("twice the configured interval of %s (%s), at least 24h", name, iv), true, nil
		}
	}
	if d, ok := defaultMaxAge[kind]; ok {
		return d, fmt.Sprintf("default for %s sources (%s)", kind, d), true, nil
	}
	return 0, "no rule for this kind of source", false, nil
}

// freshnessOf returns the freshness of a source from its snapshots
// (oldest first), nil without any.
func (s *Server) freshnessOf(ctx context.Context, source string, snaps []ixp.Snapshot) (*freshness, error) {
	if len(snaps) == 0 {
		return nil, nil
	}
	newest := snaps[len(snaps)-1].At
	age := s.Now().Sub(newest)
	f := &freshness{DataDate: dateString(newest), DataAt: newest.UTC(), AgeHours: roundHours(age)}
	limit, rule, ok, err := s.maxAge(ctx, source, snaps)
	if err != nil {
		return nil, err
	}
	f.Rule = rule
	if ok {
		h, stale := roundHours(limit), age > limit
		f.MaxAgeHours, f.Stale, f.maxAge = &h, &stale, limit
	}
	return f, nil
}

// roundHours returns d in hours, to a tenth.
func roundHours(d time.Duration) float64 {
	return math.Round(d.Hours()*10) / 10
}

// IsStale reports whether the data is known to be stale (for pages).
func (f freshness) IsStale() bool { return f.Stale != nil && *f.Stale }

// MaxAge returns MaxAgeHours as a whole number of hours ("" without a
// rule), for pages.
func (f freshness) MaxAge() string {
	if f.MaxAgeHours == nil {
		return ""
	}
	return strconv.FormatFloat(*f.MaxAgeHours, 'f', 0, 64)
}
