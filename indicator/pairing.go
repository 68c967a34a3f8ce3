package indicator

import (
	"time"
)

// The pairing rule (docs/INDICATORS.md, "Combining sources of different
// dates"): a figure computed from two sources pairs an observation of the
// first with the observation of the second nearest in time to it, before or
// after, within a window; on a tie the earlier one. None within the window
// makes the figure unknown.
const (
	// RIRWindow pairs an RIR file with a PeeringDB (or collector)
	// snapshot: registries publish daily, but archives keep a few files a
	// year, and delegations change slowly.
	RIRWindow = 366 * 24 * time.Hour
	// CollectorWindow pairs a BGP collector snapshot with a PeeringDB
	// snapshot, an RIR file or an IX-F export: routing changes fast.
	CollectorWindow = 31 * 24 * time.Hour
	// CompareWindow is the default largest gap between two sources whose
	// member lists are compared (PeeringDB, IX-F, collector peers).
	CompareWindow = 31 * 24 * time.Hour
)

// Nearest returns the index in candidates of the time nearest to ref
// within window (|t - ref| <= window), the earlier one on a tie, and false
// when none is within the window. candidates need not be sorted.
func Nearest(ref time.Time, candidates []time.Time, window time.Duration) (int, bool) {
	best := -1
	var bestGap time.Duration
	for i, c := range candidates {
		gap := absDuration(c.Sub(ref))
		if gap > window {
			continue
		}
		if best < 0 || gap < bestGap || (gap == bestGap && c.Before(candidates[best])) {
			best, bestGap = i, gap
		}
	}
	return best, best >= 0
}

// Comparable reports whether two observations are close enough to be
// compared (within window) and how many whole days apart they are.
func Comparable(a, b time.Time, window time.Duration) (ok bool, days int) {
	gap := absDuration(a.Sub(b))
	return gap <= window, int(gap / (24 * time.Hour))
}

// YearBefore returns the index of the observation to compare ref with for
// a year-over-year change: the one nearest to a year before ref among
// those 300 to 430 days before it (on a tie, the earlier), false when none.
func YearBefore(ref time.Time, candidates []time.Time) (int, bool) {
	best := -1
	var bestGap time.Duration
	target := ref.AddDate(-1, 0, 0)
	for i, c := range candidates {
		back := ref.Sub(c)
		if back < 300*24*time.Hour || back > 430*24*time.Hour {
			continue
		}
		gap := absDuration(c.Sub(target))
		if best < 0 || gap < bestGap || (gap == bestGap && c.Before(candidates[best])) {
			best, bestGap = i, gap
		}
	}
	return best, best >= 0
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
