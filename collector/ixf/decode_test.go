package ixf

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// realExports lists every IX-F export of the shared data with what decoding
// it must give. Member entries are the counts of PROVENANCE.md; members are
// distinct valid ASNs; dropped and quirks were checked against the files
// (e.g. CATNIX has two malformed IPv6 addresses, DE-CIX three
// comma-separated pairs, LONAP one 5-digit group, AMS-IX one null asnum).
var realExports = []struct {
	file      string
	version   string
	timestamp string
	exchanges int
	entries   int
	members   int
	conns     int
	dropped   map[string]int
	quirks    map[string]int
}{
	{file: "ixf/arouteserver-tests/generated-from-clients_bcix.json", version: "0.6", timestamp: "2017-11-24T17:32:01Z", exchanges: 1, entries: 81, members: 81, conns: 95,
		dropped: nil,
		quirks:  map[string]int{"null_list": 81, "vlan_families_merged": 87}},
	{file: "ixf/arouteserver-tests/generated-from-clients_gr-ix.json", version: "0.6", timestamp: "2017-11-24T17:32:02Z", exchanges: 1, entries: 28, members: 28, conns: 39,
		dropped: nil,
		quirks:  map[string]int{"null_list": 28, "vlan_families_merged": 35}},
	{file: "ixf/arouteserver-tests/skip_routeserver_06.json", version: "0.6", timestamp: "2020-02-05T11:51:32Z", exchanges: 1, entries: 19, members: 19, conns: 19,
		dropped: nil,
		quirks:  map[string]int{"connection_without_vlan": 1, "null_list": 20}},
	{file: "ixf/arouteserver-tests/skip_routeserver_07.json", version: "0.7", timestamp: "2020-03-14T11:15:41Z", exchanges: 1, entries: 23, members: 23, conns: 24,
		dropped: nil,
		quirks:  nil},
	{file: "ixf/arouteserver-tests/skip_routeserver_10.json", version: "1.0", timestamp: "2020-03-14T11:31:50Z", exchanges: 1, entries: 19, members: 19, conns: 19,
		dropped: nil,
		quirks:  nil},
	{file: "ixf/kskb-ix/kskb-ix_ixf_commit-2022-08-16.json", version: "1.0", timestamp: "2022-08-15T17:03:34Z", exchanges: 1, entries: 31, members: 31, conns: 32,
		dropped: nil,
		quirks:  map[string]int{"null_list": 31}},
	{file: "ixf/kskb-ix/kskb-ix_ixf_commit-2023-06-20.json", version: "1.0", timestamp: "", exchanges: 1, entries: 59, members: 58, conns: 60,
		dropped: nil,
		quirks:  map[string]int{"duplicate_member": 1, "timestamp_missing": 1}},
	{file: "ixf/kskb-ix/kskb-ix_ixf_commit-2026-05-02.json", version: "1.0", timestamp: "", exchanges: 1, entries: 69, members: 68, conns: 71,
		dropped: nil,
		quirks:  map[string]int{"duplicate_member": 1, "timestamp_missing": 1}},
	{file: "ixf/peerme-2016-10/AMS-IX.json", version: "0.4", timestamp: "2016-10-22T17:13:51Z", exchanges: 6, entries: 855, members: 854, conns: 1085,
		dropped: map[string]int{"invalid_asn": 1},
		quirks:  map[string]int{"connection_ports_merged": 3, "null_list": 325, "object_as_list": 1851, "string_number": 6, "vlan_prefix_without_length": 15}},
	{file: "ixf/peerme-2016-10/CATNIX.json", version: "0.5", timestamp: "2016-10-19T00:00:00Z", exchanges: 1, entries: 35, members: 33, conns: 35,
		dropped: map[string]int{"invalid_ip": 2},
		quirks:  map[string]int{"address_prefix_length": 1, "duplicate_address": 3, "duplicate_member": 2}},
	{file: "ixf/peerme-2016-10/DE-CIX-FRA.json", version: "2016.10.22.21", timestamp: "2016-10-22T19:05:37Z", exchanges: 1, entries: 689, members: 689, conns: 813,
		dropped: map[string]int{"invalid_ip": 3},
		quirks:  map[string]int{"address_missing": 1, "connection_without_vlan": 1, "null_list": 191, "version_unknown": 1}},
	{file: "ixf/peerme-2016-10/ECIX-BER.json", version: "0.5", timestamp: "2016-10-22T12:00:03.698Z", exchanges: 1, entries: 53, members: 53, conns: 63,
		dropped: nil,
		quirks:  map[string]int{"null_list": 63, "timestamp_odd": 1, "vlan_id_missing": 63}},
	{file: "ixf/peerme-2016-10/ECIX-DUS.json", version: "0.5", timestamp: "2016-10-22T12:00:03.888Z", exchanges: 1, entries: 109, members: 109, conns: 123,
		dropped: nil,
		quirks:  map[string]int{"null_list": 123, "timestamp_odd": 1, "vlan_id_missing": 123}},
	{file: "ixf/peerme-2016-10/ECIX-FRA.json", version: "0.5", timestamp: "2016-10-22T12:00:04.442Z", exchanges: 1, entries: 85, members: 85, conns: 95,
		dropped: nil,
		quirks:  map[string]int{"null_list": 95, "timestamp_odd": 1, "vlan_id_missing": 95}},
	{file: "ixf/peerme-2016-10/ECIX-HAM.json", version: "0.5", timestamp: "2016-10-22T12:00:04.245Z", exchanges: 1, entries: 51, members: 51, conns: 57,
		dropped: nil,
		quirks:  map[string]int{"null_list": 57, "timestamp_odd": 1, "vlan_id_missing": 57}},
	{file: "ixf/peerme-2016-10/ECIX-MUC.json", version: "0.5", timestamp: "2016-10-22T12:00:04.125Z", exchanges: 1, entries: 37, members: 37, conns: 40,
		dropped: nil,
		quirks:  map[string]int{"null_list": 40, "timestamp_odd": 1, "vlan_id_missing": 40}},
	{file: "ixf/peerme-2016-10/FranceIX-MRS.json", version: "0.5", timestamp: "2016-10-22T19:46:50.90908Z", exchanges: 1, entries: 29, members: 29, conns: 29,
		dropped: nil,
		quirks:  map[string]int{"member_since_invalid": 1, "timestamp_odd": 1}},
	{file: "ixf/peerme-2016-10/FranceIX-PAR.json", version: "0.5", timestamp: "2016-10-22T19:48:45.626374Z", exchanges: 1, entries: 321, members: 321, conns: 321,
		dropped: nil,
		quirks:  map[string]int{"connection_without_vlan": 2, "if_speed_missing": 1, "member_since_invalid": 1, "null_list": 2, "timestamp_odd": 1}},
	{file: "ixf/peerme-2016-10/GIGAPIX.json", version: "0.5", timestamp: "2016-07-12T22:00:00Z", exchanges: 1, entries: 28, members: 28, conns: 28,
		dropped: nil,
		quirks:  map[string]int{"address_missing": 6, "if_speed_missing": 28, "unknown_state": 1}},
	{file: "ixf/peerme-2016-10/INEX.json", version: "0.5", timestamp: "2016-10-22T17:13:43Z", exchanges: 1, entries: 87, members: 87, conns: 145,
		dropped: nil,
		quirks:  nil},
	{file: "ixf/peerme-2016-10/IX-SYD.json", version: "0.4", timestamp: "2016-10-22T16:59:02Z", exchanges: 16, entries: 232, members: 232, conns: 482,
		dropped: nil,
		quirks:  map[string]int{"null_list": 482}},
	{file: "ixf/peerme-2016-10/LINX.json", version: "0.6", timestamp: "2016-10-22T17:47:51Z", exchanges: 6, entries: 605, members: 605, conns: 1795,
		dropped: nil,
		quirks:  map[string]int{"connection_without_vlan": 1, "null_list": 1795}},
	{file: "ixf/peerme-2016-10/LONAP.json", version: "0.5", timestamp: "2016-10-22T17:13:52Z", exchanges: 1, entries: 180, members: 180, conns: 241,
		dropped: map[string]int{"invalid_ip": 1},
		quirks:  map[string]int{"connection_without_vlan": 2, "country_uk": 1}},
	{file: "ixf/peerme-2016-10/NIX.CZ.json", version: "0.5", timestamp: "2016-10-22T17:09:25Z", exchanges: 1, entries: 144, members: 144, conns: 203,
		dropped: nil,
		quirks:  map[string]int{"address_whitespace": 3, "connection_without_vlan": 4, "member_state": 144, "null_list": 144, "timestamp_odd": 1}},
	{file: "ixf/peerme-2016-10/NIX.SK.json", version: "0.5", timestamp: "2016-10-22T17:09:26Z", exchanges: 1, entries: 36, members: 36, conns: 38,
		dropped: nil,
		quirks:  map[string]int{"member_state": 36, "null_list": 36, "timestamp_odd": 1}},
	{file: "ixf/peerme-2016-10/RIX.json", version: "0.5", timestamp: "2016-05-19T10:00:00Z", exchanges: 1, entries: 25, members: 25, conns: 35,
		dropped: nil,
		quirks:  map[string]int{"ixf_id_alias": 1, "vlan_id_missing": 35}},
	{file: "ixf/peerme-2016-10/SFMIX.json", version: "0.4", timestamp: "2016-10-18T05:48:56Z", exchanges: 1, entries: 50, members: 47, conns: 50,
		dropped: nil,
		quirks:  map[string]int{"duplicate_member": 3, "null_list": 50}},
	{file: "ixf/peerme-2016-10/SIX.json", version: "0.5", timestamp: "2016-10-22T17:13:01Z", exchanges: 1, entries: 245, members: 241, conns: 303,
		dropped: nil,
		quirks:  map[string]int{"duplicate_member": 4, "if_speed_missing": 21, "member_since_invalid": 134, "string_bool": 606}},
	{file: "ixf/peerme-2016-10/TIE.json", version: "0.4", timestamp: "2016-10-22T16:11:27Z", exchanges: 4, entries: 193, members: 179, conns: 198,
		dropped: map[string]int{"duplicate_connection": 32},
		quirks:  map[string]int{"duplicate_member": 14, "if_speed_missing": 230, "member_without_connections": 22, "timestamp_odd": 1}},
	{file: "ixf/peerme-2016-10/TREX.json", version: "0.5", timestamp: "2016-09-22T17:50:38Z", exchanges: 1, entries: 23, members: 23, conns: 23,
		dropped: nil,
		quirks:  map[string]int{"null_list": 23}},
}

