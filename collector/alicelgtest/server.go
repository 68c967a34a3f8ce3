// Package alicelgtest is a fake Alice-LG looking glass for tests: it
// serves /api/v1/routeservers, /routeservers/{id}/neighbors and
// /routeservers/{id}/neighbors/{nid}/routes/received?page=N (pages from 0)
// in the shapes of Alice-LG's pkg/api (testdata/*.json in this package
// are answers of those shapes), with the "api" cache envelope, Alice-LG's
// error body, and injectable failures, slow pages and broken pagination.
package alicelgtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/collector/alicelg"
)

// RouteServer is one served route server with its neighbours and the
// routes each neighbour sent.
type RouteServer struct {
	alicelg.RouteServer
	Neighbors []alicelg.Neighbor
	Routes    map[string][]alicelg.Route // by neighbour id
}

// Server is the fake looking glass.
type Server struct {
	*httptest.Server
	PageSize int
	// CachedAt, when set, is announced in the envelopes as the time the
	// answers were cached (result_from_cache true).
	CachedAt time.Time

	mu       sync.Mutex
	rs       []RouteServer
	fail     map[string]int           // path (with query) -> status
	slow     map[string]time.Duration // path (with query) -> delay
	badPages bool                     // answer every page as page 0
	requests []string
}

// New starts a fake looking glass serving rs.
func New(rs ...RouteServer) *Server {
	s := &Server{PageSize: 250, rs: rs, fail: map[string]int{}, slow: map[string]time.Duration{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Fail makes requests of path (e.g. "/api/v1/routeservers/rs1/neighbors")
// answer status with Alice-LG's error body.
func (s *Server) Fail(path string, status int) {
	s.mu.Lock()
	s.fail[path] = status
	s.mu.Unlock()
}

// Slow delays the answers of path by d.
func (s *Server) Slow(path string, d time.Duration) {
	s.mu.Lock()
	s.slow[path] = d
	s.mu.Unlock()
}

// IgnorePage makes the server answer page 0 whatever page is asked (a
// pagination bug the client must notice).
func (s *Server) IgnorePage() {
	s.mu.Lock()
	s.badPages = true
	s.mu.Unlock()
}

// Requests returns the paths (with query) asked so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) meta() alicelg.Meta {
	m := alicelg.Meta{Version: "6.1.0", TTL: time.Now().UTC().Add(5 * time.Minute)}
	if !s.CachedAt.IsZero() {
		m.ResultFromCache = true
		m.CacheStatus = alicelg.CacheStatus{CachedAt: s.CachedAt, OrigTTL: 300}
	} else {
		m.CacheStatus = alicelg.CacheStatus{CachedAt: time.Now().UTC(), OrigTTL: 300}
	}
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	s.mu.Lock()
	s.requests = append(s.requests, key)
	status, delay, badPages := s.fail[key], s.slow[key], s.badPages
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		writeJSON(w, status, alicelg.ErrorResponse{Message: "injected failure", Code: 42, Tag: "GENERIC_ERROR"})
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "routeservers":
		var out alicelg.RouteServersResponse
		for _, rs := range s.rs {
			out.RouteServers = append(out.RouteServers, rs.RouteServer)
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) == 3 && parts[0] == "routeservers" && parts[2] == "neighbors":
		rs, ok := s.find(parts[1])
		if !ok {
			writeJSON(w, http.StatusInternalServerError, alicelg.ErrorResponse{Message: "source not found", Code: 1, Tag: "CONNECTION_REFUSED", RouteServerID: parts[1]})
			return
		}
		m := s.meta()
		out := alicelg.NeighborsResponse{Meta: &m, Neighbors: []*alicelg.Neighbor{}}
		for i := range rs.Neighbors {
			n := rs.Neighbors[i]
			n.RouteServerID = rs.ID
			out.Neighbors = append(out.Neighbors, &n)
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) == 6 && parts[0] == "routeservers" && parts[2] == "neighbors" && parts[4] == "routes" && parts[5] == "received":
		rs, ok := s.find(parts[1])
		if !ok {
			writeJSON(w, http.StatusInternalServerError, alicelg.ErrorResponse{Message: "source not found", Code: 1, Tag: "CONNECTION_REFUSED", RouteServerID: parts[1]})
			return
		}
		page, err := strconv.Atoi(r.URL.Query().Get("page"))
		if err != nil && r.URL.Query().Get("page") != "" {
			writeJSON(w, http.StatusBadRequest, alicelg.ErrorResponse{Message: "bad page", Code: 2, Tag: "BAD_REQUEST"})
			return
		}
		if badPages {
			page = 0
		}
		routes := rs.Routes[parts[3]]
		size := max(1, s.PageSize)
		total := (len(routes) + size - 1) / size
		lo, hi := min(page*size, len(routes)), min((page+1)*size, len(routes))
		m := s.meta()
		out := alicelg.RoutesResponse{Meta: &m, Imported: []*alicelg.Route{},
			Pagination: alicelg.Pagination{Page: page, PageSize: size, TotalPages: total, TotalResults: len(routes)}}
		for i := lo; i < hi; i++ {
			rt := routes[i]
			out.Imported = append(out.Imported, &rt)
		}
		writeJSON(w, http.StatusOK, out)
	default:
		writeJSON(w, http.StatusNotFound, alicelg.ErrorResponse{Message: fmt.Sprintf("no route %s", r.URL.Path), Code: 404, Tag: "NOT_FOUND"})
	}
}

func (s *Server) find(id string) (RouteServer, bool) {
	for _, rs := range s.rs {
		if rs.ID == id {
			return rs, true
		}
	}
	return RouteServer{}, false
}
