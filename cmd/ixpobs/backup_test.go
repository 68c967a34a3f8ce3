package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupCLI imports a dump, takes three backups into a directory with
// --keep 2, restores the newest into a new store and lists its snapshots.
func TestBackupCLI(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	backups := filepath.Join(dir, "backups")
	if err := os.Mkdir(backups, 0o755); err != nil {
		t.Fatal(err)
	}
	ixpobs := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut, env)
		return code, out.String(), errOut.String()
	}
	fixture := filepath.Join("..", "..", "collector", "peeringdb", "testdata", "dump")
	if code, _, errOut := ixpobs("import", "peeringdb", fixture, "--at", "2022-06-01", "--db", db); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	var last string
	for i := 0; i < 3; i++ {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // names carry the second
		}
		code, out, errOut := ixpobs("backup", "--db", db, "--out", backups, "--keep", "2", "--log-format", "json")
		if code != 0 || !strings.Contains(errOut, `"msg":"backup written"`) {
			t.Fatalf("backup %d: exit %d, %q", i, code, errOut)
		}
		last = strings.TrimSpace(out)
	}
	ents, _ := os.ReadDir(backups)
	if len(ents) != 2 || filepath.Join(backups, ents[1].Name()) != last {
		t.Fatalf("after three backups with --keep 2: %v (last %s)", ents, last)
	}
	if code, _, errOut := ixpobs("backup", "--db", db, "--out", last); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("backup over an existing file: exit %d, %q", code, errOut)
	}
	restored := filepath.Join(dir, "restored.db")
	if code, _, errOut := ixpobs("restore", last, "--db", restored); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, errOut)
	}
	if code, _, errOut := ixpobs("restore", last, "--db", restored); code != 1 || !strings.Contains(errOut, "already holds data") {
		t.Errorf("restore over the restored store: exit %d, %q", code, errOut)
	}
	_, want, _ := ixpobs("snapshots", "list", "--db", db)
	code, got, errOut := ixpobs("snapshots", "list", "--db", restored)
	if code != 0 || got != want || !strings.Contains(got, "peeringdb") {
		t.Errorf("snapshots of the restored store: exit %d %q %s; want %q", code, got, errOut, want)
	}
}
