package ixf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// sharedData returns <repo root>/../shared/data, skipping the test when it
// is absent.
func sharedData(tb testing.TB) string {
	tb.Helper()
	return testenv.SharedData(tb)
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
	zr, err := zstream.OpenFile(filepath.Join(sharedData(tb), rel), zstream.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
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
