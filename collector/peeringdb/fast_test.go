package peeringdb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
)

// TestFastReaderRealDump: the fast reader reads every file of the real
// 2022-06-01 dump to the end, into the dump the reference reader gives.
func TestFastReaderRealDump(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 144,000-object dump twice")
	}
	dir := filepath.Join(testenv.SharedData(t), "peeringdb", "ixgen-2022-06-01")
	diff, fast, err := peeringdb.ReadDirBoth(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatal(diff)
	}
	if fast != 9 {
		t.Errorf("fast reader read %d of 9 files to the end", fast)
	}
}

// TestFastReaderCases: inputs the fast reader reads and inputs it leaves
// to the reference reader give the same dump or the same error.
func TestFastReaderCases(t *testing.T) {
	ix, err := os.ReadFile(filepath.Join("testdata/dump", "ix.json"))
	if err != nil {
		t.Fatal(err)
	}
	netixlan, err := os.ReadFile(filepath.Join("testdata/dump", "netixlan.json"))
	if err != nil {
		t.Fatal(err)
	}
	obj := `{"id": 7000, "net_id": 1, "ix_id": 1, "ixlan_id": 1, "asn": 64500, "speed": 10000, "ipaddr4": "192.0.2.1", "ipaddr6": null, "is_rs_peer": true, "operational": true, "status": "ok", "created": "2020-01-01T00:00:00Z", "updated": "2020-01-02T00:00:00Z"%s}`
	page := func(extra string) []byte {
		return []byte(`{"data": [` + strings.Replace(obj, "%s", extra, 1) + `], "meta": {}}`)
	}
	cases := []struct {
		name string
		data []byte
		fast bool
	}{
		{"fixture", netixlan, true},
		{"plain", page(""), true},
		{"unknown fields", page(`, "notes": "a\nb \u00e9 é", "x": [1, -2.5e3, {"a": null, "b": [true, false]}], "y": {}`), true},
		{"escaped string", page(`, "name": "say \"hi\""`), true},
		{"NUL", page(`, "notes": "a\u0000b"`), false},
		{"lone surrogate", page(`, "notes": "\ud800"`), false},
		{"surrogate pair", page(`, "notes": "\ud83d\ude00"`), false},
		{"invalid UTF-8", page(", \"notes\": \"a\xffb\""), false},
		{"duplicate key", page(`, "asn": 64501`), false},
		{"duplicate nested key", page(`, "x": {"a": 1, "a": 2}`), false},
		{"case-variant key", page(`, "ASN": 64501`), false},
		{"case-variant nested key", page(`, "x": {"a": 1, "A": 2}`), false},
		{"speed a string", []byte(strings.Replace(string(page("")), `"speed": 10000`, `"speed": "10000"`, 1)), false},
		{"speed a float", []byte(strings.Replace(string(page("")), `"speed": 10000`, `"speed": 1e4`, 1)), false},
		{"speed past int64", []byte(strings.Replace(string(page("")), `"speed": 10000`, `"speed": 9223372036854775808`, 1)), false},
		{"asn negative", []byte(strings.Replace(string(page("")), `"asn": 64500`, `"asn": -1`, 1)), false},
		{"asn null", []byte(strings.Replace(string(page("")), `"asn": 64500`, `"asn": null`, 1)), true},
		{"id zero", []byte(strings.Replace(string(page("")), `"id": 7000`, `"id": 0`, 1)), true},
		{"id twice", []byte(`{"data": [` + strings.Replace(obj, "%s", "", 1) + `,` + strings.Replace(obj, "%s", "", 1) + `]}`), true},
		{"trailing comma", []byte(`{"data": [` + strings.Replace(obj, "%s", "", 1) + `,]}`), false},
		{"number 01", []byte(strings.Replace(string(page("")), `"speed": 10000`, `"speed": 01`, 1)), false},
		{"long white space", []byte(`{"data": [` + strings.Replace(obj, "%s", "", 1) + strings.Repeat(" ", 5000) + `]}`), false},
		{"data null", []byte(`{"data": null}`), true},
		{"two documents", append(page(""), page("")...), false},
		{"truncated", page("")[:100], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diff, fast := peeringdb.CompareReaders(nil, 0, c.data, ixp.KindConnection)
			if diff != "" {
				t.Fatal(diff)
			}
			if fast != c.fast {
				t.Errorf("fast reader decided: %v, want %v", fast, c.fast)
			}
			// After a file read fast: what the fast reader added before
			// giving up is set back.
			if diff, _ := peeringdb.CompareReaders(ix, ixp.KindExchange, c.data, ixp.KindConnection); diff != "" {
				t.Fatalf("after ix.json: %s", diff)
			}
			if diff, _ := peeringdb.CompareReaders(netixlan, ixp.KindConnection, c.data, ixp.KindConnection); diff != "" {
				t.Fatalf("after netixlan.json: %s", diff)
			}
		})
	}
}
