package dashboard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// browser is one headless Chromium tab that records console errors,
// exceptions, CSP violations and failed requests.
type browser struct {
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := testenv.LookPath(t, "chromium")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		// Never reach the network: only the loopback test server resolves.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1280, 900),
	}
	b := &browser{}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b.ctx = ctx
	// The first action starts the browser, which lives as long as the
	// context it runs with: not a timeout context. chromedp enables the
	// runtime, log and network domains of the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// listen records what goes wrong in the tab; it runs in chromedp's event
// loop, so it only appends.
func (b *browser) listen(ev any) {
	{
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.record("console %s: %s", ev.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.record("exception: %s %s:%d", ev.ExceptionDetails.Text, ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
				b.record("log %s %s: %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventLoadingFailed:
			b.record("request failed: %s %s", ev.ErrorText, ev.BlockedReason)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				b.record("HTTP %d for %s", ev.Response.Status, ev.Response.URL)
			}
		}
	}
}

func (b *browser) record(format string, args ...any) {
	b.mu.Lock()
	b.bad = append(b.bad, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

// problems returns and forgets what went wrong since the last call.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.bad
	b.bad = nil
	return out
}

// run runs actions with a timeout.
func (b *browser) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// value runs one action that returns a value.
func value[T any](t *testing.T, b *browser, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	return value(t, b, chromedp.Evaluate[T](expr))
}

// waitFor polls a JavaScript boolean expression until it is true; errors
// while a page loads count as false.
func (b *browser) waitFor(t *testing.T, what, expr string) {
	t.Helper()
	guarded := "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](guarded))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (%s): last error %v; problems: %v", what, expr, err, b.problems())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// click waits for the page to be loaded and clicks the first element
// matching a CSS selector (through the page's own DOM, so that no node id
// of a previous document is used).
func (b *browser) click(t *testing.T, sel string) {
	t.Helper()
	b.waitFor(t, "a loaded page with "+sel, fmt.Sprintf(`document.readyState === 'complete' && document.querySelector(%q) !== null`, sel))
	eval[bool](t, b, fmt.Sprintf(`(document.querySelector(%q).click(), true)`, sel))
}

// text returns the text of the first element matching a CSS selector
// once the page is loaded.
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	b.waitFor(t, "a loaded page with "+sel, fmt.Sprintf(`document.readyState === 'complete' && document.querySelector(%q) !== null`, sel))
	return eval[string](t, b, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, sel))
}

// screenshot writes a PNG of the page, from the top down to at most
// 2400 CSS pixels (the member tables of big exchanges are much longer).
func (b *browser) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	w := eval[int64](t, b, `window.innerWidth`)
	h := eval[int64](t, b, `window.innerHeight`)
	full := min(eval[int64](t, b, `document.documentElement.scrollHeight`), 2400)
	mobile := w < 600
	vp := func(height int64) chromedp.Action[chromedp.Void] {
		if mobile {
			return chromedp.EmulateViewport(w, height, chromedp.EmulateMobile)
		}
		return chromedp.EmulateViewport(w, height)
	}
	b.run(t, vp(full), chromedp.Sleep(300*time.Millisecond))
	png := value(t, b, chromedp.CaptureScreenshot())
	b.run(t, vp(h))
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KiB)", path, len(png)/1024)
}

