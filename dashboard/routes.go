package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Handler returns every route of the server: the HTML pages and /static/*
// (web.go), and:
//
//	GET /healthz                          the process answers
//	GET /readyz                           the store answers
//	GET /metrics                          Prometheus metrics (?region= bounds the IXP and country series)
//	GET /feeds/ixps/{id}.atom             Atom feed of joins and leaves at an IXP
//	GET /feeds/countries/{cc}.atom        Atom feed of joins and leaves at a country's IXPs
//	GET /api/v1/ixps                      exchanges with indicators (filter, sort, paginate, csv)
//	GET /api/v1/networks                  networks with their exchange counts (filter, sort, paginate, csv)
//	GET /api/v1/ixps/{id}                 one exchange at ?at=DATE
//	GET /api/v1/ixps/{id}/members         its members at ?at=DATE; name, sort, paginate as the IXP page's table (csv)
//	GET /api/v1/ixps/{id}/history         its indicators at every snapshot (csv)
//	GET /api/v1/ixps/{id}/events          joins and leaves between ?from= and ?to= (csv)
//	GET /api/v1/ixps/{id}/sources         members per source (PeeringDB, IX-F) and their agreement (csv)
//	GET /api/v1/networks/{asn}            where a network connects and since when (csv)
//	GET /api/v1/countries                 every country's indicators at ?at=DATE (csv)
//	GET /api/v1/countries/{cc}            one country: indicators, year-over-year change, IXPs, neighbours
//	GET /api/v1/countries/{cc}/history    its indicators at every PeeringDB and RIR snapshot date (csv)
//	GET /api/v1/regions                   the regions (lac, continents, UN sub-regions)
//	GET /api/v1/regions/{region}          a region's totals and countries at ?at=DATE (csv)
//	GET /api/v1/regions/{region}/history  a region's (or the world's) totals at every snapshot (csv)
//	GET /api/v1/arda/countries/{cc}       ARDA's four indicators of a country at ?at=DATE and at every observation (csv)
//	GET /api/v1/arda/regions/{region}     ARDA's indicators of every country of a region and its totals (csv)
//	GET /api/v1/bgp/sessions              live BGP sessions of every ixpobs bgp process
//	GET /api/v1/bgp/collectors            BGP collectors (MRT and live) with their newest counts (csv)
//	GET /api/v1/bgp/collectors/{name}     one collector: peers against the IXP's members, history (csv)
//	GET /api/v1/asns/{asn}/origins        prefixes an ASN originates and the collectors that see them (csv)
//	GET /api/v1/snapshots                 every snapshot of every source (csv)
//	GET /api/v1/sources                   data sources and their health
//	GET /api/v1/openapi.json              the OpenAPI description of /api/v1
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	if s.httpMetrics != nil {
		r.Use(s.httpMetrics.Middleware)
	}
	r.Use(middleware.Recoverer)
	r.Use(middleware.Timeout(30 * time.Second))
	r.Use(securityHeaders)
	r.Use(compress)
	r.Use(middleware.GetHead)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.handleReady)
	r.Get("/metrics", s.handleMetrics)
	r.Get("/feeds/ixps/{id}.atom", s.handleIXPFeed)
	r.Get("/feeds/countries/{cc}.atom", s.handleCountryFeed)
	s.mountPages(r)
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(apiHeaders)
		r.Get("/ixps", s.cachedAPI(endpoint(parseIXPListRequest, s.ixpList), ixpListParams))
		r.Get("/ixps/{id}", s.cachedAPI(endpoint(parseIXPQuery, s.ixp), takes("at", "format")))
		r.Get("/ixps/{id}/members", s.cachedAPI(endpoint(parseMembersQuery, s.members), takes("at", "name", "sort", "page", "per_page", "limit", "skip", "fields", "format")))
		r.Get("/ixps/{id}/history", s.cachedAPI(endpoint(parseIXPHistoryQuery, s.ixpHistory), takes("format")))
		r.Get("/ixps/{id}/events", s.cachedAPI(endpoint(parseEventsQuery, s.ixpEvents), takes("from", "to", "format")))
		r.Get("/ixps/{id}/sources", s.cachedAPI(endpoint(parseIXPQuery, s.ixpSources), takes("at", "format")))
		r.Get("/networks", s.cachedAPI(endpoint(parseNetworkListQuery, s.networkList), networkListParams))
		r.Get("/networks/{asn}", s.cachedAPI(endpoint(parseASNQuery, s.network), takes("at", "format")))
		r.Get("/countries", s.cachedAPI(endpoint(parseCountriesQuery, s.countryList), takes("at", "region", "lang", "fields", "format")))
		r.Get("/countries/{cc}", s.cachedAPI(endpoint(parseCountryQuery, s.country), takes("at", "lang", "format")))
		r.Get("/countries/{cc}/history", s.cachedAPI(endpoint(parseCountryHistoryQuery, s.countryHistory), takes("format")))
		r.Get("/regions", s.cachedAPI(endpoint(parseLangQuery, s.regions), takes("lang")))
		r.Get("/regions/{region}", s.cachedAPI(endpoint(parseRegionQuery, s.region), takes("at", "lang", "format")))
		r.Get("/regions/{region}/history", s.cachedAPI(endpoint(parseRegionHistoryQuery, s.regionHistory), takes("lang", "format")))
		r.Get("/arda/countries/{cc}", s.cachedAPI(endpoint(parseCountryQuery, s.ardaCountry), takes("at", "lang", "format")))
		r.Get("/arda/regions/{region}", s.cachedAPI(endpoint(parseRegionQuery, s.ardaRegion), takes("at", "lang", "format")))
		r.Get("/bgp/sessions", s.api(endpoint(parseNoQuery, s.bgpSessions), takes()))
		r.Get("/bgp/collectors", s.cachedAPI(endpoint(parseAtQuery, s.bgpCollectors), takes("at", "format")))
		r.Get("/bgp/collectors/{name}", s.cachedAPI(endpoint(parseCollectorQuery, s.bgpCollector), takes("at", "format")))
		r.Get("/asns/{asn}/origins", s.cachedAPI(endpoint(parseASNQuery, s.asnOrigins), takes("at", "format")))
		r.Get("/snapshots", s.cachedAPI(endpoint(parseSnapshotsQuery, s.snapshots), takes("source", "format")))
		r.Get("/sources", s.api(endpoint(parseNoQuery, s.sourceList), takes("format")))
		r.Get("/openapi.json", s.handleOpenAPI)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, notFound("no_endpoint", "no such API endpoint"))
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "the API is read-only", Code: "method_not_allowed", Status: http.StatusMethodNotAllowed})
		})
	})
	return r
}

// Every /api/v1 answer carries Access-Control-Allow-Origin: * and Vary:
// Accept (apiHeaders); an unknown query parameter is a 400 naming it
// (params.check); list endpoints take PeeringDB-style filters
// (FIELD__in=a,b, __contains, __startswith, __lt/__lte/__gt/__gte),
// page/per_page or limit/skip, and fields=a,b; tables answer CSV to
// ?format=csv or Accept: text/csv, with a Content-Disposition filename.

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
