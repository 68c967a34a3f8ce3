package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// testHistoryValues: ImportHistory validates every field it reads. Each
// case changes one field of one line of a good export; the import must
// fail with a ParseError naming that line (wrapping ErrInvalid or a
// TimeError) and leave the store empty. The unchanged export imports.
func testHistoryValues(t *testing.T, open Opener) {
	ctx := context.Background()
	src := open(t)
	mustPublish(t, src, full("pdb", day(0), exch(1, "A"), conn(10, 1, 64500, 10000, true, false)))
	mustPublish(t, src, full("pdb", day(1), exch(1, "B"), conn(10, 1, 64500, 10000, true, false)))
	if err := src.RecordRun(ctx, store.Run{Source: "pdb", Started: day(1), Finished: day(1).Add(time.Minute), OK: true}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.ExportHistory(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))

	// edit returns the export with the first line of type typ changed by
	// fn (on its decoded map), or with raw replacing it when fn is nil.
	edit := func(typ string, fn func(m map[string]any), raw string) ([]byte, int) {
		var out bytes.Buffer
		at := -1
		for i, line := range lines {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			if at < 0 && m["type"] == typ {
				at = i
				if fn != nil {
					fn(m)
					line, _ = json.Marshal(m)
				} else {
					line = []byte(raw)
				}
			}
			out.Write(line)
			out.WriteByte('\n')
		}
		if at < 0 {
			t.Fatalf("the export has no %s line", typ)
		}
		return out.Bytes(), at
	}
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	for _, tc := range []struct {
		name, typ string
		fn        func(map[string]any)
		raw       string // whole line, when fn is nil
	}{
		{"snapshot at int64 max", "snapshot", set("at", int64(math.MaxInt64)), ""},
		{"snapshot at int64 min", "snapshot", set("at", int64(math.MinInt64)), ""},
		{"snapshot of no kind", "snapshot", set("kinds", ""), ""},
		{"snapshot of unknown kind", "snapshot", set("kinds", "3,999"), ""},
		{"snapshot counts a string", "snapshot", set("counts", "x"), ""},
		{"snapshot notes an object", "snapshot", set("notes", map[string]any{}), ""},
		{"snapshot id negative", "snapshot", set("id", -1), ""},
		{"snapshot created in the future", "snapshot", set("created", int64(math.MaxInt64)), ""},
		{"version from after to", "version", func(m map[string]any) { m["to"] = m["from"].(float64) - 86400 }, ""},
		{"version empty interval", "version", func(m map[string]any) { m["to"] = m["from"] }, ""},
		{"version from int64 min", "version", set("from", int64(math.MinInt64)), ""},
		{"version unknown kind", "version", set("kind", 999), ""},
		{"version string data", "version", set("data", "not an object"), ""},
		{"version array data", "version", set("data", []int{1}), ""},
		{"version asn over 32 bits", "version", set("asn", int64(1)<<32), ""},
		{"version negative id", "version", set("id", -5), ""},
		{"stats negative capacity", "stats", set("capacity", -10), ""},
		{"stats capacity past 10 Tbps a port", "stats", func(m map[string]any) { m["connections"], m["members"], m["capacity"] = 1, 1, int64(1)<<62 }, ""},
		{"stats more IPv6 members than members", "stats", func(m map[string]any) { m["ipv6_members"] = 5 }, ""},
		{"run finished before started", "run", func(m map[string]any) { m["finished"] = m["started"].(float64) - 1000 }, ""},
		{"run negative start", "run", func(m map[string]any) { m["started"] = -1 }, ""},
		{"duplicate key", "version", nil, strings.Replace(string(lineOf(t, lines, "version")), `"kind":`, `"kind":9,"kind":`, 1)},
		{"case-variant key", "version", nil, strings.Replace(string(lineOf(t, lines, "version")), `"kind":`, `"KIND":9,"kind":`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, at := edit(tc.typ, tc.fn, tc.raw)
			dst := open(t)
			err := dst.ImportHistory(ctx, bytes.NewReader(data))
			var pe *ixp.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ixp.ErrInvalid) {
				t.Fatalf("ImportHistory = %v, want a ParseError wrapping ErrInvalid", err)
			}
			if pe.Record != int64(at) {
				t.Errorf("error names line %d, want %d: %v", pe.Record, at, err)
			}
			if srcs, err := dst.Sources(ctx); err != nil || len(srcs) != 0 {
				t.Errorf("after a refused import: sources %v (%v), want none", srcs, err)
			}
		})
	}
	t.Run("unchanged", func(t *testing.T) {
		if err := open(t).ImportHistory(ctx, bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatalf("the export itself: %v", err)
		}
	})
}

func lineOf(t *testing.T, lines [][]byte, typ string) []byte {
	for _, l := range lines {
		if bytes.Contains(l, []byte(`"type":"`+typ+`"`)) {
			return l
		}
	}
	t.Fatalf("no %s line", typ)
	return nil
}
