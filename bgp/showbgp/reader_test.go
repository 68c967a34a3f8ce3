package showbgp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/internal/testdiff"
	"github.com/ixpobs/ixpobs/ixp"
	"go.uber.org/goleak"
)

// fmtRoute prints a route compactly: prefix, peer ASN, peer address, the
// path's segments ([sequence] or {set}) and the origin ASN (- if none).
func fmtRoute(r *bgp.Route) string {
	var segs []string
	for _, s := range r.Path {
		asns := make([]string, len(s.ASNs))
		for i, a := range s.ASNs {
			asns[i] = fmt.Sprint(a)
		}
		if s.Set {
			segs = append(segs, "{"+strings.Join(asns, ",")+"}")
		} else {
			segs = append(segs, "["+strings.Join(asns, " ")+"]")
		}
	}
	origin := "-"
	if o, ok := r.Origin(); ok {
		origin = fmt.Sprint(o)
	}
	return fmt.Sprintf("%v %d %v %s o=%s", r.Prefix, r.Peer.ASN, r.Peer.Addr, strings.Join(segs, " "), origin)
}

func readAll(t *testing.T, input []byte, strict bool) ([]string, Stats, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(input), "test.txt")
	if err != nil {
		return nil, Stats{}, err
	}
	r.Strict = strict
	var got []string
	st, err := r.Read(context.Background(), func(rt *bgp.Route) error {
		if rt.PathID != 0 || rt.Prefix != rt.Prefix.Masked() {
			t.Errorf("route %s: path ID %d, prefix not masked", fmtRoute(rt), rt.PathID)
		}
		got = append(got, fmtRoute(rt))
		return nil
	})
	return got, st, err
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// bzip2Bytes compresses with the bzip2 command (Go has no bzip2 writer),
// or returns b as it is when the command is missing.
func bzip2Bytes(t *testing.T, b []byte) []byte {
	t.Helper()
	cmd := exec.Command("bzip2", "-c")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		t.Log("bzip2 command not found: bzip2 input not tested")
		return b
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// counts are the counters of Stats a test checks (not File, FirstError,
// Bytes).
type counts struct {
	lines, routes, prefixes, peers, skipped, errors int64
}

func countsOf(st Stats) counts {
	return counts{st.Lines, st.Routes, st.Prefixes, st.Peers, st.Skipped, st.Errors}
}

var (
	wantIPv4 = []string{
		"0.0.0.0/0 64496 198.51.100.10 [64496 3356] o=3356",
		"1.0.0.0/24 13335 198.51.100.13 [13335] o=13335",
		"1.0.0.0/24 6939 198.51.100.200 [6939 13335] o=13335",
		"3.0.0.0/8 64497 198.51.100.1 [64497 701 80] o=80",
		"3.0.0.0/8 13335 198.51.100.13 [13335 3356 80] o=80",
		"5.0.0.0/16 6939 198.51.100.200 [6939 3333] o=3333", // the first path, " h" (history), is skipped
		"100.100.100.100/32 64500 198.51.100.7 [64500] o=64500",
		"128.66.0.0/16 64497 198.51.100.1 [64497 64501] o=64501",
		"192.0.2.0/24 6939 198.51.100.200 [6939 64502 64502 64502] o=64502",
		"198.51.100.0/24 13335 198.51.100.13 [13335 65546 4200000000] o=4200000000",
		"203.0.113.0/25 64497 198.51.100.1 [64497] {64503,64504} o=-",
		"203.0.113.0/25 6939 198.51.100.200 [6939] [65001 65002] [64505] {65003,65004} o=-",
		"203.0.113.0/25 13335 198.51.100.13 [13335 64505] o=64505",
		"203.0.113.128/25 0 0.0.0.0  o=-",
	}
	// 26 lines; s>, R> and " h" routes and the "Total number" line skipped.
	countsIPv4 = counts{lines: 26, routes: 14, prefixes: 10, peers: 6, skipped: 4}

	wantIPv6 = []string{
		"2001:db8::/32 6939 2001:db8:100::a500:6939:1 [6939 64500] {64501,64502} o=-",
		"2001:db8::/32 13335 2001:db8:100::a501:3335:1 [13335 64500] o=64500",
		"2001:db8::/32 64511 2001:db8:100::5 [64511 64500] o=64500",
		"2001:db8:1234:5678::/64 6939 2001:db8:100::a500:6939:1 [6939 64511] o=64511",
		"2001:db8:ffff::/48 64496 fe80::1 [64496 4200000000] o=4200000000",
		"2a00::/12 6939 2001:db8:100::a500:6939:1 [6939 65546] o=65546",
	}
	countsIPv6 = counts{lines: 22, routes: 6, prefixes: 4, peers: 4, skipped: 2}
)

// TestFixtures reads the fixtures of testdata, plain, gzip'ed and with
// CRLF line ends.
func TestFixtures(t *testing.T) {
	for _, fx := range []struct {
		file   string
		want   []string
		counts counts
	}{
		{"ipv4.txt", wantIPv4, countsIPv4},
		{"ipv6.txt", wantIPv6, countsIPv6},
	} {
		plain, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			t.Fatal(err)
		}
		gz, err := os.ReadFile(filepath.Join("testdata", fx.file+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		if unzipped, err := io.ReadAll(zr); err != nil || !bytes.Equal(unzipped, plain) {
			t.Fatalf("testdata/%s.gz is not testdata/%s gzip'ed (%v)", fx.file, fx.file, err)
		}
		for _, v := range []struct {
			name  string
			input []byte
		}{
			{fx.file, plain},
			{fx.file + ".gz", gz},
			{fx.file + " CRLF", crlf(plain)},
			{fx.file + " CRLF gzip", gzipBytes(crlf(plain))},
			{fx.file + " bzip2", bzip2Bytes(t, plain)},
		} {
			t.Run(v.name, func(t *testing.T) {
				got, st, err := readAll(t, v.input, true)
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if !slices.Equal(got, fx.want) {
					t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(fx.want, "\n"))
				}
				if countsOf(st) != fx.counts || !st.Complete || st.File != "test.txt" || st.FirstError != "" {
					t.Errorf("Stats = %+v, want counts %+v, complete", st, fx.counts)
				}
				if want := int64(len(plain)); !strings.Contains(v.name, "CRLF") && st.Bytes != want {
					t.Errorf("Bytes = %d, want %d", st.Bytes, want)
				}
			})
		}
	}
}

// ql is a route line as Quagga prints it (see writeLine); metric and
// locPrf -1 are blank.
func ql(status, network, nextHop string, metric, locPrf int64, weight uint32, path string) string {
	var b bytes.Buffer
	writeLine(&b, genLine{status: status, network: network, nextHop: nextHop, metric: metric, locPrf: locPrf, weight: weight, path: path, origin: "i"})
	return strings.TrimSuffix(b.String(), "\n")
}

// table returns a dump of the given route lines under Quagga's header.
func table(lines ...string) []byte {
	return []byte(header + strings.Join(lines, "\n") + "\n")
}

func TestRead(t *testing.T) {
	tests := []struct {
		name   string
		input  []byte
		want   []string
		counts counts // lines are not compared when zero
	}{
		{
			name: "classful networks and the default route",
			input: table(
				"*> 0.0.0.0          198.51.100.1                           0 64496 i",
				"*> 10.0.0.0         198.51.100.1                           0 64496 i",
				"*> 127.0.0.0        198.51.100.1                           0 64496 i",
				"*> 128.0.0.0        198.51.100.1                           0 64496 i",
				"*> 172.16.0.0       198.51.100.1                           0 64496 i",
				"*> 191.255.0.0      198.51.100.1                           0 64496 i",
				"*> 192.0.0.0        198.51.100.1                           0 64496 i",
				"*> 223.255.255.0    198.51.100.1                           0 64496 i",
			),
			want: []string{
				"0.0.0.0/0 64496 198.51.100.1 [64496] o=64496",
				"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"127.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"128.0.0.0/16 64496 198.51.100.1 [64496] o=64496",
				"172.16.0.0/16 64496 198.51.100.1 [64496] o=64496",
				"191.255.0.0/16 64496 198.51.100.1 [64496] o=64496",
				"192.0.0.0/24 64496 198.51.100.1 [64496] o=64496",
				"223.255.255.0/24 64496 198.51.100.1 [64496] o=64496",
			},
			counts: counts{routes: 8, prefixes: 8, peers: 1},
		},
		{
			name: "prefix with host bits is masked",
			input: table(
				"*> 10.1.2.3/8       198.51.100.1                           0 64496 i",
				"*> 2001:db8::1/32   2001:db8::2                            0 64496 i",
			),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"2001:db8::/32 64496 2001:db8::2 [64496] o=64496",
			},
			counts: counts{routes: 2, prefixes: 2, peers: 2},
		},
		{
			name: "metric, locprf and weight blank or not, numbers wider than their columns",
			input: table(
				ql("*>", "10.0.0.0", "198.51.100.1", -1, -1, 0, "64496 64497"),
				ql("*", "", "198.51.100.2", 5, -1, 0, "64498 64497"),
				ql("*", "", "198.51.100.3", -1, 100, 0, "64499 64497"),
				ql("*", "", "198.51.100.4", 17, 200, 32768, "64500 64497"),
				ql("*", "", "198.51.100.5", -1, 4294967295, 0, "64501 64497"),
				ql("*", "", "198.51.100.6", 4294967295, 4294967295, 65535, "64502 64497"),
				ql("*", "", "2001:db8:100::a500:6939:1", 4294967295, 4294967295, 0, "6939 1"),
			),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496 64497] o=64497",
				"10.0.0.0/8 64498 198.51.100.2 [64498 64497] o=64497",
				"10.0.0.0/8 64499 198.51.100.3 [64499 64497] o=64497",
				"10.0.0.0/8 64500 198.51.100.4 [64500 64497] o=64497",
				"10.0.0.0/8 64501 198.51.100.5 [64501 64497] o=64497",
				"10.0.0.0/8 64502 198.51.100.6 [64502 64497] o=64497",
				"10.0.0.0/8 6939 2001:db8:100::a500:6939:1 [6939 1] o=1",
			},
			counts: counts{routes: 7, prefixes: 1, peers: 7},
		},
		{
			name: "wrapped routes: network alone, next hop alone, three lines",
			input: table(
				"*> 100.100.100.100/32",
				"                    198.51.100.7                           0 64500 i",
				"*> 2001:db8::/32    2001:db8:100::a500:6939:1",
				"                                             0             0 6939 64500 i",
				"*                   2001:db8:100::a501:3335:1",
				"                                                           0 13335 64500 i",
				"*> 2001:db8:1234:5678::/64",
				"                    2001:db8:100::a500:6939:1",
				"                                                           0 6939 64511 i",
			),
			want: []string{
				"100.100.100.100/32 64500 198.51.100.7 [64500] o=64500",
				"2001:db8::/32 6939 2001:db8:100::a500:6939:1 [6939 64500] o=64500",
				"2001:db8::/32 13335 2001:db8:100::a501:3335:1 [13335 64500] o=64500",
				"2001:db8:1234:5678::/64 6939 2001:db8:100::a500:6939:1 [6939 64511] o=64511",
			},
			counts: counts{lines: 15, routes: 4, prefixes: 3, peers: 3},
		},
		{
			name: "wrapped lines a few columns off",
			input: table(
				"*> 2001:db8::/32    2001:db8:100::a500:6939:1",
				"                                              0             0 6939 64500 i",
				"*                   2001:db8:100::a501:3335:1",
				"                                           0             0 13335 64500 i",
			),
			want: []string{
				"2001:db8::/32 6939 2001:db8:100::a500:6939:1 [6939 64500] o=64500",
				"2001:db8::/32 13335 2001:db8:100::a501:3335:1 [13335 64500] o=64500",
			},
			counts: counts{routes: 2, prefixes: 1, peers: 2},
		},
		{
			name: "status codes: only valid routes are kept",
			input: table(
				"*> 10.0.0.0         198.51.100.1                           0 64496 i",
				"*=                  198.51.100.2                           0 64497 i",
				"*>i                 198.51.100.3                  100      0 64498 i",
				"*  11.0.0.0         198.51.100.1                           0 64496 i",
				"s>                  198.51.100.2                           0 64497 i",
				"*d                  198.51.100.3                           0 64498 i",
				" h 12.0.0.0         198.51.100.1                           0 64496 i",
				"*>                  198.51.100.2                           0 64497 i",
				"S  13.0.0.0         198.51.100.1                           0 64496 i",
				"R>                  198.51.100.2                           0 64497 i",
				"*r                  198.51.100.3                           0 64498 i",
				"   14.0.0.0         198.51.100.1                           0 64496 i",
				"*> 15.0.0.0/24      198.51.100.2                           0 64497 i",
				"*>i15.0.1.0/24      198.51.100.3                           0 64498 i",
			),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"10.0.0.0/8 64497 198.51.100.2 [64497] o=64497",
				"10.0.0.0/8 64498 198.51.100.3 [64498] o=64498",
				"11.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"11.0.0.0/8 64498 198.51.100.3 [64498] o=64498",
				"12.0.0.0/8 64497 198.51.100.2 [64497] o=64497",
				"13.0.0.0/8 64498 198.51.100.3 [64498] o=64498",
				"15.0.0.0/24 64497 198.51.100.2 [64497] o=64497",
				"15.0.1.0/24 64498 198.51.100.3 [64498] o=64498",
			},
			counts: counts{routes: 9, prefixes: 6, peers: 3, skipped: 5},
		},
		{
			name: "AS paths: asdot, 4-byte, sets, confederations, prepending, empty",
			input: table(
				"*> 10.0.0.0         198.51.100.1                           0 64496 1.10 0.1 65535.65535 4294967295 i",
				"*                   198.51.100.2                           0 64497 {64510} i",
				"*                   198.51.100.3                           0 64498 {64511,64512,1.0} e",
				"*                   198.51.100.4                           0 (65001 65002) 64499 ?",
				"*                   198.51.100.5                           0 64500 [65003,65004] 64501 i",
				"*                   198.51.100.6                           0 64502 64502 64502 3356 3356 i",
				"*                   198.51.100.7                           0 64503 { 64513 , 64514 } i",
				"*                   0.0.0.0                  0         32768 i",
			),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496 65546 1 4294967295 4294967295] o=4294967295",
				"10.0.0.0/8 64497 198.51.100.2 [64497] {64510} o=-",
				"10.0.0.0/8 64498 198.51.100.3 [64498] {64511,64512,65536} o=-",
				"10.0.0.0/8 65001 198.51.100.4 [65001 65002] [64499] o=64499",
				"10.0.0.0/8 64500 198.51.100.5 [64500] {65003,65004} [64501] o=64501",
				"10.0.0.0/8 64502 198.51.100.6 [64502 64502 64502 3356 3356] o=3356",
				"10.0.0.0/8 64503 198.51.100.7 [64503] {64513,64514} o=-",
				"10.0.0.0/8 0 0.0.0.0  o=-",
			},
			counts: counts{routes: 8, prefixes: 1, peers: 8},
		},
		{
			name: "text before the header and after the routes",
			input: []byte("route-collector.example.pch.net> show ip bgp\n" + string(table(
				"*> 10.0.0.0         198.51.100.1                           0 64496 i",
				"",
				"*> 11.0.0.0         198.51.100.1                           0 64496 i",
				"",
				"Total number of prefixes 2",
				"Displayed  2 out of 3 total prefixes",
				"Displayed 2 routes and 3 total paths",
				"Shared path count 5",
				"route-collector.example.pch.net> exit",
				"Connection closed by foreign host.",
			))),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"11.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
			},
			counts: counts{lines: 17, routes: 2, prefixes: 2, peers: 1, skipped: 6},
		},
		{
			name:   "a header and no route",
			input:  table(),
			counts: counts{lines: 7},
		},
		{
			name:   "no end of line at the end",
			input:  bytes.TrimSuffix(table("*> 10.0.0.0         198.51.100.1                           0 64496 i"), []byte("\n")),
			want:   []string{"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496"},
			counts: counts{lines: 7, routes: 1, prefixes: 1, peers: 1},
		},
		{
			name: "the same prefix again later (not a RIB order) is counted once",
			input: table(
				"*> 10.0.0.0         198.51.100.1                           0 64496 i",
				"*> 11.0.0.0         198.51.100.1                           0 64496 i",
				"*> 10.0.0.0         198.51.100.2                           0 64497 i",
			),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"11.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"10.0.0.0/8 64497 198.51.100.2 [64497] o=64497",
			},
			counts: counts{routes: 3, prefixes: 2, peers: 2},
		},
		{
			name: "another header (Cisco with RPKI codes) sets the columns again",
			input: table(
				"*> 10.0.0.0         198.51.100.1                           0 64496 i",
				"",
				"     Network          Next Hop            Metric LocPrf Weight Path",
				"V*>  11.0.0.0/24      198.51.100.1                           0 64496 i",
				"N*   12.0.0.0/24      198.51.100.1                           0 64496 i",
				" *>  13.0.0.0/24      2001:db8:100::a500:6939:1",
				"                                               0             0 6939 i",
			),
			want: []string{
				"10.0.0.0/8 64496 198.51.100.1 [64496] o=64496",
				"11.0.0.0/24 64496 198.51.100.1 [64496] o=64496",
				"12.0.0.0/24 64496 198.51.100.1 [64496] o=64496",
				"13.0.0.0/24 6939 2001:db8:100::a500:6939:1 [6939] o=6939",
			},
			counts: counts{routes: 4, prefixes: 4, peers: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, input := range [][]byte{tt.input, crlf(tt.input)} {
				got, st, err := readAll(t, input, true)
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
				c := countsOf(st)
				if tt.counts.lines == 0 {
					c.lines = 0
				}
				if c != tt.counts || !st.Complete {
					t.Errorf("Stats = %+v, want %+v, complete", st, tt.counts)
				}
			}
		})
	}
}

