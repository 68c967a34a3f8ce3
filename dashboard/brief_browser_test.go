package dashboard

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// pdfPages matches the page objects of a PDF (not the /Pages tree).
var pdfPages = regexp.MustCompile(`/Type\s*/Page[^s]`)

// TestBrowserBrief prints the country brief of BR, MX and UY in each
// language to PDF with Chromium, on A4 and on Letter: a PDF is produced,
// it is not trivial, it has at most two pages, and its text (read back
// from the PDF) holds the country's name, figures and source date.
func TestBrowserBrief(t *testing.T) {
	ts := realWebServer(t)
	b := newBrowser(t)
	dir := artifactDir(t)
	cat, err := loadCatalog(webFS)
	if err != nil {
		t.Fatal(err)
	}
	papers := []struct {
		name string
		size chromedp.PaperSize
	}{{"a4", chromedp.PaperA4}, {"letter", chromedp.PaperLetter}}
	for _, cc := range []string{"BR", "MX", "UY"} {
		for _, lang := range webLangs {
			var c countryDetail
			fetchJSON(t, ts, "/api/v1/countries/"+cc+"?lang="+lang, &c)
			l := &locale{lang: lang, msgs: cat[lang]}
			t.Run(cc+"-"+lang, func(t *testing.T) {
				b.problems()
				b.run(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(fmt.Sprintf("%s/countries/%s/brief?lang=%s", ts.URL, cc, lang)))
				b.waitFor(t, "the brief", `document.readyState === 'complete' && document.querySelector('.brief svg, .brief figure, .brief .note') !== null`)
				// What the page shows before printing: the name, the
				// figures as the API gives them, the source dates.
				text := eval[string](t, b, `document.querySelector('main').innerText`)
				for _, want := range []string{c.Name, l.Int(int64(*c.NMembers)), l.Date(c.AsOf.PeeringDB), l.T("brief.cite_h")} {
					if !strings.Contains(text, want) {
						t.Errorf("the brief lacks %q", want)
					}
				}
				for _, paper := range papers {
					pdf := value(t, b, chromedp.PrintToPDF(chromedp.PDFPaper(paper.size)))
					if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 20_000 {
						t.Fatalf("%s: not a PDF or almost empty: %d bytes", paper.name, len(pdf))
					}
					n := len(pdfPages.FindAll(pdf, -1))
					if n < 1 || n > 2 {
						t.Errorf("%s: %d pages, want 1 or 2", paper.name, n)
					}
					// The PDF itself: its title names the country, and its
					// text holds the name, the member figure and the date
					// of the PeeringDB snapshot.
					if title := pdfDocTitle(pdf); !strings.Contains(title, c.Name) {
						t.Errorf("%s: PDF title %q lacks %q", paper.name, title, c.Name)
					}
					text := pdfText(pdf)
					for _, want := range []string{c.Name, l.Int(int64(*c.NMembers)), l.Date(c.AsOf.PeeringDB), l.T("brief.cite_h")} {
						if !strings.Contains(text, noSpace(want)) {
							t.Errorf("%s: the PDF text lacks %q", paper.name, want)
						}
					}
					path := filepath.Join(dir, fmt.Sprintf("brief-%s-%s-%s.pdf", cc, lang, paper.name))
					if err := os.WriteFile(path, pdf, 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("%s: %d pages, %d KiB", path, n, len(pdf)/1024)
				}
				if p := b.problems(); len(p) > 0 {
					t.Errorf("problems:\n%s", strings.Join(p, "\n"))
				}
			})
		}
	}
}
