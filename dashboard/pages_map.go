package dashboard

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"

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
	// main is the bounding box of each country's largest ring (its
	// mainland: overseas territories would stretch a region's view).
	main map[string]box
}

// box is a rectangle of the projected map.
type box struct{ x0, y0, x1, y1 float64 }

func (b box) empty() bool { return b.x1 <= b.x0 || b.y1 <= b.y0 }

func (b box) union(o box) box {
	if b.empty() {
		return o
	}
	return box{min(b.x0, o.x0), min(b.y0, o.y0), max(b.x1, o.x1), max(b.y1, o.y1)}
}

// mainRing returns the bounding box of the largest ring (by the area of
// its bounding box) of SVG path data made of M, L and Z commands.
func mainRing(d string) (box, error) {
	var best box
	for _, ring := range strings.Split(d, "M")[1:] {
		b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for _, pt := range strings.Split(strings.TrimSuffix(ring, "Z"), "L") {
			xs, ys, ok := strings.Cut(strings.TrimSpace(pt), ",")
			if !ok {
				return box{}, fmt.Errorf("point %q without a comma", pt)
			}
			x, err := strconv.ParseFloat(xs, 64)
			if err != nil {
				return box{}, err
			}
			y, err := strconv.ParseFloat(ys, 64)
			if err != nil {
				return box{}, err
			}
			b = box{min(b.x0, x), min(b.y0, y), max(b.x1, x), max(b.y1, y)}
		}
		if (b.x1-b.x0)*(b.y1-b.y0) > (best.x1-best.x0)*(best.y1-best.y0) {
			best = b
		}
	}
	return best, nil
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
	m.main = map[string]box{}
	for _, c := range m.Countries {
		m.has[c.CC] = true
		b, err := mainRing(c.D)
		if err != nil {
			return nil, fmt.Errorf("world map outline of %s: %w", c.CC, err)
		}
		m.main[c.CC] = b
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
	// Local participation in tenths of a percent (0 when unknown: the
	// map says "no data" for those, see view).
	"participation": func(a areaTotal) int64 {
		if a.LocalParticipation == nil {
			return 0
		}
		return int64(math.Round(1000 * *a.LocalParticipation))
	},
}

// mapIndicatorOrder is the order of the indicator switch.
var mapIndicatorOrder = []string{"ixps", "members", "capacity", "ipv6", "participation"}

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
	X, Y, R                string
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
		case "participation":
			return p.T("fmt.percent", p.Dec(float64(v)/10, 1))
		}
		return p.Int(v)
	}
	v := mapView{Indicator: ind, Indicators: mapIndicatorOrder, ViewBox: fmt.Sprintf("0 0 %g %g", m.Width, m.Height)}
	title := func(cc string) string {
		if _, ok := vals[cc]; !ok {
			return p.T("map.tooltip", p.Country(cc), p.T("map.nodata"), "")
		}
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
			X: strconv.FormatFloat(x, 'f', 1, 64), Y: strconv.FormatFloat(y, 'f', 1, 64), R: "3"})
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
	none := p.T("map.nodata")
	if ind == "participation" {
		none = p.T("map.nodata_participation")
	}
	v.Legend = append(v.Legend, mapLegend{Class: "q0", Label: none})
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

// Map views keep their width over height within these bounds, so that a
// tall region does not make a page-high map.
const minAspect, maxAspect = 1.4, 2.4

// regionView is view zoomed to the countries of a region: the viewBox
// fits their mainlands with a margin, and the dots of small countries
// shrink with the zoom.
func (m *worldMap) regionView(p *page, ind string, countries []areaTotal, region string) mapView {
	v := m.view(p, ind, countries)
	var b box
	for _, cc := range geo.CountriesIn(region) {
		if mb, ok := m.main[cc]; ok && !mb.empty() {
			b = b.union(mb)
		} else if info, ok := geo.Country(cc); ok && (info.Lat != 0 || info.Lon != 0) {
			x, y := m.project(info.Lat, info.Lon)
			b = b.union(box{x - 2, y - 2, x + 2, y + 2})
		}
	}
	if b.empty() {
		return v
	}
	w, h := b.x1-b.x0, b.y1-b.y0
	pad := 0.04 * max(w, h)
	b = box{b.x0 - pad, b.y0 - pad, b.x1 + pad, b.y1 + pad}
	w, h = b.x1-b.x0, b.y1-b.y0
	cx, cy := (b.x0+b.x1)/2, (b.y0+b.y1)/2
	if w/h < minAspect {
		w = h * minAspect
	} else if w/h > maxAspect {
		h = w / maxAspect
	}
	v.ViewBox = fmt.Sprintf("%.1f %.1f %.1f %.1f", cx-w/2, cy-h/2, w, h)
	r := 3 * w / m.Width
	for i := range v.Dots {
		v.Dots[i].R = strconv.FormatFloat(max(r, 0.6), 'f', 2, 64)
	}
	for i := range v.Shapes {
		if !geo.InRegion(v.Shapes[i].CC, region) {
			v.Shapes[i].Class += " out"
		}
	}
	return v
}
