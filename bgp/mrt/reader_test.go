package mrt

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/internal/testdiff"
	"github.com/ixpobs/ixpobs/ixp"
	"go.uber.org/goleak"
)

const ts0 = 1700000000

// fmtElem prints an element compactly for the table tests.
func fmtElem(e *Elem) string {
	if e.Type == StateChange {
		return fmt.Sprintf("STATE %v|%d %d>%d", e.Peer.Addr, e.Peer.ASN, e.OldState, e.NewState)
	}
	s := fmt.Sprintf("%s %v|%d %v", e.Type, e.Peer.Addr, e.Peer.ASN, e.Prefix)
	if e.PathID != 0 {
		s += fmt.Sprintf(" id=%d", e.PathID)
	}
	if e.Type != Withdraw {
		origin := e.Origin.String()
		if e.Origin == OriginNone {
			origin = "none"
		}
		s += fmt.Sprintf(" [%s] %s nh=%v", formatPath(e.Path), origin, e.NextHop)
	}
	if e.Local {
		s += " local"
	}
	if e.Multicast {
		s += " multicast"
	}
	return s
}

func readAll(t *testing.T, input []byte, strict bool) ([]string, Stats, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(input), "test.mrt")
	if err != nil {
		return nil, Stats{}, err
	}
	r.Strict = strict
	var got []string
	st, err := r.Read(context.Background(), func(e *Elem) error {
		got = append(got, fmtElem(e))
		return nil
	})
	return got, st, err
}

var (
	twoPeers = peerIndexRec(ts0, tpeer{"192.0.2.1", 196608, false}, tpeer{"2001:db8::2", 65002, true})
	v4Attrs  = cat(originAttr(0), asPathAttr(4, sq(196608, 3356, 3356, 15169), st(1, 2)), nextHopAttr("192.0.2.1"))
	v6Attrs  = cat(originAttr(2), asPathAttr(4, sq(65002, 6939)), attr(0x80, attrMPReach, cat([]byte{16}, netip16("2001:db8::2"))))
)

func netip16(s string) []byte { return mustAddr(s).AsSlice() }

