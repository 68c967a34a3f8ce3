package dashboard

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/geo"
)

// TestRegionMapFitsRegion checks that a region's map is zoomed to the
// mainlands of its countries, not the whole world.
func TestRegionMapFitsRegion(t *testing.T) {
	m, err := loadWorldMap(webFS)
	if err != nil {
		t.Fatal(err)
	}
	p := &page{locale: &locale{lang: "en"}}
	inside := func(vb box, cc string) bool {
		b := m.main[cc]
		return b.x0 >= vb.x0 && b.x1 <= vb.x1 && b.y0 >= vb.y0 && b.y1 <= vb.y1
	}
	tests := []struct {
		region      string
		in, out     []string
		maxWidthPct float64 // of the world map's width
	}{
		{"lac", []string{"BR", "MX", "AR", "CL", "CU"}, []string{"DE", "US", "ZA", "ES"}, 50},
		{"south-america", []string{"BR", "AR", "CO"}, []string{"MX", "US"}, 40},
		{"europe", []string{"DE", "ES", "GB"}, []string{"BR", "US", "ZA"}, 75},
		{"africa", []string{"ZA", "EG", "NG"}, []string{"BR", "DE", "US"}, 45},
	}
	for _, tc := range tests {
		t.Run(tc.region, func(t *testing.T) {
			v := m.regionView(p, "members", nil, tc.region)
			var vb box
			var w, h float64
			if _, err := fmt.Sscanf(v.ViewBox, "%g %g %g %g", &vb.x0, &vb.y0, &w, &h); err != nil {
				t.Fatalf("viewBox %q: %v", v.ViewBox, err)
			}
			vb.x1, vb.y1 = vb.x0+w, vb.y0+h
			if w > tc.maxWidthPct/100*m.Width || w/h < minAspect-0.01 || w/h > maxAspect+0.01 {
				t.Errorf("viewBox %q: %.0f×%.0f of a %.0f-wide world, want at most %.0f%% wide and an aspect in [%g, %g]",
					v.ViewBox, w, h, m.Width, tc.maxWidthPct, minAspect, maxAspect)
			}
			for _, cc := range tc.in {
				if !inside(vb, cc) {
					t.Errorf("viewBox %q leaves out %s %+v", v.ViewBox, cc, m.main[cc])
				}
			}
			for _, cc := range tc.out {
				if inside(vb, cc) {
					t.Errorf("viewBox %q takes in %s, outside the region", v.ViewBox, cc)
				}
			}
			for _, s := range v.Shapes {
				if out := strings.HasSuffix(s.Class, " out"); out == inRegionForTest(s.CC, tc.region) {
					t.Errorf("shape %s has class %q", s.CC, s.Class)
					break
				}
			}
		})
	}
	if v := m.view(p, "members", nil); v.ViewBox != fmt.Sprintf("0 0 %g %g", m.Width, m.Height) {
		t.Errorf("world viewBox = %q, want the whole map", v.ViewBox)
	}
}

var crumbLink = regexp.MustCompile(`<a href="(/[^"]*)"`)

// TestCountryBreadcrumb checks that a country page shows one trail: its
// region (Latin America and the Caribbean for its countries, the
// continent otherwise), then the country.
func TestCountryBreadcrumb(t *testing.T) {
	ts := realWebServer(t)
	for cc, want := range map[string][]string{
		"BR": {"/regions/lac", "/countries/BR"},
		"MX": {"/regions/lac", "/countries/MX"},
		"DE": {"/regions/europe", "/countries/DE"},
		"US": {"/regions/north-america", "/countries/US"},
	} {
		resp, body := fetch(t, ts, "/countries/"+cc, "Accept-Language", "en")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /countries/%s = %d", cc, resp.StatusCode)
		}
		start := strings.Index(body, `<nav class="crumbs"`)
		if start < 0 {
			t.Fatalf("/countries/%s has no breadcrumb", cc)
		}
		nav := body[start : start+strings.Index(body[start:], "</nav>")]
		var got []string
		for _, m := range crumbLink.FindAllStringSubmatch(nav, -1) {
			got = append(got, m[1])
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("breadcrumb of %s links %v, want %v", cc, got, want)
		}
	}
}

func inRegionForTest(cc, region string) bool { return slices.Contains(geo.CountriesIn(region), cc) }
