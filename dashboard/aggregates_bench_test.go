package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
	"github.com/ixpobs/ixpobs/store/sqlstore"
)

// cpuTime is the CPU time (user + system) of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHistoryLong times the country and region histories on a
// generated SQLite store of HISTORY_DAYS (default 5,800) daily PeeringDB
// snapshots (40 exchanges in 8 countries, members changing every day) and
// an LACNIC-style RIR file every 30 days, with the figures of every state
// stored (FillAggregates): the first request of a new server (cold: the
// timeline and the stored rows read) and the next ones (warm, answer cache
// bypassed by calling the handlers). A long setup (minutes): run alone,
//
//	go test ./dashboard -run '^$' -bench HistoryLong -benchtime 20x
//
// HISTORY_DB keeps the store at that path (built once, reused;
// HISTORY_BUILD_ONLY=1 stops after building it);
// HISTORY_COPY_STATES=1 stores copies of one state instead of computing
// every state (see below: it measures the reads, not the figures).
func BenchmarkHistoryLong(b *testing.B) {
	ctx := context.Background()
	days := 5800
	if v, err := strconv.Atoi(os.Getenv("HISTORY_DAYS")); err == nil && v > 0 {
		days = v
	}
	path := os.Getenv("HISTORY_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "long.db")
	}
	_, statErr := os.Stat(path)
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if statErr != nil {
		start := time.Now()
		countries := []string{"BR", "AR", "CL", "MX", "CO", "US", "DE", "ZA"}
		base := time.Date(2010, 7, 29, 12, 0, 0, 0, time.UTC)
		for d := range days {
			at := base.AddDate(0, 0, d)
			in := ixp.SnapshotInput{Source: ixp.SourcePeeringDB, At: at, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Force: true}
			for ix := int64(1); ix <= 40; ix++ {
				data, _ := json.Marshal(ixp.Exchange{ID: ix, Name: "IX " + strconv.FormatInt(ix, 10), Country: countries[ix%8]})
				in.Records = append(in.Records, ixp.Record{Kind: ixp.KindExchange, ID: ix, IXID: ix, Data: data})
				// Members grow with the days; a few change each day.
				for m := int64(0); m < 5+int64(d/200)+ix%7; m++ {
					asn := ixp.ASN(64512 + (m*37+ix*11+int64(d/9))%3000)
					c := ixp.Connection{ID: ix*10000 + m, IXID: ix, ASN: asn, Speed: 1000 * (1 + m%10)}
					if m%3 == 0 {
						c.IPv6 = "2001:db8::" + strconv.FormatInt(m, 16)
					}
					data, _ := json.Marshal(c)
					in.Records = append(in.Records, ixp.Record{Kind: ixp.KindConnection, ID: c.ID, IXID: ix, ASN: asn, Data: data})
				}
			}
			if _, err := st.Publish(ctx, in); err != nil {
				b.Fatal(err)
			}
			if d%30 == 0 {
				rin := ixp.SnapshotInput{Source: "rir:lacnic", At: at, Kinds: []ixp.Kind{ixp.KindASNDelegation}, Force: true}
				for a := ixp.ASN(64512); a < 64512+ixp.ASN(1000+d/4); a++ {
					data, _ := json.Marshal(ixp.ASNDelegation{ASN: a, Country: countries[int(a)%5]})
					rin.Records = append(rin.Records, ixp.Record{Kind: ixp.KindASNDelegation, ID: int64(a), ASN: a, Data: data})
				}
				if _, err := st.Publish(ctx, rin); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Logf("%d snapshots published in %s", days, time.Since(start).Round(time.Second))
	}
	if os.Getenv("HISTORY_BUILD_ONLY") == "1" {
		// Build (or open) the store and stop: copies of it serve
		// several experiments.
		b.Skip("HISTORY_BUILD_ONLY: store at", path)
	}
	if os.Getenv("HISTORY_COPY_STATES") == "1" {
		// Computing a state reads the objects valid at its date, which on
		// SQLite scans every version of the kind (0.37 s a state at 5,800
		// generated days): a copy of one computed state's rows under
		// every missing key measures the reads (their cost depends on the
		// rows, not their values) without the hour of computing. The
		// answers are then not the true figures.
		srv := New(st, Config{Derived: st})
		tl, err := srv.timeline(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_, refs := tl.dates()
		if _, err := srv.stateFor(ctx, refs[len(refs)-1]); err != nil {
			b.Fatal(err)
		}
		template, err := st.Derived(ctx, refs[len(refs)-1].key)
		if err != nil {
			b.Fatal(err)
		}
		marks, err := st.Derived(ctx, "", completeArea)
		if err != nil {
			b.Fatal(err)
		}
		have := map[string]bool{}
		for _, m := range marks {
			have[m.Key] = true
		}
		copied := 0
		for _, ref := range refs {
			if !have[ref.key] {
				have[ref.key] = true
				rows := make([]store.Derived, len(template))
				for i, r := range template {
					rows[i] = store.Derived{Area: r.Area, Data: r.Data}
				}
				if err := st.PutDerived(ctx, ref.key, rows); err != nil {
					b.Fatal(err)
				}
				copied++
			}
		}
		b.Logf("HISTORY_COPY_STATES: %d states stored as copies of %s (%d rows each)", copied, refs[len(refs)-1].key, len(template))
	}
	start := time.Now()
	n, err := New(st, Config{Derived: st}).FillAggregates(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("figures of %d states computed and stored in %s", n, time.Since(start).Round(time.Millisecond))
	for _, path := range []string{"/api/v1/countries/BR/history", "/api/v1/regions/lac/history"} {
		b.Run(path, func(b *testing.B) {
			get := func(s *Server) time.Duration {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				rec := httptest.NewRecorder()
				h := s.Handler()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", path, rec.Code)
				}
				return time.Since(t0)
			}
			// Each iteration: a new server (cold: the snapshot lists and
			// the stored rows read), timed from the request; then the same
			// request to a server whose snapshot lists are cached (the
			// answer computed again). CPU time (the process's, from
			// getrusage) is the figure to compare on a loaded machine.
			var total, warmTotal, cpu, warmCPU time.Duration
			for b.Loop() {
				c0 := cpuTime()
				total += get(New(st, Config{}))
				c1 := cpuTime()
				warm := New(st, Config{})
				if _, err := warm.timeline(ctx); err != nil {
					b.Fatal(err)
				}
				c2 := cpuTime()
				warmTotal += get(warm)
				cpu, warmCPU = cpu+c1-c0, warmCPU+cpuTime()-c2
			}
			n := float64(b.N)
			b.ReportMetric(float64(warmTotal.Microseconds())/1000/n, "cached-lists-ms/request")
			b.ReportMetric(float64(cpu.Microseconds())/1000/n, "cpu-ms/request")
			b.ReportMetric(float64(warmCPU.Microseconds())/1000/n, "cached-lists-cpu-ms/request")
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/request")
		})
	}
}

// BenchmarkStateAtLong times computing the figures of one state (a first
// request for a date whose figures are not stored) at the 10th, 100th,
// 1,000th and last PeeringDB date of the store BenchmarkHistoryLong
// builds (HISTORY_DB, required: it is not built here), and the read of
// that date's connections alone (store.Objects), with a new server each
// time (nothing cached; nothing written):
//
//	HISTORY_DB=/tmp/long.db go test ./dashboard -run '^$' -bench StateAtLong -benchtime 5x
//
// HISTORY_DB may also be a postgres:// URL: a database holding the same
// history (ixpobs export of the SQLite store, then ixpobs import history).
func BenchmarkStateAtLong(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("HISTORY_DB")
	if path == "" {
		b.Skip("HISTORY_DB names no store (BenchmarkHistoryLong builds one)")
	}
	var st *sqlstore.DB
	var err error
	if strings.HasPrefix(path, "postgres://") {
		st, err = postgres.Open(ctx, path, nil)
	} else {
		if _, err := os.Stat(path); err != nil {
			b.Skip(err)
		}
		st, err = sqlite.Open(ctx, path, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tl, err := New(st, Config{}).timeline(ctx)
	if err != nil {
		b.Fatal(err)
	}
	_, refs := tl.dates()
	for _, n := range []int{10, 100, 1000, len(refs)} {
		if n > len(refs) {
			continue
		}
		ref := refs[n-1]
		b.Run("date"+strconv.Itoa(n), func(b *testing.B) {
			var objects, objectsCPU, state, cpu time.Duration
			var conns int
			for b.Loop() {
				oc, t0 := cpuTime(), time.Now()
				recs, err := st.Objects(ctx, ixp.SourcePeeringDB, ixp.KindConnection, ref.pdb.At, store.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				conns = len(recs)
				c0, t1 := cpuTime(), time.Now()
				if _, err := New(st, Config{}).computeState(ctx, ref); err != nil {
					b.Fatal(err)
				}
				objects, objectsCPU = objects+t1.Sub(t0), objectsCPU+c0-oc
				state, cpu = state+time.Since(t1), cpu+cpuTime()-c0
			}
			n := float64(b.N)
			b.ReportMetric(float64(objects.Microseconds())/1000/n, "objects-ms")
			b.ReportMetric(float64(objectsCPU.Microseconds())/1000/n, "objects-cpu-ms")
			b.ReportMetric(float64(state.Microseconds())/1000/n, "state-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/n, "state-cpu-ms")
			b.ReportMetric(float64(conns), "connections")
		})
	}
}
