package ixf

import (
	"os"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

// TestMatchRealExports matches every exchange of the real exports against
// the PeeringDB dump nearest in time and checks the PeeringDB name and the
// method.
func TestMatchRealExports(t *testing.T) {
	type want struct{ name, by string } // PeeringDB name ("" = unmatched)
	tests := []struct {
		file string
		pdb  string
		want map[string]want // by export shortname
	}{
		{"ixf/peerme-2016-10/AMS-IX.json", "traixroute-2016-10-19-partial", map[string]want{
			"AMS-IX": {"AMS-IX", "prefix"}, "AMS-IX Hong Kong": {"AMS-IX Hong Kong", "prefix"},
			"AMS-IX Caribbean": {"AMS-IX Caribbean", "prefix"}, "AMS-IX USA Bay Area": {"AMS-IX BA", "prefix"},
			"AMS-IX USA Chicago": {"AMS-IX Chicago", "prefix"}, "AMS-IX USA New York": {"AMS-IX NY", "prefix"}}},
		{"ixf/peerme-2016-10/DE-CIX-FRA.json", "traixroute-2016-10-19-partial", map[string]want{"DE-CIX FRA": {"DE-CIX Frankfurt", "prefix"}}},
		{"ixf/peerme-2016-10/LINX.json", "traixroute-2016-10-19-partial", map[string]want{
			"London Juniper": {"LINX LON1", "prefix"}, "London Extreme": {"LINX LON2", "prefix"},
			"IXManchester": {"IXManchester", "prefix"}, "IXScotland": {"IXScotland", "prefix"},
			"LINX NoVA": {"LINX NoVA", "prefix"}, "IXCardiff": {"", ""}}},
		{"ixf/peerme-2016-10/ECIX-MUC.json", "traixroute-2016-10-19-partial", map[string]want{"ECIX-MUC": {"INXS by ecix", "prefix"}}},
		{"ixf/peerme-2016-10/TIE.json", "traixroute-2016-10-19-partial", map[string]want{
			"TIE Atlanta": {"Digital Realty | Telx Atlanta", "prefix"}, "TIE Dallas": {"Digital Realty | Telx Dallas", "prefix"},
			"TIE New York": {"Digital Realty | Telx New York", "prefix"}, "TIE Pheonix": {"Digital Realty | Telx Phoenix", "prefix"}}},
		{"ixf/peerme-2016-10/SIX.json", "traixroute-2016-10-19-partial", map[string]want{"SIX": {"SIX Seattle", "prefix"}}},
		{"ixf/arouteserver-tests/skip_routeserver_07.json", "ixgen-2022-06-01", map[string]want{"tdc-ops-sw1": {"SUPRnet", "peeringdb_id"}}},
		{"ixf/arouteserver-tests/skip_routeserver_10.json", "ixgen-2022-06-01", map[string]want{"QCIX Main": {"QCIX", "peeringdb_id"}}},
		{"ixf/arouteserver-tests/generated-from-clients_bcix.json", "ixgen-2022-06-01", map[string]want{"Test IXP": {"BCIX", "prefix"}}},
		{"ixf/kskb-ix/kskb-ix_ixf_commit-2026-05-02.json", "ixgen-2022-06-01", map[string]want{"KSKB-IX": {"KSKB-IX", "prefix"}}},
		// QCIX (2020) is not in the 2016 dump: its peeringdb_id is not trusted blindly.
		{"ixf/arouteserver-tests/skip_routeserver_10.json", "traixroute-2016-10-19-partial", map[string]want{"QCIX Main": {"", ""}}},
	}
	matchers := map[string]*Matcher{}
	names := map[string]map[int64]string{}
	for _, tc := range tests {
		t.Run(tc.file+"@"+tc.pdb, func(t *testing.T) {
			m := matchers[tc.pdb]
			if m == nil {
				exs, pfx := loadPeeringDB(t, tc.pdb)
				m = NewMatcher(MatchData{Exchanges: exs, Prefixes: pfx})
				matchers[tc.pdb] = m
				names[tc.pdb] = map[int64]string{}
				for _, x := range exs {
					names[tc.pdb][x.ID] = x.Name
				}
			}
			ex := decodeShared(t, tc.file)
			m.Match(ex)
			if len(ex.Exchanges) != len(tc.want) {
				t.Errorf("exchanges = %d, want %d", len(ex.Exchanges), len(tc.want))
			}
			for _, x := range ex.Exchanges {
				w, ok := tc.want[x.Shortname]
				if !ok {
					t.Errorf("unexpected exchange %q", x.Shortname)
					continue
				}
				if got := names[tc.pdb][x.MatchedIXID]; got != w.name || x.MatchedBy != w.by {
					t.Errorf("%s matched to %d %q by %q, want %q by %q", x.Shortname, x.MatchedIXID, got, x.MatchedBy, w.name, w.by)
				}
			}
			if n := ex.Report.Quirks[QuirkMatchConflict]; n != 0 {
				t.Errorf("match conflicts = %d (%v), want 0", n, ex.Report.Examples[QuirkMatchConflict])
			}
		})
	}
}

// TestMatchByIXFID uses the IXPDB mapping of the provider list fixture: the
// France-IX and INEX exports carry ixf_ids but no peeringdb_id.
func TestMatchByIXFID(t *testing.T) {
	b, err := os.ReadFile("testdata/ixpdb-providers.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProviders("testdata/ixpdb-providers.json", b)
	if err != nil {
		t.Fatal(err)
	}
	exs, pfx := loadPeeringDB(t, "traixroute-2016-10-19-partial")
	withIXF := NewMatcher(MatchData{Exchanges: exs, Prefixes: pfx, IXFToPeeringDB: IXFToPeeringDB(ps)})
	tests := []struct {
		file string
		ix   int64
		by   string
	}{
		{"ixf/peerme-2016-10/FranceIX-PAR.json", 359, MatchedByIXFID},
		{"ixf/peerme-2016-10/FranceIX-MRS.json", 880, MatchedByIXFID},
		{"ixf/peerme-2016-10/INEX.json", 48, MatchedByIXFID},
		{"ixf/peerme-2016-10/RIX.json", 228, MatchedByPrefix}, // ixf id 33 is not in the fixture
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ex := decodeShared(t, tc.file)
			withIXF.Match(ex)
			x := ex.Exchanges[0]
			if x.MatchedIXID != tc.ix || x.MatchedBy != tc.by {
				t.Errorf("matched %d by %q, want %d by %q", x.MatchedIXID, x.MatchedBy, tc.ix, tc.by)
			}
		})
	}
}

