package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
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
func TestMigration0004(t *testing.T) {
	dsn := testenv.NewPostgresDatabase(t)
	open := func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	storetest.RunBGPSourceMerge(t, storetest.Database{
		Open: open,
		Exec: func(t *testing.T, query string) {
			c, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			if _, err := c.Exec(context.Background(), query); err != nil {
				t.Fatal(err)
			}
		},
		New: func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), testenv.NewPostgresDatabase(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	})
}
