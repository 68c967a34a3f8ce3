package deploy

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/geo"
)

// TestGrafanaRegionVariable: the dashboard's $region can select Latin
// America and the Caribbean (which no value of the series' region label,
// a continent, describes) and every continent: each option is the regex
// of its countries' codes, identical to the geo package's regions, and
// every query filters countries with ${region:raw} (a multi-value or
// escaped form would quote the regex's '|').
func TestGrafanaRegionVariable(t *testing.T) {
	exprs, d := dashboardExprs(t, "grafana/dashboards/ixpobs.json")
	var query string
	for _, v := range get(d, "templating", "list").([]any) {
		if get(v, "name") != "region" {
			continue
		}
		if get(v, "type") != "custom" || get(v, "multi") != false || get(v, "allValue") != ".*" {
			t.Errorf("region variable: type %v multi %v allValue %v, want custom, single-valued, .* for All", get(v, "type"), get(v, "multi"), get(v, "allValue"))
		}
		query, _ = get(v, "query").(string)
	}
	got := map[string]string{}
	for _, opt := range strings.Split(query, ",") {
		name, re, ok := strings.Cut(opt, " : ")
		if !ok {
			t.Fatalf("region option %q is not NAME : REGEX", opt)
		}
		got[name] = re
	}
	want := map[string]string{}
	for _, r := range geo.Regions() {
		if r.Kind == geo.KindSubregion {
			continue
		}
		var cc []string
		for _, c := range geo.Countries() {
			if geo.InRegion(c.Code, r.ID) {
				cc = append(cc, c.Code)
			}
		}
		sort.Strings(cc)
		want[r.Name("en")] = strings.Join(cc, "|")
	}
	lac, _ := geo.RegionByID(geo.LAC)
	if _, ok := got[lac.Name("en")]; !ok || lac.ID == "" {
		t.Errorf("the region variable cannot select %s", geo.LAC)
	}
	for name, re := range want {
		if got[name] != re {
			t.Errorf("region option %q = %q, want %q (geo)", name, got[name], re)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("region option %q is no region of the geo package", name)
		}
	}
	uses := 0
	bad := regexp.MustCompile(`\$region\b|\$\{region\}|region=~"\$\{region:raw\}"`)
	for where, e := range exprs {
		if bad.MatchString(e) {
			t.Errorf("%s: %s: use country=~\"${region:raw}\"", where, e)
		}
		uses += strings.Count(e, `country=~"${region:raw}"`)
	}
	if uses < 10 {
		t.Errorf("only %d queries filter by the region variable", uses)
	}
}