func TestMatchSynthetic(t *testing.T) {
	pfx := []ixp.ExchangePrefix{
		{IXID: 1, Prefix: "192.0.2.0/24"},
		{IXID: 2, Prefix: "192.0.2.128/25"}, // more specific wins
		{IXID: 3, Prefix: "2001:db8::/64"},
		{IXID: 4, Prefix: "198.51.100.0/24"},
		{IXID: 5, Prefix: "198.51.100.0/24"}, // listed for two exchanges: matches neither
		{IXID: 6, Prefix: "not a prefix"},
	}
	m := NewMatcher(MatchData{Prefixes: pfx, IXFToPeeringDB: map[int64]int64{99: 7}})
	mk := func(x ixp.ExportedExchange, addrs ...string) *Export {
		ex := &Export{Exchanges: []Exchange{{ExportedExchange: x}}}
		mem := Member{ASN: 64500}
		for _, a := range addrs {
			c := Connection{ExportIXPID: x.ExportIXPID}
			if strings.Contains(a, ":") {
				c.IPv6 = a
			} else {
				c.IPv4 = a
			}
			mem.Connections = append(mem.Connections, c)
		}
		ex.Members = []Member{mem}
		return ex
	}
	tests := []struct {
		name     string
		ex       *Export
		ix       int64
		by       string
		conflict int
	}{
		{"peeringdb_id first", mk(ixp.ExportedExchange{PeeringDBID: 9, IXFID: 99}), 9, MatchedByPeeringDBID, 0},
		{"ixf_id second", mk(ixp.ExportedExchange{IXFID: 99}), 7, MatchedByIXFID, 0},
		{"majority of addresses", mk(ixp.ExportedExchange{}, "192.0.2.1", "192.0.2.2", "192.0.2.200"), 1, MatchedByPrefix, 0},
		{"most specific prefix", mk(ixp.ExportedExchange{}, "192.0.2.129"), 2, MatchedByPrefix, 0},
		{"no strict majority", mk(ixp.ExportedExchange{}, "192.0.2.1", "2001:db8::1"), 0, "", 0},
		{"ambiguous prefix", mk(ixp.ExportedExchange{}, "198.51.100.1"), 0, "", 0},
		{"vlan prefix when no member address", mk(ixp.ExportedExchange{Prefixes: []string{"2001:db8::/64"}}), 3, MatchedByPrefix, 0},
		{"conflict counted", mk(ixp.ExportedExchange{PeeringDBID: 9}, "192.0.2.1"), 9, MatchedByPeeringDBID, 1},
		{"nothing", mk(ixp.ExportedExchange{}, "203.0.113.1"), 0, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m.Match(tc.ex)
			x := tc.ex.Exchanges[0]
			if x.MatchedIXID != tc.ix || x.MatchedBy != tc.by {
				t.Errorf("matched %d by %q, want %d by %q", x.MatchedIXID, x.MatchedBy, tc.ix, tc.by)
			}
			if got := tc.ex.Report.Quirks[QuirkMatchConflict]; got != tc.conflict {
				t.Errorf("conflicts = %d, want %d", got, tc.conflict)
			}
		})
	}
}