func TestDecodeRealExports(t *testing.T) {
	data := sharedData(t)
	for _, tc := range realExports {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(data, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			ex, err := Decode(tc.file, b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if ex.Version != tc.version {
				t.Errorf("version = %q, want %q", ex.Version, tc.version)
			}
			var ts string
			if !ex.Timestamp.IsZero() {
				ts = ex.Timestamp.Format(time.RFC3339Nano)
			}
			if ts != tc.timestamp {
				t.Errorf("timestamp = %q, want %q", ts, tc.timestamp)
			}
			conns := 0
			for _, m := range ex.Members {
				conns += len(m.Connections)
				for _, c := range m.Connections {
					if c.ASN != m.ASN || !validASN(int64(c.ASN)) {
						t.Errorf("connection ASN %d under member AS%d", c.ASN, m.ASN)
					}
				}
			}
			got := [...]int{len(ex.Exchanges), ex.Report.MemberEntries, len(ex.Members), conns}
			want := [...]int{tc.exchanges, tc.entries, tc.members, tc.conns}
			if got != want {
				t.Errorf("exchanges, member entries, members, connections = %v, want %v", got, want)
			}
			if !maps.Equal(ex.Report.Dropped, tc.dropped) {
				t.Errorf("dropped = %v, want %v", ex.Report.Dropped, tc.dropped)
			}
			if !maps.Equal(ex.Report.Quirks, tc.quirks) {
				t.Errorf("quirks = %v, want %v", ex.Report.Quirks, tc.quirks)
			}
		})
	}
}

