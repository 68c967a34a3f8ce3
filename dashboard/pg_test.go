package dashboard_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// newPostgresDatabase creates a database that lives for the test binary
// and returns its URL.
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	admin := testenv.PostgresDSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		testenv.Missing(t, "cannot connect to PostgreSQL at %s: %v", admin, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("ixpobs_dash_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
