package dashboard

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	placeholder = regexp.MustCompile(`\{[0-9]+\}`)
)

// TestNoEnglishLeftOnTranslatedPages renders the main pages in Spanish and
// Portuguese and looks for the English text of the catalogue in them:
// every English message of three words or more (its fixed parts, between
// placeholders) that the language translates differently must not
// appear. Data (exchange and network names, snapshot notes kept as
// written) is not in the catalogue, so it cannot trip the check.
func TestNoEnglishLeftOnTranslatedPages(t *testing.T) {
	ts := realWebServer(t)
	cat := testCatalog(t)
	paths := []string{"/", "/ixps", "/ixps/171", "/countries", "/regions", "/countries/BR", "/countries/BR/brief", "/regions/lac",
		"/methodology", "/sources", "/networks/15169", "/search?q=ix.br", "/countries/BR/arda", "/nowhere"}
	for _, c := range errorPages {
		paths = append(paths, c.page)
	}
	for _, lang := range []string{"es", "pt"} {
		var english []string
		for key, en := range cat["en"] {
			if cat[lang][key] == en {
				continue
			}
			for _, part := range placeholder.Split(en, -1) {
				part = strings.TrimSpace(part)
				if len(strings.Fields(part)) >= 3 {
					english = append(english, part)
				}
			}
		}
		// The check can fail: the English pages show many of these texts.
		_, enBody := fetch(t, ts, "/methodology?lang=en")
		enText := strings.Join(strings.Fields(html.UnescapeString(htmlTag.ReplaceAllString(enBody, " "))), " ")
		found := 0
		for _, en := range english {
			if strings.Contains(enText, en) {
				found++
			}
		}
		if found < 50 {
			t.Fatalf("only %d of %d English texts found on the English methodology page: the check would not see English", found, len(english))
		}
		for _, path := range paths {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			_, body := fetch(t, ts, path+sep+"lang="+lang)
			text := html.UnescapeString(htmlTag.ReplaceAllString(body, " "))
			text = strings.Join(strings.Fields(text), " ")
			for _, en := range english {
				if strings.Contains(text, en) {
					t.Errorf("%s in %s shows English text %q", path, lang, en)
				}
			}
		}
	}
}

// errorPages are pages that fail, each with the API request that fails
// the same way.
var errorPages = []struct{ page, api string }{
	{"/ixps/171?at=2019-13-45", "/api/v1/ixps/171?at=2019-13-45"},
	{"/ixps/999999", "/api/v1/ixps/999999"},
	{"/ixps/abc", "/api/v1/ixps/abc"},
	{"/ixps?sort=bogus", "/api/v1/ixps?sort=bogus"},
	{"/ixps?members__gte=many", "/api/v1/ixps?members__gte=many"},
	{"/ixps?country=Narnia", "/api/v1/ixps?country=Narnia"},
	{"/ixps?active=maybe", "/api/v1/ixps?active=maybe"},
	{"/ixps?page=0", "/api/v1/ixps?page=0"},
	{"/countries/XX", "/api/v1/countries/XX"},
	{"/regions/nowhere", "/api/v1/regions/nowhere"},
	{"/regions/nowhere/arda", "/api/v1/arda/regions/nowhere"},
	{"/networks/AS0", "/api/v1/networks/AS0"},
	{"/networks/15169?at=1990-01-01", "/api/v1/networks/15169?at=1990-01-01"},
}

