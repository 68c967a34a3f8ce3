package peeringdb_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// FuzzSyncPages runs what Collector.Collect does with the API answers of
// one sync: up to len(ixp.PeeringDBKinds) pages (the input split at NUL
// bytes, which JSON text cannot hold), page i read as the kind first+i,
// then one snapshot, full or delta (the ?since= sync).
func FuzzSyncPages(f *testing.F) {
	kinds := ixp.PeeringDBKinds
	var pages [][]byte
	for _, k := range kinds {
		if b, err := os.ReadFile(filepath.Join("testdata/dump", k.String()+".json")); err == nil {
			pages = append(pages, b)
		}
	}
	f.Add(bytes.Join(pages, []byte{0}), uint8(0), false)
	f.Add(bytes.Join(pages, []byte{0}), uint8(0), true)
	if dir := pdbPagesDir(); dir != "" {
		// One object per kind, each page at most 2 KiB: large seeds make
		// every execution and minimization slow.
		var real [][]byte
		for _, k := range kinds {
			if p := firstObjects(f, filepath.Join(dir, k.String()+"-page-1.json.gz"), 1); len(p) <= 2<<10 {
				real = append(real, p)
			} else {
				real = append(real, []byte(`{"data": [], "meta": {}}`))
			}
		}
		f.Add(bytes.Join(real, []byte{0}), uint8(0), true)
		f.Add(bytes.Join(real, []byte{0}), uint8(0), false)
	}
	f.Add([]byte(`{"data": [], "meta": {}}`), uint8(0), true)
	f.Add([]byte(`{"data": [{"id": 1, "status": "deleted", "updated": "2020-01-01T00:00:00Z"}], "meta": {}}`), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, first uint8, delta bool) {
		fuzzlimit.Check(t, func() {
			d := peeringdb.NewDump()
			for i, page := range bytes.SplitN(data, []byte{0}, len(kinds)) {
				k := kinds[(int(first)+i)%len(kinds)]
				if err := d.Read(bytes.NewReader(page), "fuzz-"+k.String(), k); err != nil {
					var pe *ixp.ParseError
					if !errors.As(err, &pe) || pe.File != "fuzz-"+k.String() {
						t.Fatalf("Read error %v is not a ParseError naming the page", err)
					}
					return
				}
			}
			at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			in, err := d.Snapshot(at, delta)
			if err != nil {
				if !errors.Is(err, ixp.ErrInvalid) {
					t.Fatalf("Snapshot error %v", err)
				}
				return
			}
			if in.Delta != delta {
				t.Fatalf("snapshot Delta %v, want %v", in.Delta, delta)
			}
			for _, r := range in.Records {
				if !json.Valid(r.Data) {
					t.Fatalf("record %v %d has invalid JSON %q", r.Kind, r.ID, r.Data)
				}
			}
		})
	})
}

// pdbPagesDir is the shared directory of real PeeringDB API pages, or ""
// when absent.
func pdbPagesDir() string {
	dir := filepath.Join("..", "..", "..", "shared", "data", "peeringdb", "pdbplus-beta-2026-04-16-first500")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// firstObjects returns an API page of the first n objects of a gzipped
// PeeringDB API page, or nil when it cannot be read.
func firstObjects(tb testing.TB, path string, n int) []byte {
	zr, err := zstream.OpenFile(path, zstream.Options{MaxBytes: 16 << 20})
	if err != nil {
		return nil
	}
	defer zr.Close()
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil
	}
	var page struct {
		Data []json.RawMessage `json:"data"`
		Meta json.RawMessage   `json:"meta"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		tb.Logf("seed %s: %v", path, err)
		return nil
	}
	page.Data = page.Data[:min(n, len(page.Data))]
	out, err := json.Marshal(page)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
