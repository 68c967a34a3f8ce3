package peeringdb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/peeringdb/archivetest"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
)

const realDump = "../../testdata/realdata/peeringdb/ixgen-2019-01-19"

// stats computes the exchange indicators of a snapshot's connections,
// keeping only those with an address when onlyAddressed is set (the v1
// layout has one row per address, so a connection without one is lost).
func stats(t *testing.T, in ixp.SnapshotInput, onlyAddressed bool) (map[int64]ixp.ExchangeStats, int) {
	t.Helper()
	b := indicator.NewExchangeStatsBuilder()
	n := 0
	for _, r := range in.Records {
		if r.Kind != ixp.KindConnection {
			continue
		}
		var c ixp.Connection
		if err := json.Unmarshal(r.Data, &c); err != nil {
			t.Fatal(err)
		}
		if onlyAddressed && c.IPv4 == "" && c.IPv6 == "" {
			continue
		}
		n++
		b.Add(c)
	}
	st, _ := b.Stats(nil)
	out := map[int64]ixp.ExchangeStats{}
	for _, s := range st {
		out[s.IXID] = s
	}
	return out, n
}

func count(in ixp.SnapshotInput, k ixp.Kind) int {
	n := 0
	for _, r := range in.Records {
		if r.Kind == k {
			n++
		}
	}
	return n
}

// TestReadSQLite reads a real dump (the Latin American part of the
// 2019-01-19 dump) written in the v2 and v1 layouts and compares the
// snapshot with the one read from the JSON.
func TestReadSQLite(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2019, 1, 19, 0, 0, 0, 0, time.UTC)
	jd, err := peeringdb.ReadDir(ctx, realDump)
	if err != nil {
		t.Fatal(err)
	}
	want, err := jd.Snapshot(at, false)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := archivetest.ReadDir(realDump)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		kinds  []ixp.Kind // kinds whose object count must match the JSON's
		// noRS: the route-server figure is unknown (v1)
		noRS bool
	}{
		{"v2", []ixp.Kind{ixp.KindOrganization, ixp.KindFacility, ixp.KindExchange, ixp.KindExchangeFacility, ixp.KindExchangeLAN, ixp.KindExchangePrefix, ixp.KindNetwork, ixp.KindConnection}, false},
		{"v1", []ixp.Kind{ixp.KindFacility, ixp.KindExchange, ixp.KindExchangeFacility, ixp.KindExchangePrefix, ixp.KindNetwork}, true},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "peeringdb_dump.sqlite")
			if err := objs.WriteSQLite(ctx, path, tc.schema); err != nil {
				t.Fatal(err)
			}
			d, err := peeringdb.ReadSQLite(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if d.Schema != tc.schema {
				t.Errorf("schema %q, want %q", d.Schema, tc.schema)
			}
			got, err := d.Snapshot(at, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.kinds {
				if g, w := count(got, k), count(want, k); g != w || w == 0 {
					t.Errorf("%s: %d objects, want %d", k, g, w)
				}
			}
			gs, gn := stats(t, got, false)
			ws, wn := stats(t, want, tc.noRS)
			// v1 keeps one row per address family: a network's IPv4-only
			// and IPv6-only ports at one exchange become one connection.
			if gn > wn || wn-gn > wn/200 || wn < 2000 {
				t.Errorf("%d connections, want %d (v2) or at most 0.5%% fewer (v1)", gn, wn)
			}
			for ix, w := range ws {
				g := gs[ix]
				if tc.noRS {
					w.RSMembers, w.RSUnknown = 0, true // unknown in v1, not 0
					if g.Connections <= w.Connections && g.CapacityMbps <= w.CapacityMbps {
						g.Connections, g.CapacityMbps = w.Connections, w.CapacityMbps
					}
				}
				if g != w {
					t.Errorf("exchange %d: %+v, want %+v", ix, g, w)
				}
			}
			for _, r := range got.Records {
				if r.Kind != ixp.KindConnection {
					continue
				}
				var c ixp.Connection
				if err := json.Unmarshal(r.Data, &c); err != nil {
					t.Fatal(err)
				}
				if unknown := slices.Contains(c.Unknown, "is_rs_peer"); unknown != tc.noRS {
					t.Fatalf("connection %d: is_rs_peer unknown %v, want %v", c.ID, unknown, tc.noRS)
				}
				if tc.noRS {
					break
				}
			}
		})
	}
}

// TestReadSQLiteBad: files that are not PeeringDB databases, or lack a
// column the model cannot do without, are refused with the file and table
// named.
func TestReadSQLiteBad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, ddl, want string
	}{
		{"other.sqlite", `CREATE TABLE foo (id INTEGER)`, "neither a v1"},
		{"nocol.sqlite", `CREATE TABLE mgmtPublics (id INTEGER, approved TEXT); CREATE TABLE peerParticipantsPublics (id INTEGER, participant_id INTEGER)`, "mgmtPublics has no column name"},
		{"v2nocol.sqlite", `CREATE TABLE peeringdb_ix (id INTEGER, status TEXT, name TEXT); CREATE TABLE peeringdb_network_ixlan (id INTEGER, status TEXT, asn INTEGER)`, "peeringdb_network_ixlan has no column ixlan_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.ddl); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = peeringdb.ReadSQLite(ctx, path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, tc.name, tc.want)
			}
			if !errors.Is(err, ixp.ErrInvalid) {
				t.Errorf("error %v does not wrap ixp.ErrInvalid", err)
			}
		})
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.sqlite"), []byte("not a database at all, just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := peeringdb.ReadSQLite(ctx, filepath.Join(dir, "junk.sqlite")); err == nil {
		t.Fatal("a text file read as a database")
	}
}
