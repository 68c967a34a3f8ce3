package peeringdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// BenchmarkReadDir2022 reads the real 2022-06-01 dump (144,249 objects in
// 9 files), the cost the key check and value validation add to.
func BenchmarkReadDir2022(b *testing.B) {
	dir := filepath.Join(testenv.SharedData(b), "peeringdb", "ixgen-2022-06-01")
	for b.Loop() {
		if _, err := ReadDir(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}
