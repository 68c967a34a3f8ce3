package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestImportPeeringDBSeveralDumps: importing several dumps with one
// command (read ahead while the previous one is published, each compared
// with the state the previous publication left in memory) stores exactly
// what importing them one command at a time stores: the same snapshots,
// versions, exchange indicators and country and area figures.
func TestImportPeeringDBSeveralDumps(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	ixpobs := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut, env)
		return code, out.String(), errOut.String()
	}
	real := filepath.Join("..", "..", "testdata", "realdata", "peeringdb")
	dir := t.TempDir()
	var dumps []string
	for _, d := range []string{"2022-06-01", "2019-01-19", "2020-05-05"} { // not in date order
		dumps = append(dumps, filepath.Join(real, "ixgen-"+d))
	}
	one := filepath.Join(dir, "one.db")
	for _, d := range []string{"2019-01-19", "2020-05-05", "2022-06-01"} {
		if code, _, errOut := ixpobs("import", "peeringdb", filepath.Join(real, "ixgen-"+d), "--at", d, "--db", one); code != 0 {
			t.Fatalf("import %s: exit %d: %s", d, code, errOut)
		}
	}
	all := filepath.Join(dir, "all.db")
	code, out, errOut := ixpobs(append([]string{"import", "peeringdb", "--date-from-name", "--db", all}, dumps...)...)
	if code != 0 {
		t.Fatalf("import of three dumps: exit %d: %s", code, errOut)
	}
	var dates []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[0] == "peeringdb" {
			dates = append(dates, f[2])
		}
	}
	if got := strings.Join(dates, " "); got != "2019-01-19 2020-05-05 2022-06-01" {
		t.Fatalf("snapshots published %q, want the three, oldest first; output:\n%s", got, out)
	}
	if a, b := storeDump(t, one), storeDump(t, all); a != b {
		t.Errorf("one command per dump and one command for all differ:\n%s\n---\n%s", a, b)
	}
}

// storeDump is the content of a SQLite store that does not depend on when
// it was written: snapshots, versions, indicators and derived figures.
func storeDump(t *testing.T, path string) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.SQL()
	var b strings.Builder
	for _, q := range []string{
		`SELECT at, kinds, delta, counts, digest, notes FROM snapshots ORDER BY at`,
		`SELECT kind, obj_id, valid_from, valid_to, hash, ix_id, asn, length(data) FROM versions ORDER BY 1, 2, 3`,
		`SELECT s.at, e.ix_id, e.members, e.connections, e.capacity, e.ipv6_members, e.rs_members, e.rs_unknown
			FROM exchange_stats e JOIN snapshots s ON s.id = e.snapshot_id ORDER BY 1, 2`,
		`SELECT area, state_key, stats FROM derived_stats ORDER BY 1, 2`,
	} {
		b.WriteString(queryText(t, db, q))
	}
	return b.String()
}

func queryText(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, vals...)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no rows: %s", q)
	}
	return b.String()
}

// TestImportPeeringDBSeveralOneFails: a dump that cannot be read among
// several fails alone (a failed run naming it, exit status 1); the others
// are published.
func TestImportPeeringDBSeveralOneFails(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "realdata", "peeringdb")
	dir := t.TempDir()
	broken := filepath.Join(dir, "2021-01-01")
	if err := os.Mkdir(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "netixlan.json"), []byte(`{"data": [{"id": 1, "asn": `), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "s.db")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"import", "peeringdb", "--date-from-name", "--db", db,
		filepath.Join(real, "ixgen-2020-05-05"), broken, filepath.Join(real, "ixgen-2022-06-01")}, &out, &errOut, func(string) string { return "" })
	if code == 0 || !strings.Contains(errOut.String(), "1 of 3 dumps not imported: "+broken) {
		t.Fatalf("exit %d, stderr %q; want a failure naming %s", code, errOut.String(), broken)
	}
	st, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snaps, err := st.Snapshots(context.Background(), "peeringdb")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].At.Format(time.DateOnly) != "2020-05-05" || snaps[1].At.Format(time.DateOnly) != "2022-06-01" {
		t.Errorf("snapshots %v, want 2020-05-05 and 2022-06-01", snaps)
	}
	runs, err := st.Runs(context.Background(), "peeringdb", 10)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range runs {
		if !r.OK {
			failed++
			if !strings.Contains(r.Error, "netixlan.json") {
				t.Errorf("failed run's error %q does not name the file", r.Error)
			}
		}
	}
	if len(runs) != 3 || failed != 1 {
		t.Errorf("runs %+v, want 3 with one failed", runs)
	}
}

func TestImportPeeringDBDateFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"a", "b", "--at", "2022-06-01"}, "--at dates a single dump (2 given)"},
		{[]string{"a", "--at", "2022-06-01", "--date-from-name"}, "--at and --date-from-name exclude each other"},
		{[]string{"dump-without-date", "--date-from-name"}, "dump-without-date: no date"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"import", "peeringdb", "--db", filepath.Join(t.TempDir(), "x.db")}, tc.args...), &out, &errOut, func(string) string { return "" })
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

func TestDateInName(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/data/2022-06-01", "2022-06-01"},
		{"/data/2022-06-01/", "2022-06-01"},
		{"peeringdb_2_dump_2022_06_01.json.gz", "2022-06-01"},
		{"peeringdb_dump_2016_03_01.sqlite", "2016-03-01"},
		{"/x/20100801-dump", "2010-08-01"},
		{"/2019-01-19/ixgen-2022-06-01", "2022-06-01"}, // the base name's, the last one
		{"/x/nodate", ""},
		{"/x/2022-13-01", ""},
	} {
		got, err := dateInName(tc.path)
		if tc.want == "" {
			if err == nil {
				t.Errorf("dateInName(%q) = %s, want an error", tc.path, got)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("dateInName(%q) = %s, %v; want %s", tc.path, got, err, tc.want)
		}
	}
}
