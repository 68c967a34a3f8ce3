package rir

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testdiff"
	"github.com/ixpobs/ixpobs/internal/testenv"

	"github.com/ixpobs/ixpobs/ixp"
)

// sharedRIR returns <repo root>/../shared/data/rir, skipping the test when
// it is absent.
func sharedRIR(t testing.TB) string {
	t.Helper()
	return filepath.Join(testenv.SharedData(t), "rir")
}

// provenance holds the per-file counts listed in shared/data/PROVENANCE.md
// (section rir): header line, record lines by type, by status (all types)
// and fields per record line.
var provenance = []struct {
	file   string
	date   string // expected Header.Date
	types  map[string]int
	status map[string]int
	fields map[int]int
}{
	{"delegated-afrinic-extended-20230323.gz", "2023-03-23",
		map[string]int{"asn": 3326, "ipv4": 5089, "ipv6": 6604},
		map[string]int{"allocated": 6363, "available": 3076, "reserved": 3782, "assigned": 1798},
		map[int]int{8: 15019}},
	{"delegated-apnic-extended-20160131.gz", "2016-01-31",
		map[string]int{"ipv4": 33141, "ipv6": 32983, "asn": 7283},
		map[string]int{"assigned": 11061, "allocated": 32410, "reserved": 1088, "available": 28848},
		map[int]int{8: 73407}},
	{"delegated-lacnic-extended-20160129.gz", "2016-01-29",
		map[string]int{"ipv4": 11192, "ipv6": 19438, "asn": 5920},
		map[string]int{"reserved": 4440, "allocated": 18293, "assigned": 2795, "available": 11022},
		map[int]int{8: 25528, 7: 11022}},
	{"delegated-lacnic-extended-20190910.gz", "2019-09-10",
		map[string]int{"ipv4": 17013, "ipv6": 38175, "asn": 10461},
		map[string]int{"reserved": 9807, "allocated": 32194, "assigned": 3525, "available": 20123},
		map[int]int{8: 45526, 7: 20123}},
	{"delegated-lacnic-extended-20210405.gz", "2021-04-05",
		map[string]int{"ipv4": 19044, "ipv6": 47438, "asn": 12848},
		map[string]int{"allocated": 38388, "assigned": 3839, "reserved": 12135, "available": 24968},
		map[int]int{8: 54362, 7: 24968}},
	{"delegated-lacnic-extended-20211006.gz", "2021-10-06",
		map[string]int{"ipv4": 19134, "ipv6": 48786, "asn": 13218},
		map[string]int{"allocated": 38892, "assigned": 3844, "reserved": 12786, "available": 25616},
		map[int]int{8: 55522, 7: 25616}},
	{"delegated-lacnic-extended-20220331.gz", "2022-03-31",
		map[string]int{"ipv4": 19368, "ipv6": 50122, "asn": 13541},
		map[string]int{"allocated": 39579, "assigned": 3900, "reserved": 13418, "available": 26134},
		map[int]int{8: 56897, 7: 26134}},
	{"delegated-lacnic-extended-20220930.gz", "2022-09-30",
		map[string]int{"ipv4": 19511, "ipv6": 51342, "asn": 13880},
		map[string]int{"allocated": 40133, "reserved": 14170, "assigned": 3908, "available": 26522},
		map[int]int{8: 58211, 7: 26522}},
	{"delegated-lacnic-extended-20230323.gz", "2023-03-23", // end date 20230322, serial 20230323
		map[string]int{"ipv4": 19618, "ipv6": 52498, "asn": 14121},
		map[string]int{"allocated": 40349, "reserved": 14924, "assigned": 3958, "available": 27006},
		map[int]int{8: 59231, 7: 27006}},
	{"delegated-lacnic-extended-20240104.gz", "2024-01-04",
		map[string]int{"ipv4": 19778, "ipv6": 54199, "asn": 14642},
		map[string]int{"allocated": 41040, "assigned": 4076, "reserved": 15967, "available": 27536},
		map[int]int{8: 61083, 7: 27536}},
}