// TestMalformed: each malformed route is skipped and counted (the routes
// around it are read), or stops a strict Read with a ParseError at its
// line.
func TestMalformed(t *testing.T) {
	good := "*> 20.0.0.0         198.51.100.1                           0 64496 i"
	tests := []struct {
		name    string
		lines   []string // the malformed route starts at lines[0]
		errText string
		skipped int64
	}{
		{"bad prefix", []string{"*> 10.0.0.300/24    198.51.100.1                           0 64496 i"}, "bad network", 0},
		{"prefix too long", []string{"*> 10.0.0.0/33      198.51.100.1                           0 64496 i"}, "prefix length", 0},
		{"IPv6 network without length", []string{"*> 2001:db8::       2001:db8::1                            0 64496 i"}, "no prefix length", 0},
		{"class D without length", []string{"*> 224.0.0.0        198.51.100.1                           0 64496 i"}, "no prefix length", 0},
		{"bad next hop", []string{"*> 10.0.0.0         198.51.100                             0 64496 i"}, "bad next hop", 0},
		{"word as next hop", []string{"*> 10.0.0.0         unknown                                0 64496 i"}, "bad next hop", 0},
		{"ASN too large", []string{"*> 10.0.0.0         198.51.100.1                           0 4294967296 i"}, "bad ASN", 0},
		{"asdot part too large", []string{"*> 10.0.0.0         198.51.100.1                           0 65536.1 i"}, "bad ASN", 0},
		{"letters in the path", []string{"*> 10.0.0.0         198.51.100.1                           0 64496 AS3356 i"}, "bad ASN", 0},
		{"nested set", []string{"*> 10.0.0.0         198.51.100.1                           0 64496 {1,{2}} i"}, "nested", 0},
		{"set not closed", []string{"*> 10.0.0.0         198.51.100.1                           0 64496 {1,2 i"}, "not closed", 0},
		{"empty set", []string{"*> 10.0.0.0         198.51.100.1                           0 64496 {} i"}, "empty segment", 0},
		{"comma outside a set", []string{"*> 10.0.0.0         198.51.100.1                           0 64496,64497 i"}, "comma", 0},
		{"no weight", []string{"*> 10.0.0.0         198.51.100.1     i"}, "weight", 0},
		{"no next hop", []string{"*> 10.0.0.0         i"}, "next hop", 0},
		{"no origin code, a route follows", []string{"*> 10.0.0.0         198.51.100.1                           0 64496"}, "origin code", 0},
		{"no origin code, wrapped over three lines", []string{
			"*> 2001:db8:1234:5678::/64",
			"                    2001:db8:100::a500:6939:1",
			"                                                           0 6939 64511",
		}, "3 lines", 0},
		{"bad prefix of a route not valid, then its paths", []string{
			" h 10.0.0.0/40      198.51.100.1                           0 64496 i",
			"*>                  198.51.100.2                           0 64497 i",
		}, "prefix length", 0},
		{"line longer than the limit", []string{"*> 10.0.0.0         198.51.100.1                           0 " + strings.Repeat("64496 ", maxLine/6) + "i"}, "longer than", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A continuation with no previous prefix opens the table, so
			// that it is the first route of this dump.
			input := table(append(append([]string{good}, tt.lines...), good)...)
			_, st, err := readAll(t, input, false)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if st.Routes != 2 || st.Errors == 0 || !st.Complete || !strings.Contains(st.FirstError, tt.errText) {
				t.Errorf("Stats = %+v, want 2 routes, an error about %q, complete", st, tt.errText)
			}
			_, _, err = readAll(t, input, true)
			var pe *ixp.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("strict Read error = %v, want a *ixp.ParseError", err)
			}
			wantOff := int64(len(header) + len(good) + 1)
			if pe.Source != "showbgp" || pe.File != "test.txt" || pe.Record != 8 || pe.Offset != wantOff || !strings.Contains(pe.Err.Error(), tt.errText) {
				t.Errorf("ParseError = %v (record %d offset %d), want record 8, offset %d, about %q", pe, pe.Record, pe.Offset, wantOff, tt.errText)
			}
		})
	}
	t.Run("continuation with no previous network", func(t *testing.T) {
		input := table("*                   198.51.100.2                           0 64497 i", good)
		_, st, err := readAll(t, input, false)
		if err != nil || st.Routes != 1 || st.Errors != 1 || !strings.Contains(st.FirstError, "no previous network") {
			t.Errorf("Read = %+v, %v; want 1 route and the continuation counted as an error", st, err)
		}
	})
}

