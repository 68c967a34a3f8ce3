package dashboard

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Languages of the dashboard, the first being the default.
var webLangs = [...]string{"en", "es", "pt"}

// langCookie is the cookie the language switch sets.
const langCookie = "ixpobs_lang"

// catalog holds the messages of every language: lang → key → message.
type catalog map[string]map[string]string

// loadCatalog reads i18n/{lang}.json from fsys for every language.
func loadCatalog(fsys fs.FS) (catalog, error) {
	c := catalog{}
	for _, lang := range webLangs {
		b, err := fs.ReadFile(fsys, "i18n/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("read catalogue: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("decode catalogue %s: %w", lang, err)
		}
		c[lang] = m
	}
	return c, nil
}

// locale formats messages, numbers and dates in one language.
type locale struct {
	lang string
	msgs map[string]string
	// missing is called with each key absent from the catalogue (tests
	// count them); the key itself is shown.
	missing func(key string)
}

// T returns the message of key with {0}, {1}… replaced by args.
func (l *locale) T(key string, args ...any) string {
	msg, ok := l.msgs[key]
	if !ok {
		if l.missing != nil {
			l.missing(key)
		}
		msg = key
	}
	if len(args) == 0 {
		return msg
	}
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		if msg[i] == '{' {
			if j := strings.IndexByte(msg[i:], '}'); j > 1 {
				if n, err := strconv.Atoi(msg[i+1 : i+j]); err == nil && n >= 0 && n < len(args) {
					b.WriteString(fmt.Sprint(args[n]))
					i += j
					continue
				}
			}
		}
		b.WriteByte(msg[i])
	}
	return b.String()
}

// separators returns the decimal and grouping separators of the language.
func (l *locale) separators() (dec, group string) {
	if l.lang == "en" {
		return ".", ","
	}
	return ",", "."
}

// Int formats a whole number with the language's digit grouping.
func (l *locale) Int(n int64) string {
	_, group := l.separators()
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Dec formats f with the given number of decimals.
func (l *locale) Dec(f float64, decimals int) string {
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := l.Int(n)
	if whole == "-0" {
		out = "-0"
	}
	if frac != "" {
		dec, _ := l.separators()
		out += dec + frac
	}
	return out
}

// Capacity formats a port capacity in Mbps with a readable unit.
func (l *locale) Capacity(mbps int64) string {
	switch {
	case mbps >= 1_000_000:
		return l.Dec(float64(mbps)/1e6, 1) + " Tbps"
	case mbps >= 1000:
		return l.Dec(float64(mbps)/1e3, 1) + " Gbps"
	}
	return l.Int(mbps) + " Mbps"
}

// Percent formats part/whole as a percentage; "–" when whole is zero.
func (l *locale) Percent(part, whole int) string {
	if whole == 0 {
		return "–"
	}
	return l.T("fmt.percent", l.Dec(100*float64(part)/float64(whole), 0))
}

// Signed formats a change with its sign.
func (l *locale) Signed(n int64) string {
	if n > 0 {
		return "+" + l.Int(n)
	}
	if n < 0 {
		return "−" + l.Int(-n)
	}
	return "0"
}

// Date formats a YYYY-MM-DD date (or an RFC 3339 time) for reading; other
// strings are returned as given.
func (l *locale) Date(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
		if err != nil {
			return s
		}
	}
	return l.T("fmt.date", t.Day(), l.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// DateTime formats a time in UTC with hours and minutes.
func (l *locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.UTC()
	return l.T("fmt.datetime", l.Date(t.Format(time.DateOnly)), t.Format("15:04"))
}

// pickLang chooses the language of a request: ?lang=, then the cookie of
// the language switch, then Accept-Language, then English. It reports
// whether the choice came from ?lang (so the cookie should be set).
func pickLang(r *http.Request) (lang string, fromQuery bool) {
	if l, ok := supportedLang(r.URL.Query().Get("lang")); ok {
		return l, true
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := supportedLang(c.Value); ok {
			return l, false
		}
	}
	if l, ok := acceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l, false
	}
	return webLangs[0], false
}

// supportedLang maps a language tag ("pt-BR", "es_419", "EN") to one of
// webLangs.
func supportedLang(tag string) (string, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	for _, l := range webLangs {
		if tag == l {
			return l, true
		}
	}
	return "", false
}

// acceptLanguage returns the supported language with the highest weight
// in an Accept-Language header (earlier wins ties).
func acceptLanguage(h string) (string, bool) {
	type choice struct {
		lang string
		q    float64
		pos  int
	}
	var cs []choice
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if l, ok := supportedLang(tag); ok && q > 0 {
			cs = append(cs, choice{l, q, i})
		}
	}
	if len(cs) == 0 {
		return "", false
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].lang, true
}

// P returns the plural form of key for the count n (CLDR cardinal rules
// of the language: key+".one" or key+".other"), with {0} the formatted
// count and {1}… the further args.
func (l *locale) P(key string, n int, args ...any) string {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	form := "other"
	if plural.Cardinal.MatchPlural(language.Make(l.lang), abs, 0, 0, 0, 0) == plural.One {
		form = "one"
	}
	return l.T(key+"."+form, append([]any{l.Int(int64(n))}, args...)...)
}
