package mrt

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/ixp"
)

// divergence documents a file where our reading differs from bgpdump's on
// purpose. The test checks both numbers, so the table stays true.
type divergence struct {
	bgpdumpEntries int64 // A, B and W lines of bgpdump -m
	entries        int64 // ours
	reason         string
}

var divergences = map[string]divergence{
	"bgpkit-parser/rrc00_bview.20000111.0032.gz": {
		bgpdumpEntries: 1, entries: 452018,
		reason: "RIS rrc00 TABLE_DUMP records of 2000 batch many entries after one view/sequence header and declare a length 4 bytes short; " +
			"bgpdump prints the first entry and then loses the framing (exit 0). We repair the framing: 2490 records, every byte consumed, no error.",
	},
	"mrtparse-lab-samples/bird_bgp": {
		bgpdumpEntries: 24, entries: 14,
		reason: "BIRD 2017 wrote ADD-PATH NLRI (with path identifiers) into plain BGP4MP_MESSAGE_AS4 records; bgpdump reads the path identifier as " +
			"prefixes and prints garbage (0.0.0.0/0, 24.0.0.0/1). We detect NLRI that only parse with path identifiers and decode 172.17.{0,1,2}.0/24 " +
			"with path IDs 1 and 2, as in the bird-mrtdump_bgp sample that uses the ADDPATH subtype.",
	},
	"mrtparse-lab-samples/bird6_bgp": {
		bgpdumpEntries: 32, entries: 14,
		reason: "same BIRD ADD-PATH-in-plain-subtype records as bird_bgp, IPv6: bgpdump prints ::/0 and 100:100::140:fd01:1/0; we decode fd01:1:{0,1,2}::/64.",
	},
}

// truncated lists the shared files that end inside a record: Read must
// return ixp.ErrTruncated after the complete records.
var truncated = map[string]string{
	"pyasn/rib.20080501.0644_firstMB.bz2":  "first MiB of a RouteViews bzip2 RIB: the compressed stream is cut",
	"pyasn/rib.20140523.0600_firstMB.bz2":  "first MiB of a RouteViews bzip2 RIB: the compressed stream is cut",
	"pyasn/rib6.20151101.0600_firstMB.bz2": "first MiB of a RouteViews bzip2 RIB: the compressed stream is cut",
}

// bgpdumpCache keeps bgpdump's output per file for both tests.
var bgpdumpCache sync.Map

func cachedBgpdump(t *testing.T, bin, path string) []string {
	if v, ok := bgpdumpCache.Load(path); ok {
		return v.([]string)
	}
	lines := bgpdumpLines(t, bin, path)
	bgpdumpCache.Store(path, lines)
	return lines
}

// TestBgpdumpCounts compares, for every shared MRT file, our entry and
// state counts with the lines bgpdump -m prints.
func TestBgpdumpCounts(t *testing.T) {
	root, files := sharedFiles(t)
	bin := needBgpdump(t)
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			path := filepath.Join(root, f)
			var entries, states int64
			for _, l := range cachedBgpdump(t, bin, path) {
				if strings.SplitN(l, "|", 4)[2] == "STATE" {
					states++
				} else {
					entries++
				}
			}
			st, err := readFile(path, nil)
			if reason, ok := truncated[f]; ok {
				if !errors.Is(err, ixp.ErrTruncated) {
					t.Errorf("Read error = %v, want ErrTruncated (%s)", err, reason)
				}
				if st.Complete {
					t.Errorf("Stats.Complete = true for a truncated file")
				}
			} else if err != nil {
				t.Fatalf("Read: %v", err)
			}
			wantEntries := entries
			if dv, ok := divergences[f]; ok {
				if entries != dv.bgpdumpEntries {
					t.Errorf("bgpdump -m printed %d entries, the divergence table says %d: update it", entries, dv.bgpdumpEntries)
				}
				wantEntries = dv.entries
				t.Logf("documented divergence: %s", dv.reason)
			}
			if st.Entries != wantEntries {
				t.Errorf("Entries = %d, want %d (bgpdump -m: %d)", st.Entries, wantEntries, entries)
			}
			if st.States != states {
				t.Errorf("States = %d, want %d (bgpdump -m STATE lines)", st.States, states)
			}
		})
	}
}

func readFile(path string, fn func(*Elem) error) (Stats, error) {
	r, err := Open(path)
	if err != nil {
		return Stats{}, err
	}
	defer r.Close()
	if fn == nil {
		fn = func(*Elem) error { return nil }
	}
	return r.Read(context.Background(), fn)
}

