package rir

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testdiff"
	"github.com/ixpobs/ixpobs/ixp"
)

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t *testing.T, in []byte) (Header, []Entry, *Report, error) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(in), "test")
	if err != nil {
		return Header{}, nil, nil, err
	}
	var es []Entry
	for {
		e, err := rd.Next(context.Background())
		if err == io.EOF {
			return rd.Header(), es, rd.Report(), nil
		}
		if err != nil {
			return rd.Header(), es, rd.Report(), err
		}
		es = append(es, e)
	}
}

func TestReaderSmallFiles(t *testing.T) {
	tests := []struct {
		file     string
		header   Header
		entries  int
		fields   map[int]int
		trailing int
		first    Entry
	}{
		{
			file: "lacnic-small.txt",
			header: Header{Version: "2.3", Registry: "lacnic", Serial: "20220331", Records: 9,
				StartDate: "1987-01-01", EndDate: "2022-03-31", UTCOffset: "-0300",
				Date:    time.Date(2022, 3, 31, 0, 0, 0, 0, time.UTC),
				Summary: map[string]int{"ipv4": 3, "ipv6": 2, "asn": 4}},
			entries: 9, fields: map[int]int{7: 2, 8: 7},
			first: Entry{Line: 7, Registry: "lacnic", CC: "BR", Type: "ipv4", Start: "200.160.0.0", Value: 4096,
				Date: "2001-10-16", Status: "assigned", OpaqueID: "114721"},
		},
		{
			file: "iana-small.txt",
			header: Header{Version: "2", Registry: "iana", Serial: "20190911", Records: 5,
				StartDate: "1983-01-01", EndDate: "2019-06-12", UTCOffset: "+0000",
				Date:    time.Date(2019, 9, 11, 0, 0, 0, 0, time.UTC),
				Summary: map[string]int{"asn": 2, "ipv4": 2, "ipv6": 1}},
			entries: 5, fields: map[int]int{7: 5}, trailing: 2,
			first: Entry{Line: 5, Registry: "iana", CC: "ZZ", Type: "asn", Start: "0", Value: 1,
				Date: "1992-01-01", Status: "ietf"},
		},
		{
			file: "apnic-small.txt",
			header: Header{Version: "2.3", Registry: "apnic", Serial: "20160131", Records: 4,
				StartDate: "", EndDate: "2016-01-30", UTCOffset: "+1000",
				Date:    time.Date(2016, 1, 31, 0, 0, 0, 0, time.UTC),
				Summary: map[string]int{"asn": 2, "ipv4": 2, "ipv6": 0}},
			entries: 4, fields: map[int]int{8: 3, 10: 1},
			first: Entry{Line: 5, Registry: "apnic", CC: "JP", Type: "asn", Start: "2497", Value: 32,
				Date: "2002-04-05", Status: "allocated", OpaqueID: "A91A7381"},
		},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, compressed := range []bool{false, true} {
			name := tt.file
			in := raw
			if compressed {
				name += ".gz"
				in = gz(t, raw)
			}
			t.Run(name, func(t *testing.T) {
				h, es, rep, err := readAll(t, in)
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if d := testdiff.Diff(tt.header, h); d != "" {
					t.Errorf("header (-want +got):\n%s", d)
				}
				if len(es) != tt.entries {
					t.Errorf("got %d entries, want %d", len(es), tt.entries)
				}
				if d := testdiff.Diff(tt.fields, rep.Fields); d != "" {
					t.Errorf("fields per line (-want +got):\n%s", d)
				}
				if rep.Trailing != tt.trailing {
					t.Errorf("got %d trailing lines, want %d", rep.Trailing, tt.trailing)
				}
				if len(es) > 0 {
					if d := testdiff.Diff(tt.first, es[0]); d != "" {
						t.Errorf("first entry (-want +got):\n%s", d)
					}
				}
			})
		}
	}
}