func TestRealFilesMatchProvenance(t *testing.T) {
	dir := sharedRIR(t)
	for _, tt := range provenance {
		t.Run(tt.file, func(t *testing.T) {
			res, err := ImportFile(context.Background(), filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rep := res.Report
			types := map[string]int{}
			status := map[string]int{}
			for typ, m := range rep.Entries {
				for st, n := range m {
					types[typ] += n
					status[st] += n
				}
			}
			if d := testdiff.Diff(tt.types, types); d != "" {
				t.Errorf("records by type (-want +got):\n%s", d)
			}
			if d := testdiff.Diff(tt.status, status); d != "" {
				t.Errorf("records by status (-want +got):\n%s", d)
			}
			if d := testdiff.Diff(tt.fields, rep.Fields); d != "" {
				t.Errorf("fields per line (-want +got):\n%s", d)
			}
			if got := res.Header.Date.Format("2006-01-02"); got != tt.date {
				t.Errorf("got file date %s, want %s", got, tt.date)
			}
			if rep.Trailing != 0 {
				t.Errorf("got %d trailing lines, want 0", rep.Trailing)
			}
			// Every kept line is a record; ASN records are one per ASN.
			var asn, pfx int
			for _, r := range res.Records {
				switch r.Kind {
				case ixp.KindASNDelegation:
					asn++
				case ixp.KindPrefixDelegation:
					pfx++
				}
			}
			wantPfx := rep.Entries["ipv4"]["allocated"] + rep.Entries["ipv4"]["assigned"] +
				rep.Entries["ipv6"]["allocated"] + rep.Entries["ipv6"]["assigned"]
			if asn != rep.ASNsKept || pfx != wantPfx || asn+pfx != len(res.Records) {
				t.Errorf("got %d asn and %d prefix records of %d, want %d and %d", asn, pfx, len(res.Records), rep.ASNsKept, wantPfx)
			}
		})
	}
}

// IANA's 2019-09-11 mirror copy declares 973 records (133 asn, 781 ipv4,
// 59 ipv6) but carries a stale tail of an older, longer version after line
// 977 (starting with the fragment "|3|19990401|arin" and repeating 525
// earlier lines). PROVENANCE.md counted every line (asn 1194, ipv4 1220,
// ipv6 116 = 2530); the parser keeps the declared 973 and counts the 1557
// stale record lines plus the fragment as trailing.
func TestRealIANA(t *testing.T) {
	dir := sharedRIR(t)
	res, err := ImportFile(context.Background(), filepath.Join(dir, "delegated-iana-20190911.gz"))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for typ, m := range res.Report.Entries {
		for _, n := range m {
			types[typ] += n
		}
	}
	if d := testdiff.Diff(map[string]int{"asn": 133, "ipv4": 781, "ipv6": 59}, types); d != "" {
		t.Errorf("records by type (-want +got):\n%s", d)
	}
	if got, want := res.Report.Trailing, 2530+1-973; got != want {
		t.Errorf("got %d trailing lines, want %d", got, want)
	}
	if got, want := len(res.Records), 781+59; got != want {
		t.Errorf("got %d prefix designations, want %d", got, want)
	}
	// iana|ZZ|ipv4|200.0.0.0|16777216|20021101|lacnic (zcat | grep)
	id := PrefixID("iana", 4, "200.0.0.0", 16777216)
	var found bool
	for _, r := range res.Records {
		if r.ID == id {
			found = true
			var d ixp.PrefixDelegation
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.Status != "lacnic" || d.Date != "2002-11-01" || !slices.Equal(d.Prefixes, []string{"200.0.0.0/8"}) {
				t.Errorf("got %+v, want 200.0.0.0/8 designated to lacnic on 2002-11-01", d)
			}
		}
	}
	if !found {
		t.Error("got no record for 200.0.0.0/8")
	}
}

// Lines picked by hand with zcat delegated-lacnic-extended-20220331.gz |
// grep -n (the file has no comments, so grep's line numbers are ours).
func TestRealLACNIC20220331Lines(t *testing.T) {
	dir := sharedRIR(t)
	path := filepath.Join(dir, "delegated-lacnic-extended-20220331.gz")
	want := map[int64]Entry{
		17895: {Registry: "lacnic", CC: "BR", Type: "ipv4", Start: "200.160.0.0", Value: 4096, Date: "2001-10-16", Status: "assigned", OpaqueID: "114721"},
		19565: {Registry: "lacnic", CC: "BR", Type: "ipv6", Start: "2001:12ff::", Value: 32, Date: "2007-12-19", Status: "assigned", OpaqueID: "114721"},
		69495: {Registry: "lacnic", CC: "MX", Type: "asn", Start: "278", Value: 1, Date: "1989-03-31", Status: "allocated", OpaqueID: "31986"},
		69496: {Registry: "lacnic", CC: "AR", Type: "asn", Start: "676", Value: 1, Date: "1990-05-23", Status: "allocated", OpaqueID: "65335"},
		69499: {Registry: "lacnic", CC: "CL", Type: "asn", Start: "1296", Value: 1, Date: "1991-06-11", Status: "allocated", OpaqueID: "11510"},
		69525: {Registry: "lacnic", CC: "CO", Type: "asn", Start: "3603", Value: 1, Date: "1994-05-18", Status: "allocated", OpaqueID: "50024"},
		70234: {Registry: "lacnic", Type: "asn", Start: "26596", Value: 2, Status: "available"},
		71200: {Registry: "lacnic", CC: "BR", Type: "asn", Start: "28598", Value: 1, Date: "2005-07-15", Status: "allocated", OpaqueID: "136002"},
		73236: {Registry: "lacnic", CC: "BR", Type: "asn", Start: "262589", Value: 1, Date: "2011-09-19", Status: "allocated", OpaqueID: "133126"},
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := NewReader(f, path)
	if err != nil {
		t.Fatal(err)
	}
	var entries []Entry
	for {
		e, err := rd.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
		if w, ok := want[e.Line]; ok {
			w.Line = e.Line
			if d := testdiff.Diff(w, e); d != "" {
				t.Errorf("line %d (-want +got):\n%s", e.Line, d)
			}
			delete(want, e.Line)
		}
	}
	for line := range want {
		t.Errorf("line %d: not read", line)
	}

	recs, err := Records(entries)
	if err != nil {
		t.Fatal(err)
	}
	byASN := map[ixp.ASN]ixp.ASNDelegation{}
	perCC := map[string]int{}
	for _, r := range recs {
		if r.Kind != ixp.KindASNDelegation {
			continue
		}
		var d ixp.ASNDelegation
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		if r.ID != int64(d.ASN) || r.ASN != d.ASN {
			t.Fatalf("got record id %d asn %d for AS%d", r.ID, r.ASN, d.ASN)
		}
		byASN[d.ASN] = d
		perCC[d.Country]++
	}
	t.Run("asn records", func(t *testing.T) {
		cases := []struct {
			asn  ixp.ASN
			want *ixp.ASNDelegation
		}{
			{28598, &ixp.ASNDelegation{ASN: 28598, Registry: "lacnic", Country: "BR", Status: "allocated", Date: "2005-07-15", OpaqueID: "136002"}},
			{262589, &ixp.ASNDelegation{ASN: 262589, Registry: "lacnic", Country: "BR", Status: "allocated", Date: "2011-09-19", OpaqueID: "133126"}},
			{1296, &ixp.ASNDelegation{ASN: 1296, Registry: "lacnic", Country: "CL", Status: "allocated", Date: "1991-06-11", OpaqueID: "11510"}},
			{26596, nil}, // available
			{26597, nil}, // second ASN of the available range
		}
		for _, c := range cases {
			got, ok := byASN[c.asn]
			switch {
			case c.want == nil && ok:
				t.Errorf("AS%d: got %+v, want no record", c.asn, got)
			case c.want != nil && got != *c.want:
				t.Errorf("AS%d: got %+v, want %+v", c.asn, got, *c.want)
			}
		}
	})
	// Allocated+assigned ASNs per country: the file's asn lines all have
	// count 1, and these equal PROVENANCE.md's "top ASN countries".
	t.Run("asns per country", func(t *testing.T) {
		for cc, want := range map[string]int{"BR": 8895, "AR": 1195, "MX": 500, "CL": 383, "CO": 329} {
			if perCC[cc] != want {
				t.Errorf("%s: got %d ASNs, want %d", cc, perCC[cc], want)
			}
		}
	})
	t.Run("prefix record", func(t *testing.T) {
		id := PrefixID("lacnic", 6, "2001:12ff::", 32)
		for _, r := range recs {
			if r.ID != id {
				continue
			}
			var d ixp.PrefixDelegation
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			want := ixp.PrefixDelegation{Registry: "lacnic", Country: "BR", Family: 6, Start: "2001:12ff::", Count: 32,
				Prefixes: []string{"2001:12ff::/32"}, Status: "assigned", Date: "2007-12-19", OpaqueID: "114721"}
			if diff := testdiff.Diff(want, d); diff != "" {
				t.Errorf("prefix delegation (-want +got):\n%s", diff)
			}
			return
		}
		t.Error("got no record for 2001:12ff::/32")
	})
}
