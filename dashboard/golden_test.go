package dashboard_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestGolden")

// goldenRequests are the request set of record: every API endpoint and
// page, with their main parameters, over the trimmed real data. Their
// answers are kept in testdata/golden; a change to any of them is a change
// of behaviour that the commit must explain (go test ./dashboard -run
// TestGolden -update rewrites them).
var goldenRequests = []string{
	// Exchanges.
	"/api/v1/ixps",
	"/api/v1/ixps?per_page=20&sort=-members",
	"/api/v1/ixps?country=BR&sort=name&format=csv",
	"/api/v1/ixps?region=south-america&per_page=10&page=2",
	"/api/v1/ixps?active=true&sort=-capacity",
	"/api/v1/ixps?name=ix.br&at=2019-06-01",
	"/api/v1/ixps/171",
	"/api/v1/ixps/171?at=2019-06-01",
	"/api/v1/ixps/171?format=csv",
	"/api/v1/ixps/171?at=2020-05-05",
	"/api/v1/ixps/171?at=2010-01-01",
	"/api/v1/ixps/171?at=2018-01-01",
	"/api/v1/ixps/999999",
	"/api/v1/ixps/abc",
	"/api/v1/ixps/171?at=2019-13-45",
	"/api/v1/ixps/171/members?at=2019-01-19",
	"/api/v1/ixps/171/members?at=2020-05-05&format=csv",
	"/api/v1/ixps/3788/members",
	"/api/v1/ixps/171/members?name=telecom&sort=-speed&page=2&per_page=10",
	"/api/v1/ixps/171/members?sort=name&skip=5&limit=3&format=csv",
	"/api/v1/ixps/171/history",
	"/api/v1/ixps/171/history?format=csv",
	"/api/v1/ixps/171/events?from=2019-01-01&to=2022-12-31",
	"/api/v1/ixps/171/events?from=2020-01-01&to=2022-12-31&format=csv",
	"/api/v1/ixps/171/sources",
	"/api/v1/ixps/171/sources?at=2020-05-05",
	"/api/v1/ixps?country__in=AR,CL&members__gte=10&fields=id,name,country,members",
	"/api/v1/ixps?name__startswith=ix.br&skip=2&limit=3",
	"/api/v1/ixps?colour=red",
	// Networks and origins.
	"/api/v1/networks?ixps__gte=4&sort=-ixps&limit=10",
	"/api/v1/networks?name__contains=telecom&at=2019-01-19&format=csv",
	"/api/v1/networks/15169",
	"/api/v1/networks/AS28571?at=2020-01-01",
	"/api/v1/networks/28571?format=csv",
	"/api/v1/networks/4294967296",
	"/api/v1/asns/6389/origins",
	"/api/v1/asns/22047/origins?format=csv",
	// Countries.
	"/api/v1/countries",
	"/api/v1/countries?format=csv",
	"/api/v1/countries?at=2019-01-19",
	"/api/v1/countries?region=lac&at=2020-05-05",
	"/api/v1/countries/BR",
	"/api/v1/countries/BR?at=2019-01-19",
	"/api/v1/countries/BR?at=2020-05-05",
	"/api/v1/countries/BR?at=2022-06-01",
	"/api/v1/countries/BR?at=2018-01-01",
	"/api/v1/countries/AR?lang=es",
	"/api/v1/countries/MX?at=2020-05-05&lang=pt",
	"/api/v1/countries/US",
	"/api/v1/countries/XX",
	"/api/v1/countries/BR?format=csv",
	"/api/v1/countries/BR/history",
	"/api/v1/countries/BR/history?format=csv",
	"/api/v1/countries/CL/history",
	// Regions.
	"/api/v1/regions",
	"/api/v1/regions/lac",
	"/api/v1/regions/lac?format=csv",
	"/api/v1/regions/south-america?at=2020-05-05",
	"/api/v1/regions/nowhere",
	"/api/v1/regions/lac/history",
	"/api/v1/regions/world/history?format=csv",
	// BGP, snapshots, sources, description.
	"/api/v1/bgp/collectors",
	"/api/v1/bgp/collectors?format=csv",
	"/api/v1/bgp/collectors/rrc15",
	"/api/v1/bgp/collectors/nowhere",
	"/api/v1/bgp/sessions",
	// ARDA (from the collectors loaded above).
	"/api/v1/arda/countries/BR",
	"/api/v1/arda/countries/BR?format=csv",
	"/api/v1/arda/countries/UY?at=2022-06-01",
	"/api/v1/arda/regions/lac?format=csv",
	"/api/v1/arda/regions/nowhere",
	"/api/v1/snapshots",
	"/api/v1/snapshots?format=csv",
	"/api/v1/sources",
	"/api/v1/sources?format=csv",
	"/api/v1/openapi.json",
	"/api/v1/nowhere",
	// Feeds and metrics.
	"/feeds/ixps/171.atom",
	"/feeds/countries/BR.atom",
	"/metrics?region=lac",
	// Pages.
	"/",
	"/countries/BR/arda",
	"/regions/lac/arda?lang=pt",
	"/?lang=es",
	"/?at=2019-06-01&lang=pt",
	"/ixps",
	"/ixps?country=BR&lang=pt",
	"/ixps/171",
	"/ixps/171?at=2019-06-01&lang=es",
	"/ixps/3788",
	"/networks/28571",
	"/networks/15169?lang=es",
	"/countries/BR",
	"/countries/BR?at=2019-01-19&lang=pt",
	"/countries/UY?lang=es",
	"/regions/lac",
	"/regions/south-america?lang=es",
	"/sources",
	"/search?q=ix.br",
	"/search?q=28571",
	"/nowhere",
}

