package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestFirstStartPage (issue 18): on a store without PeeringDB data the home
// page says how to get the history (ixpobs backfill with its size and
// time, the import commands, collect) instead of an error or an empty
// page; once PeeringDB data is published the overview is back.
func TestFirstStartPage(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "empty.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const estimate = "8 GiB, 5 to 10 hours (test estimate)"
	ts := httptest.NewServer(dashboard.New(st, dashboard.Config{BackfillEstimate: estimate, BackfillRunning: true}).Handler())
	defer ts.Close()
	page := func(path, lang string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	for lang, heading := range map[string]string{"en": "This observatory has no data yet", "es": "Este observatorio aún no tiene datos", "pt": "Este observatório ainda não tem dados"} {
		code, body := page("/", lang)
		for _, want := range []string{heading, "ixpobs backfill --config ixpobs.yaml", "ixpobs backfill peeringdb rir --since 2018-01-01",
			"ixpobs import peeringdb", "ixpobs import rir", "ixpobs import mrt", "ixpobs collect", estimate, "backfill.on_empty_store"} {
			if code != 200 || !strings.Contains(body, want) {
				t.Errorf("%s: / = %d, lacks %q", lang, code, want)
			}
		}
	}
	// An RIR file alone does not make the overview: the page names it.
	if _, err := st.Publish(ctx, ixp.SnapshotInput{Source: "rir:lacnic", At: time.Date(2022, 3, 31, 0, 0, 0, 0, time.UTC), Kinds: []ixp.Kind{ixp.KindASNDelegation},
		Records: []ixp.Record{rec(ixp.KindASNDelegation, 64500, 0, 64500, ixp.ASNDelegation{ASN: 64500, Country: "BR", Status: "allocated"})}}); err != nil {
		t.Fatal(err)
	}
	if code, body := page("/", "en"); code != 200 || !strings.Contains(body, "Sources with data so far: rir:lacnic.") {
		t.Errorf("with an RIR file: / = %d, does not name it", code)
	}
	if _, err := st.Publish(ctx, ixp.SnapshotInput{Source: "peeringdb", At: time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), Kinds: []ixp.Kind{ixp.KindExchange},
		Records: []ixp.Record{rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "IX", Country: "BR"})}}); err != nil {
		t.Fatal(err)
	}
	if code, body := page("/", "en"); code != 200 || strings.Contains(body, "ixpobs backfill") {
		t.Errorf("with PeeringDB data: / = %d and still the first-start page", code)
	}
}
