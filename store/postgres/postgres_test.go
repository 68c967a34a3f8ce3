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
