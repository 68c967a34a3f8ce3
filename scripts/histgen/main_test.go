package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The trimmed real dumps committed for the correctness tests.
var testDumps = []string{
	"../../testdata/realdata/peeringdb/ixgen-2019-01-19",
	"../../testdata/realdata/peeringdb/ixgen-2020-05-05",
	"../../testdata/realdata/peeringdb/ixgen-2022-06-01",
}

// readDays returns every written file's JSON by "DAY/kind", gunzipped.
func readDays(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	days, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		entries, err := os.ReadDir(filepath.Join(out, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(out, d.Name(), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			kind, gz := strings.CutSuffix(e.Name(), ".gz")
			if gz {
				z, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if b, err = io.ReadAll(z); err != nil {
					t.Fatal(err)
				}
			}
			files[d.Name()+"/"+kind] = b
		}
	}
	return files
}

// TestPlainAndGzipSame: -gzip=false writes the same JSON as the default,
// only not compressed.
func TestPlainAndGzipSame(t *testing.T) {
	gz, plain := t.TempDir(), t.TempDir()
	if err := run(gz, "2012-01-01", "2023-06-01", 700, 1, "", 1, 2, true, true, testDumps); err != nil {
		t.Fatal(err)
	}
	if err := run(plain, "2012-01-01", "2023-06-01", 700, 1, "", 1, 2, false, true, testDumps); err != nil {
		t.Fatal(err)
	}
	a, b := readDays(t, gz), readDays(t, plain)
	if len(a) != 6*len(kinds) || len(a) != len(b) {
		t.Fatalf("%d gzip files, %d plain ones; want %d each", len(a), len(b), 6*len(kinds))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s: the plain file differs from the gunzipped one", name)
		}
	}
}

// TestDaysValid: every object of a day is valid JSON, was created by the
// end of the day and updated by then (an earliest version shown before its
// own update time says the day), and its parents are there.
func TestDaysValid(t *testing.T) {
	out := t.TempDir()
	if err := run(out, "2011-03-01", "2024-06-01", 1200, 1, "", 1, 2, true, true, testDumps); err != nil {
		t.Fatal(err)
	}
	files := readDays(t, out)
	days := map[string]bool{}
	for name := range files {
		days[filepath.Dir(name)] = true
	}
	if len(days) != 5 {
		t.Fatalf("%d days written, want 5", len(days))
	}
	spliced := 0
	for day := range days {
		d, _ := time.Parse(time.DateOnly, day)
		end := d.Add(24 * time.Hour)
		ids := map[string]map[int64]bool{}
		for _, k := range kinds {
			var body struct {
				Data []map[string]any `json:"data"`
			}
			dec := json.NewDecoder(bytes.NewReader(files[day+"/"+k+".json"]))
			dec.UseNumber()
			if err := dec.Decode(&body); err != nil {
				t.Fatalf("%s %s: %v", day, k, err)
			}
			ids[k] = map[int64]bool{}
			for _, o := range body.Data {
				id, _ := intField(o, "id")
				ids[k][id] = true
				created, _ := timeField(o, "created")
				updated, ok := timeField(o, "updated")
				if !ok || !updated.Before(end) || !created.Before(end) {
					t.Fatalf("%s %s %d: created %v, updated %v after the day", day, k, id, o["created"], o["updated"])
				}
				if o["updated"] == d.Format(time.RFC3339) {
					spliced++
				}
				for _, p := range parents[k] {
					if pid, ok := intField(o, p.field); ok && pid != 0 && !ids[p.kind][pid] {
						t.Fatalf("%s %s %d: its %s %d is not in the day", day, k, id, p.kind, pid)
					}
				}
			}
		}
	}
	if spliced == 0 {
		t.Error("no object shown before its own update time: the check of the spliced day did not run")
	}
}

// TestAheadSameDays: writing ahead of the command hands it the same days,
// in the same order, as writing one batch at a time.
func TestAheadSameDays(t *testing.T) {
	var got [2]string
	for i, ahead := range []bool{true, false} {
		log := filepath.Join(t.TempDir(), "days")
		cmd := `for d in $DAY_DIRS; do echo "$(basename "$d") $(cat "$d"/*.json.gz | cksum)"; done >> ` + log
		if err := run(t.TempDir(), "2015-01-01", "2015-01-12", 1, 1, cmd, 5, 2, true, ahead, testDumps); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = string(b)
	}
	if n := strings.Count(got[0], "\n"); n != 12 {
		t.Fatalf("the command saw %d days, want 12:\n%s", n, got[0])
	}
	if got[0] != got[1] {
		t.Errorf("ahead:\n%s\none at a time:\n%s", got[0], got[1])
	}
}
