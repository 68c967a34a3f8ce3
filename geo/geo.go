// Package geo describes countries and the regions they are grouped in:
// ISO 3166-1 alpha-2 codes with English, Spanish and Portuguese names, the
// continent as PeeringDB names it, the UN M49 sub-region (used as the
// "neighbouring countries" of a country), Latin America and the Caribbean
// as LACNIC serves it, and an approximate centroid for map markers.
//
// It is pure data: every function is safe for concurrent use and returns
// fresh slices.
package geo

import (
	"slices"
	"sort"
	"strings"
)

// Region kinds.
const (
	KindRIR       = "rir"       // an RIR service region ("lac")
	KindContinent = "continent" // a PeeringDB continent
	KindSubregion = "subregion" // a UN M49 sub-region
)

// LAC is the id of Latin America and the Caribbean (LACNIC's service region).
const LAC = "lac"

// Info describes a country.
type Info struct {
	Code      string  `json:"code"` // ISO 3166-1 alpha-2, upper case
	NameEN    string  `json:"name_en"`
	NameES    string  `json:"name_es"`
	NamePT    string  `json:"name_pt"`
	Continent string  `json:"continent"` // continent region id, e.g. "south-america"
	Subregion string  `json:"subregion"` // UN M49 sub-region id, e.g. "un-south-america"
	LAC       bool    `json:"lac"`       // in LACNIC's service region
	Lat       float64 `json:"lat"`       // approximate centroid
	Lon       float64 `json:"lon"`
}

// Name returns the name in lang ("en", "es", "pt"; "es-419", "pt_BR"…
// are accepted; anything else gives English).
func (i Info) Name(lang string) string {
	switch baseLang(lang) {
	case "es":
		return i.NameES
	case "pt":
		return i.NamePT
	}
	return i.NameEN
}

// Region is a group of countries.
type Region struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // KindRIR, KindContinent or KindSubregion
	NameEN string `json:"name_en"`
	NameES string `json:"name_es"`
	NamePT string `json:"name_pt"`
	// PeeringDB is the continent's spelling in PeeringDB's
	// ix.region_continent (continents only).
	PeeringDB string `json:"peeringdb,omitempty"`
	// M49 is the UN M49 area code (sub-regions only; "" for Antarctica).
	M49 string `json:"m49,omitempty"`
}

// Name returns the region's name in lang; see Info.Name.
func (r Region) Name(lang string) string {
	switch baseLang(lang) {
	case "es":
		return r.NameES
	case "pt":
		return r.NamePT
	}
	return r.NameEN
}

type country struct {
	code, en, es, pt     string
	continent, subregion string
	lat, lon             float64
}

// lacCodes is LACNIC's service region as its "Service region" page at
// lacnic.net lists it. LACNIC speaks of 33 territories; as far as we can
// tell the difference with these 31 ISO 3166-1 codes is that Bonaire,
// Sint Eustatius and Saba, which share one code (BQ), are counted
// separately (not verified against the live page, which was not
// reachable when this was written). Guadeloupe, Martinique, Puerto Rico and the English-speaking
// Caribbean are served by ARIN and are not included. Never mutate it.
var lacCodes = [...]string{
	"AR", "AW", "BO", "BQ", "BR", "BZ", "CL", "CO", "CR", "CU", "CW",
	"DO", "EC", "FK", "GF", "GS", "GT", "GY", "HN", "HT", "MX", "NI",
	"PA", "PE", "PY", "SR", "SV", "SX", "TT", "UY", "VE",
}

