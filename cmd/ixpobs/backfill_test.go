package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/backfill/archivetest"
	pdbarchive "github.com/ixpobs/ixpobs/collector/peeringdb/archivetest"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestBackfillCLI runs `ixpobs backfill peeringdb` against a loopback
// HTTPS mirror (the 2019-01-19 and 2020-05-05 real dumps, trimmed): the
// mirror is refused without --allow-private, imported with it and
// --ca-file, and a second run has nothing to do.
func TestBackfillCLI(t *testing.T) {
	a := archivetest.New(t)
	set := realdata.Trimmed(t)
	for _, d := range []string{"2019-01-19", "2020-05-05"} {
		objs, err := pdbarchive.ReadDir(set.PeeringDBDir("ixgen-" + d))
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(t.TempDir(), "d.json")
		if err := objs.WriteJSON(tmp); err != nil {
			t.Fatal(err)
		}
		a.Add(t, "pdb/"+d[:4]+"/"+d[5:7]+"/peeringdb_2_dump_"+strings.ReplaceAll(d, "-", "_")+".json", tmp)
	}
	db := filepath.Join(t.TempDir(), "bf.db")
	args := []string{"backfill", "peeringdb", "--db", db, "--since", "2018-12-01", "--until", "2020-06-01", "--every", "1mo",
		"--cache", t.TempDir(), "--archive", "peeringdb=" + a.URL + "pdb/{YYYY}/{MM}/", "--ca-file", a.CAFile}
	getenv := func(string) string { return "" }
	for _, tc := range []struct {
		extra []string
		code  int
		want  string
	}{
		{nil, 1, "is loopback: address not allowed"}, // not allow-listed
		{[]string{"--allow-private", "127.0.0.0/8"}, 0, "2 imported"},
		{[]string{"--allow-private", "127.0.0.0/8"}, 0, "2 already present, 0 imported"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(args, tc.extra...), &out, &errOut, getenv)
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Fatalf("%v: exit %d, want %d; stdout %q (want %q); stderr %s", tc.extra, code, tc.code, out.String(), tc.want, errOut.String())
		}
	}
	st, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snaps, err := st.Snapshots(context.Background(), "peeringdb")
	if err != nil || len(snaps) != 2 || !snaps[1].At.Equal(time.Date(2020, 5, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("snapshots %v, %v", snaps, err)
	}
}