func TestReadRecords(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  []string
		stats Stats // only the counters are compared
	}{
		{
			name: "TABLE_DUMP_V2 IPv4 and IPv6",
			input: cat(twoPeers,
				ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}, tentry{peer: 1, attrs: v4Attrs}),
				ribRec(ts0, td2RIBIPv6Unicast, 1, "2001:db8:100::/40", tentry{peer: 1, attrs: v6Attrs})),
			want: []string{
				"B 192.0.2.1|196608 203.0.113.0/24 [196608 3356 3356 15169 {1,2}] IGP nh=192.0.2.1",
				"B 2001:db8::2|65002 203.0.113.0/24 [196608 3356 3356 15169 {1,2}] IGP nh=192.0.2.1",
				"B 2001:db8::2|65002 2001:db8:100::/40 [65002 6939] INCOMPLETE nh=2001:db8::2",
			},
			stats: Stats{Records: 3, Entries: 3, Prefixes: 2, Peers: 2},
		},
		{
			name: "TABLE_DUMP_V2 ADD-PATH and RIB_GENERIC",
			input: cat(twoPeers,
				ribRec(ts0, td2RIBIPv4UnicastAP, 0, "198.51.100.0/24", tentry{peer: 0, pathID: 7, attrs: v4Attrs}, tentry{peer: 0, pathID: 8, attrs: v4Attrs}),
				rec(ts0, typeTableDump2, td2RIBGeneric, be32(1), be16(2), []byte{1}, nlriBytes(nil, "2001:db8::/32"), be16(1), be16(1), be32(ts0), be16(len(v6Attrs)), v6Attrs),
				rec(ts0, typeTableDump2, td2RIBGeneric, be32(2), be16(25), []byte{65}, []byte{0}, be16(0)), // L2VPN: skipped
				ribRec(ts0, td2RIBIPv4Multicast, 3, "232.1.0.0/16", tentry{peer: 0, attrs: v4Attrs})),
			want: []string{
				"B 192.0.2.1|196608 198.51.100.0/24 id=7 [196608 3356 3356 15169 {1,2}] IGP nh=192.0.2.1",
				"B 192.0.2.1|196608 198.51.100.0/24 id=8 [196608 3356 3356 15169 {1,2}] IGP nh=192.0.2.1",
				"B 2001:db8::2|65002 2001:db8::/32 [65002 6939] INCOMPLETE nh=2001:db8::2",
				"B 192.0.2.1|196608 232.1.0.0/16 [196608 3356 3356 15169 {1,2}] IGP nh=192.0.2.1 multicast",
			},
			stats: Stats{Records: 5, Entries: 4, Prefixes: 3, Peers: 2, Skipped: 1},
		},
		{
			name: "RIB before PEER_INDEX_TABLE is skipped as malformed",
			input: cat(ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}),
				twoPeers,
				ribRec(ts0, td2RIBIPv4Unicast, 1, "203.0.113.0/24", tentry{peer: 5, attrs: v4Attrs})),
			stats: Stats{Records: 3, Skipped: 2, Errors: 2},
		},
		{
			name: "TABLE_DUMP v1 IPv4 and IPv6",
			input: cat(
				rec(ts0, typeTableDump, 1, be16(0), be16(0), netip16("10.1.0.0"), []byte{16, 1}, be32(ts0), netip16("192.0.2.9"), be16(64500),
					be16(len(cat(originAttr(1), asPathAttr(2, sq(64500, 1))))), originAttr(1), asPathAttr(2, sq(64500, 1))),
				rec(ts0, typeTableDump, 2, be16(0), be16(1), netip16("2001:db8::"), []byte{32, 1}, be32(ts0), netip16("2001:db8::9"), be16(64501),
					be16(0))),
			want: []string{
				"B 192.0.2.9|64500 10.1.0.0/16 [64500 1] EGP nh=invalid IP",
				"B 2001:db8::9|64501 2001:db8::/32 [] none nh=invalid IP",
			},
			stats: Stats{Records: 2, Entries: 2, Prefixes: 2, Peers: 2},
		},
		{
			name: "TABLE_DUMP v1 batched entries declared 4 bytes short (RIS rrc00 2000)",
			input: func() []byte {
				a := cat(originAttr(0), asPathAttr(2, sq(3549, 701)))
				e := func(p string) []byte {
					return cat(netip16(p), []byte{24, 1}, be32(ts0), netip16("192.0.2.9"), be16(3549), be16(len(a)), a)
				}
				body := cat(be16(0), be16(0), e("10.0.0.0"), e("10.0.1.0"), e("10.0.2.0"))
				r := rec(ts0, typeTableDump, 1, body)
				copy(r[8:], be32(uint32(len(body)-4)))
				return cat(r, rec(ts0+1, typeBGP4MP, 5, bgp4mpHead(true, 3549, "192.0.2.9", "192.0.2.254"), be16(6), be16(1)))
			}(),
			want: []string{
				"B 192.0.2.9|3549 10.0.0.0/24 [3549 701] IGP nh=invalid IP",
				"B 192.0.2.9|3549 10.0.1.0/24 [3549 701] IGP nh=invalid IP",
				"B 192.0.2.9|3549 10.0.2.0/24 [3549 701] IGP nh=invalid IP",
				"STATE 192.0.2.9|3549 6>1",
			},
			stats: Stats{Records: 2, Entries: 3, States: 1, Prefixes: 3, Peers: 1},
		},
		{
			name: "BGP4MP 2-byte session: AS4_PATH merged, host bits cleared",
			input: rec(ts0, typeBGP4MP, 1, bgp4mpHead(false, 64500, "192.0.2.9", "192.0.2.254"), bgpMsg(2, updateBody(nil,
				cat(originAttr(0), asPathAttr(2, sq(64500, 1299, 23456, 23456)), nextHopAttr("192.0.2.9"), as4PathAttr(sq(196608, 196609))),
				nlriBytes(nil, "10.11.13.0/24", "11.13.0.0/13")))),
			want: []string{
				"A 192.0.2.9|64500 10.11.13.0/24 [64500 1299 196608 196609] IGP nh=192.0.2.9",
				"A 192.0.2.9|64500 11.8.0.0/13 [64500 1299 196608 196609] IGP nh=192.0.2.9",
			},
			stats: Stats{Records: 1, Entries: 2, Prefixes: 2, Peers: 1},
		},
		{
			name: "AS4_PATH longer than AS_PATH is ignored",
			input: rec(ts0, typeBGP4MP, 1, bgp4mpHead(false, 64500, "192.0.2.9", "192.0.2.254"), bgpMsg(2, updateBody(nil,
				cat(asPathAttr(2, sq(64500, 23456)), as4PathAttr(sq(1, 2, 196608))),
				nlriBytes(nil, "10.0.0.0/8")))),
			want:  []string{"A 192.0.2.9|64500 10.0.0.0/8 [64500 23456] none nh=invalid IP"},
			stats: Stats{Records: 1, Entries: 1, Prefixes: 1, Peers: 1},
		},
		{
			name: "BGP4MP_ET MESSAGE_AS4_ADDPATH with MP_REACH, MP_UNREACH and withdrawals",
			input: rec(ts0, typeBGP4MPET, 9, be32(123456), bgp4mpHead(true, 196608, "2001:db8::9", "2001:db8::1"), bgpMsg(2, updateBody(
				nlriBytes([]uint32{3}, "10.9.0.0/16"),
				cat(originAttr(0), asPathAttr(4, sq(196608, 2)),
					mpReachAttr(2, "2001:db8::9", nlriBytes([]uint32{1, 2}, "2001:db8:1::/48", "2001:db8:1::/48")),
					mpUnreachAttr(2, nlriBytes([]uint32{4}, "2001:db8:2::/48"))),
				nil))),
			want: []string{
				"W 2001:db8::9|196608 10.9.0.0/16 id=3",
				"W 2001:db8::9|196608 2001:db8:2::/48 id=4",
				"A 2001:db8::9|196608 2001:db8:1::/48 id=1 [196608 2] IGP nh=2001:db8::9",
				"A 2001:db8::9|196608 2001:db8:1::/48 id=2 [196608 2] IGP nh=2001:db8::9",
			},
			stats: Stats{Records: 1, Entries: 4, Prefixes: 3, Peers: 1},
		},
		{
			name: "LOCAL message, KEEPALIVE, OPEN and unsupported types",
			input: cat(
				rec(ts0, typeBGP4MP, 7, bgp4mpHead(true, 65000, "192.0.2.9", "192.0.2.254"), bgpMsg(2, updateBody(nil, asPathAttr(4, sq(65000)), nlriBytes(nil, "192.0.2.0/24")))),
				rec(ts0, typeBGP4MP, 4, bgp4mpHead(true, 65000, "192.0.2.9", "192.0.2.254"), bgpMsg(4, nil)),
				rec(ts0, typeBGP4MP, 4, bgp4mpHead(true, 65000, "192.0.2.9", "192.0.2.254"), bgpMsg(1, []byte{4, 1, 2, 0, 90, 1, 2, 3, 4, 0})),
				rec(ts0, 11, 0, []byte("OSPFv2")),
				rec(ts0, typeBGP4MP, 2, []byte("ENTRY"))),
			want:  []string{"A 192.0.2.9|65000 192.0.2.0/24 [65000] none nh=invalid IP local"},
			stats: Stats{Records: 5, Entries: 1, Prefixes: 1, Peers: 1, Skipped: 2},
		},
		{
			name: "Zebra shortened state change and message, type 5 records",
			input: cat(
				rec(ts0, typeBGP4MP, 0, be16(0), be16(0), be16(3), be16(4)),
				rec(ts0, typeBGP4MP, 1, be16(0), be16(0), bgpMsg(1, []byte{4, 1, 2, 0, 90, 1, 2, 3, 4, 0})),
				rec(ts0, typeBGP, 3, be16(3333), netip16("193.0.0.56"), be16(1), be16(2)),
				rec(ts0, typeBGP, 1, be16(3333), netip16("193.0.0.56"), be16(12654), netip16("193.0.0.1"),
					updateBody(nlriBytes(nil, "157.100.47.0/24"), cat(originAttr(0), asPathAttr(2, sq(3333, 286))), nlriBytes(nil, "24.28.160.0/19"))),
				rec(ts0, typeBGP, 7, be16(3333), netip16("193.0.0.56"), be16(12654), netip16("193.0.0.1"))),
			want: []string{
				"STATE invalid IP|0 3>4",
				"STATE 193.0.0.56|3333 1>2",
				"W 193.0.0.56|3333 157.100.47.0/24",
				"A 193.0.0.56|3333 24.28.160.0/19 [3333 286] IGP nh=invalid IP",
			},
			stats: Stats{Records: 5, Entries: 2, States: 2, Prefixes: 2, Peers: 1},
		},
		{
			name: "BIRD ADD-PATH NLRI in a plain MESSAGE_AS4 record",
			input: rec(ts0, typeBGP4MP, 4, bgp4mpHead(true, 65000, "192.168.0.10", "192.168.0.1"), bgpMsg(2, updateBody(nil,
				cat(originAttr(0), asPathAttr(4, sq(65000))), nlriBytes([]uint32{1, 2}, "172.17.0.0/24", "172.17.1.0/24")))),
			want: []string{
				"A 192.168.0.10|65000 172.17.0.0/24 id=1 [65000] IGP nh=invalid IP",
				"A 192.168.0.10|65000 172.17.1.0/24 id=2 [65000] IGP nh=invalid IP",
			},
			stats: Stats{Records: 1, Entries: 2, Prefixes: 2, Peers: 1},
		},
		{
			name: "malformed records are skipped and counted, reading goes on",
			input: cat(twoPeers,
				ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: []byte{0x40, 2, 9, 2, 1}}),                                                     // AS_PATH overruns
				rec(ts0, typeBGP4MP, 4, bgp4mpHead(true, 65000, "192.0.2.9", "192.0.2.254"), bgpMsg(2, updateBody(nil, asPathAttr(4, st(1)), []byte{33, 1, 2, 3, 4, 5}))), // /33
				ribRec(ts0, td2RIBIPv4Unicast, 1, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs})),
			want:  []string{"B 192.0.2.1|196608 203.0.113.0/24 [196608 3356 3356 15169 {1,2}] IGP nh=192.0.2.1"},
			stats: Stats{Records: 4, Entries: 1, Prefixes: 1, Peers: 1, Skipped: 2, Errors: 2},
		},
		{
			name:  "record over 64 KiB",
			input: cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", manyEntries(2000)...)),
			want:  nil, // checked by count
			stats: Stats{Records: 2, Entries: 2000, Prefixes: 1, Peers: 1},
		},
		{
			name:  "empty input",
			input: nil,
			stats: Stats{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st, err := readAll(t, tt.input, false)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if tt.want != nil || len(got) < 100 {
				if d := testdiff.Diff(tt.want, got); d != "" {
					t.Errorf("elements (-want +got):\n%s", d)
				}
			}
			if !st.Complete {
				t.Errorf("Complete = false, want true")
			}
			if st.Bytes != int64(len(tt.input)) {
				t.Errorf("Bytes = %d, want %d", st.Bytes, len(tt.input))
			}
			gotC := Stats{Records: st.Records, Entries: st.Entries, States: st.States, Prefixes: st.Prefixes, Peers: st.Peers, Skipped: st.Skipped, Errors: st.Errors}
			if gotC != tt.stats {
				t.Errorf("stats = %+v, want %+v", gotC, tt.stats)
			}
			if (st.Errors > 0) != (st.FirstError != "") {
				t.Errorf("Errors = %d but FirstError = %q", st.Errors, st.FirstError)
			}
		})
	}
}

