package showbgp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/ixp"
)

// fuzzResult is what the fuzz target compares between two readings.
type fuzzResult struct {
	routes []string
	counts counts
	err    error
}

// fuzzRead reads data and checks what must hold for any input.
func fuzzRead(t *testing.T, data []byte) fuzzResult {
	r, err := NewReader(bytes.NewReader(data), "fuzz")
	if err != nil {
		var pe *ixp.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("NewReader error %v is not a ParseError", err)
		}
		return fuzzResult{err: err}
	}
	r.MaxBytes = 4 << 20 // gzip and bzip2 bombs would only waste time
	agg := bgp.NewAggregator()
	var res fuzzResult
	st, err := r.Read(context.Background(), func(rt *bgp.Route) error {
		if !rt.Prefix.IsValid() || rt.Prefix != rt.Prefix.Masked() || !rt.Peer.Addr.IsValid() || rt.PathID != 0 {
			t.Fatalf("route %s: invalid or unmasked prefix, invalid next hop or a path ID", fmtRoute(rt))
		}
		var first uint32
		for i, s := range rt.Path {
			if len(s.ASNs) == 0 {
				t.Fatalf("route %s: empty segment", fmtRoute(rt))
			}
			if i == 0 {
				first = s.ASNs[0]
			}
		}
		if rt.Peer.ASN != first {
			t.Fatalf("route %s: peer ASN is not the path's first", fmtRoute(rt))
		}
		res.routes = append(res.routes, fmtRoute(rt))
		agg.Announce(*rt)
		return nil
	})
	if int64(len(res.routes)) != st.Routes {
		t.Fatalf("Stats count %d routes, the callback saw %d", st.Routes, len(res.routes))
	}
	if (err == nil) != st.Complete {
		t.Fatalf("Read error %v with Complete %v", err, st.Complete)
	}
	if err != nil {
		var pe *ixp.ParseError
		if !errors.As(err, &pe) || pe.File != "fuzz" || pe.Source != "showbgp" {
			t.Fatalf("Read error %v is not a ParseError naming the file", err)
		}
	}
	if st.Errors+st.Skipped > st.Lines || st.Prefixes > st.Routes || st.Peers > st.Routes || (st.Errors > 0) != (st.FirstError != "") {
		t.Fatalf("inconsistent Stats %+v", st)
	}
	if sum := agg.Summary(); sum.Routes > len(res.routes) {
		t.Fatalf("Summary of %d routes from %d read", sum.Routes, len(res.routes))
	}
	res.counts, res.err = countsOf(st), err
	return res
}

// FuzzReader feeds arbitrary input to the reader: it must not panic, must
// account for every route, must say why it stopped, and must read a plain
// input the same with CRLF line ends.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"ipv4.txt", "ipv4.txt.gz", "ipv6.txt", "ipv6.txt.gz"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(genDump(3, 4, 40).text)
	f.Add(table(
		"*> 100.100.100.100/32",
		"                    198.51.100.7    4294967295 4294967295      0 64500 {1,2} (3 4) [5,6] i",
		"*  2001:db8:1234:5678::/64",
		"                    2001:db8:100::a500:6939:1",
		"*                   198.51.100.7                           0 1.10 x",
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzlimit.Check(t, func() {
			res := fuzzRead(t, data)
			if len(data) > maxLine || bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte("BZh")) {
				return
			}
			dos := fuzzRead(t, crlf(data))
			if !slices.Equal(res.routes, dos.routes) || res.counts != dos.counts || (res.err == nil) != (dos.err == nil) {
				t.Fatalf("CRLF changes the result: %d routes %+v %v, with CRLF %d routes %+v %v",
					len(res.routes), res.counts, res.err, len(dos.routes), dos.counts, dos.err)
			}
		})
	})
}
