package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store/postgres"
)

// TestServeStoresWithReadReplica: with --db-read, serve reads from the
// replica (opened read-only, never migrated) and opens --db only to
// collect.
func TestServeStoresWithReadReplica(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.NewPostgresDatabase(t)
	primary, err := postgres.Open(ctx, dsn, nil) // the writer migrates
	if err != nil {
		t.Fatal(err)
	}
	primary.Close()
	unusable := filepath.Join(t.TempDir(), "missing-dir", "ixpobs.db")
	tests := []struct {
		name      string
		cfg       Config
		wantWrite bool
		wantErr   string
	}{
		{"replica only: --db never opened", Config{DB: unusable, DBRead: dsn, Collect: false}, false, ""},
		{"collecting: --db opened to write", Config{DB: dsn, DBRead: dsn, Collect: true}, true, ""},
		{"collecting with an unusable --db", Config{DB: unusable, DBRead: dsn, Collect: true}, false, "missing-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, r, err := openServeStores(ctx, tt.cfg, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if (w != nil) != tt.wantWrite {
				t.Errorf("writer opened: %v, want %v", w != nil, tt.wantWrite)
			}
			if w != nil {
				defer w.Close()
				if w == r {
					t.Error("the writer and the reader are the same store")
				}
			}
			if err := r.Ping(ctx); err != nil {
				t.Errorf("reader: %v", err)
			}
		})
	}
}

func TestDBReadMustBePostgres(t *testing.T) {
	cfg := defaultConfig()
	cfg.DBRead = "/var/lib/ixpobs/replica.db"
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "db_read") {
		t.Errorf("validate with a SQLite db_read: %v, want an error naming db_read", err)
	}
}