func manyEntries(n int) []tentry {
	es := make([]tentry, n)
	for i := range es {
		es[i] = tentry{peer: 0, attrs: v4Attrs}
	}
	return es
}

func TestReadStrict(t *testing.T) {
	input := cat(twoPeers,
		ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}),
		ribRec(ts0, td2RIBIPv4Unicast, 1, "203.0.113.0/24", tentry{peer: 0, attrs: []byte{0x40, 1, 2, 0, 0}}))
	_, st, err := readAll(t, input, true)
	var pe *ixp.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Read error = %v, want *ixp.ParseError", err)
	}
	wantOff := int64(len(twoPeers) + len(ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs})))
	if pe.Source != "mrt" || pe.File != "test.mrt" || pe.Record != 2 || pe.Offset != wantOff {
		t.Errorf("ParseError = {%s %s offset %d record %d}, want {mrt test.mrt offset %d record 2}", pe.Source, pe.File, pe.Offset, pe.Record, wantOff)
	}
	if st.Complete {
		t.Errorf("Complete = true after a strict stop")
	}
}

func TestReadTruncated(t *testing.T) {
	full := cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}, tentry{peer: 1, attrs: v4Attrs}))
	gz := gzipBytes(full)
	tests := []struct {
		name      string
		input     []byte
		wantOff   int64
		wantRec   int64
		wantEntry int64
	}{
		{"EOF inside the first header", full[:5], 0, 0, 0},
		{"EOF inside a header", full[:len(twoPeers)+7], int64(len(twoPeers)), 1, 0},
		{"EOF inside a body", full[:len(full)-1], int64(len(twoPeers)), 1, 0},
		{"trailing bytes after the last record", cat(full, []byte{0, 0, 1}), int64(len(full)), 2, 2},
		{"gzip stream cut", gz[:len(gz)-10], -2, -2, -1},
		{"gzip stream cut in the header", gz[:5], -2, -2, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, st, err := readAll(t, tt.input, false)
			if !errors.Is(err, ixp.ErrTruncated) {
				t.Fatalf("Read error = %v, want ErrTruncated", err)
			}
			var pe *ixp.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Read error %v is not a *ixp.ParseError", err)
			}
			if pe.File != "test.mrt" {
				t.Errorf("ParseError.File = %q, want test.mrt", pe.File)
			}
			if tt.wantOff != -2 && (pe.Offset != tt.wantOff || pe.Record != tt.wantRec) {
				t.Errorf("ParseError at offset %d record %d, want offset %d record %d", pe.Offset, pe.Record, tt.wantOff, tt.wantRec)
			}
			if st.Complete {
				t.Errorf("Complete = true for truncated input")
			}
			if tt.wantEntry >= 0 && st.Entries != tt.wantEntry {
				t.Errorf("Entries = %d, want %d", st.Entries, tt.wantEntry)
			}
		})
	}
}

