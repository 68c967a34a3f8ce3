package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// WriterNotice is how long a write waits for the database's writer lock
// before WaitForWriter says in the log that it is waiting.
const WriterNotice = time.Second

// singleWriter is implemented by a dialect whose database admits one
// writer at a time across processes (SQLite): Busy reports the error a
// write gets when it has waited out the driver's own lock timeout.
type singleWriter interface {
	Busy(err error) bool
}

// WaitForWriter runs try, a write that needs the database's single writer
// lock, until it succeeds, fails for another reason, or ctx ends. While
// another connection or process (an import, `serve`'s collection) holds
// the lock, try waits inside the driver (SQLite's busy_timeout) and fails
// with an error busy recognises; WaitForWriter then tries again. A write
// that has waited WriterNotice logs "waiting for another import to
// finish…" once, a write still refused logs again with the time waited,
// and one that got the lock after a wait logs that; nothing is logged when
// the lock was free. what names the write in the messages; the error
// (the caller adds the write's name) says how long it waited.
func WaitForWriter(ctx context.Context, log *slog.Logger, busy func(error) bool, what string, try func() error) error {
	start := time.Now()
	var noticed atomic.Bool
	notice := time.AfterFunc(WriterNotice, func() {
		noticed.Store(true)
		log.Warn("waiting for another import to finish… (another writer holds the database's write lock)", "write", what)
	})
	defer notice.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := try()
		if err != nil && ctx.Err() != nil && !busy(err) {
			// The driver gave up its own wait when ctx ended.
			return fmt.Errorf("gave up after %s waiting for another writer to finish: %w",
				time.Since(start).Round(time.Millisecond), err)
		}
		if err == nil || !busy(err) {
			if noticed.Load() {
				log.Info("write lock acquired after waiting", "write", what, "waited", time.Since(start).Round(time.Millisecond))
			}
			return err
		}
		noticed.Store(true)
		log.Warn("still waiting for another import to finish… (another writer holds the database's write lock)",
			"write", what, "waited", time.Since(start).Round(time.Second))
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s waiting for another writer to finish: %w (last: %w)",
				time.Since(start).Round(time.Millisecond), ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// write runs try through WaitForWriter when the dialect has a single
// writer lock, and once otherwise (PostgreSQL serialises publishers of
// one source with an advisory lock that simply waits).
func (s *DB) write(ctx context.Context, what string, try func() error) error {
	sw, ok := s.dialect.(singleWriter)
	if !ok {
		return try()
	}
	return WaitForWriter(ctx, s.log, sw.Busy, what, try)
}

// beginWrite begins a write transaction, waiting for the writer lock.
func (s *DB) beginWrite(ctx context.Context, what string) (*sql.Tx, error) {
	var tx *sql.Tx
	err := s.write(ctx, what, func() error {
		var err error
		tx, err = s.db.BeginTx(ctx, nil)
		return err
	})
	return tx, err
}
