package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
	"github.com/ixpobs/ixpobs/store/sqlstore"
	"github.com/ixpobs/ixpobs/store/storetest"
	"github.com/jackc/pgx/v5"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), testenv.NewPostgresDatabase(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestConcurrentMigrate starts several processes' worth of Open at once on
// an empty database: the advisory lock lets one migrate and the others wait.
func TestConcurrentMigrate(t *testing.T) {
	dsn := testenv.NewPostgresDatabase(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), dsn, nil)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent open: %v", err)
	}
}

// TestSimpleProtocolRefused checks that a DSN asking for the simple
// protocol still gets the extended one (prepared statements work and
// parameters are sent separately).
func TestSimpleProtocolRefused(t *testing.T) {
	dsn := testenv.NewPostgresDatabase(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := postgres.Open(context.Background(), dsn+sep+"default_query_exec_mode=simple_protocol", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	// With the simple protocol pgx would interpolate the parameter into the
	// text; a statement-level check: pg_stat_activity shows the query with
	// $1 only under the extended protocol.
	if err := s.SQL().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND query LIKE '%$1%' AND $1::int = 1`, 1).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("query text seen by the server has no $1 placeholder: the simple protocol was used")
	}
}

// TestMigration0004 runs the conformance check of the migration that
// merges mrt:<collector> runs into bgp:<collector>.
func TestMigration0004(t *testing.T) { storetest.RunBGPSourceMerge(t, migrationDatabase(t)) }

// TestMigration0009 runs the conformance check of the migration that
// adds and fills the briefs of stored versions.
func TestMigration0009(t *testing.T) {
	storetest.RunBriefMigration(t, migrationDatabase(t), `ALTER TABLE versions DROP CONSTRAINT versions_brief_required_upgrade_ixpobs`)
}

// migrationDatabase is a new PostgreSQL database for a migration check.
func migrationDatabase(t *testing.T) storetest.Database {
	dsn := testenv.NewPostgresDatabase(t)
	try := func(query string) error {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), query)
		return err
	}
	return storetest.Database{
		Open: func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Exec: func(t *testing.T, query string) {
			if err := try(query); err != nil {
				t.Fatal(err)
			}
		},
		Try: try,
		New: func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), testenv.NewPostgresDatabase(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// TestHistoryFromSQLiteWithNUL moves to PostgreSQL (and to a new SQLite
// store) the history export of a SQLite store written before the text
// rule, holding a NUL, a byte that is not UTF-8 and an unpaired surrogate:
// both imports take it, with the same U+FFFD in place, and the hash of the
// cleaned version is the one a new publication computes (publishing the
// cleaned object again changes nothing).
func TestHistoryFromSQLiteWithNUL(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	old, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "old.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	in := ixp.SnapshotInput{Source: "peeringdb", At: at, Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{
		{Kind: ixp.KindExchange, ID: 1, Data: []byte(`{"id":1,"name":"placeholder"}`)},
		{Kind: ixp.KindExchange, ID: 2, Data: []byte(`{"id":2,"name":"clean"}`)},
	}}
	if _, err := old.Publish(ctx, in); err != nil {
		t.Fatal(err)
	}
	// What an older ixpobs left in SQLite: the text rule did not exist.
	for _, q := range []string{
		"UPDATE versions SET data = CAST('{\"id\":1,\"name\":\"a\\u0000b \\ud800 caf\xe9\"}' AS BLOB) WHERE obj_id = 1",
		"INSERT INTO runs (source, started, finished, ok, error_kind, error, detail) VALUES ('peeringdb', 1, 2, FALSE, 'parse', 'bad ' || char(0) || ' byte', '')",
	} {
		if _, err := old.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	export, pg := exportAndNewPostgres(ctx, t, old)
	defer pg.Close()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "new.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for name, s := range map[string]store.Store{"postgres": pg, "sqlite": lite} {
		if err := s.ImportHistory(ctx, bytes.NewReader(export)); err != nil {
			t.Fatalf("%s: import: %v", name, err)
		}
		recs, err := s.Objects(ctx, "peeringdb", ixp.KindExchange, at, store.Filter{ID: 1})
		if err != nil || len(recs) != 1 {
			t.Fatalf("%s: objects = %v, %v", name, recs, err)
		}
		var x ixp.Exchange
		if err := json.Unmarshal(recs[0].Data, &x); err != nil {
			t.Fatal(err)
		}
		if x.Name != "a\uFFFDb \uFFFD caf\uFFFD" {
			t.Errorf("%s: name = %q, want NUL, surrogate and Latin-1 byte replaced", name, x.Name)
		}
		runs, err := s.Runs(ctx, "peeringdb", 1)
		if err != nil || len(runs) != 1 || runs[0].Error != "bad \uFFFD byte" {
			t.Errorf("%s: runs = %+v, %v", name, runs, err)
		}
		again := ixp.SnapshotInput{Source: "peeringdb", At: at.AddDate(0, 0, 1), Kinds: in.Kinds, Records: []ixp.Record{
			{Kind: ixp.KindExchange, ID: 1, Data: []byte(`{"id":1,"name":"a\u0000b \ud800 caf` + "\xe9" + `"}`)}, in.Records[1]}}
		res, err := s.Publish(ctx, again)
		if err != nil || res.Inserted != 0 || res.Ended != 0 {
			t.Errorf("%s: republishing the same objects = %+v, %v; want nothing inserted or ended", name, res, err)
		}
	}
}

// TestImportHistoryGathersStatistics: after import history the planner
// has statistics on the versions (analyzeAfterLoad), so the reads of a
// date take the interval tree's right index before autovacuum has run.
func TestImportHistoryGathersStatistics(t *testing.T) {
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "src.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := lite.Publish(ctx, ixp.SnapshotInput{Source: "peeringdb", At: at, Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{
		{Kind: ixp.KindExchange, ID: 1, Data: []byte(`{"id":1,"name":"one"}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	export, pg := exportAndNewPostgres(ctx, t, lite)
	defer pg.Close()
	count := func() int {
		var n int
		if err := pg.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'versions'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d column statistics on versions before the import; the test cannot tell", n)
	}
	if err := pg.ImportHistory(ctx, bytes.NewReader(export)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n == 0 {
		t.Fatal("no planner statistics on versions after import history")
	}
}

// exportAndNewPostgres returns the history export of src and a new, empty
// PostgreSQL store to import it into.
func exportAndNewPostgres(ctx context.Context, t *testing.T, src store.Store) ([]byte, *sqlstore.DB) {
	t.Helper()
	var export bytes.Buffer
	if err := src.ExportHistory(ctx, &export); err != nil {
		t.Fatal(err)
	}
	pg, err := postgres.Open(ctx, testenv.NewPostgresDatabase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return export.Bytes(), pg
}

func TestTwoWriters(t *testing.T) {
	open := func(t *testing.T, dsn string) store.Store {
		s, err := postgres.Open(context.Background(), dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	storetest.RunTwoWriters(t, func(t *testing.T) store.Store {
		return open(t, testenv.NewPostgresDatabase(t))
	}, func(t *testing.T) (store.Store, store.Store) {
		dsn := testenv.NewPostgresDatabase(t)
		return open(t, dsn), open(t, dsn)
	})
}

// TestHistoryReadsOneIndex checks, on 1,000 snapshots of 200 exchanges,
// that an exchange's history is an index-only scan of the covering index
// of migration 0010, without heap fetches once VACUUM has run, and that
// it returns the exchange's row of each snapshot in date order.
func TestHistoryReadsOneIndex(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.NewPostgresDatabase(t)
	s, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := adminConn(t, dsn)
	for _, q := range []string{
		`INSERT INTO sources (name) VALUES ('peeringdb')`,
		// Dates descending as ids ascend (a backfill writes older days
		// after newer ones): the points must come in date order.
		`INSERT INTO snapshots (source_id, at, kinds, delta, counts, digest, origin, notes, created)
			SELECT src.id, 1262304000 + (1001 - g)*86400, 'ix', false, '{}', 'd' || g, '', '[]', 0 FROM sources src, generate_series(1, 1000) g ORDER BY g`,
		`INSERT INTO exchange_stats (snapshot_id, ix_id, members, connections, capacity, ipv6_members, rs_members, rs_unknown)
			SELECT s.id, ix, ix + s.id, 2*ix, 10000, 0, 0, false FROM snapshots s, generate_series(1, 200) ix`,
		`VACUUM ANALYZE exchange_stats`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	plan, err := s.HistoryPlan(ctx, ixp.SourcePeeringDB, 171)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "Index Only Scan using exchange_stats_history") || !strings.Contains(text, "Heap Fetches: 0") {
		t.Errorf("ExchangeHistory is not an index-only scan of exchange_stats_history without heap fetches:\n%s", text)
	}
	points, err := s.ExchangeHistory(ctx, ixp.SourcePeeringDB, 171)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 1000 {
		t.Fatalf("%d points, want 1000", len(points))
	}
	for i, p := range points {
		if p.IXID != 171 || p.Members != 171+int(p.SnapshotID) || (i > 0 && !p.At.After(points[i-1].At)) {
			t.Fatalf("point %d: %+v", i, p)
		}
	}
}
