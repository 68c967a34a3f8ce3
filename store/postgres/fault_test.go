package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
)

// killPoints are the fractions of the import at which the backend is
// terminated, and killRuns how many times each (IXPOBS_FAULT_RUNS
// overrides it).
var killPoints = []float64{0.05, 0.50, 0.95}

const killRuns = 7

// content is what readers of a snapshot see: the count of each kind and a
// hash of every object (kind, id, data) and of the exchange indicators.
type content struct {
	counts map[string]int
	hash   string
}

func (c content) String() string { return fmt.Sprintf("%v %s", c.counts, c.hash[:16]) }

func (c content) equal(o content) bool {
	if c.hash != o.hash || len(c.counts) != len(o.counts) {
		return false
	}
	for k, v := range c.counts {
		if o.counts[k] != v {
			return false
		}
	}
	return true
}

// readContent reads a snapshot back through the store API.
func readContent(t *testing.T, st store.Store, sn ixp.Snapshot) content {
	t.Helper()
	ctx := context.Background()
	h := sha256.New()
	c := content{counts: map[string]int{}}
	var buf [8]byte
	put := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	kinds := append([]ixp.Kind(nil), sn.Kinds...)
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, k := range kinds {
		recs, err := st.Objects(ctx, sn.Source, k, sn.At, store.Filter{})
		if err != nil {
			t.Fatalf("objects %s: %v", k, err)
		}
		c.counts[k.String()] = len(recs)
		for _, r := range recs {
			put(int64(k))
			put(r.ID)
			h.Write(r.Data)
		}
		if sn.Counts[k.String()] != len(recs) {
			t.Errorf("snapshot %d says %d %s, the store returns %d", sn.ID, sn.Counts[k.String()], k, len(recs))
		}
	}
	stats, err := st.ExchangeStats(ctx, sn.ID, 0)
	if err != nil {
		t.Fatalf("exchange stats: %v", err)
	}
	c.counts["exchange_stats"] = len(stats)
	fmt.Fprintf(h, "%v", stats)
	c.hash = hex.EncodeToString(h.Sum(nil))
	return c
}