func TestReadCorruptFraming(t *testing.T) {
	input := cat(twoPeers, be32(ts0), be16(13), be16(2), be32(MaxRecordLen+1), make([]byte, 64))
	_, _, err := readAll(t, input, false)
	var pe *ixp.ParseError
	if !errors.As(err, &pe) || pe.Record != 1 || pe.Offset != int64(len(twoPeers)) {
		t.Fatalf("Read error = %v, want a ParseError at record 1 offset %d", err, len(twoPeers))
	}
	if errors.Is(err, ixp.ErrTruncated) {
		t.Errorf("corrupt framing reported as truncation: %v", err)
	}
}

func TestReadGzipAndBzip2(t *testing.T) {
	full := cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}, tentry{peer: 1, attrs: v4Attrs}))
	t.Run("gzip, two members", func(t *testing.T) {
		_, st, err := readAll(t, cat(gzipBytes(full[:len(twoPeers)]), gzipBytes(full[len(twoPeers):])), false)
		if err != nil || st.Entries != 2 || !st.Complete {
			t.Errorf("Read = %+v, %v; want 2 entries, complete", st, err)
		}
	})
	t.Run("bzip2 testdata", func(t *testing.T) {
		// testdata/mrtgen-500.mrt.bz2: mrtgen -entries 500 -prefixes 40 -peers 24 -seed 7, bzip2 -9.
		b, err := os.ReadFile(filepath.Join("testdata", "mrtgen-500.mrt.bz2"))
		if err != nil {
			t.Fatal(err)
		}
		_, st, err := readAll(t, b, false)
		if err != nil || st.Entries != 500 || st.Prefixes != 40 || !st.Complete {
			t.Errorf("Read = %+v, %v; want 500 entries of 40 prefixes, complete", st, err)
		}
		_, st, err = readAll(t, b[:len(b)*2/3], false)
		if !errors.Is(err, ixp.ErrTruncated) || st.Complete {
			t.Errorf("cut bzip2: Read = %+v, %v; want ErrTruncated", st, err)
		}
	})
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestReadStops(t *testing.T) {
	input := cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", manyEntries(10)...))
	t.Run("callback error", func(t *testing.T) {
		r, _ := NewReader(bytes.NewReader(gzipBytes(input)), "x")
		stop := errors.New("enough")
		st, err := r.Read(context.Background(), func(*Elem) error { return stop })
		if err != stop || st.Entries != 1 || st.Complete {
			t.Errorf("Read = %+v, %v; want the callback's error after 1 entry", st, err)
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, _ := NewReader(bytes.NewReader(input), "x")
		_, err := r.Read(ctx, func(*Elem) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Read error = %v, want context.Canceled", err)
		}
	})
	t.Run("read twice", func(t *testing.T) {
		r, _ := NewReader(bytes.NewReader(input), "x")
		r.Read(context.Background(), func(*Elem) error { return nil })
		if _, err := r.Read(context.Background(), func(*Elem) error { return nil }); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("second Read error = %v, want ErrInvalid", err)
		}
	})
}

