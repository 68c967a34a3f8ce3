package dashboard_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ixpobs/ixpobs/dashboard"
)

// TestOpenAPIParametersMatchEndpoints checks that each /api/v1 path's query
// parameters in openapi.json are exactly those its endpoint takes. An
// endpoint refuses an unknown parameter with the list of those it takes
// (code unknown_parameter); that list, asked of the running server, is
// compared with the document. (The PeeringDB-style FIELD__op filters are
// described in prose and not compared.)
func TestOpenAPIParametersMatchEndpoints(t *testing.T) {
	st := goldenStore(t, "sqlite")
	ts := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer ts.Close()
	_, raw := get(t, ts, "/api/v1/openapi.json")
	var doc struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct{ Name, In string }
			}
		}
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	example := strings.NewReplacer("{cc}", "BR", "{region}", "lac", "{asn}", "15169", "{id}", "171", "{name}", "rrc15")
	for path, item := range doc.Paths {
		if path == "/api/v1/openapi.json" {
			continue
		}
		var declared []string
		for _, p := range item.Get.Parameters {
			if p.In == "query" {
				declared = append(declared, p.Name)
			}
		}
		status, body := get(t, ts, example.Replace(path)+"?zz_not_a_parameter=1")
		var e struct{ Error, Code string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || status != http.StatusBadRequest || e.Code != "unknown_parameter" {
			t.Errorf("%s?zz_not_a_parameter=1: %d %s, want 400 unknown_parameter", path, status, body)
			continue
		}
		_, list, ok := strings.Cut(e.Error, "(this endpoint takes ")
		if !ok {
			t.Errorf("%s: error %q does not list the parameters taken", path, e.Error)
			continue
		}
		list = strings.TrimSuffix(list, ")")
		list, _, _ = strings.Cut(list, ";")
		var takes []string
		if list != "none" {
			takes = strings.Split(list, ", ")
		}
		slices.Sort(declared)
		slices.Sort(takes)
		if d := cmp.Diff(takes, declared); d != "" {
			t.Errorf("%s: query parameters taken (-) vs declared in openapi.json (+):\n%s", path, d)
		}
	}
}
