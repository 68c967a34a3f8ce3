package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestSnapshotsCLI imports one dump at three dates, lists the snapshots,
// and deletes the middle one by its day.
func TestSnapshotsCLI(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	db := filepath.Join(t.TempDir(), "s.db")
	fixture := filepath.Join("..", "..", "collector", "peeringdb", "testdata", "dump")
	ixpobs := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, append(args, "--db", db), &out, &errOut, env)
		return code, out.String(), errOut.String()
	}
	for _, d := range []string{"2022-06-01", "2022-07-01", "2022-08-01"} {
		if code, _, errOut := ixpobs("import", "peeringdb", fixture, "--at", d); code != 0 {
			t.Fatalf("import at %s: exit %d: %s", d, code, errOut)
		}
	}
	code, out, errOut := ixpobs("snapshots", "list")
	if code != 0 || strings.Count(out, "\npeeringdb ") != 3 || !strings.Contains(out, "2022-07-01T00:00:00Z") {
		t.Fatalf("snapshots list: exit %d, %q, %q; want three peeringdb snapshots", code, out, errOut)
	}
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"snapshots", "delete", "peeringdb", "2022-07-02"}, 1, "no snapshot of peeringdb on 2022-07-02"},
		{[]string{"snapshots", "delete", "peeringdb", "July"}, 1, "DATE must be"},
		{[]string{"snapshots", "delete", "nosuch", "2022-07-01"}, 1, "no snapshot of nosuch"},
		{[]string{"snapshots", "delete", "peeringdb"}, 2, "Usage"},
		{[]string{"snapshots", "purge"}, 2, "unknown action"},
		{[]string{"snapshots", "delete", "peeringdb", "2022-07-01"}, 0, ""},
		{[]string{"snapshots", "delete", "peeringdb", "2022-07-01T00:00:00Z"}, 1, "no snapshot of peeringdb at 2022-07-01T00:00:00Z"},
	}
	for _, tc := range tests {
		code, _, errOut := ixpobs(tc.args...)
		if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("ixpobs %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.wantCode, tc.wantErr)
		}
	}
	code, out, errOut = ixpobs("snapshots", "list", "--source", "peeringdb", "--json")
	if code != 0 {
		t.Fatalf("snapshots list --json: exit %d: %s", code, errOut)
	}
	var days []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l snapshotLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("list --json line %q: %v", line, err)
		}
		days = append(days, l.At.Format("2006-01-02"))
	}
	if strings.Join(days, " ") != "2022-06-01 2022-08-01" {
		t.Errorf("snapshots after deleting 2022-07-01: %v, want 2022-06-01 2022-08-01", days)
	}
}

// TestImportFarFutureAt: --at 9999-12-31 (or 1985) is refused before
// anything is read or written.
func TestImportFarFutureAt(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	db := filepath.Join(t.TempDir(), "s.db")
	fixture := filepath.Join("..", "..", "collector", "peeringdb", "testdata", "dump")
	for _, args := range [][]string{
		{"import", "peeringdb", fixture, "--at", "9999-12-31"},
		{"import", "peeringdb", fixture, "--at", "1985-01-01"},
		{"import", "rir", filepath.Join("..", "..", "collector", "rir", "testdata", "apnic-small.txt"), "--at", "9999-12-31"},
	} {
		var out, errOut bytes.Buffer
		code := run(ctx, append(args, "--db", db), &out, &errOut, env)
		if code == 0 || !strings.Contains(errOut.String(), "--at") || !strings.Contains(errOut.String(), "refused") {
			t.Errorf("ixpobs %v: exit %d, stderr %q; want a refusal naming --at", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"snapshots", "list", "--db", db}, &out, &errOut, env); code != 0 || strings.Contains(out.String(), "peeringdb ") {
		t.Errorf("snapshots list after refusals: exit %d, %q", code, out.String())
	}
}
