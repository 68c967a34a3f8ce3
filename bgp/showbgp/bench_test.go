package showbgp

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp"
)

// BenchmarkRead reads a generated dump of 20 peers and 50,000 prefixes,
// plain and gzip'ed, and reports routes per second.
func BenchmarkRead(b *testing.B) {
	d := genDump(1, 20, 50000)
	for _, v := range []struct {
		name  string
		input []byte
	}{
		{"plain", d.text},
		{"gzip", gzipBytes(d.text)},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(d.text)))
			b.ReportAllocs()
			var routes int64
			start := time.Now()
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(v.input), "bench")
				if err != nil {
					b.Fatal(err)
				}
				st, err := r.Read(context.Background(), func(*bgp.Route) error { return nil })
				if err != nil || st.Routes != int64(len(d.routes)) {
					b.Fatalf("Read = %+v, %v", st, err)
				}
				routes += st.Routes
			}
			b.ReportMetric(float64(routes)/time.Since(start).Seconds(), "routes/s")
		})
	}
}
