package postgres_test

import (
	"context"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/storetest"
)

// openBench opens a new, empty store for one benchmark.
func openBench(b *testing.B) store.Store {
	st, err := postgres.Open(context.Background(), testenv.NewPostgresDatabase(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

func BenchmarkImportPeeringDB2022(b *testing.B) { storetest.BenchmarkImportPeeringDB2022(b, openBench) }

func BenchmarkPublishLongHistory(b *testing.B) { storetest.BenchmarkPublishLongHistory(b, openBench) }

func BenchmarkDerivedLong(b *testing.B) { storetest.BenchmarkDerivedLong(b, openBench) }

func BenchmarkPublishNextDay(b *testing.B) { storetest.BenchmarkPublishNextDay(b, openBench) }
