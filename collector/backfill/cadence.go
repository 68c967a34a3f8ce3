package backfill

import (
	"fmt"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// Cadence is the step between the dates of a backfill.
type Cadence struct {
	name string
	step func(time.Time) time.Time
}

// The cadences: the first of each month, every seventh day from the
// start, every day.
var (
	Monthly = Cadence{"1mo", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }}
	Weekly  = Cadence{"1w", func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }}
	Daily   = Cadence{"1d", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }}
)

// ParseCadence reads 1mo, 1w or 1d.
func ParseCadence(s string) (Cadence, error) {
	for _, c := range []Cadence{Monthly, Weekly, Daily} {
		if c.name == s {
			return c, nil
		}
	}
	return Cadence{}, fmt.Errorf("backfill: cadence %q is not 1mo, 1w or 1d: %w", s, ixp.ErrInvalid)
}

func (c Cadence) String() string { return c.name }

// Next returns the date after t.
func (c Cadence) Next(t time.Time) time.Time { return c.step(t) }

// Dates returns the dates from since to until (inclusive), oldest first.
// A monthly cadence starts on the first of since's month when since is
// not a first, so that every month is one window.
func (c Cadence) Dates(since, until time.Time) []time.Time {
	since = time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)
	if c.name == Monthly.name && since.Day() != 1 {
		since = time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	}
	var out []time.Time
	for t := since; !t.After(until); t = c.step(t) {
		out = append(out, t)
	}
	return out
}
