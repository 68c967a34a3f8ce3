package mrtgen_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/bgp/mrt/mrtgen"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		opts mrtgen.Options
	}{
		{"plain", mrtgen.Options{Entries: 20000, Prefixes: 1500, Peers: 24, Seed: 3}},
		{"gzip, IPv6 only", mrtgen.Options{Entries: 5000, Prefixes: 300, Peers: 21, Seed: 4, IPv6Share: 1, Gzip: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := mrtgen.Write(&a, tt.opts); err != nil {
				t.Fatal(err)
			}
			if err := mrtgen.Write(&b, tt.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("two writes with seed %d differ", tt.opts.Seed)
			}
			r, err := mrt.NewReader(&a, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			sets, v6 := 0, 0
			st, err := r.Read(context.Background(), func(e *mrt.Elem) error {
				if e.Path[len(e.Path)-1].Set {
					sets++
				}
				if e.Prefix.Addr().Is6() {
					v6++
				}
				return nil
			})
			if err != nil || st.Errors != 0 || st.Skipped != 0 {
				t.Fatalf("Read = %+v, %v", st, err)
			}
			if st.Entries != int64(tt.opts.Entries) || st.Prefixes != int64(tt.opts.Prefixes) || st.Peers != int64(tt.opts.Peers) {
				t.Errorf("read %d entries, %d prefixes, %d peers; want %d, %d, %d", st.Entries, st.Prefixes, st.Peers, tt.opts.Entries, tt.opts.Prefixes, tt.opts.Peers)
			}
			if tt.opts.IPv6Share == 1 && v6 != tt.opts.Entries {
				t.Errorf("%d IPv6 entries, want all %d", v6, tt.opts.Entries)
			}
			if tt.opts.Entries >= 20000 && sets == 0 {
				t.Errorf("no AS_SET in %d entries", tt.opts.Entries)
			}
		})
	}
	if err := mrtgen.Write(&bytes.Buffer{}, mrtgen.Options{Entries: 100, Prefixes: 2, Peers: 3}); err == nil {
		t.Errorf("Write accepted 100 entries for 2 prefixes x 3 peers")
	}
}
