package dashboard

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"

	"github.com/ixpobs/ixpobs/geo"
)

// worldMap is the projected outline of every country, made by
// ui/build-map.mjs from Natural Earth (world-atlas) with d3-geo's Natural
// Earth projection. The map is drawn server-side as SVG; no map library
// runs in the browser.
type worldMap struct {
	Width     float64    `json:"width"`
	Height    float64    `json:"height"`
	Scale     float64    `json:"scale"`
	Translate [2]float64 `json:"translate"`
	Countries []struct {
		CC string `json:"cc"`
		D  string `json:"d"`
	} `json:"countries"`
	has map[string]bool
}

func loadWorldMap(fsys fs.FS) (*worldMap, error) {
	b, err := fs.ReadFile(fsys, "static/vendor/world-atlas/world-110m.json")
	if err != nil {
		return nil, fmt.Errorf("read world map: %w", err)
	}
	m := &worldMap{has: map[string]bool{}}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("decode world map: %w", err)
	}
	for _, c := range m.Countries {
		m.has[c.CC] = true
	}
	return m, nil
}

// project places a point with the Natural Earth projection that drew the
// outlines (d3-geo's geoNaturalEarth1Raw, same scale and translation).
func (m *worldMap) project(lat, lon float64) (x, y float64) {
	lambda, phi := lon*math.Pi/180, lat*math.Pi/180
	phi2 := phi * phi
	phi4 := phi2 * phi2
	px := lambda * (0.8707 - 0.131979*phi2 + phi4*(-0.013791+phi4*(0.003971*phi2-0.001529*phi4)))
	py := phi * (1.007226 + phi2*(0.015085+phi4*(-0.044475+0.028874*phi2-0.005916*phi4)))
	return m.Translate[0] + m.Scale*px, m.Translate[1] - m.Scale*py
}

// mapIndicators give a country's value for the map's colour.
var mapIndicators = map[string]func(a areaTotal) int64{
	"ixps":     func(a areaTotal) int64 { return int64(a.ActiveIXPs) },
	"members":  func(a areaTotal) int64 { return int64(a.Members) },
	"ipv6":     func(a areaTotal) int64 { return int64(math.Round(100 * a.IPv6Share)) },
	"capacity": func(a areaTotal) int64 { return a.CapacityMbps },
}

// mapIndicatorOrder is the order of the indicator switch.
var mapIndicatorOrder = []string{"ixps", "members", "capacity", "ipv6"}

// countryLink links a country of the map to its page.
func countryLink(p *page, cc string) string {
	if geo.Normalize(cc) == "" {
		return p.Href("/ixps", "country", cc)
	}
	return p.Href("/countries/" + cc)
}

// mapClasses is the number of colour classes (CSS .q1 … .q6, viridis).
const mapClasses = 6

type mapShape struct {
	CC, D, Class, Title, Href string
}

type mapDot struct {
	CC, Class, Title, Href string
	X, Y                   string
}

type mapLegend struct {
	Class, Label string
}

type mapView struct {
	Indicator  string
	Indicators []string
	ViewBox    string
	Shapes     []mapShape
	Dots       []mapDot // countries too small for the outlines
	Legend     []mapLegend
}

// view colours the map by an indicator: classes by quantiles of the
// countries that have a value, grey for the others.
func (m *worldMap) view(p *page, ind string, countries []areaTotal) mapView {
	value := mapIndicators[ind]
	vals := map[string]int64{}
	var sorted []int64
	for _, c := range countries {
		if v := value(c); v > 0 {
			vals[c.ID] = v
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	// Upper bounds of the classes: quantiles of the values, deduplicated.
	var bounds []int64
	for i := 1; i <= mapClasses && len(sorted) > 0; i++ {
		b := sorted[min(len(sorted)-1, i*len(sorted)/mapClasses)]
		if i == mapClasses {
			b = sorted[len(sorted)-1]
		}
		if len(bounds) == 0 || b > bounds[len(bounds)-1] {
			bounds = append(bounds, b)
		}
	}
	class := func(v int64) string {
		if v <= 0 {
			return "q0"
		}
		i, _ := slices.BinarySearch(bounds, v)
		// Spread fewer classes over the whole palette.
		return "q" + strconv.Itoa(1+i*(mapClasses-1)/max(1, len(bounds)-1))
	}
	format := func(v int64) string {
		switch ind {
		case "capacity":
			return p.Capacity(v)
		case "ipv6":
			return p.T("fmt.percent", p.Int(v))
		}
		return p.Int(v)
	}
	v := mapView{Indicator: ind, Indicators: mapIndicatorOrder, ViewBox: fmt.Sprintf("0 0 %g %g", m.Width, m.Height)}
	title := func(cc string) string {
		return p.T("map.tooltip", p.Country(cc), format(vals[cc]), p.T("map.ind."+ind))
	}
	href := func(cc string) string { return countryLink(p, cc) }
	for _, c := range m.Countries {
		v.Shapes = append(v.Shapes, mapShape{CC: c.CC, D: c.D, Class: class(vals[c.CC]), Title: title(c.CC), Href: href(c.CC)})
	}
	for cc, val := range vals {
		if m.has[cc] {
			continue
		}
		info, ok := geo.Country(cc)
		if !ok {
			continue
		}
		x, y := m.project(info.Lat, info.Lon)
		v.Dots = append(v.Dots, mapDot{CC: cc, Class: class(val), Title: title(cc), Href: href(cc),
			X: strconv.FormatFloat(x, 'f', 1, 64), Y: strconv.FormatFloat(y, 'f', 1, 64)})
	}
	slices.SortFunc(v.Dots, func(a, b mapDot) int { return cmpString(a.CC, b.CC) })
	lo := int64(1)
	for i, b := range bounds {
		label := format(lo) + "–" + format(b)
		if lo == b {
			label = format(b)
		}
		v.Legend = append(v.Legend, mapLegend{Class: "q" + strconv.Itoa(1+i*(mapClasses-1)/max(1, len(bounds)-1)), Label: label})
		lo = b + 1
	}
	v.Legend = append(v.Legend, mapLegend{Class: "q0", Label: p.T("map.nodata")})
	return v
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
