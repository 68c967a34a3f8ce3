package geo

import (
	"bufio"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/internal/zstream"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// shared returns <repo root>/../shared/data/<sub>, skipping the test when
// it is absent.
func shared(t *testing.T, sub string) string {
	t.Helper()
	return filepath.Join(testenv.SharedData(t), sub)
}

func readGzipJSON(t *testing.T, path string, v any) {
	t.Helper()
	zr, err := zstream.OpenFile(path, zstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// Every country of the 2022-06-01 PeeringDB ix dump maps to the continent
// most of its IXPs carry (any of them on a tie: CY, EG, IL and KG have
// one IXP in each of two regions).
func TestContinentsMatchPeeringDB2022(t *testing.T) {
	path := filepath.Join(shared(t, "peeringdb/ixgen-2022-06-01"), "ix.json.gz")
	var dump struct {
		Data []struct {
			Country   string `json:"country"`
			Continent string `json:"region_continent"`
		} `json:"data"`
	}
	readGzipJSON(t, path, &dump)
	votes := map[string]map[string]int{}
	for _, ix := range dump.Data {
		id, ok := ContinentID(ix.Continent)
		if !ok {
			t.Errorf("got unknown region_continent %q", ix.Continent)
			continue
		}
		if votes[ix.Country] == nil {
			votes[ix.Country] = map[string]int{}
		}
		votes[ix.Country][id]++
	}
	if len(votes) < 100 {
		t.Fatalf("got %d countries from %d IXPs, want over 100", len(votes), len(dump.Data))
	}
	for cc, v := range votes {
		best := 0
		for _, n := range v {
			best = max(best, n)
		}
		got := RegionOf(cc)
		if got == "" {
			t.Errorf("%s: not a country, PeeringDB votes %v", cc, v)
			continue
		}
		if v[got] != best {
			t.Errorf("%s: got %s, PeeringDB votes %v", cc, got, v)
		}
	}
}

// Every country code of LACNIC's 2022-03-31 file is in LAC, except empty
// codes (available/reserved lines) and the three organisations outside the
// region that hold LACNIC resources: 1 AU asn, 2 JP ipv6, 4 US lines
// (zcat | awk -F'|' '{print $2}' | sort | uniq -c).
func TestLACNICCountriesInLAC(t *testing.T) {
	path := filepath.Join(shared(t, "rir"), "delegated-lacnic-extended-20220331.gz")
	zr, err := zstream.OpenFile(path, zstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	outside := map[string]int{}
	seen := map[string]bool{}
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "|")
		if len(fields) < 7 || fields[0] != "lacnic" || fields[5] == "summary" || fields[1] == "" {
			continue
		}
		cc := fields[1]
		seen[cc] = true
		if _, ok := Country(cc); !ok {
			t.Errorf("%s: not a country", cc)
		}
		if !InRegion(cc, LAC) {
			outside[cc]++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"AU": 1, "JP": 2, "US": 4}; !mapsEqual(outside, want) {
		t.Errorf("got lines outside LAC %v, want %v", outside, want)
	}
	if len(seen) < 28 {
		t.Errorf("got %d countries, want the region's (28 or more)", len(seen))
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Centroids are approximate, but a typo (a lost minus sign, swapped
// coordinates) would put a marker on another continent. Compare with the
// median location of each country's facilities in PeeringDB 2022:
// facilities cluster around capitals, so the gap can reach ~1,200 km for
// mid-sized countries and more for Russia, Canada and Australia.
func TestCentroidsNearFacilities(t *testing.T) {
	path := filepath.Join(shared(t, "peeringdb/ixgen-2022-06-01"), "fac.json.gz")
	var dump struct {
		Data []struct {
			Country string   `json:"country"`
			Lat     *float64 `json:"latitude"`
			Lon     *float64 `json:"longitude"`
		} `json:"data"`
	}
	readGzipJSON(t, path, &dump)
	lats, lons := map[string][]float64{}, map[string][]float64{}
	for _, f := range dump.Data {
		if f.Lat == nil || f.Lon == nil {
			continue
		}
		lats[f.Country] = append(lats[f.Country], *f.Lat)
		lons[f.Country] = append(lons[f.Country], *f.Lon)
	}
	large := map[string]float64{"RU": 4000, "CA": 2500, "AU": 2200}
	checked := 0
	for cc := range lats {
		c, ok := Country(cc)
		if !ok {
			t.Errorf("%s: facility country is not a country", cc)
			continue
		}
		d := km(median(lats[cc]), median(lons[cc]), c.Lat, c.Lon)
		limit := 1200.0
		if l, ok := large[cc]; ok {
			limit = l
		}
		if d > limit {
			t.Errorf("%s: centroid %v,%v is %.0f km from the facilities' median, want at most %.0f", cc, c.Lat, c.Lon, d, limit)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("got %d countries checked, want over 100", checked)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func km(lat1, lon1, lat2, lon2 float64) float64 {
	r := math.Pi / 180
	h := math.Pow(math.Sin((lat2-lat1)*r/2), 2) + math.Cos(lat1*r)*math.Cos(lat2*r)*math.Pow(math.Sin((lon2-lon1)*r/2), 2)
	return 2 * 6371 * math.Asin(math.Sqrt(h))
}

// The names are CLDR's (golang.org/x/text) except these deliberate
// corrections; a new difference means the table or x/text changed.
func TestNamesAgainstCLDR(t *testing.T) {
	fixes := map[string]bool{
		"en/AG": true, "en/BA": true, "en/BL": true, "en/CD": true, "en/CG": true, "en/CI": true, "en/GS": true,
		"en/HK": true, "en/HM": true, "en/KN": true, "en/LC": true, "en/MF": true, "en/MK": true, "en/MM": true,
		"en/MO": true, "en/PM": true, "en/PS": true, "en/SH": true, "en/SJ": true, "en/ST": true, "en/SZ": true,
		"en/TC": true, "en/TT": true, "en/UM": true, "en/VC": true, "en/WF": true,
		"es/CI": true, "es/HK": true, "es/MK": true, "es/MM": true, "es/MO": true, "es/PS": true, "es/SA": true, "es/SZ": true,
		"pt/AX": true, "pt/CD": true, "pt/CG": true, "pt/HK": true, "pt/MK": true, "pt/MM": true, "pt/MO": true,
		"pt/NL": true, "pt/PS": true, "pt/SZ": true,
	}
	namers := map[string]display.Namer{
		"en": display.English.Regions(), "es": display.Spanish.Regions(), "pt": display.Portuguese.Regions(),
	}
	for _, c := range Countries() {
		r := language.MustParseRegion(c.Code)
		for lang, n := range namers {
			key := lang + "/" + c.Code
			differs := n.Name(r) != c.Name(lang)
			if differs != fixes[key] {
				t.Errorf("%s: got %q, CLDR %q, listed as a correction: %v", key, c.Name(lang), n.Name(r), fixes[key])
			}
		}
	}
}
