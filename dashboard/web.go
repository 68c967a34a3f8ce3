package dashboard

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/ixp"
)

//go:embed templates i18n static
var webFS embed.FS

// web renders the HTML dashboard. It is built once by mountPages and
// never changes afterwards.
type web struct {
	s       *Server
	cat     catalog
	pages   map[string]*template.Template // page name → layout + page
	world   *worldMap
	missing func(lang, key string)   // tests: a message key absent from a catalogue
	static  map[string]*servedAnswer // "/static/…" → file
}

// pageNames are the templates in templates/ besides layout.html.
var pageNames = [...]string{"overview", "ixps", "ixp", "network", "sources", "search", "error", "country", "region", "arda", "methodology", "brief", "countries", "regions", "firststart"}

func newWeb(s *Server) (*web, error) {
	cat, err := loadCatalog(webFS)
	if err != nil {
		return nil, err
	}
	w := &web{s: s, cat: cat, pages: map[string]*template.Template{}}
	base, err := template.New("layout.html").ParseFS(webFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	for _, name := range pageNames {
		if _, err := fs.Stat(webFS, "templates/"+name+".html"); err != nil {
			continue // a page not written yet
		}
		t, err := template.Must(base.Clone()).ParseFS(webFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		w.pages[name] = t
	}
	if w.world, err = loadWorldMap(webFS); err != nil {
		return nil, err
	}
	if w.static, err = loadStatic(); err != nil {
		return nil, err
	}
	return w, nil
}

// mountPages registers the HTML dashboard on r: the pages and /static/*.
// Every page reads its data through the same typed methods as the JSON API
// (s.ixp, s.region, …, each taking a query struct), so the two never
// disagree.
//
//	GET /                      overview: world and regions, growth, map
//	GET /ixps                  exchanges (same filters as /api/v1/ixps)
//	GET /ixps/{id}             one exchange: indicators, growth, members
//	GET /countries/{cc}        one country: indicators, growth, IXPs, neighbours
//	GET /regions/{region}      a region: totals, map, countries
//	GET /countries             every country: headline indicators, sortable
//	GET /regions               every region: headline indicators, sortable
//	GET /countries/{cc}/brief  a printable one-country brief
//	GET /methodology           every indicator: definition, sources, caveats, rules
//	GET /networks/{asn}        where a network connects
//	GET /sources               data sources and their health
//	GET /search?q=             IXP, network, country or ASN
//	GET /static/*              CSS, JavaScript, vendored libraries (ETag, gzip/brotli once per file)
//	GET /favicon.ico           the SVG icon
//	any other path             the styled, localised 404 page (405 for methods other than GET/HEAD)
func (s *Server) mountPages(r chi.Router) {
	w, err := newWeb(s)
	if err != nil {
		// The templates and catalogues are embedded: this is a build defect
		// that the package tests catch.
		panic(fmt.Sprintf("dashboard: %v", err))
	}
	w.mount(r)
}

func (w *web) mount(r chi.Router) {
	r.Get("/", w.page("overview", w.overview))
	r.Get("/ixps", w.page("ixps", w.ixpList))
	r.Get("/ixps/{id}", w.page("ixp", w.ixp))
	r.Get("/networks/{asn}", w.page("network", w.network))
	r.Get("/sources", w.page("sources", w.sources))
	r.Get("/search", w.page("search", w.search))
	r.Get("/countries/{cc}", w.page("country", w.country))
	r.Get("/regions/{region}", w.page("region", w.region))
	r.Get("/countries/{cc}/arda", w.page("arda", w.countryARDA))
	r.Get("/countries/{cc}/brief", w.page("brief", w.countryBrief))
	r.Get("/countries", w.page("countries", w.countryIndex))
	r.Get("/regions", w.page("regions", w.regionIndex))
	r.Get("/methodology", w.page("methodology", w.methodology))
	r.Get("/regions/{region}/arda", w.page("arda", w.regionARDA))
	r.Get("/static/*", func(rw http.ResponseWriter, r *http.Request) {
		a := w.static[r.URL.Path]
		if a == nil {
			w.notFound(rw, r)
			return
		}
		a.serve(rw, r)
	})
	r.Get("/favicon.ico", w.static["/static/favicon.svg"].serve)
	r.NotFound(w.notFound)
	r.MethodNotAllowed(w.methodNotAllowed)
}

// loadStatic reads the embedded static files into answers, each
// compressed once on its first request.
func loadStatic() (map[string]*servedAnswer, error) {
	out := map[string]*servedAnswer{}
	err := fs.WalkDir(webFS, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(webFS, name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		a := newAnswer(cachedAnswer{body: b, ctype: ctype}, "")
		a.cc = "public, max-age=3600"
		out["/"+name] = a
		return nil
	})
	return out, err
}

// page is what every template sees: the request's language, date and
// path, and the page's own data in Data.
type page struct {
	*locale
	Name         string // template name, also the active navigation item
	Title        string
	Data         any
	At           string // the ?at=YYYY-MM-DD of the request, "" for latest
	SnapshotDate string // the date of the PeeringDB snapshot shown
	FirstDate    string // oldest PeeringDB snapshot
	LatestDate   string // newest PeeringDB snapshot
	Query        string // the search box's text
	Status       int
	path         string
	query        url.Values
}

// dataLinks are the CSV and JSON forms of an API URL.
type dataLinks struct {
	Page      *page
	JSON, CSV string
}

// Links returns the download links of an API URL.
func (p *page) Links(api string) dataLinks { return dataLinks{Page: p, JSON: api, CSV: p.CSV(api)} }

// KeepQuery returns the query parameters that the date picker carries
// over (all but at, lang and page).
func (p *page) KeepQuery() map[string]string {
	out := map[string]string{}
	for k, v := range p.query {
		if k != "at" && k != "lang" && k != "page" && len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// chart describes a chart that app.js draws from an API answer.
type chart struct {
	Page   *page
	ID     string
	Title  string
	Src    string // API URL (JSON)
	Rows   string // field of the answer holding the rows ("" for the answer itself)
	X      string // field of a row holding its date
	Keys   string // comma-separated fields of the series
	Labels string // |-separated series labels
	Unit   string // "count" or "mbps"
	Method string // the methodology entry of the first series
}

// Chart describes a chart of the fields keys (comma-separated) of the
// rows of an API answer; labels come from the catalogue ("ind." + key).
func (p *page) Chart(id, title, src, rows, keys, unit string) chart {
	var labels []string
	for _, k := range strings.Split(keys, ",") {
		labels = append(labels, p.T("ind."+k))
	}
	return chart{Page: p, ID: id, Title: title, Src: src, Rows: rows, X: "date", Keys: keys, Labels: strings.Join(labels, "|"), Unit: unit,
		Method: chartMethod(src, strings.Split(keys, ",")[0])}
}

// Langs lists the languages for the switch.
func (p *page) Langs() []string { return webLangs[:] }

// Href returns path with ?at= of the request and the given key, value
// pairs; an empty value drops the key.
func (p *page) Href(path string, kv ...string) string {
	q := url.Values{}
	if p.At != "" {
		q.Set("at", p.At)
	}
	return withQuery(path, q, kv...)
}

// Self returns the current page with some query parameters changed
// (empty values drop them), keeping the others.
func (p *page) Self(kv ...string) string {
	q := url.Values{}
	for k, v := range p.query {
		if k != "lang" {
			q[k] = v
		}
	}
	return withQuery(p.path, q, kv...)
}

// LangHref returns the current page in another language.
func (p *page) LangHref(lang string) string {
	return p.Self("lang", lang)
}

// API returns an API URL with the request's ?at= and the pairs given.
func (p *page) API(path string, kv ...string) string {
	return p.Href("/api/v1"+path, kv...)
}

// CSV returns the CSV form of an API URL.
func (p *page) CSV(apiURL string) string {
	if strings.Contains(apiURL, "?") {
		return apiURL + "&format=csv"
	}
	return apiURL + "?format=csv"
}

// Country returns the name of a country in the page's language.
func (p *page) Country(cc string) string {
	if cc == "" {
		return "–"
	}
	return geo.Name(cc, p.lang)
}

// RegionName returns the name of a region id in the page's language.
func (p *page) RegionName(id string) string {
	if r, ok := geo.RegionByID(id); ok {
		return r.Name(p.lang)
	}
	return id
}

// Num formats an integer of any width.
func (p *page) Num(v any) string {
	switch n := v.(type) {
	case *int:
		if n == nil {
			return "–"
		}
		return p.Int(int64(*n))
	case *int64:
		if n == nil {
			return "–"
		}
		return p.Int(*n)
	case int:
		return p.Int(int64(n))
	case int64:
		return p.Int(n)
	case ixp.ASN:
		return strconv.FormatUint(uint64(n), 10)
	case float64:
		return p.Dec(n, 1)
	}
	return fmt.Sprint(v)
}

// Pct formats part of whole as a percentage; part may be an *int, "–"
// when nil (unknown).
func (p *page) Pct(part any, whole int) string {
	switch n := part.(type) {
	case int:
		return p.Percent(n, whole)
	case *int:
		if n != nil {
			return p.Percent(*n, whole)
		}
	}
	return "–"
}

// Change formats a signed change.
func (p *page) Change(n int) string { return p.Signed(int64(n)) }

// Seq returns 1..n for pagination loops.
func (p *page) Seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// Plus adds two numbers (templates have no arithmetic).
func (p *page) Plus(a, b int) int { return a + b }

// Itoa formats an int plainly, for URLs.
func (p *page) Itoa(n int) string { return strconv.Itoa(n) }

// Join joins strings with a separator (data-* attributes).
func (p *page) Join(sep string, s ...string) string { return strings.Join(s, sep) }

func withQuery(path string, q url.Values, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// pageFunc builds the data of a page; it may set the title, and a
// returned error becomes an error page.
type pageFunc func(r *http.Request, p *page) error

// redirect is returned by a pageFunc to send the browser elsewhere.
type redirect string

func (r redirect) Error() string { return "redirect to " + string(r) }

// page serves a page. A rendered page depends only on the published
// snapshots, the day, the language and the URL, so it is kept in the
// server's answer cache under those (search, which redirects, and the
// tests' catalogue instrumentation are never cached).
func (w *web) page(name string, fn pageFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if name == "search" || w.missing != nil {
			w.servePage(rw, r, name, fn)
			return
		}
		gen, err := w.s.generation(r.Context())
		if err != nil {
			w.errorPage(rw, r, err)
			return
		}
		lang, fromQuery := pickLang(r)
		if fromQuery {
			http.SetCookie(rw, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		}
		key := fmt.Sprintf("page|%d|%s|%s|%s|%s|%s", gen, w.s.Now().UTC().Format(time.DateOnly), lang, name, r.URL.Path, r.URL.Query().Encode())
		a, err := w.s.answers.get(r.Context(), key, func(ctx context.Context) (*servedAnswer, error) {
			// Built for every waiter: not cancelled when this client leaves.
			rec := &pageRecorder{header: http.Header{}, status: http.StatusOK}
			w.servePage(rec, r.WithContext(ctx), name, fn)
			return newAnswer(cachedAnswer{body: rec.body.Bytes(), ctype: rec.header.Get("Content-Type"), status: rec.status, lang: rec.header.Get("Content-Language")}, genTag(gen)+lang+"-"), nil
		})
		if err != nil {
			w.servePage(rw, r, name, fn)
			return
		}
		rw.Header().Set("Vary", "Accept-Language, Cookie")
		a.serve(rw, r)
	}
}

// errorPage answers with the styled, localised page of an error.
func (w *web) errorPage(rw http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away: nothing to answer, nothing broken
	}
	p := w.newPage(rw, r, "error")
	status, msg := w.errorStatus(r, p, err)
	p.Status, p.Title = status, p.T("error.title."+strconv.Itoa(status))
	p.Data = msg
	rw.Header().Set("Cache-Control", "no-store")
	w.render(rw, p)
}

// notFound is the page of a path that no route serves.
func (w *web) notFound(rw http.ResponseWriter, r *http.Request) {
	w.errorPage(rw, r, &apiError{status: http.StatusNotFound, code: "not_found"})
}

// methodNotAllowed is the page of a method other than GET or HEAD.
func (w *web) methodNotAllowed(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Allow", "GET, HEAD")
	w.errorPage(rw, r, &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed"})
}

// pageRecorder captures a rendered page for the cache.
type pageRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header         { return p.header }
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(status int)      { p.status = status }

func (w *web) servePage(rw http.ResponseWriter, r *http.Request, name string, fn pageFunc) {
	{
		p := w.newPage(rw, r, name)
		err := fn(r, p)
		var to redirect
		if errors.As(err, &to) {
			http.Redirect(rw, r, string(to), http.StatusSeeOther)
			return
		}
		if err != nil {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				return
			}
			status, msg := w.errorStatus(r, p, err)
			p.Name, p.Status, p.Title = "error", status, p.T("error.title."+strconv.Itoa(status))
			p.Data = msg
		}
		w.render(rw, p)
	}
}

// newPage reads the language and the date of a request.
func (w *web) newPage(rw http.ResponseWriter, r *http.Request, name string) *page {
	lang, fromQuery := pickLang(r)
	if fromQuery {
		http.SetCookie(rw, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	}
	loc := &locale{lang: lang, msgs: w.cat[lang]}
	if w.missing != nil {
		loc.missing = func(key string) { w.missing(lang, key) }
	}
	p := &page{locale: loc, Name: name, Status: http.StatusOK, path: r.URL.Path, query: r.URL.Query()}
	if at := r.URL.Query().Get("at"); at != "" {
		if _, err := queryDate(r.URL.Query(), "at"); err == nil {
			p.At = at
		}
	}
	rw.Header().Set("Vary", "Accept-Language, Cookie")
	if snaps, err := w.s.store.Snapshots(r.Context(), ixp.SourcePeeringDB); err == nil && len(snaps) > 0 {
		p.FirstDate, p.LatestDate = dateString(snaps[0].At), dateString(snaps[len(snaps)-1].At)
	}
	return p
}

// errorStatus maps an error of the API methods to what the page says,
// as the API's writeError does: the status and the detail of an API error
// (its err.CODE message in the page's language, with its parameters);
// the store's own errors have no detail.
func (w *web) errorStatus(r *http.Request, p *page, err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.msg == "" {
			return ae.status, ""
		}
		return ae.status, p.T("err."+ae.code, localArgs(p.locale, ae.params)...)
	}
	ae = asAPIError(err)
	if ae.status == http.StatusInternalServerError {
		w.s.log.Error("page error", "path", r.URL.Path, "err", err)
	}
	return ae.status, ""
}

func (w *web) render(rw http.ResponseWriter, p *page) {
	t := w.pages[p.Name]
	if t == nil {
		http.Error(rw, "page template missing", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		w.s.log.Error("render page", "page", p.Name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Content-Language", p.lang)
	rw.WriteHeader(p.Status)
	buf.WriteTo(rw)
}

// atDate returns the date shown: ?at= or, when absent, the latest snapshot.
func (p *page) atOrLatest() time.Time {
	d := p.At
	if d == "" {
		d = p.LatestDate
	}
	t, _ := time.Parse(time.DateOnly, d)
	return t
}

// sortHead is a sortable column heading of a table.
type sortHead struct {
	Label, Href string
	Current     string // "ascending", "descending" or ""
}

// SortHead returns the heading of column key given the current sort:
// clicking sorts by it, descending first, or flips the direction.
func (p *page) SortHead(key, current string) sortHead {
	h := sortHead{Label: p.T("col." + key)}
	next := "-" + key
	switch current {
	case key:
		h.Current = "ascending"
	case "-" + key:
		h.Current, next = "descending", key
	}
	h.Href = p.Self("sort", next, "page", "")
	return h
}

// TimeOf dereferences an optional time.
func (p *page) TimeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Total adds up counts.
func (p *page) Total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Lang is the page's language ("en", "es" or "pt").
func (p *page) Lang() string { return p.lang }

// Share formats an optional fraction (0..1) as a percentage; unknown is
// "no data", never a 0 or a dash.
func (p *page) Share(f *float64) string {
	if f == nil {
		return p.T("asof.no_data")
	}
	return p.T("fmt.percent", p.Dec(100**f, 0))
}

// mapBlock is what the "worldmap" template draws.
type mapBlock struct {
	Page  *page
	Map   mapView
	Title string
}

// MapBlock wraps a map view and its title for the "worldmap" template.
func (p *page) MapBlock(m mapView, title string) mapBlock {
	return mapBlock{Page: p, Map: m, Title: title}
}

// IntOf formats an optional whole number ("no data" when unknown).
func (p *page) IntOf(n *int) string {
	if n == nil {
		return p.T("asof.no_data")
	}
	return p.Int(int64(*n))
}

// Share2 formats a fraction (0..1) as a percentage.
func (p *page) Share2(f float64) string { return p.Share(&f) }

// SourceDates names the snapshot date of each source behind a figure
// ("PeeringDB Jun 1, 2022 · LACNIC file Mar 31, 2022"); a source without
// data at that date says so.
// CollectorDates names the RIB date of each collector snapshot a BGP
// figure comes from (source → date, as in bgp.as_of).
func (p *page) CollectorDates(m map[string]string) string {
	srcs := make([]string, 0, len(m))
	for src := range m {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	parts := make([]string, len(srcs))
	for i, src := range srcs {
		parts[i] = p.T("asof.collector", strings.TrimPrefix(src, ixp.SourcePrefixBGP), p.Date(m[src]))
	}
	return strings.Join(parts, ", ")
}

func (p *page) SourceDates(a asOf) string {
	parts := []string{p.T("asof.peeringdb", p.T("asof.no_data"))}
	if a.PeeringDB != "" {
		parts[0] = p.T("asof.peeringdb", p.Date(a.PeeringDB))
	}
	regs := make([]string, 0, len(a.RIR))
	for reg := range a.RIR {
		regs = append(regs, reg)
	}
	sort.Strings(regs)
	for _, reg := range regs {
		parts = append(parts, p.T("asof.rir", strings.ToUpper(reg), p.Date(a.RIR[reg])))
	}
	if len(regs) == 0 {
		parts = append(parts, p.T("asof.rir", "RIR", p.T("asof.no_data")))
	}
	return strings.Join(parts, " · ")
}
