package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// pdfPages matches the page objects of a PDF (not the /Pages tree).
var pdfPages = regexp.MustCompile(`/Type\s*/Page[^s]`)

// briefPaper is a paper the brief is printed on, with its printable box
// at the @page margins of style.css (12 mm top and bottom, 11 mm left
// and right), in CSS pixels (96 per inch).
type briefPaper struct {
	name          string
	size          chromedp.PaperSize
	width, height float64 // the paper, in millimetres
}

func (p briefPaper) printable() (w, h int64) {
	px := func(mm float64) int64 { return int64(mm / 25.4 * 96) }
	return px(p.width - 22), px(p.height - 24)
}

var briefPapers = []briefPaper{
	{"a4", chromedp.PaperA4, 210, 297},
	{"letter", chromedp.PaperLetter, 215.9, 279.4},
}

// emulateMedia sets the CSS media type of the tab ("" for the default).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

// cutText lists what is cut or sticks out of a page laid out at a width
// of %d CSS pixels: the document wider than that, an element or a line
// of text past its edges, a box that clips its content (overflow other
// than visible and content larger than the box), a chart label outside
// its chart. Visually hidden text (.sr-only, clipped to nothing) is
// meant to be invisible and is skipped.
const cutText = `(() => {
  const W = %d, out = [];
  const px = v => Math.round(v * 10) / 10;
  const name = e => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    if (typeof e.className === 'string' && e.className.trim()) s += '.' + e.className.trim().split(/\s+/).join('.');
    return s + ' "' + (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
  };
  const shown = e => {
    for (let x = e; x; x = x.parentElement) {
      const cs = getComputedStyle(x);
      if (cs.display === 'none' || cs.visibility === 'hidden' || (cs.clip && cs.clip !== 'auto')) return false;
    }
    return true;
  };
  if (document.documentElement.scrollWidth > W + 1) out.push('the document is ' + document.documentElement.scrollWidth + ' px wide, the paper ' + W + ' px');
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (!shown(e)) continue;
    if (r.left < -1 || r.right > W + 1) out.push(name(e) + ' spans ' + px(r.left) + '..' + px(r.right) + ' px');
    if (e.tagName.toLowerCase() === 'svg') continue;
    const cs = getComputedStyle(e);
    if (cs.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1) out.push(name(e) + ' cuts its content: ' + e.scrollWidth + ' px in ' + e.clientWidth + ' px (overflow-x ' + cs.overflowX + ')');
    if (cs.overflowY !== 'visible' && e.scrollHeight > e.clientHeight + 1) out.push(name(e) + ' cuts its content: ' + e.scrollHeight + ' px high in ' + e.clientHeight + ' px (overflow-y ' + cs.overflowY + ')');
  }
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    if (!n.textContent.trim() || n.parentElement.closest('svg') || !shown(n.parentElement)) continue;
    const rg = document.createRange();
    rg.selectNodeContents(n);
    for (const r of rg.getClientRects()) {
      if (r.left < -1 || r.right > W + 1) { out.push('text "' + n.textContent.trim().slice(0, 50) + '" spans ' + px(r.left) + '..' + px(r.right) + ' px'); break; }
    }
  }
  for (const s of document.querySelectorAll('svg')) {
    if (!shown(s)) continue;
    const b = s.getBoundingClientRect();
    for (const tx of s.querySelectorAll('text')) {
      const r = tx.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) out.push('chart label "' + tx.textContent + '" outside its chart');
    }
  }
  return out;
})()`

// briefUnits are the pieces of the brief that must not be split by a
// page break, each as the texts of its parts: table rows (their cells),
// KPI cards (label, figure, change), list items, the chart (its labels
// and legend).
const briefUnits = `(() => {
  const t = e => e.innerText.trim();
  const units = [];
  for (const tr of document.querySelectorAll('main tr')) units.push([...tr.children].map(t).filter(s => s));
  for (const k of document.querySelectorAll('main .kpis > div')) units.push([...k.children].map(t).filter(s => s));
  for (const li of document.querySelectorAll('main li')) if (t(li)) units.push([t(li)]);
  for (const f of document.querySelectorAll('main figure')) units.push([...f.querySelectorAll('svg text, figcaption li')].map(e => e.textContent.trim()).filter(s => s));
  return units.filter(u => u.length > 0);
})()`

// briefQuoted is what the brief shows that its PDF must hold: the labels
// of the figures, the source dates, the sources and the citation line.
const briefQuoted = `[...document.querySelectorAll('main .brief-kpis tbody th, main .kpis dt, main [data-asof], main .brief-sources li, main .cite')].map(e => e.innerText.trim())`

