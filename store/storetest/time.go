package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// testImplausibleTime: a snapshot dated far in the future (or before 1990)
// is refused by Publish and by ImportHistory, and nothing is written; a
// far-future snapshot would otherwise stay the "latest" for ever.
func testImplausibleTime(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	for _, at := range []time.Time{
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Unix(0xffffffff, 0).UTC(), // the largest MRT timestamp
		time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		_, err := s.Publish(ctx, full("pdb", at, exch(1, "A")))
		var te *ixp.TimeError
		if !errors.As(err, &te) || !errors.Is(err, ixp.ErrInvalid) || !strings.Contains(err.Error(), "pdb") {
			t.Errorf("Publish at %s: %v, want a TimeError naming the source", at.Format(time.DateOnly), err)
		}
	}
	if snaps, err := s.Snapshots(ctx, "pdb"); err != nil || len(snaps) != 0 {
		t.Errorf("after refused publishes: %d snapshots (%v), want none", len(snaps), err)
	}

	mustPublish(t, s, full("pdb", day(0), exch(1, "A")))
	var buf bytes.Buffer
	if err := s.ExportHistory(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m["type"] == "snapshot" {
			m["at"] = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
			line, _ = json.Marshal(m)
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	b := open(t)
	err := b.ImportHistory(ctx, &out)
	var te *ixp.TimeError
	if !errors.As(err, &te) {
		t.Fatalf("ImportHistory of a 9999 snapshot: %v, want a TimeError", err)
	}
	if srcs, err := b.Sources(ctx); err != nil || len(srcs) != 0 {
		t.Errorf("after a refused history import: sources %v (%v), want none", srcs, err)
	}
}
