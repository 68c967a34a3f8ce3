package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImportFIFO and TestImportDevZero: every importer given a FIFO (no
// writer: open(2) would block forever) or /dev/zero (never ends) refuses it
// at once with "not a regular file", and the store stays empty.
func TestImportFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "input.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	testNonRegular(t, dir, fifo)
}

func TestImportDevZero(t *testing.T) {
	testNonRegular(t, t.TempDir(), "/dev/zero")
}

func testNonRegular(t *testing.T, dir, input string) {
	env := func(string) string { return "" }
	for _, kind := range []string{"rir", "peeringdb", "ixf", "history", "mrt"} {
		t.Run(kind, func(t *testing.T) {
			db := filepath.Join(dir, kind+".db")
			args := []string{"import", kind, input, "--db", db}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			start := time.Now()
			code := run(ctx, args, &out, &errOut, env)
			took := time.Since(start)
			if code == 0 || !strings.Contains(errOut.String(), "not a regular file") {
				t.Errorf("ixpobs %v: exit %d after %v: %s", args, code, took, errOut.String())
			}
			if took > 5*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}