// regions lists the regions in display order. Never mutate it.
var regions = [...]Region{
	{ID: LAC, Kind: KindRIR, NameEN: "Latin America and the Caribbean", NameES: "América Latina y el Caribe", NamePT: "América Latina e Caribe"},

	{ID: "south-america", Kind: KindContinent, PeeringDB: "South America", NameEN: "South America", NameES: "América del Sur", NamePT: "América do Sul"},
	{ID: "north-america", Kind: KindContinent, PeeringDB: "North America", NameEN: "North America", NameES: "América del Norte", NamePT: "América do Norte"},
	{ID: "europe", Kind: KindContinent, PeeringDB: "Europe", NameEN: "Europe", NameES: "Europa", NamePT: "Europa"},
	{ID: "africa", Kind: KindContinent, PeeringDB: "Africa", NameEN: "Africa", NameES: "África", NamePT: "África"},
	{ID: "middle-east", Kind: KindContinent, PeeringDB: "Middle East", NameEN: "Middle East", NameES: "Oriente Medio", NamePT: "Oriente Médio"},
	{ID: "asia-pacific", Kind: KindContinent, PeeringDB: "Asia Pacific", NameEN: "Asia Pacific", NameES: "Asia-Pacífico", NamePT: "Ásia-Pacífico"},
	{ID: "australia", Kind: KindContinent, PeeringDB: "Australia", NameEN: "Australia", NameES: "Australia", NamePT: "Austrália"},

	{ID: "un-south-america", Kind: KindSubregion, M49: "005", NameEN: "South America", NameES: "Sudamérica", NamePT: "América do Sul"},
	{ID: "un-central-america", Kind: KindSubregion, M49: "013", NameEN: "Central America", NameES: "Centroamérica", NamePT: "América Central"},
	{ID: "un-caribbean", Kind: KindSubregion, M49: "029", NameEN: "Caribbean", NameES: "Caribe", NamePT: "Caribe"},
	{ID: "un-northern-america", Kind: KindSubregion, M49: "021", NameEN: "Northern America", NameES: "Norteamérica", NamePT: "América do Norte"},
	{ID: "un-northern-europe", Kind: KindSubregion, M49: "154", NameEN: "Northern Europe", NameES: "Europa septentrional", NamePT: "Europa Setentrional"},
	{ID: "un-western-europe", Kind: KindSubregion, M49: "155", NameEN: "Western Europe", NameES: "Europa occidental", NamePT: "Europa Ocidental"},
	{ID: "un-southern-europe", Kind: KindSubregion, M49: "039", NameEN: "Southern Europe", NameES: "Europa meridional", NamePT: "Europa Meridional"},
	{ID: "un-eastern-europe", Kind: KindSubregion, M49: "151", NameEN: "Eastern Europe", NameES: "Europa oriental", NamePT: "Europa Oriental"},
	{ID: "un-northern-africa", Kind: KindSubregion, M49: "015", NameEN: "Northern Africa", NameES: "Norte de África", NamePT: "Norte da África"},
	{ID: "un-western-africa", Kind: KindSubregion, M49: "011", NameEN: "Western Africa", NameES: "África occidental", NamePT: "África Ocidental"},
	{ID: "un-middle-africa", Kind: KindSubregion, M49: "017", NameEN: "Middle Africa", NameES: "África central", NamePT: "África Central"},
	{ID: "un-eastern-africa", Kind: KindSubregion, M49: "014", NameEN: "Eastern Africa", NameES: "África oriental", NamePT: "África Oriental"},
	{ID: "un-southern-africa", Kind: KindSubregion, M49: "018", NameEN: "Southern Africa", NameES: "África austral", NamePT: "África Austral"},
	{ID: "un-western-asia", Kind: KindSubregion, M49: "145", NameEN: "Western Asia", NameES: "Asia occidental", NamePT: "Ásia Ocidental"},
	{ID: "un-central-asia", Kind: KindSubregion, M49: "143", NameEN: "Central Asia", NameES: "Asia central", NamePT: "Ásia Central"},
	{ID: "un-southern-asia", Kind: KindSubregion, M49: "034", NameEN: "Southern Asia", NameES: "Asia meridional", NamePT: "Ásia Meridional"},
	{ID: "un-eastern-asia", Kind: KindSubregion, M49: "030", NameEN: "Eastern Asia", NameES: "Asia oriental", NamePT: "Ásia Oriental"},
	{ID: "un-south-eastern-asia", Kind: KindSubregion, M49: "035", NameEN: "South-eastern Asia", NameES: "Sudeste asiático", NamePT: "Sudeste Asiático"},
	{ID: "un-australia-new-zealand", Kind: KindSubregion, M49: "053", NameEN: "Australia and New Zealand", NameES: "Australia y Nueva Zelanda", NamePT: "Austrália e Nova Zelândia"},
	{ID: "un-melanesia", Kind: KindSubregion, M49: "054", NameEN: "Melanesia", NameES: "Melanesia", NamePT: "Melanésia"},
	{ID: "un-micronesia", Kind: KindSubregion, M49: "057", NameEN: "Micronesia", NameES: "Micronesia", NamePT: "Micronésia"},
	{ID: "un-polynesia", Kind: KindSubregion, M49: "061", NameEN: "Polynesia", NameES: "Polinesia", NamePT: "Polinésia"},
	{ID: "antarctica", Kind: KindSubregion, NameEN: "Antarctica", NameES: "Antártida", NamePT: "Antártida"},
}