func TestAggregate(t *testing.T) {
	p1 := tpeer{"192.0.2.1", 196608, false}
	input := cat(
		peerIndexRec(ts0, p1),
		ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}),
		ribRec(ts0, td2RIBIPv4Unicast, 1, "198.51.100.0/24", tentry{peer: 0, attrs: v4Attrs}),
		rec(ts0, typeBGP4MP, 4, bgp4mpHead(true, 196608, "192.0.2.1", "192.0.2.254"), bgpMsg(2, updateBody(nlriBytes(nil, "198.51.100.0/24"), nil, nil))),
		rec(ts0, typeBGP4MP, 4, bgp4mpHead(true, 64999, "192.0.2.7", "192.0.2.254"), bgpMsg(2, updateBody(nil, cat(originAttr(0), asPathAttr(4, sq(64999, 7))), nlriBytes(nil, "192.0.2.0/24")))),
		rec(ts0, typeBGP4MP, 5, bgp4mpHead(true, 64999, "192.0.2.7", "192.0.2.254"), be16(6), be16(3)),
		rec(ts0, typeBGP4MP, 7, bgp4mpHead(true, 65000, "192.0.2.8", "192.0.2.254"), bgpMsg(2, updateBody(nil, asPathAttr(4, sq(65000)), nlriBytes(nil, "192.0.2.0/25")))),
	)
	path := filepath.Join(t.TempDir(), "agg.mrt.gz")
	if err := os.WriteFile(path, gzipBytes(input), 0o644); err != nil {
		t.Fatal(err)
	}
	agg := bgp.NewAggregator()
	st, err := Aggregate(context.Background(), path, agg)
	if err != nil || st.Entries != 5 {
		t.Fatalf("Aggregate = %+v, %v; want 5 entries", st, err)
	}
	sum := agg.Summary()
	var got []string
	for _, p := range sum.Prefixes {
		got = append(got, fmt.Sprint(p.Prefix, p.Origins))
	}
	want := []string{"203.0.113.0/24 []"} // 198.51.100.0/24 withdrawn, 192.0.2.0/24's peer went down, the LOCAL one ignored
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("prefixes = %q, want %q", got, want)
	}
	if len(sum.Peers) != 2 || sum.Routes != 1 {
		t.Errorf("Summary peers %d routes %d, want 2 peers, 1 route", len(sum.Peers), sum.Routes)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	input := gzipBytes(cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", manyEntries(3000)...)))
	for _, in := range [][]byte{input, input[:len(input)/2]} {
		r, err := NewReader(bytes.NewReader(in), "x")
		if err != nil {
			t.Fatal(err)
		}
		r.Read(context.Background(), func(*Elem) error { return errors.New("stop") })
	}
}
