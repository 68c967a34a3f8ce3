package dashboard

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestOpenAPIMatchesRoutes checks that openapi.json describes exactly the
// /api/v1 routes registered in routes.go.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	s := New(nil, Config{})
	routes := map[string]bool{}
	err := chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/v1/") && method == http.MethodGet {
			routes[strings.TrimSuffix(route, "/")] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) < 15 {
		t.Fatalf("found %d /api/v1 routes walking the router, want at least 15: %v", len(routes), routes)
	}
	var undocumented, stale []string
	for r := range routes {
		if _, ok := doc.Paths[r]; !ok {
			undocumented = append(undocumented, r)
		}
	}
	for p, ops := range doc.Paths {
		if !routes[p] {
			stale = append(stale, p)
		}
		if _, ok := ops["get"]; !ok {
			t.Errorf("openapi path %s has no GET operation", p)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(stale)
	if len(undocumented) > 0 || len(stale) > 0 {
		t.Errorf("routes not in openapi.json: %v; openapi.json paths with no route: %v", undocumented, stale)
	}
}
