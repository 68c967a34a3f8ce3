package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestImportProgressLogged: `ixpobs import peeringdb` and `import rir`
// count the bytes they read as MRT imports do, and log each phase with
// the byte count: every byte of the input is counted (the real trimmed
// dumps, a directory of gzip files and a gzip RIR file).
func TestImportProgressLogged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	pdbDir := filepath.Join("..", "..", "testdata", "realdata", "peeringdb", "ixgen-2022-06-01")
	rirFile := filepath.Join("..", "..", "testdata", "realdata", "rir", "delegated-lacnic-extended-20220331.gz")
	for _, tc := range []struct {
		args []string
		msg  string
		size int64
	}{
		{[]string{"import", "peeringdb", pdbDir, "--at", "2022-06-01"}, "peeringdb dump read", dirSize(pdbDir)},
		{[]string{"import", "rir", rirFile}, "rir file read", fileSize(t, rirFile)},
	} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{}, tc.args...), "--db", db, "--log-format", "json")
		if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, stderr.String())
		}
		found := false
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != tc.msg {
				continue
			}
			found = true
			if b, _ := rec["bytes"].(float64); int64(b) != tc.size || tc.size == 0 {
				t.Errorf("%v: logged %v bytes read, the input has %d", tc.args, rec["bytes"], tc.size)
			}
		}
		if !found {
			t.Errorf("%v: no %q log line in\n%s", tc.args, tc.msg, stderr.String())
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestProgressLines: while an import reads, a log line per interval gives
// the percent read, the rate and the time left (MiB/s for PeeringDB and
// RIR files, which count bytes; records/s for MRT).
func TestProgressLines(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	var read atomic.Int64
	stop := startProgressEvery(io.Discard, "peeringdb", "dump.json", 1000, &read, nil, log, 20*time.Millisecond)
	for i := 0; i < 10; i++ {
		read.Add(50)
		time.Sleep(15 * time.Millisecond)
	}
	stop()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		lines = append(lines, rec)
	}
	if len(lines) < 2 {
		t.Fatalf("%d progress lines in 150ms at a 20ms interval:\n%s", len(lines), logs.String())
	}
	last := lines[len(lines)-1]
	if last["msg"] != "peeringdb import progress" || last["file"] != "dump.json" || last["mib_per_second"] == nil || last["left"] == "?" {
		t.Errorf("progress line %v", last)
	}
	if p, err := strconv.ParseFloat(last["percent"].(string), 64); err != nil || p <= 0 || p > 50 {
		t.Errorf("percent %v (%v) after at most 500 of 1000 bytes", last["percent"], err)
	}
}
