package dashboard

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/ixp"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
)

// ardaPageData is what templates/arda.html shows: a country (C set) or
// a region (R set).
type ardaPageData struct {
	C        *ardaCountry
	R        *ardaRegion
	Region   string            // the country's region (breadcrumbs)
	IXPNames map[int64]string  // exchanges of the vantage points
	Names    map[string]string // country names (region table)
	API      string
}

// ixpNames names the exchanges of the vantage points (newest PeeringDB
// snapshot); an exchange it lacks is shown by its id.
func (w *web) ixpNames(r *http.Request, lists ...[]indicator.ARDA) map[int64]string {
	out := map[int64]string{}
	_, v, err := w.s.latestView(r.Context())
	if err != nil {
		return out
	}
	for _, l := range lists {
		for _, a := range l {
			for _, vp := range a.Vantages {
				if e, ok := v.exchange(vp.IXPID); ok {
					out[vp.IXPID] = e.Name
				}
			}
		}
	}
	return out
}

// countryARDA serves /countries/{cc}/arda.
func (w *web) countryARDA(r *http.Request, p *page) error {
	cc, err := countryCode(chi.URLParam(r, "cc"))
	if err != nil {
		return err
	}
	c, err := w.s.ardaCountry(r.Context(), countryQuery{CC: cc, At: p.atOrLatestEnd(), Lang: p.lang})
	if err != nil {
		return err
	}
	d := &ardaPageData{C: &c, API: p.API("/arda/countries/" + c.Country)}
	d.IXPNames = w.ixpNames(r, []indicator.ARDA{c.Current}, c.History)
	d.Region = geo.RegionOf(c.Country)
	if geo.InRegion(c.Country, geo.LAC) {
		d.Region = geo.LAC
	}
	w.pdbDate(r, p)
	p.Title = p.T("arda.title", c.Name)
	p.Data = d
	return nil
}

// regionARDA serves /regions/{region}/arda.
func (w *web) regionARDA(r *http.Request, p *page) error {
	rg, err := w.s.ardaRegion(r.Context(), regionQuery{ID: chi.URLParam(r, "region"), At: p.atOrLatestEnd(), Lang: p.lang})
	if err != nil {
		return err
	}
	d := &ardaPageData{R: &rg, API: p.API("/arda/regions/" + rg.Region), Names: map[string]string{}}
	d.IXPNames = w.ixpNames(r, rg.Countries)
	for _, c := range rg.Countries {
		d.Names[c.Country] = geo.Name(c.Country, p.lang)
	}
	w.pdbDate(r, p)
	p.Title = p.T("arda.title", rg.Name)
	p.Data = d
	return nil
}

// ardaVPs is what the "ardavps" template lists: an observation's vantage
// points with their exchanges and dates.
type ardaVPs struct {
	Page  *page
	A     indicator.ARDA
	Names map[int64]string
}

// VPs wraps an observation for the "ardavps" template.
func (p *page) VPs(a indicator.ARDA, names map[int64]string) ardaVPs {
	return ardaVPs{Page: p, A: a, Names: names}
}

// pdbDate sets the PeeringDB snapshot in force at the page's date (it
// names the exchanges of the vantage points).
func (w *web) pdbDate(r *http.Request, p *page) {
	at := p.atOrLatest()
	if at.IsZero() {
		return
	}
	if sn, err := w.s.store.SnapshotAt(r.Context(), ixp.SourcePeeringDB, ixp.EndOfDay(at)); err == nil {
		p.SnapshotDate = sn.At.UTC().Format(time.DateOnly)
	}
}
