package ixp

import (
	"fmt"
	"time"
)

// Bounds of a plausible snapshot time: a snapshot may be dated at most
// MaxFutureSkew after the current time (clocks and time zones differ by
// less than a day) and not before EarliestSnapshot (no source ixpobs reads
// has data from before 1990).
var EarliestSnapshot = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxFutureSkew is how far after now a snapshot may be dated.
const MaxFutureSkew = 24 * time.Hour

// TimeError says a snapshot time is implausible: in the future or before
// EarliestSnapshot. It wraps ErrInvalid.
type TimeError struct {
	At     time.Time
	Now    time.Time
	Future bool // true: after Now+MaxFutureSkew; false: before EarliestSnapshot
}

func (e *TimeError) Error() string {
	if e.Future {
		return fmt.Sprintf("snapshot time %s is more than a day after now (%s): a wrong date in the input or the clock; refused",
			e.At.UTC().Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("snapshot time %s is before %s: a wrong date in the input; refused",
		e.At.UTC().Format(time.RFC3339), EarliestSnapshot.Format(time.DateOnly))
}

func (e *TimeError) Unwrap() error { return ErrInvalid }

// CheckSnapshotTime returns a *TimeError when t is more than MaxFutureSkew
// after now or before EarliestSnapshot, nil otherwise. Every path that
// dates a snapshot (a store's Publish, --at flags, dates read from files)
// calls it, so that one wrong date cannot become the permanent "latest".
func CheckSnapshotTime(t, now time.Time) error {
	switch {
	case t.After(now.Add(MaxFutureSkew)):
		return &TimeError{At: t, Now: now, Future: true}
	case t.Before(EarliestSnapshot):
		return &TimeError{At: t, Now: now}
	}
	return nil
}
