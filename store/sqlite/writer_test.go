package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// syncBuffer is a log sink read while writers may still log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// holdWriterLock takes the database's writer lock from another connection
// (as another ixpobs process importing would) and releases it after hold.
func holdWriterLock(t *testing.T, path string, hold time.Duration) <-chan struct{} {
	t.Helper()
	db, err := sql.Open("sqlite", dsnFor(path, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(hold)
		conn.ExecContext(context.Background(), "COMMIT")
		conn.Close()
	}()
	return done
}

// TestWriterWaitsForAnotherImport: with the writer lock held by another
// connection for several busy timeouts (200 ms here, 15 s in Open), a
// publish, a run record and a second Open (its migration check) wait,
// say so in the log and succeed once the lock is free; a write whose
// context ends first fails naming the wait, not with a bare SQLITE_BUSY.
func TestWriterWaitsForAnotherImport(t *testing.T) {
	const busy = 200 * time.Millisecond
	const hold = 1500 * time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	st, err := open(ctx, path, log, busy)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := ixp.SnapshotInput{Source: "rir:test", At: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Kinds: []ixp.Kind{ixp.KindASNDelegation},
		Records: []ixp.Record{{Kind: ixp.KindASNDelegation, ID: 1, Data: []byte(`{"asn":1}`)}}}

	released := holdWriterLock(t, path, hold)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() {
		_, err := st.Publish(ctx, in)
		errs <- err
	})
	wg.Go(func() {
		errs <- st.RecordRun(ctx, store.Run{Source: "rir:test", Started: start, Finished: start, OK: true})
	})
	wg.Go(func() {
		second, err := open(ctx, path, nil, busy)
		if err == nil {
			second.Close()
		}
		errs <- err
	})
	wg.Wait()
	close(errs)
	<-released
	for err := range errs {
		if err != nil {
			t.Errorf("a write under another's lock failed: %v", err)
		}
	}
	if took := time.Since(start); took < hold-100*time.Millisecond {
		t.Errorf("writes ended after %s, before the lock was released (%s)", took, hold)
	}
	out := logs.String()
	for _, want := range []string{"waiting for another import to finish", "still waiting for another import to finish", "write lock acquired after waiting", "write=\"publish rir:test\"", "write=\"record run of rir:test\""} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not say %q:\n%s", want, out)
		}
	}
	if runs, err := st.Runs(ctx, "rir:test", 5); err != nil || len(runs) != 1 {
		t.Errorf("runs = %v, %v; want the one recorded", runs, err)
	}

	// A write that gives up (its context ends) says why.
	released = holdWriterLock(t, path, hold)
	cctx, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
	defer cancel()
	in.At = in.At.AddDate(0, 0, 1)
	_, err = st.Publish(cctx, in)
	<-released
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for another writer to finish") {
		t.Errorf("publish whose context ends while waiting: err = %v, want one saying it gave up waiting", err)
	}
	// Nothing of it was written.
	if sn, err := st.SnapshotAt(ctx, "rir:test", time.Time{}); err != nil || !sn.At.Equal(in.At.AddDate(0, 0, -1)) {
		t.Errorf("newest snapshot = %v, %v; want the first one", sn.At, err)
	}
}
