package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
	"github.com/ixpobs/ixpobs/store/storetest"
)

// openBench opens a new, empty store for one benchmark.
func openBench(b *testing.B) store.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

func BenchmarkImportPeeringDB2022(b *testing.B) { storetest.BenchmarkImportPeeringDB2022(b, openBench) }

func BenchmarkPublishLongHistory(b *testing.B) { storetest.BenchmarkPublishLongHistory(b, openBench) }

func BenchmarkDerivedLong(b *testing.B) { storetest.BenchmarkDerivedLong(b, openBench) }

func BenchmarkPublishNextDay(b *testing.B) { storetest.BenchmarkPublishNextDay(b, openBench) }
