package peeringdb_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/ixp"
)

func TestReadDirFixture(t *testing.T) {
	d, err := peeringdb.ReadDir(context.Background(), "testdata/dump")
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.Snapshot(time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2022, 5, 31, 0, 0, 0, 0, time.UTC); !in.At.Equal(want) {
		t.Errorf("default snapshot time = %s, want the day of the newest updated, %s", in.At, want)
	}
	if got := len(in.Kinds); got != 6 {
		t.Errorf("kinds = %v, want the 6 files present", in.Kinds)
	}
	counts := map[ixp.Kind]int{}
	var prefix ixp.ExchangePrefix
	var rio ixp.Exchange
	for _, r := range in.Records {
		counts[r.Kind]++
		switch {
		case r.Kind == ixp.KindExchangePrefix && r.ID == 1000:
			json.Unmarshal(r.Data, &prefix)
			if r.IXID != 1 {
				t.Errorf("ixpfx 1000 record IXID = %d, want 1 (resolved through its ixlan)", r.IXID)
			}
		case r.Kind == ixp.KindExchange && r.ID == 2:
			json.Unmarshal(r.Data, &rio)
		}
	}
	if counts[ixp.KindExchange] != 2 {
		t.Errorf("exchanges kept = %d, want 2 (the pending one is skipped)", counts[ixp.KindExchange])
	}
	if prefix.IXID != 1 || prefix.Prefix != "187.16.216.0/21" {
		t.Errorf("ixpfx 1000 = %+v, want IX 1 and its prefix", prefix)
	}
	if rio.Country != "BR" || rio.Created != "2012-01-01" {
		t.Errorf("ix 2 = %+v, want country upper-cased and created as a date", rio)
	}
	if got := d.Report.Skipped["ix pending"]; got != 1 {
		t.Errorf("skipped pending ix = %d, want 1", got)
	}
	if got := d.Report.Dangling["netixlan.net_id"]; got != 1 {
		t.Errorf("dangling netixlan.net_id = %d, want 1 (net 999 does not exist)", got)
	}
	if !strings.Contains(strings.Join(in.Notes, ";"), "dangling reference netixlan.net_id: 1") {
		t.Errorf("notes = %v, want the dangling reference reported", in.Notes)
	}
}

// TestSingleFileLayout reads the same data in the {"ix": {"data": …}} layout.
func TestSingleFileLayout(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("{")
	for i, tag := range []string{"org", "ix", "ixlan", "ixpfx", "net", "netixlan"} {
		b, err := os.ReadFile(filepath.Join("testdata/dump", tag+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString(`"` + tag + `": ` + string(b))
	}
	buf.WriteString(`, "poc": {"data": []}}`)
	path := filepath.Join(t.TempDir(), "peeringdb.json")
	os.WriteFile(path, buf.Bytes(), 0o644)
	single, err := peeringdb.ReadFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := peeringdb.ReadDir(context.Background(), "testdata/dump")
	a, _ := single.Snapshot(time.Time{}, false)
	b, _ := dir.Snapshot(time.Time{}, false)
	if len(a.Records) != len(b.Records) || !a.At.Equal(b.At) {
		t.Errorf("single file: %d records at %s; directory: %d at %s", len(a.Records), a.At, len(b.Records), b.At)
	}
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// TestBadInput checks that broken files give a ParseError naming the
// file and the place.
func TestBadInput(t *testing.T) {
	good, err := os.ReadFile("testdata/dump/netixlan.json")
	if err != nil {
		t.Fatal(err)
	}
	gz := gzipBytes(good)
	cases := []struct {
		name      string
		file      string
		content   []byte
		truncated bool
		wantIn    string
	}{
		{"truncated gzip", "netixlan.json.gz", gz[:len(gz)/2], true, "netixlan.json.gz"},
		{"gzip without its trailer", "netixlan.json.gz", gz[:len(gz)-4], true, "netixlan.json.gz"},
		{"corrupt gzip trailer", "netixlan.json.gz", append(append([]byte{}, gz[:len(gz)-8]...), 0, 0, 0, 0, 0, 0, 0, 0), false, "gzip"},
		{"truncated JSON", "netixlan.json", good[:len(good)/2], true, "record"},
		{"invalid JSON", "netixlan.json", []byte(`{"data": [{"id": 1,, }]}`), false, "offset"},
		{"wrong type", "netixlan.json", []byte(`{"data": [{"id": "x"}]}`), false, "record 0"},
		{"not an object", "netixlan.json", []byte(`[1,2,3]`), false, "want a JSON object"},
		{"data not an array", "netixlan.json", []byte(`{"data": {"id": 1}}`), false, "want an array"},
		{"empty file", "netixlan.json", []byte{}, true, "netixlan.json"},
		{"html", "netixlan.json", []byte("<html><body>Bad gateway</body></html>"), false, "netixlan.json"},
		{"object without id", "netixlan.json", []byte(`{"data": [{"asn": 1}]}`), false, "valid id"},
		{"trailing garbage", "netixlan.json", append(append([]byte{}, good...), []byte(`{"x":1}`)...), false, "after the end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, c.file), c.content, 0o644)
			_, err := peeringdb.ReadDir(context.Background(), dir)
			var pe *ixp.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ReadDir = %v, want a *ixp.ParseError", err)
			}
			if pe.Source != "peeringdb" || !strings.HasSuffix(pe.File, c.file) {
				t.Errorf("error names source %q file %q, want peeringdb and %s", pe.Source, pe.File, c.file)
			}
			if !strings.Contains(err.Error(), c.wantIn) {
				t.Errorf("error %q does not mention %q", err, c.wantIn)
			}
			if c.truncated && !errors.Is(err, ixp.ErrTruncated) {
				t.Errorf("error %v does not wrap ErrTruncated", err)
			}
		})
	}
}

func TestNoObjectFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README"), []byte("hello"), 0o644)
	if _, err := peeringdb.ReadDir(context.Background(), dir); !errors.Is(err, ixp.ErrInvalid) {
		t.Errorf("ReadDir of a directory without object files = %v, want ErrInvalid", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, tag := range []string{"ix", "netixlan", "ixpfx", "net"} {
		b, err := os.ReadFile(filepath.Join("testdata/dump", tag+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(gzipBytes(b), uint8(1))
	}
	f.Add([]byte(`{"ix": {"data": [{"id": 1, "status": "ok"}]}, "netixlan": {"data": []}}`), uint8(2))
	kinds := []ixp.Kind{ixp.KindExchange, ixp.KindConnection, 0, ixp.KindNetwork}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		fuzzlimit.Check(t, func() {
			d := peeringdb.NewDump()
			kind := kinds[int(k)%len(kinds)]
			// The fast reader gives the reference reader's dump or error.
			if diff, _ := peeringdb.CompareReaders(nil, 0, data, kind); diff != "" {
				t.Fatal(diff)
			}
			if err := d.Read(bytes.NewReader(data), "fuzz.json", kind); err != nil {
				var pe *ixp.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Read error %v is not a ParseError", err)
				}
				return
			}
			if _, err := d.Snapshot(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), false); err != nil && !errors.Is(err, ixp.ErrInvalid) {
				t.Fatalf("Snapshot error %v", err)
			}
		})
	})
}
