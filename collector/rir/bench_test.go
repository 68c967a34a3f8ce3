package rir

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkImportLACNIC parses a full LACNIC extended file (gzip, as
// published) and builds its records.
func BenchmarkImportLACNIC(b *testing.B) {
	path := filepath.Join(sharedRIR(b), "delegated-lacnic-extended-20240104.gz")
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Import(context.Background(), bytes.NewReader(raw), path)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Records) == 0 {
			b.Fatal("no records")
		}
	}
}
