package rir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// asnLines returns a delegated file declaring declared records, with n asn
// lines of size ASNs each (distinct ranges).
func asnLines(declared uint64, n int, size uint64) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "2.3|lacnic|20240104|%d|19870101|20240103|-0300\n", declared)
	fmt.Fprintf(&b, "lacnic|*|asn|*|%d|summary\n", n)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "lacnic|BR|asn|%d|%d|20240101|allocated|x%d\n", 100000+uint64(i)*size, size, i)
	}
	return []byte(b.String())
}

func heapAfter(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestRIRDeclaredCount: a version line declaring 4,000,000,000 (or
// MaxInt64) records used to be a slice capacity and killed the process
// with a fatal out-of-memory; now the declared count only says when the
// records end, and a file shorter than declared is truncated.
func TestRIRDeclaredCount(t *testing.T) {
	for _, declared := range []uint64{4_000_000_000, 9223372036854775807} {
		t.Run(fmt.Sprint(declared), func(t *testing.T) {
			var err error
			alloc := heapAfter(func() { _, err = Import(context.Background(), bytes.NewReader(asnLines(declared, 2, 1)), "big-count") })
			if !errors.Is(err, ixp.ErrTruncated) {
				t.Fatalf("err = %v, want truncated", err)
			}
			if alloc > 8<<20 {
				t.Errorf("allocated %d bytes for a 2-record file", alloc)
			}
		})
	}
}

// TestRIRRecordCap: 32 lines of 65,536-ASN ranges (1.6 KB) used to publish
// 2,097,152 records (2.14 GB peak); the record cap refuses them.
func TestRIRRecordCap(t *testing.T) {
	in := asnLines(32, 32, MaxASNRange)
	start := time.Now()
	_, err := Import(context.Background(), bytes.NewReader(in), "ranges")
	if !errors.Is(err, ixp.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	var pe *ixp.ParseError
	if !errors.As(err, &pe) || pe.File != "ranges" || !strings.Contains(err.Error(), "line 18") {
		t.Errorf("err = %v: want a ParseError naming the file and line 18", err)
	}
	t.Logf("refused in %v: %v", time.Since(start), err)
	// A smaller cap through ImportLimits.
	_, err = ImportLimits(context.Background(), bytes.NewReader(asnLines(3, 3, 10)), "small", Limits{MaxRecords: 25})
	if !errors.Is(err, ixp.ErrTooLarge) {
		t.Fatalf("MaxRecords 25, 30 ASNs: err = %v", err)
	}
	res, err := ImportLimits(context.Background(), bytes.NewReader(asnLines(3, 3, 10)), "small", Limits{MaxRecords: 30})
	if err != nil || len(res.Records) != 30 {
		t.Fatalf("MaxRecords 30, 30 ASNs: err = %v", err)
	}
}

// TestRIRGzipBomb: 64 MiB of blank lines in a 64 KiB gzip stops at the
// byte cap.
func TestRIRGzipBomb(t *testing.T) {
	head := "2|lacnic|20240104|1|19870101|20240103|-0300\n"
	body := append([]byte(head), bytes.Repeat([]byte("\n"), 64<<20)...)
	bomb := gz(t, body)
	_, err := ImportLimits(context.Background(), bytes.NewReader(bomb), "bomb.gz", Limits{MaxBytes: 8 << 20})
	if !errors.Is(err, ixp.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

// TestRIRNewlineBomb: with the default caps, a file of empty lines stops
// at maxIdleLines (a 1 MB gzip of newlines would otherwise be read to the
// 512 MiB byte cap, one empty line at a time: about 10 s).
func TestRIRNewlineBomb(t *testing.T) {
	head := "2|lacnic|20240104|1|19870101|20240103|-0300\n"
	body := append([]byte(head), bytes.Repeat([]byte("\n"), maxIdleLines+10)...)
	start := time.Now()
	_, err := Import(context.Background(), bytes.NewReader(gz(t, body)), "newlines.gz")
	if !errors.Is(err, ixp.ErrTooLarge) || !strings.Contains(err.Error(), "blank or comment lines") {
		t.Fatalf("err = %v, want ErrTooLarge for the blank lines", err)
	}
	t.Logf("refused in %v: %v", time.Since(start), err)
}

// TestRIRFIFO and TestRIRDevZero: non-regular inputs are refused at once.
func TestRIRFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "delegated.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := ImportFile(context.Background(), fifo)
	if !errors.Is(err, zstream.ErrNotRegular) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v, want ErrNotRegular at once", err, time.Since(start))
	}
}

func TestRIRDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := ImportFile(context.Background(), "/dev/zero")
	if !errors.Is(err, zstream.ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
}

// TestRIRCancel: a cancelled context stops the import.
func TestRIRCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Import(ctx, bytes.NewReader(asnLines(2, 2, 1)), "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
