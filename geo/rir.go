package geo

import "strings"

// RIROf returns the regional Internet registry that serves a country
// ("afrinic", "apnic", "arin", "lacnic" or "ripencc", as the delegated
// files name themselves), "" for an unknown code. LACNIC's service region
// is exact (the lac list); the others follow the UN M49 sub-region: Africa
// AFRINIC; Europe, Western and Central Asia and Iran RIPE NCC; the rest of
// Asia and Oceania APNIC; Northern America, the Caribbean outside LACNIC's
// region and Antarctica ARIN. A few territories differ in reality
// (Greenland is served by RIPE NCC, some Indian Ocean islands by AFRINIC or
// APNIC); the mapping only decides whether a country's registered ASNs are
// known, never which ASNs are counted.
func RIROf(cc string) string {
	c, ok := Country(cc)
	if !ok {
		return ""
	}
	switch {
	case c.LAC:
		return "lacnic"
	case c.Code == "IR" || c.Code == "GL":
		return "ripencc"
	case strings.HasSuffix(c.Subregion, "-africa"):
		return "afrinic"
	case strings.HasSuffix(c.Subregion, "-europe"), c.Subregion == "un-western-asia", c.Subregion == "un-central-asia":
		return "ripencc"
	case strings.HasSuffix(c.Subregion, "-asia"), c.Subregion == "un-australia-new-zealand",
		c.Subregion == "un-melanesia", c.Subregion == "un-micronesia", c.Subregion == "un-polynesia":
		return "apnic"
	}
	return "arin"
}
