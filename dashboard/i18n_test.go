package dashboard

import (
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCatalogKeys checks that the three catalogues have the same keys,
// no empty message, and every key a template names literally.
func TestCatalogKeys(t *testing.T) {
	cat := testCatalog(t)
	en := cat["en"]
	if len(en) < 100 {
		t.Fatalf("got %d English messages, want the full catalogue", len(en))
	}
	for _, lang := range webLangs {
		t.Run(lang, func(t *testing.T) {
			for k, v := range cat[lang] {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: key %q has an empty message", lang, k)
				}
				if _, ok := en[k]; !ok {
					t.Errorf("%s: key %q is not in en.json", lang, k)
				}
				if got, want := placeholders(v), placeholders(en[k]); !slices.Equal(got, want) {
					t.Errorf("%s: key %q has placeholders %v, want %v as in English", lang, k, got, want)
				}
			}
			for k := range en {
				if _, ok := cat[lang][k]; !ok {
					t.Errorf("%s: key %q is missing", lang, k)
				}
			}
		})
	}
	t.Run("templates", func(t *testing.T) {
		literal := regexp.MustCompile(`\bT "([a-z0-9_.]+)"`)
		files, err := fs.Glob(webFS, "templates/*.html")
		if err != nil || len(files) == 0 {
			t.Fatalf("no templates: %v", err)
		}
		n := 0
		for _, f := range files {
			b, _ := fs.ReadFile(webFS, f)
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				n++
				if _, ok := en[m[1]]; !ok {
					t.Errorf("%s uses key %q that en.json lacks", f, m[1])
				}
			}
		}
		if n < 100 {
			t.Errorf("found %d literal keys in the templates, want the pattern to match them (over 100)", n)
		}
	})
	t.Run("dynamic", func(t *testing.T) {
		// Keys built from a prefix and a value in templates or Go code.
		var keys []string
		for _, k := range ixpSortColumns {
			keys = append(keys, "col."+k)
		}
		for _, k := range mapIndicatorOrder {
			keys = append(keys, "map.ind."+k)
		}
		for _, l := range webLangs {
			keys = append(keys, "lang."+l)
		}
		for _, s := range []string{"400", "404", "500", "503"} {
			keys = append(keys, "error.title."+s, "error.text."+s)
		}
		for m := 1; m <= 12; m++ {
			keys = append(keys, "month."+strconv.Itoa(m))
		}
		keys = append(keys, "event.join", "event.leave", "ind.members", "ind.connections", "ind.capacity_mbps", "ind.ipv6_members", "ind.route_server_members")
		for _, k := range keys {
			if _, ok := en[k]; !ok {
				t.Errorf("en.json lacks %q", k)
			}
		}
	})
}

var placeholderRE = regexp.MustCompile(`\{[0-9]+\}`)

func placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

func TestLocaleFormats(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		lang, name, got, want string
	}{}
	for _, lang := range webLangs {
		l := &locale{lang: lang, msgs: cat[lang]}
		add := func(name, got, want string) {
			tests = append(tests, struct{ lang, name, got, want string }{lang, name, got, want})
		}
		switch lang {
		case "en":
			add("int", l.Int(1234567), "1,234,567")
			add("negative", l.Int(-1234), "-1,234")
			add("dec", l.Dec(1234.5, 1), "1,234.5")
			add("capacity", l.Capacity(12_345_000), "12.3 Tbps")
			add("date", l.Date("2019-01-19"), "Jan 19, 2019")
			add("percent", l.Percent(1, 3), "33%")
		case "es":
			add("int", l.Int(1234567), "1.234.567")
			add("dec", l.Dec(1234.5, 1), "1.234,5")
			add("capacity", l.Capacity(2500), "2,5 Gbps")
			add("date", l.Date("2020-05-05"), "5 may 2020")
			add("percent", l.Percent(1, 2), "50 %")
		case "pt":
			add("int", l.Int(999), "999")
			add("capacity", l.Capacity(100), "100 Mbps")
			add("date", l.Date("2022-06-01"), "1 jun 2022")
			add("signed", l.Signed(-1500), "−1.500")
			add("message", l.T("pager.page", 2, 7), "Página 2 de 7")
		}
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestPickLang(t *testing.T) {
	tests := []struct {
		name, query, cookie, accept string
		want                        string
		fromQuery                   bool
	}{
		{name: "default", want: "en"},
		{name: "query", query: "lang=pt", cookie: "es", accept: "en", want: "pt", fromQuery: true},
		{name: "query region tag", query: "lang=es-419", want: "es", fromQuery: true},
		{name: "unsupported query falls to cookie", query: "lang=fr", cookie: "es", want: "es"},
		{name: "cookie beats header", cookie: "pt", accept: "es", want: "pt"},
		{name: "bad cookie ignored", cookie: "xx", accept: "es-AR,es;q=0.9", want: "es"},
		{name: "header weights", accept: "fr-FR, pt-BR;q=0.8, es;q=0.9", want: "es"},
		{name: "header zero weight", accept: "es;q=0, pt;q=0.1", want: "pt"},
		{name: "header nothing supported", accept: "de, fr;q=0.5", want: "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/?"+tc.query, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: langCookie, Value: tc.cookie})
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			got, fromQuery := pickLang(r)
			if got != tc.want || fromQuery != tc.fromQuery {
				t.Errorf("got %q (from query %v), want %q (%v)", got, fromQuery, tc.want, tc.fromQuery)
			}
		})
	}
}

// TestMapProjection compares the Go projection of centroids with d3-geo's
// output for the same fitted projection (computed with ui/node_modules).
func TestMapProjection(t *testing.T) {
	m, err := loadWorldMap(webFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Countries) < 170 {
		t.Fatalf("got %d country outlines, want the 174 of world-atlas 110m", len(m.Countries))
	}
	tests := []struct {
		name         string
		lat, lon     float64
		wantX, wantY float64
	}{
		{"origin", 0, 0, 480, 286.01988022290067},
		{"Brasília", -15.8, -47.9, 352.21507652411316, 335.4078527027541},
		{"Singapore", 1.35, 103.8, 760.1432781165424, 281.8047095345207},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, y := m.project(tc.lat, tc.lon)
			if math.Abs(x-tc.wantX) > 0.01 || math.Abs(y-tc.wantY) > 0.01 {
				t.Errorf("got (%.3f, %.3f), want (%.3f, %.3f)", x, y, tc.wantX, tc.wantY)
			}
		})
	}
}

// testCatalog returns the embedded message catalogues, by language.
func testCatalog(t *testing.T) catalog {
	t.Helper()
	cat, err := loadCatalog(webFS)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
