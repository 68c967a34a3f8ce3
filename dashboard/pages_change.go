package dashboard

import "github.com/ixpobs/ixpobs/indicator"

// countChange is what the pages show of the change of a country's or a
// region's counts since an earlier state (a year before): computed here,
// in the view model, not by arithmetic in the templates.
type countChange struct {
	ActiveIXPs int
	Members    int
}

func changeSince(now, before indicator.CountryStats) countChange {
	return countChange{ActiveIXPs: now.ActiveIXPs - before.ActiveIXPs, Members: now.Members - before.Members}
}

// SinceYearAgo is the change since YearAgo (the page shows it only when
// YearAgo is set).
func (c countryDetail) SinceYearAgo() countChange {
	return changeSince(c.CountryStats, c.YearAgo.CountryStats)
}

// SinceYearAgo is the change of the totals since YearAgo.
func (r regionDetail) SinceYearAgo() countChange {
	return changeSince(r.Totals.CountryStats, r.YearAgo.CountryStats)
}

// LACSinceYearAgo is the change of Latin America and the Caribbean since
// LACYearAgo.
func (d overviewData) LACSinceYearAgo() countChange {
	return changeSince(d.LAC.CountryStats, d.LACYearAgo.CountryStats)
}

// MembersSincePrevious is the change of members since the previous
// snapshot of the exchange (shown only when there is one).
func (d *ixpPageData) MembersSincePrevious() int { return d.IXP.Members - d.Previous.Members }

// PeersOnlyMore counts the peers that are not members beyond those listed.
func (a bgpAgreement) PeersOnlyMore() int { return a.PeersOnlyN - len(a.PeersOnly) }