// TestDecodeNotExports checks that what is not an export fails with a
// specific error naming the file.
func TestDecodeNotExports(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"whitespace", " \r\n\t", ErrEmpty},
		{"bom only", "\xef\xbb\xbf", ErrEmpty},
		{"html", "\n<!DOCTYPE html><html><body>Login</body></html>", ErrHTML},
		{"blank html page", "<html></html>", ErrHTML},
		{"top-level array", `["https://example.net/ixf.json"]`, ErrNotExport},
		{"string", `"hello"`, ErrNotExport},
		{"truncated", `{"version": "1.0", "member_list": [{"asnum": 1`, ixp.ErrTruncated},
		{"no member_list", `{"version": "1.0", "ixp_list": [{"ixp_id": 1, "shortname": "X"}]}`, ErrNoMembers},
		{"null member_list", `{"version": "1.0", "ixp_list": [{"ixp_id": 1, "shortname": "X"}], "member_list": null}`, ErrNoMembers},
		{"string member_list", `{"version": "1.0", "ixp_list": [{"ixp_id": 1, "shortname": "X"}], "member_list": "none"}`, ErrNoMembers},
		{"no ixp_list", `{"version": "1.0", "member_list": []}`, ErrNoIXPs},
		{"ixp_list of strings", `{"version": "1.0", "ixp_list": ["X"], "member_list": []}`, ErrNoIXPs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := Decode("https://ix.example/export.json", []byte(tc.body))
			if err == nil {
				t.Fatalf("Decode = %d members, nil error; want %v", len(ex.Members), tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode error = %v, want %v", err, tc.want)
			}
			var pe *ixp.ParseError
			if !errors.As(err, &pe) || pe.Source != "ixf" || pe.File != "https://ix.example/export.json" {
				t.Errorf("Decode error = %#v, want *ixp.ParseError naming source ixf and the file", err)
			}
		})
	}
	t.Run("syntax error offset", func(t *testing.T) {
		_, err := Decode("f.json", []byte(`{"version": "1.0",, "member_list": []}`))
		var pe *ixp.ParseError
		if !errors.As(err, &pe) || pe.Offset != 19 {
			t.Errorf("Decode error = %v, want a ParseError at offset 19", err)
		}
	})
	t.Run("json schema", func(t *testing.T) {
		b := readShared(t, "ixf/schemas/ixp-member-list-1.0.schema.json")
		if _, err := Decode("schema", b); !errors.Is(err, ErrNoMembers) {
			t.Errorf("Decode(schema) error = %v, want ErrNoMembers", err)
		}
	})
}

