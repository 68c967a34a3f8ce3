package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// BenchmarkNetworkListCold measures the network list of the newest
// PeeringDB snapshot of the SQLite store HISTORY_DB read cold (a new
// server each time, so nothing is cached; the store's connections stay
// open), in wall time and CPU time (cpu-ms, the figure to compare on a
// busy machine; the process's only, not PostgreSQL's when HISTORY_DB is a
// postgres:// DSN). A store of the three real dumps:
//
//	for d in 2019-01-19 2020-05-05 2022-06-01; do
//		ixpobs import peeringdb ../shared/data/peeringdb/ixgen-$d --at $d --db /tmp/three.db
//	done
//	HISTORY_DB=/tmp/three.db go test ./dashboard -run '^$' -bench NetworkListCold -benchtime 5x
func BenchmarkNetworkListCold(b *testing.B) {
	ctx := context.Background()
	st := openHistory(b)
	sn, err := New(st, Config{}).snapshotFor(ctx, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	c0 := cpuTime()
	for b.Loop() {
		if _, err := New(st, Config{}).networksAt(ctx, sn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms")
}

// openHistory opens the store HISTORY_DB names: a SQLite path or a
// postgres:// DSN (opened read-only, as a `serve --db-read` replica).
func openHistory(b *testing.B) store.Store {
	path := os.Getenv("HISTORY_DB")
	if path == "" {
		b.Skip("HISTORY_DB names no store")
	}
	var st store.Store
	var err error
	if strings.HasPrefix(path, "postgres") {
		st, err = postgres.OpenReadOnly(context.Background(), path, nil)
	} else {
		st, err = sqlite.Open(context.Background(), path, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkPageCold measures the first request of COLD_PATH (default an
// IXP page at an old date) on the SQLite store HISTORY_DB: a new server
// each time, so nothing is cached (the store's connections stay open), in
// wall time and CPU time (cpu-ms). With a generated long history:
//
//	HISTORY_DB=/tmp/agg/long.db COLD_PATH='/ixps/171?at=2017-02-02' \
//		go test ./dashboard -run '^$' -bench PageCold -benchtime 5x -cpuprofile /tmp/page.out
func BenchmarkPageCold(b *testing.B) {
	url := os.Getenv("COLD_PATH")
	if url == "" {
		url = "/ixps/171?at=2017-02-02"
	}
	st := openHistory(b)
	c0 := cpuTime()
	for b.Loop() {
		rec := httptest.NewRecorder()
		New(st, Config{}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d: %s", url, rec.Code, rec.Body.Bytes())
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms")
}
