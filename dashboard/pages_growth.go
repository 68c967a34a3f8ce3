package dashboard

import (
	"net/http"
)

// areaGrowth is what the "areagrowth" template draws: the charts of an
// area's active IXPs, members and capacity over time, and their table.
type areaGrowth struct {
	Page    *page
	ID      string // prefix of the chart element ids
	Name    string
	API     string // the history's JSON URL
	History regionHistory
}

// AreaGrowth wraps an area's history for the "areagrowth" template.
func (p *page) AreaGrowth(id, name string, h regionHistory) areaGrowth {
	return areaGrowth{Page: p, ID: id, Name: name, API: "/api/v1/regions/" + h.Region + "/history", History: h}
}

// areaHistory reads the history of an area (a region id or "world")
// through the API's method.
func (w *web) areaHistory(r *http.Request, p *page, id string) (regionHistory, error) {
	return w.s.regionHistory(r.Context(), regionHistoryQuery{ID: id, Lang: p.lang})
}