func TestDecodeQuirks(t *testing.T) {
	b, err := os.ReadFile("testdata/quirks.json")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := Decode("testdata/quirks.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2016, 10, 22, 17, 9, 25, 0, time.UTC); !ex.Timestamp.Equal(want) {
		t.Errorf("timestamp = %v, want %v", ex.Timestamp, want)
	}
	wantDropped := map[string]int{DropInvalidIXP: 1, DropInvalidMember: 1, DropInvalidASN: 5, DropInvalidIP: 2, DropDuplicateConn: 1, DropUnknownIXP: 1}
	if !maps.Equal(ex.Report.Dropped, wantDropped) {
		t.Errorf("dropped = %v, want %v", ex.Report.Dropped, wantDropped)
	}
	wantQuirks := map[string]int{
		QuirkTimestampOdd: 1, QuirkStringNumber: 4, QuirkCountryUK: 1, QuirkPrefixNoLength: 1, QuirkIXFIDAlias: 1,
		QuirkObjectAsList: 2, QuirkStringBool: 1, QuirkAddressWhitespace: 1, QuirkIfSpeedMissing: 1,
		QuirkAddressPrefixLength: 1, QuirkUnknownState: 1, QuirkNullList: 9, QuirkDuplicateMember: 1,
		QuirkMemberState: 1, QuirkNoVLAN: 1, QuirkVLANMerged: 1, QuirkDuplicateAddress: 1, QuirkMemberSinceInvalid: 1,
	}
	if !maps.Equal(ex.Report.Quirks, wantQuirks) {
		t.Errorf("quirks = %v, want %v", ex.Report.Quirks, wantQuirks)
	}
	wantIXPs := []ixp.ExportedExchange{
		{IXFID: 99, ExportIXPID: 1, Shortname: "TEST-IX", Country: "GB", Prefixes: []string{"192.0.2.0/24"}},
		{IXFID: 100, ExportIXPID: 2, PeeringDBID: 7, Shortname: "TEST-IX-2"},
	}
	if len(ex.Exchanges) != len(wantIXPs) {
		t.Fatalf("exchanges = %d, want %d", len(ex.Exchanges), len(wantIXPs))
	}
	for i, w := range wantIXPs {
		if g := ex.Exchanges[i].ExportedExchange; !equalExchange(g, w) {
			t.Errorf("exchange %d = %+v, want %+v", i, g, w)
		}
	}
	if got := ex.Exchanges[0].VLANAddrs; len(got) != 1 || got[0].String() != "2001:db8::" {
		t.Errorf("VLANAddrs = %v, want [2001:db8::]", got)
	}
	type conn struct {
		asn        ixp.ASN
		ixp        int64
		vlan       int64
		state      string
		speed      int64
		ipv4, ipv6 string
		rs         bool
		created    string
	}
	want := []conn{
		{64500, 1, 10, "active", 10000, "192.0.2.1", "2001:db8::1", true, "2010-01-02"},
		{64501, 1, 10, "operational", 2000, "192.0.2.2", "", false, ""},
		{64502, 2, 20, "pending", 0, "", "2001:db8:2::2", false, ""},
		{64503, 1, 10, "", 0, "192.0.2.3", "", false, ""},
		{64504, 2, 0, "active", 0, "", "", false, ""},
		{64505, 1, 10, "", 0, "192.0.2.5", "2001:db8::5", true, ""},
		{64506, 1, 10, "", 0, "192.0.2.5", "", false, ""},
	}
	var got []conn
	for _, m := range ex.Members {
		for _, c := range m.Connections {
			got = append(got, conn{c.ASN, c.ExportIXPID, c.VLANID, c.State, c.Speed, c.IPv4, c.IPv6, c.RouteServer, c.Created})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("connections = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("connection %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(ex.Members); n != 8 {
		t.Errorf("members = %d, want 8 (64500..64507)", n)
	}
	if ex.Members[0].Name != "Object lists" {
		t.Errorf("merged member name = %q, want the first entry's", ex.Members[0].Name)
	}
	for _, n := range ex.Report.Notes() {
		if !strings.HasPrefix(n, "ixf dropped ") && !strings.HasPrefix(n, "ixf quirk ") {
			t.Errorf("note %q does not start with the kind of entry", n)
		}
	}
}

func equalExchange(a, b ixp.ExportedExchange) bool {
	return a.IXFID == b.IXFID && a.ExportIXPID == b.ExportIXPID && a.PeeringDBID == b.PeeringDBID &&
		a.Shortname == b.Shortname && a.Name == b.Name && a.Country == b.Country &&
		strings.Join(a.Prefixes, ",") == strings.Join(b.Prefixes, ",")
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 UTC, "" when unreadable
		odd  bool
	}{
		{"2016-10-22T17:13:51Z", "2016-10-22T17:13:51Z", false},
		{"2016-10-22T18:47:51+01:00", "2016-10-22T17:47:51Z", false},
		{"2016-10-22T19:46:50.909080", "2016-10-22T19:46:50.90908Z", true},
		{"2016-10-22T12:00:03.698", "2016-10-22T12:00:03.698Z", true},
		{"2016-10-22CEST19:09:25", "2016-10-22T17:09:25Z", true},
		{"2016-10-22T16:10:87Z", "2016-10-22T16:11:27Z", true},
		{"2016-10-22 17:13:51", "2016-10-22T17:13:51Z", true},
		{"2016-10-22T17:13:51+0200", "2016-10-22T15:13:51Z", true},
		{"2016-10-22", "2016-10-22T00:00:00Z", true},
		{"2016-10-22T17:13:51 UTC", "2016-10-22T17:13:51Z", true},
		{"", "", false},
		{"yesterday", "", false},
		{"2016-13-22T00:00:00Z", "", false},
		{"2016-10-22T17:13:51 XYZT", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, odd, ok := parseTimestamp(tc.in)
			var s string
			if ok {
				s = got.Format(time.RFC3339Nano)
			}
			if s != tc.want || (ok && odd != tc.odd) {
				t.Errorf("parseTimestamp(%q) = %q odd=%v, want %q odd=%v", tc.in, s, odd, tc.want, tc.odd)
			}
		})
	}
}

// hostileShapes builds exports that made early versions quadratic: many
// connections without addresses, many split IPv4/IPv6 vlan entries and many
// vlan prefixes.
func hostileShapes(n int) map[string][]byte {
	var noAddr, split, vlans strings.Builder
	for i := range n {
		if i > 0 {
			noAddr.WriteByte(',')
			split.WriteByte(',')
			vlans.WriteByte(',')
		}
		noAddr.WriteString(`{"ixp_id":1}`)
		fmt.Fprintf(&split, `{"vlan_id":1,"ipv4":{"address":"10.%d.%d.1"}},{"vlan_id":1,"ipv6":{"address":"2001:db8::%x"}}`, i/256, i%256, i)
		fmt.Fprintf(&vlans, `{"id":%d,"ipv4":{"prefix":"10.%d.%d.0","mask_length":24}}`, i, i/256, i%256)
	}
	wrap := func(vlan, conns string) []byte {
		return []byte(`{"ixp_list":[{"ixp_id":1,"vlan":[` + vlan + `]}],"member_list":[{"asnum":64500,"connection_list":[` + conns + `]}]}`)
	}
	return map[string][]byte{
		"no addresses":   wrap("", noAddr.String()),
		"split families": wrap("", `{"ixp_id":1,"vlan_list":[`+split.String()+`]}`),
		"many prefixes":  wrap(vlans.String(), `{"ixp_id":1}`),
	}
}

func TestDecodeHostileShapes(t *testing.T) {
	const n = 20000
	want := map[string][2]int{"no addresses": {n, 0}, "split families": {n, 0}, "many prefixes": {1, n}}
	for name, doc := range hostileShapes(n) {
		t.Run(name, func(t *testing.T) {
			ex, err := Decode(name, doc)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := Records(name, ex)
			if err != nil {
				t.Fatal(err)
			}
			got := [2]int{len(ex.Members[0].Connections), len(ex.Exchanges[0].Prefixes)}
			if got != want[name] || len(recs) != got[0]+1 {
				t.Errorf("connections, prefixes = %v (%d records), want %v", got, len(recs), want[name])
			}
		})
	}
}

func BenchmarkDecodeHostileShapes(b *testing.B) {
	for name, doc := range hostileShapes(20000) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				ex, err := Decode(name, doc)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Records(name, ex); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
