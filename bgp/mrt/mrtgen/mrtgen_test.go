package mrtgen_test

import (
	"bytes"
	"context"
	"fmt"
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
	for _, bad := range []mrtgen.Options{
		{Entries: 100, Prefixes: 2, Peers: 3},
		{Entries: 100, VariantShare: 1.5},
		{Entries: 100, Transits: -1},
	} {
		if err := mrtgen.Write(&bytes.Buffer{}, bad); err == nil {
			t.Errorf("Write accepted %+v", bad)
		}
	}
}

// TestDiversity checks that the diversity options give more distinct
// paths and links than the defaults, from the same seed, and that
// setting the defaults explicitly gives the same bytes.
func TestDiversity(t *testing.T) {
	base := mrtgen.Options{Entries: 60000, Prefixes: 3000, Peers: 20, Seed: 7}
	explicit := base
	explicit.Origins, explicit.Transits, explicit.Variants = 300, 3000, 7
	diverse := base
	diverse.Origins, diverse.Transits, diverse.Variants, diverse.VariantShare = 1000, 8000, 20, 0.8
	count := func(o mrtgen.Options) (raw []byte, paths, links int) {
		var buf bytes.Buffer
		if err := mrtgen.Write(&buf, o); err != nil {
			t.Fatal(err)
		}
		raw = bytes.Clone(buf.Bytes())
		r, err := mrt.NewReader(&buf, "gen")
		if err != nil {
			t.Fatal(err)
		}
		ps, ls := map[string]bool{}, map[[2]uint32]bool{}
		if _, err := r.Read(context.Background(), func(e *mrt.Elem) error {
			key := fmt.Sprint(e.Peer, e.Path)
			ps[key] = true
			for _, s := range e.Path {
				for i := 1; i < len(s.ASNs) && !s.Set; i++ {
					if a, b := s.ASNs[i-1], s.ASNs[i]; a != b {
						ls[[2]uint32{min(a, b), max(a, b)}] = true
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return raw, len(ps), len(ls)
	}
	rawBase, pBase, lBase := count(base)
	rawExplicit, _, _ := count(explicit)
	if !bytes.Equal(rawBase, rawExplicit) {
		t.Errorf("the default diversity set explicitly changes the output")
	}
	_, pDiv, lDiv := count(diverse)
	if pDiv <= pBase*5/4 || lDiv <= lBase*5/4 {
		t.Errorf("diverse table: %d (peer, path) pairs and %d links, default: %d and %d; want at least 25%% more of both", pDiv, lDiv, pBase, lBase)
	}
	t.Logf("(peer, path) pairs %d -> %d, links %d -> %d", pBase, pDiv, lBase, lDiv)
}