// pseudo are codes found in RIR and PeeringDB data that are not
// countries. Never mutate it.
var pseudo = [...]struct{ code, en, es, pt string }{
	{"AP", "Asia Pacific (not a country)", "Asia-Pacífico (no es un país)", "Ásia-Pacífico (não é um país)"},
	{"EU", "European Union (not a country)", "Unión Europea (no es un país)", "União Europeia (não é um país)"},
	{"ZZ", "Unknown", "Desconocido", "Desconhecido"},
}

// Normalize returns the canonical code of a country: upper case, blanks
// trimmed, "UK" (used by RIRs and some IX-F exports) as "GB". It returns ""
// for anything that is not a country: "", "EU", "AP", "ZZ", obsolete or
// unknown codes.
func Normalize(cc string) string {
	cc = strings.ToUpper(strings.TrimSpace(cc))
	if cc == "UK" {
		cc = "GB"
	}
	if _, ok := find(cc); !ok {
		return ""
	}
	return cc
}

// Country returns the country of a code, normalized first.
func Country(cc string) (Info, bool) {
	i, ok := find(Normalize(cc))
	if !ok {
		return Info{}, false
	}
	return info(&countries[i]), true
}

// Countries returns every country, sorted by code.
func Countries() []Info {
	out := make([]Info, len(countries))
	for i := range countries {
		out[i] = info(&countries[i])
	}
	return out
}

// Name returns the name of a code in lang ("en", "es", "pt"). Non-country
// codes AP, EU and ZZ have descriptive names; any other unknown code is
// returned as given, upper-cased.
func Name(cc, lang string) string {
	if c, ok := Country(cc); ok {
		return c.Name(lang)
	}
	up := strings.ToUpper(strings.TrimSpace(cc))
	for _, p := range pseudo {
		if p.code == up {
			switch baseLang(lang) {
			case "es":
				return p.es
			case "pt":
				return p.pt
			}
			return p.en
		}
	}
	return up
}

// Regions returns every region: LAC first, then the PeeringDB continents,
// then the UN M49 sub-regions.
func Regions() []Region { return slices.Clone(regions[:]) }

// RegionByID returns a region by its id.
func RegionByID(id string) (Region, bool) {
	for _, r := range regions {
		if r.ID == id {
			return r, true
		}
	}
	return Region{}, false
}

// RegionOf returns the continent region id of a country ("south-america"),
// "" for a non-country.
func RegionOf(cc string) string {
	c, _ := Country(cc)
	return c.Continent
}

// SubregionOf returns the UN M49 sub-region id of a country
// ("un-south-america"), "" for a non-country.
func SubregionOf(cc string) string {
	c, _ := Country(cc)
	return c.Subregion
}

// InRegion reports whether a country belongs to a region (any kind).
func InRegion(cc, regionID string) bool {
	c, ok := Country(cc)
	if !ok {
		return false
	}
	return regionID == c.Continent || regionID == c.Subregion || regionID == LAC && c.LAC
}

// CountriesIn returns the codes of the countries of a region, sorted; nil
// for an unknown region.
func CountriesIn(regionID string) []string {
	if regionID == LAC {
		return slices.Clone(lacCodes[:])
	}
	var out []string
	for i := range countries {
		if countries[i].continent == regionID || countries[i].subregion == regionID {
			out = append(out, countries[i].code)
		}
	}
	return out
}

// Neighbours returns the other countries of a country's UN M49 sub-region
// (its comparison group), sorted; nil for a non-country.
func Neighbours(cc string) []string {
	c, ok := Country(cc)
	if !ok {
		return nil
	}
	out := CountriesIn(c.Subregion)
	return slices.DeleteFunc(out, func(s string) bool { return s == c.Code })
}

// ContinentID maps a PeeringDB region_continent value ("South America")
// to its region id ("south-america"). Case and spacing are ignored, so the
// old "MIddle East" spelling of some facilities matches; the ambiguous
// "America" does not.
func ContinentID(peeringdb string) (string, bool) {
	s := strings.Join(strings.Fields(strings.ToLower(peeringdb)), " ")
	for _, r := range regions {
		if r.Kind == KindContinent && strings.ToLower(r.PeeringDB) == s {
			return r.ID, true
		}
	}
	return "", false
}

func find(cc string) (int, bool) {
	if len(cc) != 2 {
		return 0, false
	}
	i := sort.Search(len(countries), func(i int) bool { return countries[i].code >= cc })
	return i, i < len(countries) && countries[i].code == cc
}

func info(c *country) Info {
	_, lac := slices.BinarySearch(lacCodes[:], c.code)
	return Info{
		Code: c.code, NameEN: c.en, NameES: c.es, NamePT: c.pt,
		Continent: c.continent, Subregion: c.subregion, LAC: lac,
		Lat: c.lat, Lon: c.lon,
	}
}

func baseLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}
