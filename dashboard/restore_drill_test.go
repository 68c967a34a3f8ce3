package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/backup"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestRestoreDrill backs up the loaded golden store (SQLite: online copy;
// PostgreSQL: pg_dump) while its server is answering, restores the backup
// into a fresh store and compares every answer of the golden request set,
// byte for byte (snapshot creation times included), between the two.
func TestRestoreDrill(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			var restoreDSN string
			if backend == "postgres" {
				testenv.PostgresDSN(t)
				testenv.LookPath(t, "pg_dump")
				testenv.LookPath(t, "pg_restore")
				restoreDSN = testenv.NewPostgresDatabase(t)
			} else {
				restoreDSN = filepath.Join(t.TempDir(), "restored.db")
			}
			st, dsn := goldenStoreDSN(t, backend)
			orig := drillServer(t, st)
			answers := map[string]string{}
			for _, path := range goldenRequests {
				answers[path] = drillAnswer(t, orig, path)
			}

			file := filepath.Join(t.TempDir(), backup.Name("ixpobs-", backup.Ext(dsn), time.Now()))
			res, err := backup.Write(ctx, dsn, file, backup.Tools{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s backup: %d bytes in %v", backend, res.Bytes, res.Took.Round(time.Millisecond))
			if err := backup.Restore(ctx, file, restoreDSN, backup.Tools{}); err != nil {
				t.Fatal(err)
			}
			if err := backup.Restore(ctx, file, restoreDSN, backup.Tools{}); err == nil {
				t.Error("a second restore into the restored store succeeded")
			}
			var restored store.Store
			if backend == "postgres" {
				restored, err = postgres.Open(ctx, restoreDSN, nil)
			} else {
				restored, err = sqlite.Open(ctx, restoreDSN, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer restored.Close()
			again := drillServer(t, restored)
			differ := 0
			for _, path := range goldenRequests {
				if got := drillAnswer(t, again, path); got != answers[path] {
					differ++
					t.Errorf("%s: the restored store answers differently\n%s", path, firstDifference(answers[path], got))
				}
			}
			t.Logf("%d answers compared, %d differ", len(goldenRequests), differ)
		})
	}
}

func drillServer(t *testing.T, st store.Store) *httptest.Server {
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return goldenNow }
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

var drillVolatile = regexp.MustCompile(`(?m)^(ixpobs_metrics_collect_duration_seconds\{[^}]*\}) .*$`)

// drillAnswer is the status, content type and body of a GET, with only
// the server's address and the time /metrics took made comparable.
func drillAnswer(t *testing.T, ts *httptest.Server, path string) string {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(b), ts.URL, "<host>")
	body = drillVolatile.ReplaceAllString(body, "$1 <seconds>")
	return resp.Status + "\n" + resp.Header.Get("Content-Type") + "\n" + body
}
