package rir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/ixp"
)

func FuzzImport(f *testing.F) {
	for _, name := range []string{"lacnic-small.txt", "iana-small.txt", "apnic-small.txt"} {
		b := mustRead(f, name)
		f.Add(b)
		f.Add(gz(f, b))
	}
	f.Add([]byte(goodHeader + "lacnic|BR|asn|28598|3|20200101|assigned|1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzlimit.Check(t, func() {
			res, err := Import(context.Background(), bytes.NewReader(in), "fuzz")
			if err != nil {
				var pe *ixp.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("got error %T %v, want *ixp.ParseError", err, err)
				}
				return
			}
			if got := res.Report.Records(); got != res.Header.Records {
				t.Fatalf("got %d records read, header declares %d", got, res.Header.Records)
			}
			seen := map[ixp.Kind]map[int64]bool{}
			var asns int
			for _, r := range res.Records {
				if seen[r.Kind] == nil {
					seen[r.Kind] = map[int64]bool{}
				}
				if seen[r.Kind][r.ID] {
					t.Fatalf("got duplicate id %d of kind %v", r.ID, r.Kind)
				}
				seen[r.Kind][r.ID] = true
				switch r.Kind {
				case ixp.KindASNDelegation:
					asns++
					var d ixp.ASNDelegation
					if err := json.Unmarshal(r.Data, &d); err != nil || int64(d.ASN) != r.ID || d.Country == "" {
						t.Fatalf("got bad asn record %d %s: %v", r.ID, r.Data, err)
					}
				case ixp.KindPrefixDelegation:
					var d ixp.PrefixDelegation
					if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Prefixes) == 0 || r.ID < 0 {
						t.Fatalf("got bad prefix record %d %s: %v", r.ID, r.Data, err)
					}
				default:
					t.Fatalf("got record of kind %v", r.Kind)
				}
			}
			if asns != res.Report.ASNsKept {
				t.Fatalf("got %d asn records, report says %d", asns, res.Report.ASNsKept)
			}
		})
	})
}
