package geo

import (
	"slices"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
)

func TestTable(t *testing.T) {
	if got, want := len(countries), 250; got != want {
		t.Fatalf("got %d countries, want %d (249 ISO 3166-1 codes and XK)", got, want)
	}
	kinds := map[string]string{}
	for _, r := range regions {
		if _, dup := kinds[r.ID]; dup {
			t.Errorf("region %s listed twice", r.ID)
		}
		kinds[r.ID] = r.Kind
		if r.NameEN == "" || r.NameES == "" || r.NamePT == "" {
			t.Errorf("region %s lacks a name: %+v", r.ID, r)
		}
	}
	for i, c := range countries {
		if i > 0 && countries[i-1].code >= c.code {
			t.Errorf("%s: table not sorted or duplicate after %s", c.code, countries[i-1].code)
		}
		if len(c.code) != 2 || strings.ToUpper(c.code) != c.code {
			t.Errorf("%s: bad code", c.code)
		}
		if c.en == "" || c.es == "" || c.pt == "" || strings.Contains(c.en, "&") {
			t.Errorf("%s: bad names %q %q %q", c.code, c.en, c.es, c.pt)
		}
		if kinds[c.continent] != KindContinent {
			t.Errorf("%s: got continent %q, want a continent id", c.code, c.continent)
		}
		if kinds[c.subregion] != KindSubregion {
			t.Errorf("%s: got sub-region %q, want a sub-region id", c.code, c.subregion)
		}
		if c.lat < -90 || c.lat > 90 || c.lon < -180 || c.lon > 180 {
			t.Errorf("%s: got centroid %v,%v out of range", c.code, c.lat, c.lon)
		}
	}
	for _, r := range regions {
		if len(CountriesIn(r.ID)) == 0 {
			t.Errorf("region %s has no country", r.ID)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"BR", "BR"},
		{" br ", "BR"},
		{"UK", "GB"},
		{"uk", "GB"},
		{"GB", "GB"},
		{"XK", "XK"}, // Kosovo, user-assigned but used by PeeringDB
		{"NA", "NA"}, // Namibia, not "not available"
		{"EU", ""},
		{"AP", ""},
		{"ZZ", ""},
		{"", ""},
		{"YU", ""}, // obsolete Yugoslavia
		{"AN", ""}, // obsolete Netherlands Antilles
		{"BRA", ""},
		{"B", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct{ cc, lang, want string }{
		{"BR", "en", "Brazil"},
		{"BR", "es", "Brasil"},
		{"BR", "pt", "Brasil"},
		{"MX", "es", "México"},
		{"MX", "pt-BR", "México"},
		{"US", "es", "Estados Unidos"},
		{"US", "pt", "Estados Unidos"},
		{"DO", "es-419", "República Dominicana"},
		{"NL", "pt", "Países Baixos"},
		{"CW", "es", "Curazao"},
		{"TT", "en", "Trinidad and Tobago"},
		{"KN", "en", "Saint Kitts and Nevis"},
		{"CI", "es", "Costa de Marfil"},
		{"CD", "pt", "República Democrática do Congo"},
		{"HK", "en", "Hong Kong"},
		{"MK", "es", "Macedonia del Norte"},
		{"UK", "pt", "Reino Unido"},
		{"BR", "fr", "Brazil"}, // unsupported language: English
		{"EU", "en", "European Union (not a country)"},
		{"zz", "es", "Desconocido"},
		{"QQ", "en", "QQ"},
	}
	for _, tt := range tests {
		t.Run(tt.cc+"/"+tt.lang, func(t *testing.T) {
			if got := Name(tt.cc, tt.lang); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLAC(t *testing.T) {
	lac := CountriesIn(LAC)
	if len(lac) != 31 {
		t.Errorf("got %d LAC codes, want 31", len(lac))
	}
	if !slices.IsSorted(lac) {
		t.Errorf("got unsorted %v", lac)
	}
	for _, cc := range lac {
		c, ok := Country(cc)
		if !ok || !c.LAC {
			t.Errorf("%s: got %+v %v, want a LAC country", cc, c, ok)
		}
	}
	tests := []struct {
		cc   string
		want bool
	}{
		{"BR", true}, {"AR", true}, {"MX", true}, {"CW", true}, {"SX", true}, {"BQ", true},
		{"GF", true}, {"FK", true}, {"HT", true}, {"TT", true}, {"BZ", true},
		{"PR", false}, {"GP", false}, {"MQ", false}, {"JM", false}, {"BS", false},
		{"US", false}, {"ES", false}, {"PT", false}, {"ZZ", false}, {"", false},
	}
	for _, tt := range tests {
		t.Run(tt.cc, func(t *testing.T) {
			if got := InRegion(tt.cc, LAC); got != tt.want {
				t.Errorf("got InRegion(%q, lac) %v, want %v", tt.cc, got, tt.want)
			}
		})
	}
}

func TestRegions(t *testing.T) {
	tests := []struct {
		cc, continent, subregion string
	}{
		{"BR", "south-america", "un-south-america"},
		{"MX", "north-america", "un-central-america"},
		{"PA", "south-america", "un-central-america"}, // PeeringDB usage
		{"US", "north-america", "un-northern-america"},
		{"DE", "europe", "un-western-europe"},
		{"TR", "europe", "un-western-asia"},
		{"AE", "middle-east", "un-western-asia"},
		{"IR", "middle-east", "un-southern-asia"},
		{"NZ", "australia", "un-australia-new-zealand"},
		{"FJ", "asia-pacific", "un-melanesia"},
		{"ZA", "africa", "un-southern-africa"},
		{"uk", "europe", "un-northern-europe"},
		{"EU", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cc, func(t *testing.T) {
			if got := RegionOf(tt.cc); got != tt.continent {
				t.Errorf("got continent %q, want %q", got, tt.continent)
			}
			if got := SubregionOf(tt.cc); got != tt.subregion {
				t.Errorf("got sub-region %q, want %q", got, tt.subregion)
			}
			if tt.continent != "" && (!InRegion(tt.cc, tt.continent) || !InRegion(tt.cc, tt.subregion)) {
				t.Errorf("got InRegion false for its own regions")
			}
		})
	}
	n := Neighbours("BR")
	if !slices.Contains(n, "AR") || slices.Contains(n, "BR") || slices.Contains(n, "MX") {
		t.Errorf("got neighbours of BR %v, want South America without BR", n)
	}
	if Neighbours("EU") != nil {
		t.Error("got neighbours for EU, want none")
	}
	if CountriesIn("atlantis") != nil {
		t.Error("got countries for an unknown region")
	}
	// Regions returns a copy.
	rs := Regions()
	rs[0].ID = "changed"
	if Regions()[0].ID != LAC {
		t.Error("Regions shares its backing array")
	}
}

func TestContinentID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"South America", "south-america", true},
		{"Asia Pacific", "asia-pacific", true},
		{"MIddle East", "middle-east", true}, // old facility spelling
		{" north  america ", "north-america", true},
		{"Australia", "australia", true},
		{"America", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ContinentID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"BR", "uk", " eu ", "ZZ", "", "é", "XK"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzlimit.Check(t, func() {
			n := Normalize(s)
			if n == "" {
				if _, ok := Country(s); ok {
					t.Fatalf("Country(%q) found a country Normalize rejected", s)
				}
				return
			}
			if Normalize(n) != n {
				t.Fatalf("Normalize(%q) = %q is not stable", s, n)
			}
			c, ok := Country(n)
			if !ok || c.Code != n || Name(s, "es") != c.NameES {
				t.Fatalf("got %+v %v for %q", c, ok, s)
			}
		})
	})
}
