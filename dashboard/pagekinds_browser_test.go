package dashboard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pageKinds is one page of every kind the dashboard serves, for the
// phone and desktop passes.
var pageKinds = []struct {
	name, path string
	status     int // the page's own HTTP status, when not 200
}{
	{"home", "/", 0},
	{"ixps", "/ixps", 0},
	{"ixp-171", "/ixps/171", 0},
	{"ixp-26", "/ixps/26", 0},
	{"network", "/networks/15169", 0},
	{"countries", "/countries", 0},
	{"country", "/countries/BR", 0},
	{"regions", "/regions", 0},
	{"region", "/regions/lac", 0},
	{"sources", "/sources", 0},
	{"methodology", "/methodology", 0},
	{"search", "/search?q=equinix", 0},
	{"brief", "/countries/BR/brief", 0},
	{"404", "/no/such/page", 404},
}

// speedShown is true when the member table's port speed column is
// displayed within the screen: its heading and the cell of the first row
// are laid out (not display: none) and lie inside the window's width.
const speedShown = `(() => {
  const a = document.querySelector('#members thead a[data-sort="speed"]');
  if (!a) return false;
  const th = a.closest('th');
  const col = [...th.parentElement.children].indexOf(th);
  const td = document.querySelector('#members tbody tr').children[col];
  return [th, td].every(e => {
    const r = e.getBoundingClientRect();
    return getComputedStyle(e).display !== 'none' && r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 1;
  }) && td.textContent.trim() !== '';
})()`

// TestBrowserPageKinds loads every kind of page in each language on a
// 390 px phone and on a 1280 px desktop: the document is never wider
// than the window (a wide table scrolls inside its own wrapper), the
// member table of IX.br São Paulo shows the port speed, no console
// error, no failed request (but the 404 page's own status); a screenshot
// of each page is kept.
func TestBrowserPageKinds(t *testing.T) {
	ts := realWebServer(t)
	b := newBrowser(t)
	dir := artifactDir(t)
	screens := []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 900, false}}
	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) {
			vp := chromedp.EmulateViewport(sc.width, sc.height)
			if sc.mobile {
				vp = chromedp.EmulateViewport(sc.width, sc.height, chromedp.EmulateMobile)
			}
			for _, lang := range webLangs {
				for _, pg := range pageKinds {
					t.Run(lang+"/"+pg.name, func(t *testing.T) {
						start := time.Now()
						sep := "?"
						if strings.Contains(pg.path, "?") {
							sep = "&"
						}
						path := pg.path + sep + "lang=" + lang
						b.problems()
						b.run(t, vp, chromedp.Navigate(ts.URL+path))
						b.waitFor(t, "the page", fmt.Sprintf(`document.readyState === 'complete' && document.documentElement.lang === %q`, lang))
						if eval[int](t, b, `document.querySelectorAll('[data-chart]').length`) > 0 {
							b.waitFor(t, "charts drawn", chartsDrawn)
						}
						// A phone widens its layout to a document wider than
						// the screen (innerWidth grows): both are overflow.
						vw := eval[int64](t, b, `window.innerWidth`)
						if sw := eval[int64](t, b, `document.documentElement.scrollWidth`); vw != sc.width || sw > sc.width+1 {
							wide := eval[[]string](t, b, fmt.Sprintf(`[...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect(); return r.right > %d + 1 && !e.parentElement.closest('.table-wrap') }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`, sc.width))
							t.Errorf("%s: the document is %d px wide (window %d px) on a %d px screen; wide elements: %v", path, sw, vw, sc.width, wide)
						}
						if pg.name == "ixp-171" && !eval[bool](t, b, speedShown) {
							t.Errorf("%s: the member table's port speed is not shown on the %d px screen", path, sc.width)
						}
						b.screenshot(t, dir, fmt.Sprintf("%s-%s-%s", sc.name, pg.name, lang))
						for _, p := range b.problems() {
							if pg.status != 0 && strings.Contains(p, ts.URL+path) && !strings.Contains(p, "HTTP") || strings.Contains(p, fmt.Sprintf("HTTP %d for %s", pg.status, ts.URL+path)) {
								continue // the page's own status (and the console's note of it)
							}
							t.Errorf("%s: %s", path, p)
						}
						t.Logf("%s %s in %v", sc.name, path, time.Since(start).Round(time.Millisecond))
					})
				}
			}
		})
	}
}