func TestReadErrors(t *testing.T) {
	route := "*> 10.0.0.0         198.51.100.1                           0 64496 i"
	full := table(route, route, route)
	gz := gzipBytes(bytes.Repeat(full, 2000))
	tests := []struct {
		name  string
		input []byte
		is    error
	}{
		{"empty", nil, ixp.ErrTruncated},
		{"no header", []byte("BGP table version is 0, local router ID is 203.0.113.254\n" + route + "\n"), ixp.ErrInvalid},
		{"binary", bytes.Repeat([]byte{0, 0, 0, 13, 0, 2, 0, 1, 0xff}, 300000), ixp.ErrInvalid},
		{"gzip cut", gz[:len(gz)/2], ixp.ErrTruncated},
		{"gzip cut in the header", gz[:5], ixp.ErrTruncated},
		{"ends inside a wrapped route", table(route, "*> 100.100.100.100/32"), ixp.ErrTruncated},
		{"ends inside a wrapped route, no end of line", []byte(header + "*> 2001:db8::/32    2001:db8:100::a500:6939:1"), ixp.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, st, err := readAll(t, tt.input, false)
			if !errors.Is(err, tt.is) {
				t.Fatalf("Read error = %v, want %v", err, tt.is)
			}
			var pe *ixp.ParseError
			if !errors.As(err, &pe) || pe.File != "test.txt" || pe.Source != "showbgp" {
				t.Errorf("Read error %v is not a ParseError naming the file", err)
			}
			if st.Complete {
				t.Errorf("Complete = true")
			}
		})
	}
	t.Run("MaxBytes", func(t *testing.T) {
		r, err := NewReader(bytes.NewReader(gz), "x")
		if err != nil {
			t.Fatal(err)
		}
		r.MaxBytes = 10000
		st, err := r.Read(context.Background(), func(*bgp.Route) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "limit") || st.Complete || st.Bytes > 10000+int64(len(route))+2 {
			t.Errorf("Read = %+v, %v; want an error at the limit", st, err)
		}
	})
}

