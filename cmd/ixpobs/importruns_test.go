package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestFailedImportsRecordRuns: every importer leaves a failed run record
// of its source, with the error naming the input, whatever failed — the
// file missing, unreadable as its format, or refused by the store.
func TestFailedImportsRecordRuns(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	brokenDump := filepath.Dir(write("broken/netixlan.json", `{"data": [{"id": 1, "asn": `))
	tests := []struct {
		name       string
		args       []string
		source     string // the run's source
		errMention string // what the run's error names
	}{
		{"peeringdb path missing", []string{"import", "peeringdb", filepath.Join(dir, "nowhere")}, "peeringdb", "nowhere"},
		{"peeringdb dump broken", []string{"import", "peeringdb", brokenDump}, "peeringdb", "netixlan.json"},
		{"rir file broken", []string{"import", "rir", write("delegated-lacnic-extended-20200101", "2|lacnic|20200101|9|")}, "rir", "delegated-lacnic-extended-20200101"},
		{"ixf export broken", []string{"import", "ixf", "--name", "bad", write("bad.json", `{"version": "1.0", "member_list": [`)}, "ixf:bad", "bad.json"},
		{"mrt file broken", []string{"import", "mrt", "--collector", "rrc99", write("bview.20200101.0000", "not MRT at all, not MRT at all")}, "bgp:rrc99", "bview.20200101.0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "runs.db")
			var out, errOut bytes.Buffer
			if code := run(context.Background(), append(tt.args, "--db", db), &out, &errOut, func(string) string { return "" }); code == 0 {
				t.Fatalf("exit 0 for a failed import: %s", out.String())
			}
			st, err := sqlite.Open(context.Background(), db, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			runs, err := st.Runs(context.Background(), "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || runs[0].Source != tt.source || runs[0].OK || runs[0].ErrorKind == "" || !strings.Contains(runs[0].Error, tt.errMention) {
				t.Fatalf("runs = %+v; want one failed run of %s whose error names %q (stderr %q)", runs, tt.source, tt.errMention, errOut.String())
			}
		})
	}
}
