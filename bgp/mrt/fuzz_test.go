package mrt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/internal/testdiff"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

// seedRecords returns the first records of every shared MRT file
// (decompressed), a few records per seed, plus records built in tests.
func seedRecords(tb testing.TB) [][]byte {
	seeds := [][]byte{
		cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}, tentry{peer: 1, attrs: v6Attrs})),
		cat(twoPeers, ribRec(ts0, td2RIBIPv6UnicastAP, 0, "2001:db8::/32", tentry{peer: 1, pathID: 3, attrs: v6Attrs})),
		rec(ts0, typeBGP4MPET, 9, be32(1), bgp4mpHead(true, 196608, "2001:db8::9", "2001:db8::1"), bgpMsg(2, updateBody(
			nlriBytes([]uint32{3}, "10.9.0.0/16"),
			cat(originAttr(0), asPathAttr(4, sq(196608, 2)), mpReachAttr(2, "2001:db8::9", nlriBytes([]uint32{1}, "2001:db8:1::/48")), mpUnreachAttr(2, nlriBytes([]uint32{4}, "2001:db8:2::/48"))),
			nil))),
		rec(ts0, typeBGP4MP, 1, bgp4mpHead(false, 64500, "192.0.2.9", "192.0.2.254"), bgpMsg(2, updateBody(nil,
			cat(originAttr(0), asPathAttr(2, sq(64500, 1299, 23456)), nextHopAttr("192.0.2.9"), as4PathAttr(sq(196608, 196609))),
			nlriBytes(nil, "10.11.13.0/24")))),
		rec(ts0, typeBGP4MP, 0, be16(0), be16(0), be16(3), be16(4)),
		rec(ts0, typeBGP, 1, be16(3333), netip16("193.0.0.56"), be16(12654), netip16("193.0.0.1"),
			updateBody(nlriBytes(nil, "157.100.47.0/24"), cat(originAttr(0), asPathAttr(2, sq(3333, 286))), nlriBytes(nil, "24.28.160.0/19"))),
	}
	root := sharedDataDir()
	if root == "" {
		return seeds
	}
	filepath.WalkDir(root, func(path string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || filepath.Ext(path) == ".md" {
			return nil
		}
		r, err := zstream.OpenFile(path, zstream.Options{}) // gzip, bzip2 or plain, told from the content
		if err != nil {
			return nil
		}
		defer r.Close()
		// Up to four records, at most 16 KiB.
		var out []byte
		for range 4 {
			var h [12]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				break
			}
			n := binary.BigEndian.Uint32(h[8:])
			if n > 16<<10 {
				break
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				break
			}
			out = append(append(out, h[:]...), body...)
		}
		if len(out) > 0 {
			seeds = append(seeds, out)
		}
		return nil
	})
	return seeds
}

// FuzzReader feeds arbitrary bytes to the reader: it must not panic, must
// account for every element, and must say why it stopped.
func FuzzReader(f *testing.F) {
	for _, s := range seedRecords(f) {
		f.Add(s)
	}
	f.Add(gzipBytes(cat(twoPeers, ribRec(ts0, td2RIBIPv4Unicast, 0, "203.0.113.0/24", tentry{peer: 0, attrs: v4Attrs}))))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzlimit.Check(t, func() {
			r, err := NewReader(bytes.NewReader(data), "fuzz")
			if err != nil {
				var pe *ixp.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("NewReader error %v is not a ParseError", err)
				}
				return
			}
			r.MaxBytes = 4 << 20 // gzip and bzip2 bombs would only waste time
			var entries, states int64
			agg := bgp.NewAggregator()
			// The one-pass summary of the RIB entries must equal the
			// Aggregator's when the stream is a RIB dump read once.
			rib, applied := bgp.NewRIB(), bgp.NewAggregator()
			var ribErr error
			isRIB := true
			st, err := r.Read(context.Background(), func(e *Elem) error {
				Apply(applied, e)
				switch {
				case e.Local || e.Multicast:
				case e.Type != RIBEntry:
					isRIB = false
				case ribErr == nil:
					ribErr = rib.Add(e.Route())
				}
				switch e.Type {
				case StateChange:
					states++
					return nil
				case RIBEntry, Announce, Withdraw:
					entries++
				default:
					t.Fatalf("element of type %v", e.Type)
				}
				if !e.Prefix.IsValid() || e.Prefix != e.Prefix.Masked() {
					t.Fatalf("element prefix %v is not a valid masked prefix", e.Prefix)
				}
				if e.Type == Withdraw {
					agg.Withdraw(e.Peer, e.Prefix, e.PathID)
				} else {
					agg.Announce(e.Route())
				}
				return nil
			})
			if entries != st.Entries || states != st.States {
				t.Fatalf("Stats count %d entries %d states, callback saw %d and %d", st.Entries, st.States, entries, states)
			}
			if (err == nil) != st.Complete {
				t.Fatalf("Read error %v with Complete %v", err, st.Complete)
			}
			if err != nil {
				var pe *ixp.ParseError
				if !errors.As(err, &pe) || pe.File != "fuzz" || pe.Record < 0 {
					t.Fatalf("Read error %v is not a ParseError naming the file and record", err)
				}
			}
			if st.Errors > st.Records || st.Skipped > st.Records {
				t.Fatalf("more errors or skips than records: %+v", st)
			}
			agg.Summary()
			if isRIB && ribErr == nil {
				if d := testdiff.Diff(applied.Summary(), rib.Summary()); d != "" {
					t.Fatalf("one-pass RIB summary differs from the Aggregator's (-want +got):\n%s", d)
				}
			} else {
				rib.Close()
			}
		})
	})
}

// FuzzAttrs fuzzes the path attribute decoder directly.
func FuzzAttrs(f *testing.F) {
	f.Add(v4Attrs, true, true)
	f.Add(v6Attrs, true, true)
	f.Add(cat(originAttr(0), asPathAttr(2, sq(64500, 1299, 23456)), as4PathAttr(sq(196608, 196609))), false, false)
	f.Add(cat(mpReachAttr(2, "2001:db8::9", nlriBytes([]uint32{1}, "2001:db8:1::/48")), mpUnreachAttr(1, nlriBytes(nil, "10.0.0.0/8"))), true, false)
	f.Fuzz(func(t *testing.T, b []byte, as4, rib bool) {
		fuzzlimit.Check(t, func() {
			d := &decoder{}
			if err := d.parseAttrs(b, as4, rib); err != nil {
				return
			}
			n := 0
			for _, s := range d.segs {
				if len(s.ASNs) == 0 {
					t.Fatalf("empty segment in %v", d.segs)
				}
				n += len(s.ASNs)
			}
			if n > len(b) {
				t.Fatalf("%d ASNs decoded from %d bytes", n, len(b))
			}
		})
	})
}

// sharedDataDir is the shared MRT directory without skipping: "" when absent.
func sharedDataDir() string {
	if data := testenv.SharedDataDir(); data != "" {
		return filepath.Join(data, "mrt")
	}
	return ""
}
