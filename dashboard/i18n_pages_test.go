package dashboard

import (
	"html"
	"regexp"
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
	cat, err := loadCatalog(webFS)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/ixps", "/ixps/171", "/countries", "/regions", "/countries/BR", "/countries/BR/brief", "/regions/lac",
		"/methodology", "/sources", "/networks/15169", "/search?q=ix.br", "/countries/BR/arda", "/nowhere"}
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
