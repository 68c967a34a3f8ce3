package peeringdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

const oneIX = `{"id": 1, "org_id": 1, "name": "X", "city": "c", "country": "BR", "status": "ok", "updated": "2024-01-01T00:00:00Z"}`

func gzipOf(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestDumpWhitespaceLinear: 64 MiB of blanks between two array elements
// (43.8 s before, quadratic in encoding/json) reads in seconds, and the
// error offset past such a run is the file's, not the shortened stream's.
func TestDumpWhitespaceLinear(t *testing.T) {
	blank := strings.Repeat(" ", 64<<20)
	in := `{"data": [` + oneIX + "," + blank + strings.Replace(oneIX, `"id": 1`, `"id": 2`, 1) + `]}`
	start := time.Now()
	d := NewDump()
	if err := d.Read(strings.NewReader(in), "ix.json", ixp.KindExchange); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v", took)
	} else {
		t.Logf("64 MiB of blanks: %v (loaded 2-CPU machine)", took)
	}
	bad := `{"data": [` + oneIX + "," + blank + `x]}`
	err := NewDump().Read(strings.NewReader(bad), "ix.json", ixp.KindExchange)
	var pe *ixp.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	// The error names the element (record 1) and where it starts: right
	// at the comma before it, before the blanks.
	if want := int64(len(`{"data": [` + oneIX)); pe.Record != 1 || pe.Offset != want {
		t.Errorf("record %d offset %d, want record 1 offset %d", pe.Record, pe.Offset, want)
	}
}

// TestDumpGzipBomb: a 64 MiB name in a small gzip stops at the cap.
func TestDumpGzipBomb(t *testing.T) {
	in := `{"data": [{"id": 1, "name": "` + strings.Repeat("a", 64<<20) + `"}]}`
	bomb := gzipOf(t, []byte(in))
	d := NewDump()
	d.MaxBytes = 8 << 20
	err := d.Read(bytes.NewReader(bomb), "ix.json.gz", ixp.KindExchange)
	if !errors.Is(err, ixp.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	t.Logf("%d-byte gzip: %v", len(bomb), err)
}

func TestDumpFIFOAndDevZero(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ix.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		start := time.Now()
		_, err := ReadFile(context.Background(), p)
		if !errors.Is(err, zstream.ErrNotRegular) || time.Since(start) > time.Second {
			t.Errorf("%s: err = %v after %v", p, err, time.Since(start))
		}
	}
	start := time.Now()
	if _, err := ReadDir(context.Background(), dir); !errors.Is(err, zstream.ErrNotRegular) || time.Since(start) > time.Second {
		t.Errorf("dir with FIFO: err = %v", err)
	}
}

// TestDumpCancel: a cancelled context stops the read of a large file.
func TestDumpCancel(t *testing.T) {
	dir := t.TempDir()
	in := `{"data": [` + oneIX + "," + strings.Repeat(" ", 32<<20) + `]}`
	if err := os.WriteFile(filepath.Join(dir, "ix.json"), []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := ReadDir(ctx, dir)
	if took := time.Since(start); took > time.Second+20*time.Millisecond {
		t.Errorf("stopped after %v", took)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