// goldenNow is the clock of the golden server: the answers that show
// "today" do not move with the real clock.
var goldenNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// goldenStore loads the trimmed real data: the three PeeringDB dumps (LAC
// part), three LACNIC files and the RIS rrc15 update file of 2010-02-27 as
// the collector at IX.br São Paulo (PeeringDB ix 171), at its own date.
func goldenStore(t *testing.T, backend string) store.Store {
	t.Helper()
	st, _ := goldenStoreDSN(t, backend)
	return st
}

// goldenStoreDSN is goldenStore that also returns the store's DSN.
func goldenStoreDSN(t *testing.T, backend string) (store.Store, string) {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	var dsn string
	switch backend {
	case "sqlite":
		dsn = filepath.Join(t.TempDir(), "golden.db")
		st, err = sqlite.Open(ctx, dsn, nil)
	case "postgres":
		dsn = testenv.NewPostgresDatabase(t)
		st, err = postgres.Open(ctx, dsn, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	set := realdata.Trimmed(t)
	set.LoadPeeringDB(t, st)
	set.LoadRIR(t, st, set.LACNICFiles()...)
	file := set.MRTFile("rrc15_updates.20100227.1600.gz")
	at := time.Date(2010, 2, 27, 16, 5, 0, 0, time.UTC)
	if _, err := ribs.ImportFile(ctx, st, file, ribs.ImportOptions{Collector: "rrc15", IXID: 171, At: at}); err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return st, dsn
}

// volatile matches what changes from one run to the next: the time a
// snapshot was written, the test server's address, the time /metrics took.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`("created":\s*")[0-9T:.+Z-]+(")`), "${1}<created>${2}"},
	{regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`), "http://<host>"},
	{regexp.MustCompile(`(?m)^(ixpobs_metrics_collect_duration_seconds\{[^}]*\}) .*$`), "${1} <seconds>"},
}

func normalize(body []byte) []byte {
	for _, v := range volatile {
		body = v.re.ReplaceAll(body, []byte(v.with))
	}
	return body
}

// goldenMaxInline is the largest answer kept whole in its golden file;
// larger ones are kept as their length and SHA-256 (a failing test writes
// the whole answer next to the test's output for diffing).
const goldenMaxInline = 96 << 10

// TestGolden compares the answer to every request of goldenRequests with
// its golden file, on SQLite and (when available) PostgreSQL: both stores
// must give exactly the recorded answers.
func TestGolden(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				testenv.PostgresDSN(t)
				if *updateGolden {
					t.Skip("golden files are written from SQLite")
				}
			}
			if testing.Short() && backend == "postgres" {
				t.Skip("-short: the SQLite run covers the golden files")
			}
			st := goldenStore(t, backend)
			srv := dashboard.New(st, dashboard.Config{})
			srv.Now = func() time.Time { return goldenNow }
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			seen := map[string]string{}
			for _, path := range goldenRequests {
				name := goldenName(path)
				if prev, dup := seen[name]; dup {
					t.Fatalf("requests %q and %q share the golden file %s", prev, path, name)
				}
				seen[name] = path
				got := goldenAnswer(t, ts.URL+path)
				file := filepath.Join("testdata", "golden", name)
				if *updateGolden {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Errorf("%s: %v (run go test ./dashboard -run TestGolden -update)", path, err)
					continue
				}
				if string(got) != string(want) {
					out := filepath.Join(t.TempDir(), name)
					os.WriteFile(out, got, 0o644)
					t.Errorf("%s: the answer differs from %s; got written to %s\n%s", path, file, out, firstDifference(string(want), string(got)))
				}
			}
		})
	}
}

// goldenAnswer returns the status line, content type and (normalised)
// body of a GET, as kept in a golden file.
func goldenAnswer(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body = normalize(body)
	head := fmt.Sprintf("status: %d\ncontent-type: %s\n", resp.StatusCode, resp.Header.Get("Content-Type"))
	if len(body) > goldenMaxInline {
		sum := sha256.Sum256(body)
		return []byte(head + fmt.Sprintf("length: %d\nsha256: %s\n", len(body), hex.EncodeToString(sum[:])))
	}
	return []byte(head + "\n" + string(body))
}

// goldenName turns a request path into a file name.
func goldenName(path string) string {
	r := strings.NewReplacer("/", "_", "?", "__", "&", "_", "=", "-", ".", "_", "+", "_")
	name := strings.Trim(r.Replace(path), "_")
	if name == "" {
		name = "root"
	}
	return name + ".golden"
}

// firstDifference shows where two texts first differ.
func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %.300s\n  got:  %.300s", i+1, w, g)
		}
	}
	return "(same lines)"
}