func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("IXPOBS_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "dashboard")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chartsDrawn is true when every chart of the page is drawn on a canvas
// with visible pixels (or says "no data" when its series has no
// observation at all).
const chartsDrawn = `(() => {
  const charts = [...document.querySelectorAll('[data-chart]')];
  if (charts.length === 0 || charts.some(c => c.dataset.state === 'error')) return charts.length === 0;
  return charts.every(c => {
    if (c.dataset.state === 'empty') return true; // no observation: says "no data"
    const cv = c.querySelector('canvas');
    if (c.dataset.state !== 'drawn' || !cv || cv.width === 0) return false;
    // Read a copy, so the test does not slow the chart's own context.
    const copy = document.createElement('canvas');
    copy.width = cv.width; copy.height = cv.height;
    const cx = copy.getContext('2d', { willReadFrequently: true });
    cx.drawImage(cv, 0, 0);
    const px = cx.getImageData(0, 0, cv.width, cv.height).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
    return ink > 500;
  });
})()`

// TestBrowserPages loads every page in headless Chromium over the real
// PeeringDB data: no console error, no failed request, charts and map
// drawn; it writes a screenshot of each page.
func TestBrowserPages(t *testing.T) {
	ts := realWebServer(t)
	b := newBrowser(t)
	dir := artifactDir(t)
	var ixp ixpDetail
	fetchJSON(t, ts, "/api/v1/ixps/171", &ixp)

	pages := []struct {
		name, path string
		charts     int
		check      string // a JavaScript expression that must be true
	}{
		// Growth over time of Latin America and the Caribbean and of the
		// world: active IXPs, members, capacity.
		{"overview", "/", 8, `document.querySelectorAll('svg[data-map] path').length > 150 &&
			document.querySelectorAll('svg[data-map] path:not(.q0)').length > 50 &&
			document.querySelectorAll('.kpis dd').length >= 5`},
		{"overview-capacity", "/?map=capacity&lang=es", 8, `document.documentElement.lang === 'es' && document.querySelector('svg[data-map]').dataset.map === 'capacity'`},
		{"ixps", "/ixps", 0, `document.querySelectorAll('table.list tbody tr').length === 50`},
		{"ixps-lac", "/ixps?region=South+America&sort=-capacity&per_page=25", 0, `document.querySelectorAll('table.list tbody tr').length > 10`},
		{"ixp", "/ixps/171?lang=en", 2, fmt.Sprintf(`document.querySelector('h1').textContent === %q && document.querySelectorAll('#members tbody tr').length === 100 && document.querySelector('.pager a[rel=next]') !== null &&
			document.getElementById('events-h').getBoundingClientRect().top < document.getElementById('members-h').getBoundingClientRect().top`, ixp.Name)},
		{"ixp-search", "/ixps/171?mq=google&ev=leave", 2, `document.querySelectorAll('#members tbody tr').length >= 1 && [...document.querySelectorAll('#members tbody tr td:nth-child(2)')].every(td => /google/i.test(td.textContent)) &&
			[...document.querySelectorAll('#events tbody td:nth-child(2)')].every(td => td.className === 'ev-leave')`},
		{"ixp-pt", "/ixps/26?lang=pt", 2, `document.documentElement.lang === 'pt' && document.querySelectorAll('#members tbody tr').length > 10`},
		{"country", "/countries/BR", 3, `document.querySelectorAll('table.list tbody tr').length > 10 && document.querySelectorAll('.crumbs li').length === 2`},
		{"country-es", "/countries/AR?lang=es", 3, `document.documentElement.lang === 'es'`},
		// The region's map is zoomed to it: not the world's viewBox.
		{"region-lac", "/regions/lac?lang=en", 4, `document.querySelectorAll('svg[data-map] path:not(.q0)').length > 10 && document.querySelectorAll('table.list tbody tr').length > 10 &&
			document.querySelector('svg[data-map]').getAttribute('viewBox') !== '0 0 960 500' && document.querySelectorAll('.crumbs a').length === 0`},
		{"region-europe", "/regions/europe?lang=pt&map=capacity", 4, `document.documentElement.lang === 'pt' && document.querySelector('svg[data-map]').getAttribute('viewBox') !== '0 0 960 500'`},
		{"network", "/networks/15169", 0, `document.querySelectorAll('table.list tbody tr').length > 10`},
		{"sources", "/sources", 0, `document.querySelectorAll('.source').length >= 1`},
		{"search", "/search?q=equinix", 0, `document.querySelectorAll('.results li').length > 3`},
		{"region-lac-participation", "/regions/lac?map=participation&lang=es", 4, `document.querySelector('svg[data-map]').dataset.map === 'participation' && document.querySelectorAll('svg[data-map] path:not(.q0)').length > 5`},
		{"methodology-pt", "/methodology?lang=pt", 0, `document.querySelectorAll('article.entry').length > 20 && document.getElementById('local_participation') !== null`},
		{"countries", "/countries?sort=-members", 0, `document.querySelectorAll('#index tbody tr').length > 100 && document.querySelector('#index tbody tr th a').getAttribute('href') === '/countries/US'`},
		{"regions-es", "/regions?lang=es", 0, `document.querySelectorAll('#index tbody tr').length > 20`},
		{"brief", "/countries/BR/brief", 0, `document.querySelectorAll('.brief svg path').length >= 2 && !document.querySelector('[data-print]').hidden`},
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			b.problems()
			b.run(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+pg.path))
			if pg.charts > 0 {
				if n := eval[int](t, b, `document.querySelectorAll('[data-chart]').length`); n != pg.charts {
					t.Errorf("got %d charts, want %d", n, pg.charts)
				}
				b.waitFor(t, "charts drawn", chartsDrawn)
			}
			b.waitFor(t, "page content", pg.check)
			b.screenshot(t, dir, pg.name)
			if p := b.problems(); len(p) > 0 {
				t.Errorf("problems while loading %s:\n%s", pg.path, strings.Join(p, "\n"))
			}
		})
	}

	t.Run("phone", func(t *testing.T) {
		b.problems()
		b.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(ts.URL+"/ixps/171?lang=es"))
		b.waitFor(t, "charts drawn", chartsDrawn)
		if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Errorf("the page is wider than a 390 px phone screen")
		}
		b.screenshot(t, dir, "ixp-phone")
		b.run(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(ts.URL+"/?lang=es"))
		b.waitFor(t, "map", `document.querySelectorAll('svg[data-map] path').length > 150`)
		if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Errorf("the overview is wider than a 390 px phone screen")
		}
		b.screenshot(t, dir, "overview-phone")
		if p := b.problems(); len(p) > 0 {
			t.Errorf("problems:\n%s", strings.Join(p, "\n"))
		}
		b.run(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/?lang=en"))
	})

	t.Run("error page", func(t *testing.T) {
		b.problems()
		b.run(t, chromedp.Navigate(ts.URL+"/ixps/999999"))
		if h1 := b.text(t, "h1"); h1 != "Not found" {
			t.Errorf("got heading %q, want Not found", h1)
		}
		for _, p := range b.problems() {
			if !strings.Contains(p, "/ixps/999999") { // the page's own 404
				t.Errorf("problem: %s", p)
			}
		}
		b.screenshot(t, dir, "error-404")
	})
}