// adminConn connects to the test database under its own application name,
// so the kill query never picks it.
func adminConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", "ixpobs-fault-admin")
	u.RawQuery = q.Encode()
	c, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatalf("admin connection: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// versionsBytes is the on-disk size of the versions table (heap, TOAST and
// indexes). It grows while an uncommitted transaction writes rows, so
// another session can watch an import's progress.
func versionsBytes(ctx context.Context, c *pgx.Conn) (int64, error) {
	var n int64
	err := c.QueryRow(ctx, `SELECT pg_total_relation_size('versions')`).Scan(&n)
	return n, err
}

// rawRows counts the rows of the tables a publish writes.
func rawRows(t *testing.T, c *pgx.Conn) (snapshots, versions, stats int64) {
	t.Helper()
	err := c.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM snapshots), (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM exchange_stats)`).
		Scan(&snapshots, &versions, &stats)
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return
}

// TestBackendTerminatedDuringImport imports the real 2022-06-01 PeeringDB
// dump and terminates the PostgreSQL backends of the store (pg_terminate_backend
// from a separate session) at 5%, 50% and 95% of the import, 7 times each.
// Progress is the growth of the versions table on disk (heap + TOAST +
// indexes) as a fraction of its growth in an uninterrupted import of the
// same data. After each kill: the snapshot is absent (no row in any table)
// or complete (equal to the uninterrupted import); the same store object,
// never reopened, then imports the dump again and gets exactly the
// reference content.
func TestBackendTerminatedDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: imports the 2022 dump more than 20 times (-short)")
	}
	dir := realdata.PeeringDBDir(t, "ixgen-2022-06-01")
	ctx := context.Background()
	d, err := peeringdb.ReadDir(ctx, dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	in, err := d.Snapshot(time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	runs := killRuns
	if v := os.Getenv("IXPOBS_FAULT_RUNS"); v != "" {
		if runs, err = strconv.Atoi(v); err != nil || runs < 1 {
			t.Fatalf("IXPOBS_FAULT_RUNS=%q: want a positive number", v)
		}
	}

	// The reference: one uninterrupted import.
	refDSN := testenv.NewPostgresDatabase(t)
	ref, err := postgres.Open(ctx, refDSN, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	refAdmin := adminConn(t, refDSN)
	size0, err := versionsBytes(ctx, refAdmin)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := ref.Publish(ctx, in)
	if err != nil {
		t.Fatalf("reference import: %v", err)
	}
	refDur := time.Since(start)
	size1, err := versionsBytes(ctx, refAdmin)
	if err != nil {
		t.Fatal(err)
	}
	want := readContent(t, ref, res.Snapshot)
	t.Logf("reference import: %d records, %d versions written, %s, versions table %d -> %d bytes; content %s",
		len(in.Records), res.Inserted, refDur.Round(time.Millisecond), size0, size1, want)
	ref.Close()

	type outcome struct{ absent, complete, recovered int }
	summary := map[float64]*outcome{}
	for _, p := range killPoints {
		summary[p] = &outcome{}
		for i := range runs {
			t.Run(fmt.Sprintf("at%02.0f%%/run%d", p*100, i+1), func(t *testing.T) {
				absent := killDuringImport(t, in, p, size1-size0, want)
				if absent {
					summary[p].absent++
				} else {
					summary[p].complete++
				}
				if !t.Failed() {
					summary[p].recovered++
				}
			})
		}
	}
	for _, p := range killPoints {
		o := summary[p]
		t.Logf("kill at %2.0f%%: %d runs, snapshot absent %d, complete %d, recovered with identical content %d",
			p*100, o.absent+o.complete, o.absent, o.complete, o.recovered)
	}
}

// killDuringImport runs one import on a fresh database, terminates the
// store's backends once the versions table has grown by frac*growth bytes,
// checks what is left and re-runs the import on the same store. It
// reports whether the snapshot was absent after the kill.
func killDuringImport(t *testing.T, in ixp.SnapshotInput, frac float64, growth int64, want content) (absent bool) {
	ctx := context.Background()
	dsn := testenv.NewPostgresDatabase(t)
	st, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	admin := adminConn(t, dsn)
	base, err := versionsBytes(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	target := base + int64(frac*float64(growth))

	type result struct {
		res store.PublishResult
		err error
		dur time.Duration
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		res, err := st.Publish(ctx, in)
		done <- result{res, err, time.Since(start)}
	}()

	var (
		killed   []string
		killedAt time.Duration
		seen     int64
		r        result
		finished bool
	)
poll:
	for {
		select {
		case r = <-done:
			finished = true
			break poll
		default:
		}
		n, err := versionsBytes(ctx, admin)
		if err != nil {
			t.Fatalf("watch progress: %v", err)
		}
		if n >= target {
			seen = n
			killedAt = time.Since(start)
			rows, err := admin.Query(ctx, `SELECT pid, state, xact_start IS NOT NULL, pg_terminate_backend(pid)
				FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ixpobs' AND pid <> pg_backend_pid()`)
			if err != nil {
				t.Fatalf("terminate: %v", err)
			}
			for rows.Next() {
				var pid int
				var state *string
				var inTx, ok bool
				if err := rows.Scan(&pid, &state, &inTx, &ok); err != nil {
					t.Fatal(err)
				}
				s := "?"
				if state != nil {
					s = *state
				}
				killed = append(killed, fmt.Sprintf("%d(%s, in transaction %v, terminated %v)", pid, s, inTx, ok))
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("terminate: %v", err)
			}
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !finished {
		r = <-done
	}
	switch {
	case finished:
		t.Errorf("the import finished (%s) before the versions table reached %d bytes (%.0f%%): no kill happened", r.dur, target, frac*100)
	case r.err == nil:
		t.Logf("killed at %s (%d bytes) but the import had committed: %v", killedAt, seen, killed)
	default:
		t.Logf("killed at %s after start (%d of %d bytes written): backends %v; publish failed after %s: %v",
			killedAt.Round(time.Millisecond), seen-base, growth, killed, r.dur.Round(time.Millisecond), r.err)
	}
	if len(killed) == 0 && !finished {
		t.Errorf("no backend named ixpobs found to terminate")
	}

	// What is left is the whole snapshot or nothing.
	snaps, err := st.Snapshots(ctx, in.Source)
	if err != nil {
		// The store's first call after the kill: it must already work.
		t.Fatalf("list snapshots on the same store after the kill: %v", err)
	}
	nSnap, nVer, nStats := rawRows(t, admin)
	switch len(snaps) {
	case 0:
		absent = true
		if nSnap != 0 || nVer != 0 || nStats != 0 {
			t.Errorf("no snapshot listed but %d snapshot, %d version and %d indicator rows are in the database", nSnap, nVer, nStats)
		}
	case 1:
		if got := readContent(t, st, snaps[0]); !got.equal(want) {
			t.Errorf("snapshot left after the kill is partial: %s, want %s", got, want)
		}
	default:
		t.Errorf("%d snapshots after one import", len(snaps))
	}

	// The same pool, never reopened, finishes the job.
	start = time.Now()
	res, err := st.Publish(ctx, in)
	if err != nil {
		t.Fatalf("re-run on the same store after the kill: %v", err)
	}
	t.Logf("re-run on the same store: %s (unchanged %v)", time.Since(start).Round(time.Millisecond), res.Unchanged)
	if got := readContent(t, st, res.Snapshot); !got.equal(want) {
		t.Errorf("re-run content %s, want %s", got, want)
	}
	if snaps, err := st.Snapshots(ctx, in.Source); err != nil || len(snaps) != 1 {
		t.Errorf("after the re-run: %d snapshots (%v), want 1", len(snaps), err)
	}
	return absent
}
