package rir

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

func TestSplitIPv4(t *testing.T) {
	// Multi-prefix cases were checked with Python's
	// ipaddress.summarize_address_range.
	tests := []struct {
		name  string
		start string
		count uint64
		want  string // prefixes joined by spaces; "error" for an error
	}{
		{"single /20", "200.160.0.0", 4096, "200.160.0.0/20"},
		{"single address", "192.0.2.7", 1, "192.0.2.7/32"},
		{"unaligned start", "192.0.2.1", 3, "192.0.2.1/32 192.0.2.2/31"},
		{"ZA 2560 (AFRINIC 2023)", "196.4.20.0", 2560, "196.4.20.0/22 196.4.24.0/22 196.4.28.0/23"},
		{"ZA 393216 (AFRINIC 2023)", "164.146.0.0", 393216, "164.146.0.0/15 164.148.0.0/14"},
		{"whole space", "0.0.0.0", 1 << 32, "0.0.0.0/0"},
		{"last address", "255.255.255.255", 1, "255.255.255.255/32"},
		{"past the end", "255.255.255.255", 2, "error"},
		{"zero count", "10.0.0.0", 0, "error"},
		{"ipv6 start", "2001:db8::", 1, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := SplitIPv4(netip.MustParseAddr(tt.start), tt.count)
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("got %v, want an error", ps)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			var total uint64
			for _, p := range ps {
				s = append(s, p.String())
				total += 1 << (32 - p.Bits())
			}
			if got := strings.Join(s, " "); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if total != tt.count {
				t.Errorf("got prefixes covering %d addresses, want %d", total, tt.count)
			}
		})
	}
}

// The ids are stored: they must never change for the same line. The
// wanted values were computed with an independent FNV-1a in Python.
func TestPrefixIDStable(t *testing.T) {
	tests := []struct {
		registry string
		family   int
		start    string
		count    uint64
		want     int64
	}{
		{"lacnic", 4, "200.160.0.0", 4096, 8553419856321853081},
		{"lacnic", 6, "2001:12ff::", 32, 2877454327651684716},
	}
	for _, tt := range tests {
		t.Run(tt.start, func(t *testing.T) {
			got := PrefixID(tt.registry, tt.family, tt.start, tt.count)
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
			if got < 0 {
				t.Errorf("got negative id %d", got)
			}
		})
	}
}

func TestDefaultSources(t *testing.T) {
	got := map[string]bool{}
	for _, s := range DefaultSources() {
		if !strings.HasPrefix(s.URL, "https://") || !strings.Contains(s.URL, "/stats/"+s.Registry+"/delegated-"+s.Registry+"-") ||
			!strings.HasSuffix(s.URL, "-latest") {
			t.Errorf("got odd url %s for %s", s.URL, s.Registry)
		}
		if s.Extended != strings.Contains(s.URL, "-extended-") {
			t.Errorf("got extended %v for %s", s.Extended, s.URL)
		}
		got[s.Registry] = true
	}
	want := map[string]bool{"afrinic": true, "apnic": true, "arin": true, "lacnic": true, "ripencc": true, "iana": true}
	if d := testdiff.Diff(want, got); d != "" {
		t.Errorf("registries (-want +got):\n%s", d)
	}
}
