package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"net/netip"
	"slices"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/mrt"
)

// diversity is what -measure reports of a RIB dump: the counts that decide
// the cost of summarizing it.
type diversity struct {
	File     string `json:"file"`
	Complete bool   `json:"complete"` // read to its clean end (the pyasn excerpts are cut)
	Entries  int64  `json:"entries"`
	Prefixes int    `json:"prefixes"`
	Peers    int    `json:"peers"` // peers with at least one route
	// Paths counts distinct AS paths (whole segment lists); PeerPaths
	// distinct (peer, path) pairs, what the one-pass summary cannot share.
	Paths     int `json:"paths"`
	PeerPaths int `json:"peer_paths"`
	// Links counts distinct AS links as the Summary derives them
	// (prepending removed, none across an AS_SET); PeerLinks the sum over
	// peers of the distinct links in that peer's paths.
	Links     int     `json:"links"`
	PeerLinks int     `json:"peer_links"`
	Origins   int     `json:"origins"`
	ASNs      int     `json:"asns"`
	MeanHops  float64 `json:"mean_path_asns"` // ASNs per path, prepending removed
	// Curve gives the counts after each tenth of the prefixes read (in
	// dump order), to see how they grow with the table.
	Curve []point `json:"curve"`
}

type point struct {
	Prefixes int   `json:"prefixes"`
	Entries  int64 `json:"entries"`
	Paths    int   `json:"paths"`
	Links    int   `json:"links"`
}

// measure reads a RIB dump and counts its diversity. A file that ends
// early (a cut excerpt) is measured up to its last whole record.
func measure(path string, total int) (diversity, error) {
	d := diversity{File: path}
	r, err := mrt.Open(path)
	if err != nil {
		return d, err
	}
	seed := maphash.MakeSeed()
	paths := map[uint64]struct{}{}
	peerPaths := map[uint64]struct{}{}
	links := map[uint64]struct{}{}
	peerLinks := map[[2]uint64]struct{}{}
	prefixes := map[netip.Prefix]struct{}{}
	peers := map[bgp.Peer]int{}
	origins := map[uint32]struct{}{}
	asns := map[uint32]struct{}{}
	var hops int64
	var buf []byte
	var keys []uint64
	step := max(1, total/10)
	st, err := r.Read(context.Background(), func(e *mrt.Elem) error {
		if e.Type != mrt.RIBEntry {
			return nil
		}
		d.Entries++
		if _, ok := prefixes[e.Prefix]; !ok {
			prefixes[e.Prefix] = struct{}{}
			if total > 0 && len(prefixes)%step == 0 {
				d.Curve = append(d.Curve, point{len(prefixes), d.Entries, len(paths), len(links)})
			}
		}
		pi, ok := peers[e.Peer]
		if !ok {
			pi = len(peers)
			peers[e.Peer] = pi
		}
		buf = buf[:0]
		for _, s := range e.Path {
			h := uint32(len(s.ASNs))
			if s.Set {
				h |= 1 << 31
			}
			buf = binary.BigEndian.AppendUint32(buf, h)
			for _, a := range s.ASNs {
				buf = binary.BigEndian.AppendUint32(buf, a)
				asns[a] = struct{}{}
			}
			var prev uint32
			for i, a := range s.ASNs {
				if s.Set || i == 0 || a != prev {
					hops++
				}
				prev = a
			}
		}
		if o, ok := e.Route().Origin(); ok {
			origins[o] = struct{}{}
		}
		h := maphash.Bytes(seed, buf)
		paths[h] = struct{}{}
		peerPaths[h^uint64(pi+1)*0x9e3779b97f4a7c15] = struct{}{}
		keys = linkKeys(keys[:0], e.Path)
		for _, k := range keys {
			links[k] = struct{}{}
			peerLinks[[2]uint64{uint64(pi), k}] = struct{}{}
		}
		return nil
	})
	d.Complete = st.Complete
	d.Prefixes, d.Peers, d.Paths, d.PeerPaths = len(prefixes), len(peers), len(paths), len(peerPaths)
	d.Links, d.PeerLinks, d.Origins, d.ASNs = len(links), len(peerLinks), len(origins), len(asns)
	if d.Entries > 0 {
		d.MeanHops = float64(hops) / float64(d.Entries)
	}
	d.Curve = append(d.Curve, point{len(prefixes), d.Entries, len(paths), len(links)})
	d.Curve = slices.Compact(d.Curve)
	if err != nil && d.Entries > 0 && !st.Complete {
		return d, nil // a cut excerpt: measured up to the cut
	}
	if err != nil && err != io.EOF {
		return d, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// linkKeys appends the AS links of a path as A<<32|B (A < B), as the
// Summary derives them: prepending removed, no link within or across an
// AS_SET, none with ASN 0.
func linkKeys(dst []uint64, path []bgp.Segment) []uint64 {
	var prev uint32
	have := false
	for _, s := range path {
		if s.Set {
			have = false
			continue
		}
		for _, a := range s.ASNs {
			if have && a != prev && a != 0 && prev != 0 {
				dst = append(dst, uint64(min(prev, a))<<32|uint64(max(prev, a)))
			}
			prev, have = a, true
		}
	}
	return dst
}
