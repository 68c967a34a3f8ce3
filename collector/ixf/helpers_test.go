package ixf

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

// sharedData returns <repo root>/../shared/data, skipping the test when it
// is absent.
func sharedData(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("skipping: no go.mod above the package directory")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(data, "ixf")); err != nil {
		tb.Skipf("skipping: real data not found at %s (copy shared/ beside the repository)", data)
	}
	return data
}

// readShared reads a file under the shared data directory.
func readShared(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(sharedData(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// pdbRows reads the "data" rows of a gzipped PeeringDB API dump.
func pdbRows[T any](tb testing.TB, rel string) []T {
	tb.Helper()
	f, err := os.Open(filepath.Join(sharedData(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Data []T `json:"data"`
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	return doc.Data
}

// loadPeeringDB loads exchanges and their prefixes (IXID resolved through
// the ixlans) from a PeeringDB dump directory of the shared data.
func loadPeeringDB(tb testing.TB, dir string) ([]ixp.Exchange, []ixp.ExchangePrefix) {
	tb.Helper()
	exchanges := pdbRows[ixp.Exchange](tb, filepath.Join("peeringdb", dir, "ix.json.gz"))
	lans := pdbRows[ixp.ExchangeLAN](tb, filepath.Join("peeringdb", dir, "ixlan.json.gz"))
	prefixes := pdbRows[ixp.ExchangePrefix](tb, filepath.Join("peeringdb", dir, "ixpfx.json.gz"))
	lanIX := make(map[int64]int64, len(lans))
	for _, l := range lans {
		lanIX[l.ID] = l.IXID
	}
	for i := range prefixes {
		prefixes[i].IXID = lanIX[prefixes[i].LANID]
	}
	return exchanges, prefixes
}