func TestReaderEntries(t *testing.T) {
	_, es, _, err := readAll(t, mustRead(t, "lacnic-small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  Entry
		want Entry
	}{
		{"available has 7 fields", es[4], Entry{Line: 11, Registry: "lacnic", Type: "ipv6", Start: "2801:1a0::", Value: 28, Status: "available"}},
		{"reserved with empty opaque id", es[2], Entry{Line: 9, Registry: "lacnic", Type: "ipv4", Start: "45.4.0.0", Value: 262144, Status: "reserved"}},
		{"date 00000000 after a comment", es[8], Entry{Line: 16, Registry: "lacnic", CC: "CL", Type: "asn", Start: "27678", Value: 1, Status: "allocated", OpaqueID: "11510"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := testdiff.Diff(tt.want, tt.got); d != "" {
				t.Errorf("entry (-want +got):\n%s", d)
			}
		})
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const goodHeader = "2.3|lacnic|20220331|1|19870101|20220331|-0300\nlacnic|*|asn|*|1|summary\n"

func TestReaderErrors(t *testing.T) {
	full := gz(t, mustRead(t, "lacnic-small.txt"))
	tests := []struct {
		name string
		in   []byte
		want error  // sentinel the error must wrap
		line string // "line N" the message must name, if any
	}{
		{"empty input", nil, ixp.ErrTruncated, ""},
		{"only comments", []byte("# nothing\n\n"), ixp.ErrTruncated, ""},
		{"version line with 6 fields", []byte("2.3|lacnic|20220331|1|19870101|20220331\n"), ixp.ErrInvalid, "line 1"},
		{"version 1", []byte("1|lacnic|20220331|0|19870101|20220331|-0300\n"), ixp.ErrInvalid, "line 1"},
		{"no date in header", []byte("2|arin|123|0|00000000|00000000|-0400\n"), ixp.ErrInvalid, "line 1"},
		{"bad record count", []byte("2|arin|20240101|x|19700101|20240101|-0400\n"), ixp.ErrInvalid, "line 1"},
		{"bad asn", []byte(goodHeader + "lacnic|BR|asn|4294967296|1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"asn not a number", []byte(goodHeader + "lacnic|BR|asn|AS28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"asn range past 32 bits", []byte(goodHeader + "lacnic|BR|asn|4294967295|2|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"zero count", []byte(goodHeader + "lacnic|BR|asn|28598|0|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"negative count", []byte(goodHeader + "lacnic|BR|asn|28598|-1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"bad date", []byte(goodHeader + "lacnic|BR|asn|28598|1|20201301|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"six fields", []byte(goodHeader + "lacnic|BR|asn|28598|1|20200101\n"), ixp.ErrInvalid, "line 3"},
		{"unknown type", []byte(goodHeader + "lacnic|BR|as|28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"other registry", []byte(goodHeader + "arin|US|asn|28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"bad country", []byte(goodHeader + "lacnic|B1|asn|28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"allocated without country", []byte(goodHeader + "lacnic||asn|28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"empty status", []byte(goodHeader + "lacnic|BR|asn|28598|1|20200101||1\n"), ixp.ErrInvalid, "line 3"},
		{"summary disagrees", []byte(strings.Replace(goodHeader, "|1|summary", "|2|summary", 1) + "lacnic|BR|asn|28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, ""},
		{"no summary for a type", []byte("2.3|lacnic|20220331|1|19870101|20220331|-0300\nlacnic|BR|asn|28598|1|20200101|allocated|1\n"), ixp.ErrInvalid, ""},
		{"bad ipv4", []byte(strings.Replace(goodHeader, "asn", "ipv4", 1) + "lacnic|BR|ipv4|200.160.0|4096|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"ipv6 in an ipv4 line", []byte(strings.Replace(goodHeader, "asn", "ipv4", 1) + "lacnic|BR|ipv4|2001:db8::|4096|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"ipv4 range past the end", []byte(strings.Replace(goodHeader, "asn", "ipv4", 1) + "lacnic|BR|ipv4|255.255.255.0|512|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"ipv6 length 129", []byte(strings.Replace(goodHeader, "asn", "ipv6", 1) + "lacnic|BR|ipv6|2001:db8::|129|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"ipv6 host bits", []byte(strings.Replace(goodHeader, "asn", "ipv6", 1) + "lacnic|BR|ipv6|2001:db8::1|32|20200101|allocated|1\n"), ixp.ErrInvalid, "line 3"},
		{"last record without newline", []byte(strings.TrimSuffix(goodHeader+"lacnic|BR|asn|2859|1|20200101|allocated|1\n", "\n")), ixp.ErrTruncated, "line 3"},
		{"fewer records than declared", []byte(goodHeader), ixp.ErrTruncated, ""},
		{"truncated gzip", full[:len(full)/2], ixp.ErrTruncated, ""},
		{"gzip without its trailer", full[:len(full)-4], ixp.ErrTruncated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := readAll(t, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want one wrapping %v", err, tt.want)
			}
			var pe *ixp.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got error %T %v, want *ixp.ParseError", err, err)
			}
			if pe.Source != "rir" || pe.File != "test" {
				t.Errorf("got source %q file %q, want rir and test", pe.Source, pe.File)
			}
			if tt.line != "" && !strings.Contains(err.Error(), tt.line+":") {
				t.Errorf("got %q, want it to name %s", err, tt.line)
			}
		})
	}
}

func TestReaderContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rd, err := NewReader(bytes.NewReader(mustRead(t, "lacnic-small.txt")), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestImportSmall(t *testing.T) {
	res, err := Import(context.Background(), bytes.NewReader(mustRead(t, "apnic-small.txt")), "apnic-small.txt")
	if err != nil {
		t.Fatal(err)
	}
	var asns, prefixes int
	for _, r := range res.Records {
		switch r.Kind {
		case ixp.KindASNDelegation:
			asns++
		case ixp.KindPrefixDelegation:
			prefixes++
		}
	}
	if asns != 32 || prefixes != 2 {
		t.Fatalf("got %d asn and %d prefix records, want 32 and 2", asns, prefixes)
	}
	if d := testdiff.Diff(map[string]int{"available": 1}, res.Report.ASNsDropped); d != "" {
		t.Errorf("dropped (-want +got):\n%s", d)
	}
	// AS2497+31 is the last ASN of the JP range.
	last := res.Records[31]
	if last.ID != 2528 || last.ASN != 2528 {
		t.Errorf("got last range record id %d asn %d, want 2528", last.ID, last.ASN)
	}
	var d ixp.ASNDelegation
	if err := json.Unmarshal(last.Data, &d); err != nil {
		t.Fatal(err)
	}
	want := ixp.ASNDelegation{ASN: 2528, Registry: "apnic", Country: "JP", Status: "allocated", Date: "2002-04-05", OpaqueID: "A91A7381"}
	if d != want {
		t.Errorf("got %+v, want %+v", d, want)
	}
	var p ixp.PrefixDelegation
	if err := json.Unmarshal(res.Records[32].Data, &p); err != nil {
		t.Fatal(err)
	}
	wantP := ixp.PrefixDelegation{Registry: "apnic", Country: "ZA", Family: 4, Start: "196.4.20.0", Count: 2560,
		Prefixes: []string{"196.4.20.0/22", "196.4.24.0/22", "196.4.28.0/23"}, Status: "allocated", Date: "1993-08-31", OpaqueID: "F369838C"}
	if d := testdiff.Diff(wantP, p); d != "" {
		t.Errorf("prefix delegation (-want +got):\n%s", d)
	}
	if res.Records[32].ID != PrefixID("apnic", 4, "196.4.20.0", 2560) {
		t.Errorf("got id %d, want PrefixID of the line", res.Records[32].ID)
	}
	in := res.SnapshotInput()
	if in.Source != "rir:apnic" || !in.At.Equal(time.Date(2016, 1, 31, 0, 0, 0, 0, time.UTC)) || in.Delta {
		t.Errorf("got snapshot %s at %v delta %v, want rir:apnic at 2016-01-31 full", in.Source, in.At, in.Delta)
	}
	if d := testdiff.Diff([]ixp.Kind{ixp.KindASNDelegation, ixp.KindPrefixDelegation}, in.Kinds); d != "" {
		t.Errorf("kinds (-want +got):\n%s", d)
	}
}

func TestImportIANA(t *testing.T) {
	res, err := Import(context.Background(), bytes.NewReader(mustRead(t, "iana-small.txt")), "iana-small.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 3 {
		t.Fatalf("got %d records, want the 3 prefix designations", len(res.Records))
	}
	var p ixp.PrefixDelegation
	if err := json.Unmarshal(res.Records[2].Data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != "lacnic" || p.Prefixes[0] != "2800::/12" || p.Family != 6 {
		t.Errorf("got %+v, want 2800::/12 designated to lacnic", p)
	}
	if d := testdiff.Diff(map[string]int{"ietf": 1, "lacnic": 2048}, res.Report.ASNsDropped); d != "" {
		t.Errorf("dropped asns (-want +got):\n%s", d)
	}
	if d := testdiff.Diff([]ixp.Kind{ixp.KindPrefixDelegation}, res.SnapshotInput().Kinds); d != "" {
		t.Errorf("kinds (-want +got):\n%s", d)
	}
}

func TestRecordsDuplicates(t *testing.T) {
	base := Entry{Line: 1, Registry: "lacnic", CC: "BR", Type: "asn", Start: "28598", Value: 1, Status: "allocated"}
	tests := []struct {
		name    string
		entries []Entry
		wantErr bool
		want    int
	}{
		{"one asn", []Entry{base}, false, 1},
		{"same asn twice", []Entry{base, base}, true, 0},
		{"asn inside an earlier range", []Entry{{Line: 1, Registry: "lacnic", CC: "BR", Type: "asn", Start: "28590", Value: 10, Status: "assigned"}, base}, true, 0},
		{"range too large", []Entry{{Line: 1, Registry: "lacnic", CC: "BR", Type: "asn", Start: "1", Value: MaxASNRange + 1, Status: "allocated"}}, true, 0},
		{"same prefix twice", []Entry{
			{Line: 1, Registry: "lacnic", CC: "BR", Type: "ipv4", Start: "200.160.0.0", Value: 4096, Status: "allocated"},
			{Line: 2, Registry: "lacnic", CC: "AR", Type: "ipv4", Start: "200.160.0.0", Value: 4096, Status: "assigned"}}, true, 0},
		{"mixed registries", []Entry{base, {Line: 2, Registry: "arin", CC: "US", Type: "asn", Start: "1", Value: 1, Status: "allocated"}}, true, 0},
		{"reserved not kept", []Entry{{Line: 1, Registry: "lacnic", Type: "asn", Start: "1", Value: 5, Status: "reserved"}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := Records(tt.entries)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && len(recs) != tt.want {
				t.Errorf("got %d records, want %d", len(recs), tt.want)
			}
			if err != nil && !errors.Is(err, ixp.ErrInvalid) {
				t.Errorf("got %v, want it to wrap ixp.ErrInvalid", err)
			}
		})
	}
}

// Every cut of a gzip file must fail as truncated, never parse a fragment.
// (A single byte cannot be recognised as gzip, hence the start at 2.)
func TestReaderGzipCuts(t *testing.T) {
	full := gz(t, mustRead(t, "lacnic-small.txt"))
	for cut := 2; cut < len(full); cut++ {
		_, _, _, err := readAll(t, full[:cut])
		if !errors.Is(err, ixp.ErrTruncated) {
			t.Errorf("cut at %d of %d: got %v, want ixp.ErrTruncated", cut, len(full), err)
		}
	}
}

// TestImportFarFutureSerial: a file whose serial says 2099-12-31 (or 1985)
// is refused with the file named, not published as the newest registry.
func TestImportFarFutureSerial(t *testing.T) {
	good := string(mustRead(t, "apnic-small.txt"))
	for _, tc := range []struct{ name, header string }{
		{"future serial", "2.3|apnic|20991231|4||20991230|+1000"},
		{"future end date", "2.3|apnic|1|4||99991231|+1000"},
		{"before 1990", "2.3|apnic|19851231|4||19851230|+1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(good, "2.3|apnic|20160131|4||20160130|+1000", tc.header, 1)
			_, err := Import(context.Background(), strings.NewReader(in), "apnic-odd.txt")
			var te *ixp.TimeError
			var pe *ixp.ParseError
			if !errors.As(err, &te) || !errors.As(err, &pe) || pe.File != "apnic-odd.txt" {
				t.Fatalf("Import = %v, want a ParseError naming the file around a TimeError", err)
			}
		})
	}
}
