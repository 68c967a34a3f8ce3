package mrt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt/mrtgen"
	"github.com/ixpobs/ixpobs/internal/testdiff"
)

// TestSummarizeMatchesAggregate reads every shared MRT file, a committed
// synthetic RIB and a generated one both ways: Summarize (one pass through
// a bgp.RIB for RIB dumps) must give the Summary and the Stats that
// Aggregate into a bgp.Aggregator gives, and must say which way it went.
func TestSummarizeMatchesAggregate(t *testing.T) {
	gen := filepath.Join(t.TempDir(), "gen.mrt.gz")
	f, err := os.Create(gen)
	if err != nil {
		t.Fatal(err)
	}
	if err := mrtgen.Write(f, mrtgen.Options{Entries: 60000, Prefixes: 4000, Peers: 21, Seed: 9, Gzip: true}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	files := []string{gen, filepath.Join("testdata", "mrtgen-500.mrt.bz2")}
	if root, shared := sharedFilesIfAny(t); root != "" {
		for _, rel := range shared {
			files = append(files, filepath.Join(root, rel))
		}
	}
	ribs := 0
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ctx := context.Background()
			passes := 0
			res, gotErr := Summarize(ctx, func() (*Reader, error) { passes++; return Open(path) }, nil)
			got, gotSt := res.Summary, res.Stats
			if res.Passes != passes {
				t.Errorf("Summarize says %d passes, opened the file %d times", res.Passes, passes)
			}
			agg := bgp.NewAggregator()
			wantSt, wantErr := Aggregate(ctx, path, agg)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("Summarize err %v, Aggregate err %v", gotErr, wantErr)
			}
			if gotErr != nil {
				return // both refuse the file (truncated or corrupt): no summary to compare
			}
			if passes == 1 {
				ribs++
			}
			if d := testdiff.Diff(agg.Summary(), got); d != "" {
				t.Errorf("Summarize (%d passes) differs from Aggregate (-Aggregate +Summarize):\n%s", passes, d)
			}
			if gotSt != wantSt {
				t.Errorf("Stats:\n got %+v\nwant %+v", gotSt, wantSt)
			}
		})
	}
	if ribs < 2 {
		t.Errorf("only %d files read in one pass: the RIB path is not tested", ribs)
	}
}

// sharedFilesIfAny is sharedFiles without the skip.
func sharedFilesIfAny(t *testing.T) (string, []string) {
	var root string
	var files []string
	t.Run("shared", func(t *testing.T) { root, files = sharedFiles(t) })
	return root, files
}

// TestSummarizeOpenError checks that an input that cannot be opened is an
// error of Summarize.
func TestSummarizeOpenError(t *testing.T) {
	want := errors.New("no such input")
	if _, err := Summarize(context.Background(), func() (*Reader, error) { return nil, want }, nil); !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
	}
}
