package dashboard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/ixpobs/ixpobs/geo"
)

// fold returns s lower-cased and without accents ("São Paulo" → "sao
// paulo"), so that searches match however the user types accents.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return strings.ToLower(s)
	}
	return strings.ToLower(out)
}

// countryParam turns what a user typed where a country is expected (an
// ISO code, or a name in English, Spanish or Portuguese, accents
// optional) into an ISO code; ok is false when nothing matches.
func countryParam(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) == 2 {
		return strings.ToUpper(v), true
	}
	fv := fold(v)
	for _, c := range geo.Countries() {
		for _, name := range []string{c.NameEN, c.NameES, c.NamePT} {
			if fold(name) == fv {
				return c.Code, true
			}
		}
	}
	return "", false
}