func TestReadStops(t *testing.T) {
	route := "*> 10.0.0.0         198.51.100.1                           0 64496 i"
	input := table(route, route, route)
	t.Run("callback error", func(t *testing.T) {
		r, _ := NewReader(bytes.NewReader(gzipBytes(input)), "x")
		stop := errors.New("enough")
		st, err := r.Read(context.Background(), func(*bgp.Route) error { return stop })
		if err != stop || st.Routes != 1 || st.Complete {
			t.Errorf("Read = %+v, %v; want the callback's error after 1 route", st, err)
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, _ := NewReader(bytes.NewReader(input), "x")
		_, err := r.Read(ctx, func(*bgp.Route) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Read error = %v, want context.Canceled", err)
		}
	})
	t.Run("read twice", func(t *testing.T) {
		r, _ := NewReader(bytes.NewReader(input), "x")
		r.Read(context.Background(), func(*bgp.Route) error { return nil })
		if _, err := r.Read(context.Background(), func(*bgp.Route) error { return nil }); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("second Read error = %v, want ErrInvalid", err)
		}
	})
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestOpenAndClose(t *testing.T) {
	r, err := Open(filepath.Join("testdata", "ipv6.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Read(context.Background(), func(*bgp.Route) error { return nil })
	if err != nil || st.Routes != int64(len(wantIPv6)) || st.File != filepath.Join("testdata", "ipv6.txt.gz") {
		t.Errorf("Read = %+v, %v", st, err)
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	if _, err := Open(filepath.Join("testdata", "missing.gz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file = %v, want ErrNotExist", err)
	}

	rc := &closeCounter{Reader: bytes.NewReader(table())}
	r, err = NewReadCloser(rc, "x")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	if rc.closed != 1 {
		t.Errorf("input closed %d times, want 1", rc.closed)
	}
	bad := &closeCounter{Reader: bytes.NewReader([]byte{0x1f, 0x8b, 8})}
	if _, err := NewReadCloser(bad, "x"); !errors.Is(err, ixp.ErrTruncated) || bad.closed != 1 {
		t.Errorf("NewReadCloser of a cut gzip header = %v (closed %d times), want ErrTruncated and the input closed", err, bad.closed)
	}
}

func TestLooks(t *testing.T) {
	for _, f := range []string{"ipv4.txt", "ipv6.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if !Looks(b) || !Looks(crlf(b)) {
			t.Errorf("Looks(%s) = false", f)
		}
	}
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"column header only", "   Network          Next Hop            Metric LocPrf Weight Path\n", true},
		{"status legend", "Status codes: s suppressed, d damped, h history, * valid, > best\n", true},
		{"table version, cut", "BGP table version is 12345, local rou", true},
		{"MRT record", "\x65\x92\x00\x00\x00\x0d\x00\x01\x00\x00\x00\x20BGP table version", false},
		{"other text", "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd\n", false},
		{"Network without Next Hop", "Network entries: 12\n", false},
		{"empty", "", false},
		{"marker past the window", strings.Repeat("x\n", looksWindow) + "BGP table version is 1\n", false},
	}
	for _, tt := range tests {
		if got := Looks([]byte(tt.head)); got != tt.want {
			t.Errorf("%s: Looks = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestGeneratedRIB reads a generated dump of 20 peers and 50,000 prefixes:
// the routes are the generator's, in order, and a bgp.RIB and a
// bgp.Aggregator fed with them derive the same Summary as an Aggregator
// fed with the generator's routes.
func TestGeneratedRIB(t *testing.T) {
	d := genDump(1, 20, 50000)
	r, err := NewReader(bytes.NewReader(gzipBytes(d.text)), "generated.gz")
	if err != nil {
		t.Fatal(err)
	}
	rib, agg := bgp.NewRIB(), bgp.NewAggregator()
	defer rib.Close()
	i := 0
	st, err := r.Read(context.Background(), func(rt *bgp.Route) error {
		if i < len(d.routes) && testdiff.Diff(d.routes[i], *rt) != "" {
			t.Fatalf("route %d = %s, want %s (-want +got):\n%s", i, fmtRoute(rt), fmtRoute(&d.routes[i]), testdiff.Diff(d.routes[i], *rt))
		}
		i++
		agg.Announce(*rt)
		return rib.Add(*rt)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{File: "generated.gz", Lines: d.lines, Routes: int64(len(d.routes)), Prefixes: int64(d.pfxs),
		Peers: int64(d.peers), Skipped: d.skip, Bytes: int64(len(d.text)), Complete: true}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	truth := bgp.NewAggregator()
	for _, rt := range d.routes {
		truth.Announce(rt)
	}
	ribSum, aggSum, wantSum := rib.Summary(), agg.Summary(), truth.Summary()
	if d := testdiff.Diff(aggSum, ribSum); d != "" {
		t.Errorf("RIB and Aggregator Summaries differ (-Aggregator +RIB):\n%s", d)
	}
	if d := testdiff.Diff(wantSum, aggSum); d != "" {
		t.Errorf("Summary differs from the generator's routes' one (-want +got):\n%s", d)
	}
	if ribSum.Routes != len(d.routes) || len(ribSum.Peers) != d.peers || len(ribSum.Prefixes) != d.pfxs {
		t.Errorf("Summary: %d routes, %d peers, %d prefixes; want %d, %d, %d",
			ribSum.Routes, len(ribSum.Peers), len(ribSum.Prefixes), len(d.routes), d.peers, d.pfxs)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := genDump(2, 5, 5000)
	gz := gzipBytes(d.text)
	for _, in := range [][]byte{gz, gz[:len(gz)/2]} {
		r, err := NewReader(bytes.NewReader(in), "x")
		if err != nil {
			t.Fatal(err)
		}
		r.Read(context.Background(), func(*bgp.Route) error { return errors.New("stop") })
		r, _ = NewReader(bytes.NewReader(in), "x")
		r.Read(context.Background(), func(*bgp.Route) error { return nil })
	}
}
