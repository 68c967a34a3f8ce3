package peeringdb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/ixp"
)

// TestFarFutureUpdated: one object "updated" in 9999 would date the whole
// snapshot in 9999 (the permanent "latest"); the dump is refused instead,
// naming the files, unless --at gives a plausible date.
func TestFarFutureUpdated(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"org", "ix", "ixlan", "ixpfx", "net", "netixlan"} {
		b, err := os.ReadFile(filepath.Join("testdata/dump", f+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if f == "ix" {
			b = regexp.MustCompile(`"updated": *"[^"]*"`).ReplaceAll(b, []byte(`"updated": "9999-12-31T23:59:59Z"`))
		}
		if err := os.WriteFile(filepath.Join(dir, f+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err := peeringdb.ReadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Snapshot(time.Time{}, false)
	var te *ixp.TimeError
	if !errors.As(err, &te) || !te.Future || !errors.Is(err, ixp.ErrInvalid) || !strings.Contains(err.Error(), "ix.json") {
		t.Fatalf("Snapshot = %v, want a future TimeError naming ix.json", err)
	}
	if _, err := d.Snapshot(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false); !errors.As(err, &te) {
		t.Errorf("Snapshot(9999-12-31) = %v, want a TimeError", err)
	}
	in, err := d.Snapshot(time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), false)
	if err != nil || in.At.Format(time.DateOnly) != "2022-06-01" {
		t.Errorf("Snapshot(2022-06-01) = %v, %v; want the given date", in.At, err)
	}
}