// pdfPageTexts returns the text of each page of a PDF file as pdftotext
// reads it (content-stream order, white space removed).
func pdfPageTexts(t *testing.T, path string) []string {
	t.Helper()
	info, err := exec.Command(testenv.LookPath(t, "pdfinfo"), path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo %s: no page count in %q", path, info)
	}
	n, _ := strconv.Atoi(string(m[1]))
	exe := testenv.LookPath(t, "pdftotext")
	pages := make([]string, n)
	for i := range pages {
		p := strconv.Itoa(i + 1)
		out, err := exec.Command(exe, "-raw", "-enc", "UTF-8", "-f", p, "-l", p, path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext page %s of %s: %v", p, path, err)
		}
		pages[i] = noSpace(string(out))
	}
	return pages
}

// TestBrowserBrief prints the country brief of BR, MX and UY in each
// language to PDF with Chromium, on A4 and on Letter. Before printing,
// with the print media emulated at the paper's printable width, nothing
// may stick out or be cut (cutText). The PDF has at most two pages; no
// table row, KPI card, list item or chart is split by the page break
// (each lies whole on one page, as pdftotext reads the pages); its text
// (read by pdftotext and by pdfText) holds the country's name, its
// figures, every figure's label, the source dates and the citation that
// the page shows.
func TestBrowserBrief(t *testing.T) {
	ts := realWebServer(t)
	b := newBrowser(t)
	dir := artifactDir(t)
	cat := testCatalog(t)
	for _, cc := range []string{"BR", "MX", "UY"} {
		for _, lang := range webLangs {
			var c countryDetail
			fetchJSON(t, ts, "/api/v1/countries/"+cc+"?lang="+lang, &c)
			l := &locale{lang: lang, msgs: cat[lang]}
			t.Run(cc+"-"+lang, func(t *testing.T) {
				b.problems()
				b.run(t, emulateMedia(""), chromedp.EmulateViewport(1280, 900), chromedp.Navigate(fmt.Sprintf("%s/countries/%s/brief?lang=%s", ts.URL, cc, lang)))
				b.waitFor(t, "the brief", `document.readyState === 'complete' && document.querySelector('.brief svg, .brief figure, .brief .note') !== null`)
				// What the page shows before printing: the name, the
				// figures as the API gives them, the source dates.
				text := eval[string](t, b, `document.querySelector('main').innerText`)
				for _, want := range []string{c.Name, l.Int(int64(*c.NMembers)), l.Date(c.AsOf.PeeringDB), l.T("brief.cite_h")} {
					if !strings.Contains(text, want) {
						t.Errorf("the brief lacks %q", want)
					}
				}
				for _, paper := range briefPapers {
					w, h := paper.printable()
					b.run(t, emulateMedia("print"), chromedp.EmulateViewport(w, h))
					for _, p := range eval[[]string](t, b, fmt.Sprintf(cutText, w)) {
						t.Errorf("%s (%d px wide): %s", paper.name, w, p)
					}
					units := eval[[][]string](t, b, briefUnits)
					quoted := eval[[]string](t, b, briefQuoted)
					if len(units) < 20 || len(quoted) < 8 {
						t.Fatalf("%s: only %d rows/cards/items and %d quoted texts found on the page", paper.name, len(units), len(quoted))
					}
					pdf := value(t, b, chromedp.PrintToPDF(chromedp.PDFPaper(paper.size)))
					if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 20_000 {
						t.Fatalf("%s: not a PDF or almost empty: %d bytes", paper.name, len(pdf))
					}
					n := len(pdfPages.FindAll(pdf, -1))
					if n < 1 || n > 2 {
						t.Errorf("%s: %d pages, want 1 or 2", paper.name, n)
					}
					path := filepath.Join(dir, fmt.Sprintf("brief-%s-%s-%s.pdf", cc, lang, paper.name))
					if err := os.WriteFile(path, pdf, 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("%s: %d pages, %d KiB", path, n, len(pdf)/1024)
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
					// pdftotext, page by page.
					pages := pdfPageTexts(t, path)
					if len(pages) != n {
						t.Errorf("%s: pdfinfo counts %d pages, the page objects %d", paper.name, len(pages), n)
					}
					all := strings.Join(pages, "")
					for _, q := range quoted {
						if !strings.Contains(all, noSpace(q)) {
							t.Errorf("%s: pdftotext does not find %q in the PDF", paper.name, q)
						}
					}
				unit:
					for _, u := range units {
						for _, pg := range pages {
							if containsAll(pg, u) {
								continue unit
							}
						}
						t.Errorf("%s: %q is not whole on one page (split by the page break or cut)", paper.name, u)
					}
				}
				b.run(t, emulateMedia(""), chromedp.EmulateViewport(1280, 900))
				if p := b.problems(); len(p) > 0 {
					t.Errorf("problems:\n%s", strings.Join(p, "\n"))
				}
			})
		}
	}
}

// containsAll is true when s contains each of parts (white space
// removed).
func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, noSpace(p)) {
			return false
		}
	}
	return true
}
