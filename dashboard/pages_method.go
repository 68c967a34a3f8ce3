package dashboard

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
)

// methodEntry is one indicator of the methodology page. Its anchor is
// its ID; its name is the catalogue label the other pages show (Label),
// and its definition, sources and caveat are "method.{ID}.def", ".src"
// and ".caveat".
type methodEntry struct {
	ID    string
	Label string
	Group string // "ixp", "area", "rir", "bgp", "time", "arda"
	Def   string // catalogue key of the definition ("" for method.{ID}.def)
}

// methodEntries are the indicators the pages show, in the order of the
// methodology page. Every KPI and chart of the other pages links to one
// of these anchors (page.Method).
var methodEntries = [...]methodEntry{
	{ID: "members", Label: "ind.members", Group: "ixp"},
	{ID: "connections", Label: "ind.connections", Group: "ixp"},
	{ID: "capacity", Label: "ind.capacity_mbps", Group: "ixp"},
	{ID: "ipv6_members", Label: "ind.ipv6_members", Group: "ixp"},
	{ID: "route_server_members", Label: "ind.route_server_members", Group: "ixp"},
	{ID: "active_ixps", Label: "kpi.active_ixps", Group: "area"},
	{ID: "memberships", Label: "kpi.memberships", Group: "area"},
	{ID: "countries", Label: "kpi.countries", Group: "area"},
	{ID: "ipv6_share", Label: "kpi.ipv6_share", Group: "area"},
	{ID: "registered_asns", Label: "kpi.registered_asns", Group: "rir"},
	{ID: "local_participation", Label: "kpi.local_participation", Group: "rir"},
	{ID: "bgp_routed", Label: "kpi.bgp_routed", Group: "bgp"},
	{ID: "bgp_ipv6_share", Label: "kpi.bgp_ipv6_share", Group: "bgp"},
	{ID: "bgp_local_prefixes", Label: "kpi.bgp_local_prefixes", Group: "bgp"},
	{ID: "bgp_reachability", Label: "kpi.bgp_reachability", Group: "bgp"},
	{ID: "events", Label: "ixp.events_heading", Group: "time"},
	{ID: "growth", Label: "overview.fastest_heading", Group: "time"},
	{ID: "agreement", Label: "ixp.sources_heading", Group: "time"},
	{ID: "arda1", Label: "arda.i1", Group: "arda", Def: "arda.d1"},
	{ID: "arda2", Label: "arda.i2", Group: "arda", Def: "arda.d2"},
	{ID: "arda3", Label: "arda.i3", Group: "arda", Def: "arda.d3"},
	{ID: "arda4", Label: "arda.i4", Group: "arda", Def: "arda.d4"},
}

// methodGroups are the sections of the methodology page, in order.
var methodGroups = [...]string{"ixp", "area", "rir", "bgp", "time", "arda"}

// methodLink is what a label linking to its methodology entry needs.
type methodLink struct {
	Href, Label string
}

// methodAliases maps the catalogue labels of the other pages that are not
// an entry's own label to the entry they name.
var methodAliases = map[string]string{
	"kpi.capacity":     "capacity",
	"col.capacity":     "capacity",
	"col.members":      "members",
	"col.ipv6_members": "ipv6_members",
	"col.rs_members":   "route_server_members",
	"col.connections":  "connections",
}

// Method returns the label of catalogue key labelKey in the page's
// language linked to the methodology entry of the indicator it names; a
// key naming no entry links to the top of the methodology page (the page
// tests check that every such link has its anchor).
func (p *page) Method(labelKey string) methodLink {
	id := methodAliases[labelKey]
	for _, e := range methodEntries {
		if e.Label == labelKey {
			id = e.ID
		}
	}
	href := "/methodology"
	if id != "" {
		href += "#" + id
	}
	return methodLink{Href: href, Label: p.T(labelKey)}
}

type methodItem struct {
	ID, Name, Def, Src, Caveat string
}

type methodGroup struct {
	ID    string
	Items []methodItem
}

type methodCountry struct {
	Code, Name string
}

type methodData struct {
	Groups []methodGroup
	// The numbers of the rules, from the constants the code uses.
	RIRWindowDays, CollectorWindowDays, CompareWindowDays int
	ActiveMin                                             int
	YoYMinDays, YoYMaxDays                                int
	// LACNIC lists the countries of the LACNIC service region ("lac");
	// NotLACNIC those of UN M49 Latin America and the Caribbean (the
	// Caribbean, Central America and South America sub-regions) left
	// out of it, and LACNICOnly the reverse.
	LACNIC, NotLACNIC, LACNICOnly []methodCountry
	Continents                    []geo.Region
}