// TestErrorPagesTranslated checks that an error page shows the detail of
// the API's error in the page's language: the same status as the API, the
// fixed parts of the catalogue's err.CODE message for the code the API
// gives, and not the API's English message (in es and pt).
func TestErrorPagesTranslated(t *testing.T) {
	ts := realWebServer(t)
	cat := testCatalog(t)
	for _, c := range errorPages {
		resp, body := fetch(t, ts, c.api)
		var e errorBody
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code == "" || e.Error == "" {
			t.Errorf("%s: error body %.200q (%v): want error and code", c.api, body, err)
			continue
		}
		if e.Status != resp.StatusCode || !slices.Contains(errCodes, e.Code) {
			t.Errorf("%s: status %d, body %+v: want the status in the body and a code of errCodes", c.api, resp.StatusCode, e)
		}
		for _, lang := range webLangs {
			presp, page := fetch(t, ts, c.page+sep(c.page)+"lang="+lang)
			if presp.StatusCode != resp.StatusCode {
				t.Errorf("%s in %s: status %d, the API's %d", c.page, lang, presp.StatusCode, resp.StatusCode)
			}
			text := strings.Join(strings.Fields(html.UnescapeString(htmlTag.ReplaceAllString(page, " "))), " ")
			msg, ok := cat[lang]["err."+e.Code]
			if !ok {
				t.Errorf("%s: no err.%s in the %s catalogue", c.page, e.Code, lang)
				continue
			}
			for _, part := range placeholder.Split(msg, -1) {
				if part = strings.TrimSpace(part); part != "" && !strings.Contains(text, part) {
					t.Errorf("%s in %s: the detail %q (err.%s) lacks %q", c.page, lang, msg, e.Code, part)
				}
			}
			if lang != "en" && strings.Contains(text, e.Error) {
				t.Errorf("%s in %s shows the English detail %q", c.page, lang, e.Error)
			}
		}
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestErrorCodesDeclared checks that every error code the code gives is
// in errCodes, that errCodes is the enum of openapi.json's Error.code and
// that every code has its message, with the same placeholders, in every
// catalogue.
func TestErrorCodesDeclared(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Required   []string
					Properties struct {
						Code struct{ Enum []string }
					}
				}
			}
		}
	}
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(doc.Components.Schemas.Error.Properties.Code.Enum, errCodes) || !slices.Contains(doc.Components.Schemas.Error.Required, "code") {
		t.Errorf("openapi.json Error.code enum %v (required %v); errCodes %v", doc.Components.Schemas.Error.Properties.Code.Enum, doc.Components.Schemas.Error.Required, errCodes)
	}
	// Every code written in the source: badRequest("code", …),
	// notFound("code", …), apiErr(status, "code", …), code: "code".
	used := regexp.MustCompile(`(?:badRequest\(|notFound\(|apiErr\([^,]+, |[Cc]ode: )"([a-z_]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
			if !slices.Contains(errCodes, m[1]) {
				t.Errorf("%s: error code %q is not in errCodes", f, m[1])
			}
		}
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d error codes in the source: the pattern misses them", len(seen))
	}
	for _, code := range errCodes {
		if !seen[code] {
			t.Errorf("errCodes has %q, which no error uses", code)
		}
	}
	cat := testCatalog(t)
	for _, code := range errCodes {
		en, ok := cat["en"]["err."+code]
		if !ok {
			t.Errorf("no err.%s in the en catalogue", code)
			continue
		}
		for _, lang := range webLangs[1:] {
			if msg, ok := cat[lang]["err."+code]; !ok || !slices.Equal(placeholders(msg), placeholders(en)) {
				t.Errorf("err.%s in %s: %q (en %q): missing or other placeholders", code, lang, msg, en)
			}
		}
	}
}

// TestErrorPageValuesLocalised checks that the values an error page writes
// into its translated detail are written as the page writes them: bounds
// with the language's digit grouping, dates in its date format; and that
// the "looking at the past" banner of a date before any snapshot says so
// instead of naming an empty snapshot date.
func TestErrorPageValuesLocalised(t *testing.T) {
	ts := realWebServer(t)
	cat := testCatalog(t)
	for _, lang := range webLangs {
		l := &locale{lang: lang, msgs: cat[lang]}
		for _, c := range []struct{ page, want string }{
			{"/ixps?page=0", l.T("err.bad_number", "page", l.Int(1), l.Int(1_000_000), "0")},
			{"/ixps/171?at=2019-01-01", l.T("err.no_data_at", l.Date("2019-01-01"))},
			{"/ixps/171?at=2019-01-01", l.T("date.asof_none", l.Date("2019-01-01"))},
		} {
			_, page := fetch(t, ts, c.page+sep(c.page)+"lang="+lang)
			text := strings.Join(strings.Fields(html.UnescapeString(htmlTag.ReplaceAllString(page, " "))), " ")
			if !strings.Contains(text, c.want) {
				t.Errorf("%s in %s: want %q in the page, got %.400q", c.page, lang, c.want, text)
			}
		}
	}
}
