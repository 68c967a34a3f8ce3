package ixf

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

func decodeShared(t *testing.T, rel string) *Export {
	t.Helper()
	ex, err := Decode(rel, readShared(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestRecords(t *testing.T) {
	ex := decodeShared(t, "ixf/peerme-2016-10/AMS-IX.json")
	ex.Exchanges[2].MatchedIXID, ex.Exchanges[2].MatchedBy = 26, MatchedByPrefix // "AMS-IX", export ixp_id 1
	recs, err := Records("my.ams-ix.net/api/v1/members.json", ex)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(recs), 6+1085; got != want {
		t.Fatalf("records = %d, want %d (6 exchanges + 1085 connections)", got, want)
	}
	ids := map[int64]bool{}
	byKind := map[ixp.Kind]int{}
	for _, r := range recs {
		byKind[r.Kind]++
		if ids[r.ID] {
			t.Errorf("id %d repeated", r.ID)
		}
		ids[r.ID] = true
		if r.ID < 1<<62 {
			t.Errorf("id %d below 1<<62 could collide with PeeringDB ids", r.ID)
		}
		switch r.Kind {
		case ixp.KindConnection:
			var c ixp.Connection
			if err := json.Unmarshal(r.Data, &c); err != nil {
				t.Fatal(err)
			}
			if c.ID != r.ID || c.ASN != r.ASN || c.IXID != r.IXID || c.ASN == 0 {
				t.Errorf("record (id %d, ASN %d, IXID %d) holds connection %+v", r.ID, r.ASN, r.IXID, c)
			}
			if c.IPv4 == "80.249.208.220" && (r.IXID != 26 || c.Speed != 10000 || c.Name != "1&1 Internet AG") {
				t.Errorf("AS8560 at AMS-IX = %+v, want IXID 26, 10000 Mbps, name 1&1 Internet AG", c)
			}
		case ixp.KindExportedExchange:
			var x ixp.ExportedExchange
			if err := json.Unmarshal(r.Data, &x); err != nil {
				t.Fatal(err)
			}
			if x.MatchedIXID != r.IXID || r.ASN != 0 {
				t.Errorf("exchange record IXID %d ASN %d holds %+v", r.IXID, r.ASN, x)
			}
		default:
			t.Errorf("record of kind %v", r.Kind)
		}
	}
	if byKind[ixp.KindExportedExchange] != 6 {
		t.Errorf("exchange records = %d, want 6", byKind[ixp.KindExportedExchange])
	}
}

// TestConnectionIDsStable checks that the same connection keeps its id
// across two snapshots of an export (KSKB-IX 2023 and 2026).
func TestConnectionIDsStable(t *testing.T) {
	ids := func(rel string) map[string]int64 {
		ex := decodeShared(t, rel)
		recs, err := Records("kskb.ix.tw", ex)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range recs {
			if r.Kind != ixp.KindConnection {
				continue
			}
			var c ixp.Connection
			json.Unmarshal(r.Data, &c)
			out[c.IPv6] = r.ID
		}
		return out
	}
	old, cur := ids("ixf/kskb-ix/kskb-ix_ixf_commit-2023-06-20.json"), ids("ixf/kskb-ix/kskb-ix_ixf_commit-2026-05-02.json")
	same := 0
	for addr, id := range old {
		if id2, ok := cur[addr]; ok {
			same++
			if id != id2 {
				t.Errorf("connection %s: id %d in 2023, %d in 2026", addr, id, id2)
			}
		}
	}
	if same < 30 {
		t.Errorf("only %d connections in both snapshots, want at least 30", same)
	}
	if a, b := ConnectionID("x", 1, 64500, 10, "192.0.2.1", "", 0), ConnectionID("y", 1, 64500, 10, "192.0.2.1", "", 0); a == b {
		t.Errorf("two sources give the same connection id %d", a)
	}
	if a, b := ConnectionID("x", 1, 64500, 10, "192.0.2.1", "", 0), ConnectionID("x", 1, 64500, 10, "192.0.2.2", "", 0); a == b {
		t.Errorf("two addresses give the same connection id %d", a)
	}
}

func TestSnapshot(t *testing.T) {
	fetched := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		file   string
		want   time.Time
		noteIn string
	}{
		{"export timestamp", "ixf/peerme-2016-10/AMS-IX.json", time.Date(2016, 10, 22, 17, 13, 51, 0, time.UTC), "object_as_list"},
		{"no timestamp", "ixf/kskb-ix/kskb-ix_ixf_commit-2026-05-02.json", fetched, "timestamp_missing"},
		{"future timestamp", "ixf/arouteserver-tests/skip_routeserver_10.json", time.Date(2020, 3, 14, 11, 31, 50, 0, time.UTC), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := decodeShared(t, tc.file)
			in, err := Snapshot("test", ex, fetched)
			if err != nil {
				t.Fatal(err)
			}
			if !in.At.Equal(tc.want) || in.Source != "ixf:test" || in.Delta || in.Origin != tc.file {
				t.Errorf("Snapshot = source %q at %v delta %v origin %q, want ixf:test at %v, full, origin %s", in.Source, in.At, in.Delta, in.Origin, tc.want, tc.file)
			}
			if len(in.Kinds) != 2 || in.Kinds[0] != ixp.KindExportedExchange || in.Kinds[1] != ixp.KindConnection {
				t.Errorf("Kinds = %v, want [ixf_ixp netixlan]", in.Kinds)
			}
			if tc.noteIn != "" && !strings.Contains(strings.Join(in.Notes, "\n"), tc.noteIn) {
				t.Errorf("Notes = %q, want one about %s", in.Notes, tc.noteIn)
			}
		})
	}
	t.Run("timestamp after fetch", func(t *testing.T) {
		ex := decodeShared(t, "ixf/arouteserver-tests/skip_routeserver_10.json")
		early := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		in, err := Snapshot("test", ex, early)
		if err != nil {
			t.Fatal(err)
		}
		if !in.At.Equal(early) || !strings.Contains(strings.Join(in.Notes, "\n"), "after the fetch time") {
			t.Errorf("Snapshot at %v notes %q, want the fetch time %v and a note", in.At, in.Notes, early)
		}
	})
}
