package dashboard

import "time"

// A history of daily snapshots has thousands of points: the charts read
// them from the API, but the table under each chart (its accessible
// form) was the whole history, 5,800 rows and 2.7 MB on the home page of
// a 16-year store. Past tableRowsMax points the table keeps the first
// snapshot of each month and every snapshot of the last tableRecentDays
// days, and says so; the CSV and JSON linked beside the chart keep every
// point.
const (
	tableRowsMax    = 400
	tableRecentDays = 92
)

// tableRows is what a history table shows.
type tableRows[P any] struct {
	Rows []P
	// Thinned: Rows holds one snapshot a month before Since and every
	// snapshot from Since on, of Total.
	Thinned bool
	Since   string
	Total   int
}

// thinRows picks the rows of a history table from points (oldest first,
// date gives a point's YYYY-MM-DD date).
func thinRows[P any](points []P, date func(P) string) tableRows[P] {
	out := tableRows[P]{Rows: points, Total: len(points)}
	if len(points) <= tableRowsMax {
		return out
	}
	last, err := time.Parse(time.DateOnly, date(points[len(points)-1]))
	if err != nil {
		return out // not a date: show everything rather than guess
	}
	since := last.AddDate(0, 0, -tableRecentDays).Format(time.DateOnly)
	rows := make([]P, 0, tableRowsMax)
	month := ""
	for _, p := range points {
		d := date(p)
		if d >= since {
			rows = append(rows, p)
			continue
		}
		if len(d) >= 7 && d[:7] != month {
			month = d[:7]
			rows = append(rows, p)
		}
	}
	out.Rows, out.Thinned, out.Since = rows, true, since
	return out
}

// Table returns the rows of the IXP history table.
func (h history) Table() tableRows[historyPoint] {
	return thinRows(h.Points, func(p historyPoint) string { return p.Date })
}

// Table returns the rows of the country history table.
func (h countryHistory) Table() tableRows[countryHistoryPoint] {
	return thinRows(h.Points, func(p countryHistoryPoint) string { return p.Date })
}

// Table returns the rows of an area's history table.
func (h regionHistory) Table() tableRows[regionHistoryPoint] {
	return thinRows(h.Points, func(p regionHistoryPoint) string { return p.Date })
}