// TestBrowserInteractions drives the language switch, the date picker,
// the search box and the keyboard.
func TestBrowserInteractions(t *testing.T) {
	ts := realWebServer(t)
	b := newBrowser(t)
	dir := artifactDir(t)
	var past ixpDetail
	fetchJSON(t, ts, "/api/v1/ixps/171?at=2019-06-01", &past)
	cat := testCatalog(t)

	t.Run("language switch", func(t *testing.T) {
		b.problems()
		b.run(t, chromedp.Navigate(ts.URL+"/ixps/171?lang=en"))
		b.click(t, `.langs a[data-lang="es"]`)
		b.waitFor(t, "Spanish page", `document.readyState === 'complete' && document.documentElement.lang === 'es'`)
		heading := b.text(t, "#growth-h")
		if want := cat["es"]["ixp.growth"]; heading != want {
			t.Errorf("got heading %q, want %q", heading, want)
		}
		b.waitFor(t, "charts drawn", chartsDrawn)
		// The cookie keeps Spanish on a link without ?lang.
		b.click(t, `header nav a[href^="/ixps"]`)
		b.waitFor(t, "list page in Spanish", `location.pathname === '/ixps' && document.documentElement.lang === 'es'`)
		b.click(t, `.langs a[data-lang="pt"]`)
		b.waitFor(t, "Portuguese page", `document.documentElement.lang === 'pt' && location.pathname === '/ixps'`)
		b.screenshot(t, dir, "ixps-pt")
		b.click(t, `.langs a[data-lang="en"]`)
		b.waitFor(t, "English page", `document.documentElement.lang === 'en'`)
		if p := b.problems(); len(p) > 0 {
			t.Errorf("problems:\n%s", strings.Join(p, "\n"))
		}
	})

	t.Run("date picker", func(t *testing.T) {
		b.problems()
		b.run(t, chromedp.Navigate(ts.URL+"/ixps/171"))
		b.run(t,
			chromedp.SetValue(chromedp.ID("at"), "2019-06-01"),
			chromedp.Submit(chromedp.ID("datepicker")),
		)
		b.waitFor(t, "the past page", `location.search.includes('at=2019-06-01') && document.querySelector('.asof') !== null`)
		b.waitFor(t, "charts drawn", chartsDrawn)
		kpi := b.text(t, ".kpis > div:first-child dd")
		en := &locale{lang: "en", msgs: cat["en"]}
		if want := en.Int(int64(past.Members)); kpi != want {
			t.Errorf("got %q members on 2019-06-01, want %q as the API says", kpi, want)
		}
		if !eval[bool](t, b, `[...document.querySelectorAll('header nav a, .crumbs a, #members a')].every(a => a.search.includes('at=2019-06-01'))`) {
			t.Errorf("some links do not carry ?at=2019-06-01")
		}
		b.screenshot(t, dir, "ixp-2019")
		b.click(t, `#datepicker a`) // back to latest
		b.waitFor(t, "latest again", `!location.search.includes('at=') && document.querySelector('.asof') === null`)
		if p := b.problems(); len(p) > 0 {
			t.Errorf("problems:\n%s", strings.Join(p, "\n"))
		}
	})

	t.Run("search box", func(t *testing.T) {
		b.problems()
		b.run(t, chromedp.Navigate(ts.URL+"/"),
			chromedp.SendKeys(chromedp.ID("q"), "AS15169"),
			chromedp.Submit(chromedp.ID("q")))
		b.waitFor(t, "network page", `location.pathname === '/networks/15169' && document.readyState === 'complete'`)
		b.run(t, chromedp.SendKeys(chromedp.ID("q"), "internet exchange"+kb.Enter))
		b.waitFor(t, "results page", `location.pathname === '/search' && document.querySelectorAll('.results li').length > 3`)
		if p := b.problems(); len(p) > 0 {
			t.Errorf("problems:\n%s", strings.Join(p, "\n"))
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		b.run(t, chromedp.Navigate(ts.URL+"/ixps"), chromedp.KeyEvent(kb.Tab))
		if cls := eval[string](t, b, `document.activeElement.className`); cls != "skip" {
			t.Errorf("first Tab focuses %q, want the skip link", cls)
		}
		b.run(t, chromedp.KeyEvent(kb.Enter))
		b.waitFor(t, "skip to main", `location.hash === '#main'`)
	})
}

// TestBrowserCountryTime checks what issue 15 asks of the BR page: the
// source dates are shown, no chart starts before the first PeeringDB
// snapshot (2019-01-19), and at that first snapshot the deltas say "no
// earlier data" instead of a change from nothing.
func TestBrowserCountryTime(t *testing.T) {
	ts := realWebServer(t)
	b := newBrowser(t)
	cat := testCatalog(t)
	for _, lang := range webLangs {
		l := &locale{lang: lang, msgs: cat[lang]}
		t.Run(lang, func(t *testing.T) {
			b.problems()
			b.run(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/countries/BR?at=2019-01-19&lang="+lang))
			b.waitFor(t, "charts drawn", chartsDrawn)
			asof := b.text(t, "[data-asof]")
			// The test server has one LACNIC file, of 2022-03-31: 437 days
			// from the snapshot, outside the 366-day pairing window, so the
			// page must say the RIR figures have no data.
			for _, want := range []string{l.T("asof.peeringdb", l.Date("2019-01-19")), l.T("asof.rir", "RIR", l.T("asof.no_data"))} {
				if !strings.Contains(asof, want) {
					t.Errorf("source dates %q lack %q", asof, want)
				}
			}
			first := eval[[]string](t, b, `[...document.querySelectorAll('[data-chart]')].map(c => c.dataset.first || '')`)
			for i, f := range first {
				if f == "" || f < "2019-01-19" {
					t.Errorf("chart %d starts at %q, before the first PeeringDB snapshot 2019-01-19", i, f)
				}
			}
			deltas := eval[[]string](t, b, `[...document.querySelectorAll('.kpis dd.delta')].map(d => d.textContent.trim())`)
			if len(deltas) == 0 {
				t.Fatal("no delta on the page")
			}
			for _, d := range deltas[:2] {
				if d != l.T("delta.no_earlier") {
					t.Errorf("delta %q at the first snapshot, want %q", d, l.T("delta.no_earlier"))
				}
			}
			// The legend shows the latest observation before any hover.
			legend := eval[string](t, b, `document.querySelector('.u-legend').textContent`)
			if strings.Contains(legend, "–") {
				t.Errorf("the legend shows a dash before hovering: %q", legend)
			}
			if p := b.problems(); len(p) > 0 {
				t.Errorf("problems:\n%s", strings.Join(p, "\n"))
			}
		})
	}
}