// TestBgpdumpDifferential checks, for every shared MRT file, that each
// element agrees with bgpdump -m on time (seconds), type, peer, prefix,
// path ID, AS path and origin, as multisets of lines.
func TestBgpdumpDifferential(t *testing.T) {
	root, files := sharedFiles(t)
	bin := needBgpdump(t)
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			if dv, ok := divergences[f]; ok {
				t.Skipf("documented divergence, fields not comparable: %s", dv.reason)
			}
			path := filepath.Join(root, f)
			want := map[string]int{}
			for _, l := range cachedBgpdump(t, bin, path) {
				k, err := bgpdumpKey(l)
				if err != nil {
					t.Fatalf("bgpdump line %q: %v", l, err)
				}
				want[k]++
			}
			got := map[string]int{}
			legacy := strings.HasPrefix(f, "bgpkit-parser/rrc00_updates.1999") // type 5 records
			_, err := readFile(path, func(e *Elem) error {
				got[elemKey(e, legacy)]++
				return nil
			})
			if err != nil && !errors.Is(err, ixp.ErrTruncated) {
				t.Fatalf("Read: %v", err)
			}
			var diffs []string
			for k, n := range want {
				if got[k] != n {
					diffs = append(diffs, fmt.Sprintf("bgpdump %d, ours %d: %s", n, got[k], k))
				}
			}
			for k, n := range got {
				if _, ok := want[k]; !ok {
					diffs = append(diffs, fmt.Sprintf("bgpdump 0, ours %d: %s", n, k))
				}
			}
			slices.Sort(diffs)
			if len(diffs) > 0 {
				t.Errorf("%d keys differ from bgpdump -m, first ones:\n%s", len(diffs), strings.Join(diffs[max(0, len(diffs)-8):], "\n"))
			}
		})
	}
}

// bgpdumpKey normalises a bgpdump -m line to the fields we compare.
func bgpdumpKey(l string) (string, error) {
	f := strings.Split(l, "|")
	if len(f) < 6 {
		return "", errors.New("too few fields")
	}
	kind, ts, typ := f[0], f[1], f[2]
	if i := strings.IndexByte(ts, '.'); i >= 0 {
		ts = ts[:i]
	}
	addr, err := netip.ParseAddr(f[3])
	if err != nil {
		return "", err
	}
	// bgpdump compresses a single zero group of IPv6 addresses, Go does not
	// (RFC 5952): compare parsed addresses.
	peer := addr.String() + "|" + f[4]
	if typ == "STATE" {
		return strings.Join([]string{ts, typ, peer, f[5], f[6]}, "|"), nil
	}
	p, err := netip.ParsePrefix(f[5])
	if err != nil {
		return "", err
	}
	rest := f[6:]
	pathID := "0"
	if strings.HasSuffix(kind, "_AP") {
		pathID, rest = rest[0], rest[1:]
	}
	if typ == "W" {
		if kind == "BGP" {
			// bgpdump prints the withdrawn prefixes of deprecated type 5
			// records with the peer's address (193.0.0.56/24 for
			// 157.100.47.0/24): compare only the length.
			return strings.Join([]string{ts, typ, peer, "/" + strconv.Itoa(p.Bits()), pathID}, "|"), nil
		}
		return strings.Join([]string{ts, typ, peer, p.Masked().String(), pathID}, "|"), nil
	}
	if len(rest) < 2 {
		return "", errors.New("too few fields")
	}
	return strings.Join([]string{ts, typ, peer, p.Masked().String(), pathID, rest[0], rest[1]}, "|"), nil
}

// elemKey formats an element like bgpdumpKey.
func elemKey(e *Elem, legacy bool) string {
	ts := strconv.FormatInt(e.Time.Unix(), 10)
	addr := "0.0.0.0"
	if e.Peer.Addr.IsValid() {
		addr = e.Peer.Addr.String()
	}
	peer := addr + "|" + strconv.FormatUint(uint64(e.Peer.ASN), 10)
	typ := e.Type.String()
	switch e.Type {
	case StateChange:
		return strings.Join([]string{ts, typ, peer, strconv.Itoa(int(e.OldState)), strconv.Itoa(int(e.NewState))}, "|")
	case Withdraw:
		pfx := e.Prefix.String()
		if legacy {
			pfx = "/" + strconv.Itoa(e.Prefix.Bits())
		}
		return strings.Join([]string{ts, typ, peer, pfx, strconv.FormatUint(uint64(e.PathID), 10)}, "|")
	}
	origin := e.Origin.String()
	if e.Origin == OriginNone {
		origin = "INCOMPLETE" // what bgpdump prints when ORIGIN is absent
	}
	return strings.Join([]string{ts, typ, peer, e.Prefix.String(), strconv.FormatUint(uint64(e.PathID), 10), formatPath(e.Path), origin}, "|")
}

// formatPath prints a path as bgpdump does: sequences space-separated,
// sets as {a,b}.
func formatPath(path []bgp.Segment) string {
	var b strings.Builder
	for i, s := range path {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s.Set {
			b.WriteByte('{')
		}
		for j, a := range s.ASNs {
			if j > 0 {
				if s.Set {
					b.WriteByte(',')
				} else {
					b.WriteByte(' ')
				}
			}
			b.WriteString(strconv.FormatUint(uint64(a), 10))
		}
		if s.Set {
			b.WriteByte('}')
		}
	}
	return b.String()
}
