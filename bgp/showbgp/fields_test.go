package showbgp

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestParseIPv4 checks the hand-written parser against netip.ParseAddr.
func TestParseIPv4(t *testing.T) {
	inputs := []string{"0.0.0.0", "255.255.255.255", "1.2.3.4", "01.2.3.4", "1.2.3.04", "1.2.3.256", "1.2.3", "1.2.3.4.5",
		"1..2.3", ".1.2.3", "1.2.3.", "1234.1.1.1", "1.2.3.4/24", "::1", "", "a.b.c.d", "1.2.3.-4", "1.2.3.4 "}
	rng := rand.New(rand.NewPCG(1, 1))
	const chars = "0123456789.."
	for range 20000 {
		b := make([]byte, 1+rng.IntN(16))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		got, ok := parseIPv4([]byte(s))
		want, err := netip.ParseAddr(s)
		wantOK := err == nil && want.Is4()
		if ok != wantOK || ok && got != want {
			t.Errorf("parseIPv4(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
	}
}

func TestParseASN(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"0", 0, true}, {"3356", 3356, true}, {"4294967295", 4294967295, true}, {"4294967296", 0, false},
		{"99999999999", 0, false}, {"1.10", 65546, true}, {"0.1", 1, true}, {"65535.65535", 4294967295, true},
		{"65536.0", 0, false}, {"1.", 0, false}, {".1", 0, false}, {"1.2.3", 0, false}, {"", 0, false}, {"12a", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseASN([]byte(tt.in))
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseASN(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in, want string // want "" for an error
	}{
		{"0.0.0.0", "0.0.0.0/0"}, {"0.0.0.0/0", "0.0.0.0/0"}, {"10.0.0.0", "10.0.0.0/8"}, {"172.16.0.0", "172.16.0.0/16"},
		{"192.168.1.0", "192.168.1.0/24"}, {"224.0.0.0", ""}, {"240.0.0.0", ""}, {"224.0.0.0/4", "224.0.0.0/4"},
		{"10.1.0.0/16", "10.1.0.0/16"}, {"10.1.2.3/8", "10.0.0.0/8"}, {"1.2.3.4/32", "1.2.3.4/32"}, {"1.2.3.4/33", ""},
		{"1.2.3.0/024", ""}, {"1.2.3.0/", ""}, {"2001:db8::/32", "2001:db8::/32"}, {"2001:db8::1/128", "2001:db8::1/128"},
		{"2001:db8::/129", ""}, {"2001:db8::", ""}, {"fe80::1%eth0/64", ""}, {"::ffff:1.2.3.0/120", "::ffff:1.2.3.0/120"},
		{"network", ""}, {"", ""},
	}
	for _, tt := range tests {
		got, err := parsePrefix([]byte(tt.in))
		if tt.want == "" {
			if err == nil {
				t.Errorf("parsePrefix(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("parsePrefix(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// TestWeightIndex: Quagga's layout is recognised (numbers wider than
// their columns included); lines a few columns off fall back to the
// number nearest the Weight column.
func TestWeightIndex(t *testing.T) {
	cols, _ := parseHeader([]byte("   Network          Next Hop            Metric LocPrf Weight Path"))
	tests := []struct {
		line   string
		weight int
		layout bool
	}{
		{ql("*>", "10.0.0.0", "198.51.100.1", -1, -1, 0, "1 2"), 0, true},
		{ql("*>", "10.0.0.0", "198.51.100.1", 0, -1, 0, "1 2"), 1, true},
		{ql("*>", "10.0.0.0", "198.51.100.1", -1, 100, 0, "1 2"), 1, true},
		{ql("*>", "10.0.0.0", "198.51.100.1", 5, 100, 32768, "1 2"), 2, true},
		{ql("*>", "10.0.0.0", "198.51.100.1", 4294967295, -1, 65535, "1 2"), 1, true},
		{ql("*>", "10.0.0.0", "2001:db8::1", 4294967295, 100, 0, "1 2"), 2, true},
		// Metric and LocPrf glued into one field ("%10u%7u"): the layout
		// does not fit, the nearest number is the Weight.
		{ql("*>", "10.0.0.0", "198.51.100.1", 4294967295, 4294967295, 0, "1 2"), 1, false},
		{ql("*>", "10.0.0.0", "198.51.100.1", -1, 4294967295, 0, ""), 1, true},
		{"*> 10.0.0.0         198.51.100.1                             0 64496 i", 0, false},
		{"*> 10.0.0.0         198.51.100.1            0               0 64496 i", 1, false},
		{"*> 10.0.0.0         198.51.100.1          0             0 13335 64500 i", 1, false},
	}
	for _, tt := range tests {
		p := &parser{cols: cols}
		p.rt.text = []byte(tt.line)
		p.rt.toks = appendTokens(nil, p.rt.text, cols.network, 0, 0)
		mid := p.rt.toks[2 : len(p.rt.toks)-1]
		_, layout := p.weightByLayout(mid)
		if w := p.weightIndex(mid); w != tt.weight || layout != tt.layout {
			t.Errorf("%q: weight is field %d (layout %v), want %d (layout %v)", tt.line, w, layout, tt.weight, tt.layout)
		}
	}
}

func ExampleLooks() {
	fmt.Println(Looks([]byte("BGP table version is 0, local router ID is 203.0.113.254\n")))
	fmt.Println(Looks([]byte{0x65, 0x92, 0, 0, 0, 13, 0, 1}))
	// Output:
	// true
	// false
}
