package showbgp

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/internal/testdiff"
)

// TestSummarize reads the IPv4 and IPv6 fixtures as one snapshot: in one
// pass, and in two when the same table comes twice (a prefix comes back);
// both Summaries must be an Aggregator's of the routes.
func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name       string
		files      []string
		wantPasses int
	}{
		{"IPv4 and IPv6 tables", []string{"ipv4.txt.gz", "ipv6.txt"}, 1},
		{"the IPv4 table twice", []string{"ipv4.txt", "ipv4.txt.gz"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			open := func(i int) (*Reader, error) { return Open(filepath.Join("testdata", tc.files[i])) }
			got, err := Summarize(ctx, len(tc.files), open, nil)
			if err != nil {
				t.Fatal(err)
			}
			agg := bgp.NewAggregator()
			var routes, lines int64
			for i := range tc.files {
				r, _ := open(i)
				st, err := r.Read(ctx, func(rt *bgp.Route) error { agg.Announce(*rt); return nil })
				r.Close()
				if err != nil {
					t.Fatal(err)
				}
				routes, lines = routes+st.Routes, lines+st.Lines
			}
			if got.Passes != tc.wantPasses {
				t.Errorf("%d passes, want %d", got.Passes, tc.wantPasses)
			}
			if d := testdiff.Diff(agg.Summary(), got.Summary); d != "" {
				t.Errorf("Summary differs from the Aggregator's (-want +got):\n%s", d)
			}
			if got.Stats.Routes != routes || got.Stats.Lines != lines || !got.Stats.Complete || got.Stats.File != filepath.Join("testdata", tc.files[0]) {
				t.Errorf("Stats = %+v, want %d routes, %d lines, complete, file of the first input", got.Stats, routes, lines)
			}
		})
	}
}

// TestSummarizeTruncated checks that a cut input fails the whole
// snapshot.
func TestSummarizeTruncated(t *testing.T) {
	gz, err := os.ReadFile(filepath.Join("testdata", "ipv4.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	open := func(i int) (*Reader, error) { return NewReader(bytes.NewReader(gz[:len(gz)/2]), "cut.gz") }
	res, err := Summarize(context.Background(), 1, open, nil)
	if err == nil || res.Stats.Complete {
		t.Errorf("a cut input: err %v, stats %+v; want an error and not complete", err, res.Stats)
	}
}
