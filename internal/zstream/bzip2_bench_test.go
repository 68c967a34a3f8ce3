package zstream_test

import (
	"compress/bzip2"
	"io"
	"os"
	"testing"

	"github.com/ixpobs/ixpobs/internal/zstream"
)

// BenchmarkBzip2File decodes the .bz2 file named by IXPOBS_BZ2_BENCH with
// compress/bzip2 (one core) and with Open (blocks decoded in parallel):
// scripts/bench-bzip2.sh runs it next to bzip2 -dc and pbzip2 -dc.
func BenchmarkBzip2File(b *testing.B) {
	path := os.Getenv("IXPOBS_BZ2_BENCH")
	if path == "" {
		b.Skip("IXPOBS_BZ2_BENCH names no .bz2 file (scripts/bench-bzip2.sh sets it)")
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	decode := map[string]func(f *os.File) (int64, error){
		"stdlib": func(f *os.File) (int64, error) { return io.Copy(io.Discard, bzip2.NewReader(f)) },
		"zstream": func(f *os.File) (int64, error) {
			r, _, err := zstream.Open(f, path)
			if err != nil {
				return 0, err
			}
			defer r.Close()
			return io.Copy(io.Discard, r)
		},
	}
	for _, name := range []string{"stdlib", "zstream"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(info.Size())
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				n, err := decode[name](f)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/1e6, "MB_out")
			}
		})
	}
}
