package peeringdb

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/jsonkeys"
	"github.com/ixpobs/ixpobs/ixp"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

// TestRawFieldsCoverEveryKind: unmarshal's case check needs the field
// names of every raw type parseObject decodes.
func TestRawFieldsCoverEveryKind(t *testing.T) {
	for _, k := range ixp.PeeringDBKinds {
		if _, err := parseObject(k, []byte(`{"id":1,"ID":2}`), new(jsonkeys.Checker)); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("%s: {id, ID} gave %v, want ErrInvalid", k, err)
		}
	}
	if len(rawFields) != len(ixp.PeeringDBKinds) { // one raw type per kind
		t.Errorf("rawFields has %d types, PeeringDBKinds %d", len(rawFields), len(ixp.PeeringDBKinds))
	}
}

// TestValues: values out of range enter as quirks (counted, noted, the
// value unknown in the model); duplicate and case-variant keys are
// refused with file, record and key.
func TestValues(t *testing.T) {
	conn := func(extra string) string {
		return `{"id": 9, "net_id": 500, "ix_id": 1, "ixlan_id": 100, "asn": 64500, "speed": 10000, "ipaddr4": "187.16.216.9",` +
			` "ipaddr6": "2001:12f8::9", "created": "2015-03-01T00:00:00Z", "updated": "2021-01-01T00:00:00Z", "status": "ok"` + extra + `}`
	}
	set := func(field, value string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(conn("")), &m); err != nil {
			panic(err)
		}
		var v any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			panic(err)
		}
		m[field] = v
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct {
		name, file, obj string
		quirk           string // the quirk counted, "" for none
		check           func(ixp.Connection) bool
		refused         string // error text when refused
	}{
		{name: "valid", file: "netixlan", obj: conn(""), check: func(c ixp.Connection) bool { return c.Speed == 10000 && c.IPv6 == "2001:12f8::9" }},
		{name: "speed 2^62", file: "netixlan", obj: set("speed", "4611686018427387904"), quirk: ixp.QuirkSpeedOutOfRange, check: func(c ixp.Connection) bool { return c.Speed == 0 }},
		{name: "negative speed", file: "netixlan", obj: set("speed", "-100"), quirk: ixp.QuirkSpeedOutOfRange, check: func(c ixp.Connection) bool { return c.Speed == 0 }},
		{name: "speed 10 Tbps kept", file: "netixlan", obj: set("speed", "10000000"), check: func(c ixp.Connection) bool { return c.Speed == 10_000_000 }},
		{name: "speed over 10 Tbps", file: "netixlan", obj: set("speed", "10000001"), quirk: ixp.QuirkSpeedOutOfRange, check: func(c ixp.Connection) bool { return c.Speed == 0 }},
		{name: "ipv6 in ipaddr4", file: "netixlan", obj: set("ipaddr4", `"2001:db8::1"`), quirk: ixp.QuirkAddressInvalid, check: func(c ixp.Connection) bool { return c.IPv4 == "" && c.IPv6 != "" }},
		{name: "ipv4 in ipaddr6", file: "netixlan", obj: set("ipaddr6", `"192.0.2.1"`), quirk: ixp.QuirkAddressInvalid, check: func(c ixp.Connection) bool { return c.IPv6 == "" }},
		{name: "mapped ipv4 in ipaddr6", file: "netixlan", obj: set("ipaddr6", `"::ffff:192.0.2.1"`), quirk: ixp.QuirkAddressInvalid, check: func(c ixp.Connection) bool { return c.IPv6 == "" }},
		{name: "garbage address", file: "netixlan", obj: set("ipaddr4", `"300.1.1.1"`), quirk: ixp.QuirkAddressInvalid, check: func(c ixp.Connection) bool { return c.IPv4 == "" }},
		{name: "zoned address", file: "netixlan", obj: set("ipaddr6", `"fe80::1%eth0"`), quirk: ixp.QuirkAddressInvalid, check: func(c ixp.Connection) bool { return c.IPv6 == "" }},
		{name: "created not a date", file: "netixlan", obj: set("created", `"yesterday"`), quirk: ixp.QuirkDateInvalid, check: func(c ixp.Connection) bool { return c.Created == "" }},
		{name: "created 1970", file: "netixlan", obj: set("created", `"1970-01-01T00:00:00Z"`), quirk: ixp.QuirkDateInvalid, check: func(c ixp.Connection) bool { return c.Created == "" }},
		{name: "created 9999", file: "netixlan", obj: set("created", `"9999-01-01T00:00:00Z"`), quirk: ixp.QuirkDateInvalid, check: func(c ixp.Connection) bool { return c.Created == "" }},
		{name: "created kept", file: "netixlan", obj: conn(""), check: func(c ixp.Connection) bool { return c.Created == "2015-03-01" }},
		{name: "asn over 32 bits", file: "netixlan", obj: set("asn", "4294967296"), refused: "asn"},
		{name: "negative asn", file: "netixlan", obj: set("asn", "-1"), refused: "asn"},
		{name: "duplicate key", file: "netixlan", obj: conn(`, "speed": 1`), refused: `key "speed" given twice`},
		{name: "case-variant key", file: "netixlan", obj: conn(`, "SPEED": 1`), refused: `"SPEED"`},
		{name: "case-variant key alone", file: "netixlan", obj: strings.Replace(conn(""), `"asn"`, `"ASN"`, 1), refused: `differs only in case from field "asn"`},
		{name: "unknown field kept out", file: "netixlan", obj: conn(`, "new_field": 1, "New_Field": 2`), refused: `differs only in case`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tc.file+".json"), []byte(`{"data": [`+tc.obj+`]}`), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := ReadDir(context.Background(), dir)
			if tc.refused != "" {
				var pe *ixp.ParseError
				if !errors.As(err, &pe) || !errors.Is(err, ixp.ErrInvalid) && !strings.Contains(err.Error(), "cannot unmarshal") {
					t.Fatalf("ReadDir = %v, want a ParseError", err)
				}
				if pe.Record != 0 || !strings.HasSuffix(pe.File, tc.file+".json") || !strings.Contains(err.Error(), tc.refused) {
					t.Errorf("error %v: want record 0 of %s.json mentioning %s", err, tc.file, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			in, err := d.Snapshot(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Records) != 1 {
				t.Fatalf("%d records, want 1", len(in.Records))
			}
			var c ixp.Connection
			if err := json.Unmarshal(in.Records[0].Data, &c); err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("connection %+v", c)
			}
			got := ixp.QuirkCounts(in.Notes)
			var want map[string]int
			if tc.quirk != "" {
				want = map[string]int{tc.quirk: 1}
				if !strings.Contains(strings.Join(in.Notes, "\n"), "netixlan.json netixlan 9") {
					t.Errorf("notes %q do not name the file and object", in.Notes)
				}
			}
			if d := testdiff.Diff(want, got); d != "" {
				t.Errorf("quirks (notes %q), -want +got:\n%s", in.Notes, d)
			}
		})
	}
}

func TestCountryValidated(t *testing.T) {
	dir := t.TempDir()
	org := `{"data": [{"id": 1, "name": "a", "country": "br", "status": "ok", "updated": "2021-01-01T00:00:00Z"},` +
		`{"id": 2, "name": "b", "country": "XX", "status": "ok"}, {"id": 3, "name": "c", "country": "", "status": "ok"},` +
		`{"id": 4, "name": "d", "country": "BRA", "status": "ok"}]}`
	if err := os.WriteFile(filepath.Join(dir, "org.json"), []byte(org), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.Snapshot(time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{1: "BR", 2: "", 3: "", 4: ""}
	for _, r := range in.Records {
		var o ixp.Organization
		json.Unmarshal(r.Data, &o)
		if o.Country != want[o.ID] {
			t.Errorf("org %d country %q, want %q", o.ID, o.Country, want[o.ID])
		}
	}
	if got := ixp.QuirkCounts(in.Notes); got[ixp.QuirkCountryInvalid] != 2 {
		t.Errorf("quirks %v, want country_invalid 2 (notes %q)", got, in.Notes)
	}
}
