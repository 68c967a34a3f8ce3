package alicelg

import "time"

// The wire types follow Alice-LG's pkg/api (alice-lg/alice-lg): only the
// fields ixpobs reads are declared; unknown fields are ignored.

// Meta is the "api" envelope every answer carries: the API version and
// the cache status. An answer served from Alice-LG's cache describes the
// route server at CacheStatus.CachedAt, not at the time of the request.
type Meta struct {
	Version         string      `json:"version"`
	CacheStatus     CacheStatus `json:"cache_status"`
	ResultFromCache bool        `json:"result_from_cache"`
	TTL             time.Time   `json:"ttl"`
}

// CacheStatus says when the answer was cached.
type CacheStatus struct {
	CachedAt time.Time `json:"cached_at"`
	OrigTTL  int       `json:"orig_ttl"`
}

// ErrorResponse is Alice-LG's error body.
type ErrorResponse struct {
	Message       string `json:"message"`
	Code          int    `json:"code"`
	Tag           string `json:"tag"`
	RouteServerID string `json:"routeserver_id"`
}

// RouteServer is one route server (an Alice-LG source).
type RouteServer struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Name  string `json:"name"`
	Group string `json:"group"`
}

// RouteServersResponse answers /api/v1/routeservers (no envelope).
type RouteServersResponse struct {
	RouteServers []RouteServer `json:"routeservers"`
}

// Neighbor is a BGP neighbour of a route server. Uptime is a Go
// time.Duration (nanoseconds) in Alice-LG's JSON.
type Neighbor struct {
	ID              string        `json:"id"`
	Address         string        `json:"address"`
	ASN             int64         `json:"asn"`
	State           string        `json:"state"`
	Description     string        `json:"description"`
	RoutesReceived  int           `json:"routes_received"`
	RoutesFiltered  int           `json:"routes_filtered"`
	RoutesExported  int           `json:"routes_exported"`
	RoutesPreferred int           `json:"routes_preferred"`
	RoutesAccepted  int           `json:"routes_accepted"`
	Uptime          time.Duration `json:"uptime"`
	RouteServerID   string        `json:"routeserver_id"`
}

// NeighborsResponse answers /api/v1/routeservers/{id}/neighbors.
type NeighborsResponse struct {
	Meta      *Meta       `json:"api"`
	Neighbors []*Neighbor `json:"neighbors"`
}

// BGPInfo holds a route's attributes.
type BGPInfo struct {
	Origin *string `json:"origin"`
	AsPath []int64 `json:"as_path"`
}

// Route is one received route.
type Route struct {
	NeighborID *string  `json:"neighbor_id"`
	Network    string   `json:"network"`
	Gateway    *string  `json:"gateway"`
	BGP        *BGPInfo `json:"bgp"`
}

// Pagination is the page information of a paginated answer; pages are
// numbered from 0.
type Pagination struct {
	Page         int `json:"page"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}

// RoutesResponse answers .../neighbors/{nid}/routes/received?page=N.
type RoutesResponse struct {
	Meta       *Meta      `json:"api"`
	Pagination Pagination `json:"pagination"`
	Imported   []*Route   `json:"imported"`
}