// unLAC are the UN M49 sub-regions of "Latin America and the Caribbean"
// (M49 code 419).
var unLAC = [...]string{"un-caribbean", "un-central-america", "un-south-america"}

// methodology serves /methodology: every indicator the pages show, with
// its definition, sources and caveats, the rules that combine sources of
// different dates, and the regions.
func (w *web) methodology(r *http.Request, p *page) error {
	d := &methodData{
		RIRWindowDays:       int(indicator.RIRWindow.Hours() / 24),
		CollectorWindowDays: int(indicator.CollectorWindow.Hours() / 24),
		CompareWindowDays:   int(indicator.CompareWindow.Hours() / 24),
		ActiveMin:           ixp.ActiveMinMembers,
		YoYMinDays:          300, YoYMaxDays: 430, // indicator.YearBefore
	}
	for _, g := range methodGroups {
		mg := methodGroup{ID: g}
		for _, e := range methodEntries {
			if e.Group != g {
				continue
			}
			def := e.Def
			if def == "" {
				def = "method." + e.ID + ".def"
			}
			mg.Items = append(mg.Items, methodItem{ID: e.ID, Name: p.T(e.Label), Def: p.T(def),
				Src: p.T("method." + e.ID + ".src"), Caveat: p.T("method." + e.ID + ".caveat")})
		}
		d.Groups = append(d.Groups, mg)
	}
	lacnic := geo.CountriesIn(geo.LAC)
	un := map[string]bool{}
	for _, sub := range unLAC {
		for _, cc := range geo.CountriesIn(sub) {
			un[cc] = true
		}
	}
	name := func(cc string) methodCountry { return methodCountry{Code: cc, Name: p.Country(cc)} }
	for _, cc := range lacnic {
		d.LACNIC = append(d.LACNIC, name(cc))
		if !un[cc] {
			d.LACNICOnly = append(d.LACNICOnly, name(cc))
		}
	}
	for cc := range un {
		if !slices.Contains(lacnic, cc) {
			d.NotLACNIC = append(d.NotLACNIC, name(cc))
		}
	}
	byName := func(a, b methodCountry) int { return compareFolded(a.Name, b.Name) }
	slices.SortFunc(d.LACNIC, byName)
	slices.SortFunc(d.NotLACNIC, byName)
	slices.SortFunc(d.LACNICOnly, byName)
	for _, rg := range geo.Regions() {
		if rg.Kind == geo.KindContinent {
			d.Continents = append(d.Continents, rg)
		}
	}
	p.Title = p.T("method.title")
	p.Data = d
	return nil
}

// compareFolded orders names alphabetically without regard to case or
// accents ("Éire" next to "Egypt").
func compareFolded(a, b string) int {
	return strings.Compare(fold(a), fold(b))
}

// chartMethod returns the methodology link of a chart of the field key of
// the API answer at src: members of a country or region are distinct
// networks of the area (memberships).
func chartMethod(src, key string) string {
	id := key
	switch {
	case key == "capacity_mbps":
		id = "capacity"
	case key == "local_participation":
		id = "local_participation"
	case key == "members" && (strings.Contains(src, "/countries/") || strings.Contains(src, "/regions/")):
		id = "memberships"
	}
	for _, e := range methodEntries {
		if e.ID == id {
			return "/methodology#" + id
		}
	}
	return "/methodology#series"
}

// Enum translates a PeeringDB enumeration value (kind "policy", "type" or
// "scope"); a value the catalogue does not know is shown as PeeringDB
// gives it.
func (p *page) Enum(kind, value string) string {
	if msg, ok := p.msgs["pdb."+kind+"."+value]; ok {
		return msg
	}
	return value
}

// sourceNote is a snapshot note as the page shows it: translated when it
// is one of the notes the importers write in a known form, else as
// written, marked English.
type sourceNote struct {
	Text, Lang string
}

// noteForm matches "SOURCE quirk NAME: N…" and "SOURCE dropped NAME: N…"
// (ixp.QuirkNote and the IX-F report).
var noteForm = regexp.MustCompile(`^([a-z]+) (quirk|dropped) ([a-z0-9_]+): ([0-9]+)`)

// Note returns a snapshot note in the page's language where it can.
func (p *page) Note(n string) sourceNote {
	if m := noteForm.FindStringSubmatch(n); m != nil {
		count, _ := strconv.Atoi(m[4])
		return sourceNote{Text: p.T("sources.note."+m[2], m[1], p.Int(int64(count)), strings.ReplaceAll(m[3], "_", " ")), Lang: p.lang}
	}
	return sourceNote{Text: n, Lang: "en"}
}
