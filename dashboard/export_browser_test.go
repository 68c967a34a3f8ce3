package dashboard

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Browser exposes the headless-Chromium helpers of web_browser_test.go to
// the external test package (dashboard_test), whose stores are built
// from collectors the internal package cannot import.
type Browser struct{ b *browser }

// NewBrowser starts Chromium (skipping the test without it outside CI).
func NewBrowser(t *testing.T) *Browser { return &Browser{newBrowser(t)} }

// Open loads url at a desktop viewport and forgets earlier problems.
func (b *Browser) Open(t *testing.T, url string) {
	t.Helper()
	b.b.problems()
	b.b.run(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url))
}

// WaitFor waits until a JavaScript boolean expression is true.
func (b *Browser) WaitFor(t *testing.T, what, expr string) { t.Helper(); b.b.waitFor(t, what, expr) }

// Text returns the text of the first element matching a CSS selector.
func (b *Browser) Text(t *testing.T, sel string) string { t.Helper(); return b.b.text(t, sel) }

// Eval evaluates a JavaScript expression returning a string.
func (b *Browser) Eval(t *testing.T, expr string) string {
	t.Helper()
	return eval[string](t, b.b, expr)
}

// Problems returns the console errors and failed requests since the last
// call.
func (b *Browser) Problems() []string { return b.b.problems() }

// Screenshot writes a PNG of the page to the artifact directory.
func (b *Browser) Screenshot(t *testing.T, name string) {
	t.Helper()
	b.b.screenshot(t, artifactDir(t), name)
}
