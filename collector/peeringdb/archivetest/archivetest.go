// Package archivetest writes PeeringDB archive files in the old layouts
// CAIDA keeps (SQLite databases of the v1 and v2 schemas, and the
// single-file JSON dump) from real PeeringDB API dumps, for tests and
// benchmarks. The table and column lists are those documented in
// docs/PEERINGDB-ARCHIVE.md; the rows are the real objects of the dump,
// mapped back onto the old columns, so readers are tested on real data in
// the old shapes. It is test support: nothing in ixpobs imports it.
package archivetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "modernc.org/sqlite"

	"github.com/ixpobs/ixpobs/internal/zstream"
)

// Objects is a PeeringDB dump as raw JSON objects by tag (ix, net, …).
type Objects map[string][]map[string]any

// ReadDir reads a directory of per-object API responses (ix.json.gz, …).
func ReadDir(dir string) (Objects, error) {
	out := Objects{}
	for _, tag := range []string{"org", "fac", "ix", "ixfac", "ixlan", "ixpfx", "net", "netfac", "netixlan"} {
		var r *zstream.Reader
		var err error
		for _, name := range []string{tag + ".json.gz", tag + ".json"} {
			if r, err = zstream.OpenFile(filepath.Join(dir, name), zstream.Options{}); err == nil {
				break
			}
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("archivetest: %s: %w", tag, err)
		}
		f := r
		var resp struct {
			Data []map[string]any `json:"data"`
		}
		dec := json.NewDecoder(r)
		dec.UseNumber()
		err = dec.Decode(&resp)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("archivetest: %s: %w", tag, err)
		}
		out[tag] = resp.Data
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("archivetest: %s: no object files", dir)
	}
	return out, nil
}

// WriteJSON writes the single-file layout {"ix": {"data": [...]}, …} of
// peeringdb_2_dump_YYYY_MM_DD.json.
func (o Objects) WriteJSON(path string) error {
	top := map[string]any{}
	for tag, data := range o {
		top[tag] = map[string]any{"data": data}
	}
	b, err := json.Marshal(top)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// table is an old table: its name, columns, and the JSON tag and field
// each column is filled from.
type table struct {
	name string
	tag  string
	cols []string
	from func(o map[string]any, c string) any
}

// v2 tables and columns: as listed for CAIDA's 2017-01-31 v2 archive
// (docs/PEERINGDB-ARCHIVE.md); the JSON field of the same name fills a
// column.
var v2 = []table{
	{"peeringdb_organization", "org", strings.Fields("id status created updated version address1 address2 city state zipcode country name website notes"), nil},
	{"peeringdb_facility", "fac", strings.Fields("id status created updated version address1 address2 city state zipcode country name website clli rencode npanxx notes org_id"), nil},
	{"peeringdb_network", "net", strings.Fields("id status created updated version asn name aka irr_as_set website looking_glass route_server notes notes_private info_traffic info_ratio info_scope info_type info_prefixes4 info_prefixes6 info_unicast info_multicast info_ipv6 policy_url policy_general policy_locations policy_ratio policy_contracts org_id"), nil},
	{"peeringdb_ix", "ix", strings.Fields("id status created updated version name name_long city country notes region_continent media proto_unicast proto_multicast proto_ipv6 website url_stats tech_email tech_phone policy_email policy_phone org_id"), nil},
	{"peeringdb_ix_facility", "ixfac", strings.Fields("id status created updated version ix_id fac_id"), nil},
	{"peeringdb_ixlan", "ixlan", strings.Fields("id status created updated version name descr mtu vlan dot1q_support rs_asn arp_sponge ix_id"), nil},
	{"peeringdb_ixlan_prefix", "ixpfx", strings.Fields("id status created updated version notes protocol prefix ixlan_id"), nil},
	{"peeringdb_network_facility", "netfac", strings.Fields("id status created updated version local_asn avail_sonet avail_ethernet avail_atm net_id fac_id"), nil},
	{"peeringdb_network_ixlan", "netixlan", strings.Fields("id status created updated version asn ipaddr4 ipaddr6 is_rs_peer notes speed net_id ixlan_id"), nil},
}

// sqlValue turns a JSON value into what Django's SQLite backend stores:
// booleans as 0/1, times as "YYYY-MM-DD HH:MM:SS".
func sqlValue(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return 1
		}
		return 0
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case string:
		if len(x) == 20 && x[10] == 'T' && x[19] == 'Z' {
			return x[:10] + " " + x[11:19]
		}
		return x
	case nil:
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// WriteSQLite writes the dump as a SQLite database of schema "v1" or "v2".
func (o Objects) WriteSQLite(ctx context.Context, path, schema string) error {
	var tables []table
	var rows map[string][][]any
	switch schema {
	case "v2":
		tables = v2
		rows = map[string][][]any{}
		for _, t := range v2 {
			for _, obj := range o[t.tag] {
				r := make([]any, len(t.cols))
				for i, c := range t.cols {
					r[i] = sqlValue(obj[c])
				}
				rows[t.name] = append(rows[t.name], r)
			}
		}
	case "v1":
		tables, rows = o.v1()
	default:
		return fmt.Errorf("archivetest: unknown schema %q", schema)
	}
	os.Remove(path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		var defs []string
		for _, c := range t.cols {
			typ := "TEXT"
			switch {
			case c == "id" || strings.HasSuffix(c, "_id") || c == "asn" || c == "local_asn" || c == "speed" || c == "version",
				c == "mtu" || c == "vlan" || c == "rs_asn" || c == "info_prefixes" || c == "info_prefixes4" || c == "info_prefixes6":
				typ = "INTEGER"
			case c == "created" || c == "updated":
				typ = "datetime"
			}
			defs = append(defs, fmt.Sprintf("%q %s", c, typ))
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %q (%s)", t.name, strings.Join(defs, ", "))); err != nil {
			return fmt.Errorf("archivetest: create %s: %w", t.name, err)
		}
		q := fmt.Sprintf("INSERT INTO %q VALUES (%s)", t.name, strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ","))
		for _, r := range rows[t.name] {
			if _, err := tx.ExecContext(ctx, q, r...); err != nil {
				return fmt.Errorf("archivetest: insert %s: %w", t.name, err)
			}
		}
	}
	return tx.Commit()
}

// V6RowOffset is added to a netixlan id to make the id of its IPv6 row in
// the v1 layout (v1 keeps one row per address family).
const V6RowOffset = 100_000_000

// v1 maps the dump back onto the v1 tables and columns listed for CAIDA's
// 2016-01-01 v1 archive (docs/PEERINGDB-ARCHIVE.md). Exchanges are
// "approved" (Y); a connection becomes one peerParticipantsPublics row per
// address it has; the route-server flag is lost, as v1 never had it.
func (o Objects) v1() ([]table, map[string][][]any) {
	s := func(m map[string]any, k string) any { return sqlValue(m[k]) }
	lanIX := map[string]any{}
	for _, l := range o["ixlan"] {
		lanIX[fmt.Sprint(l["id"])] = sqlValue(l["ix_id"])
	}
	tables := []table{
		{name: "mgmtFacilities", cols: strings.Fields("id approved name type website clli rencode npanxx address1 address2 city state zipcode country notes")},
		{name: "mgmtPublics", cols: strings.Fields("id approved name name_long ipaddr city country region_continent media tech_email tech_phone policy_email policy_phone website url_stats proto_unicast proto_multicast proto_ipv6")},
		{name: "mgmtPublicsFacilities", cols: strings.Fields("id public_id facility_id")},
		{name: "mgmtPublicsIPs", cols: strings.Fields("id public_id type address")},
		{name: "peerParticipants", cols: strings.Fields("id asn name aka website notes_public notes_private irr_as_set info_traffic info_ratio info_scope info_type info_prefixes info_lookingglass info_routeserver info_unicast info_multicast info_ipv6 policy_url policy_general policy_locations policy_ratio policy_contracts policy_nopublic policy_noprivate date_created date_lastupdated")},
		{name: "peerParticipantsPrivates", cols: strings.Fields("id participant_id facility_id local_asn avail_sonet avail_ethernet avail_atm")},
		{name: "peerParticipantsPublics", cols: strings.Fields("id participant_id public_id local_asn local_ipaddr speed protocol pending")},
	}
	rows := map[string][][]any{}
	add := func(t string, r ...any) { rows[t] = append(rows[t], r) }
	for _, f := range o["fac"] {
		add("mgmtFacilities", s(f, "id"), "Y", s(f, "name"), nil, s(f, "website"), s(f, "clli"), s(f, "rencode"), s(f, "npanxx"),
			s(f, "address1"), s(f, "address2"), s(f, "city"), s(f, "state"), s(f, "zipcode"), s(f, "country"), s(f, "notes"))
	}
	for _, x := range o["ix"] {
		add("mgmtPublics", s(x, "id"), "Y", s(x, "name"), s(x, "name_long"), nil, s(x, "city"), s(x, "country"), s(x, "region_continent"),
			s(x, "media"), s(x, "tech_email"), s(x, "tech_phone"), s(x, "policy_email"), s(x, "policy_phone"), s(x, "website"), s(x, "url_stats"),
			s(x, "proto_unicast"), s(x, "proto_multicast"), s(x, "proto_ipv6"))
	}
	for _, x := range o["ixfac"] {
		add("mgmtPublicsFacilities", s(x, "id"), s(x, "ix_id"), s(x, "fac_id"))
	}
	for _, p := range o["ixpfx"] {
		add("mgmtPublicsIPs", s(p, "id"), lanIX[fmt.Sprint(p["ixlan_id"])], s(p, "protocol"), s(p, "prefix"))
	}
	for _, n := range o["net"] {
		add("peerParticipants", s(n, "id"), s(n, "asn"), s(n, "name"), s(n, "aka"), s(n, "website"), s(n, "notes"), nil, s(n, "irr_as_set"),
			s(n, "info_traffic"), s(n, "info_ratio"), s(n, "info_scope"), s(n, "info_type"), s(n, "info_prefixes4"), s(n, "looking_glass"),
			s(n, "route_server"), s(n, "info_unicast"), s(n, "info_multicast"), s(n, "info_ipv6"), s(n, "policy_url"), s(n, "policy_general"),
			s(n, "policy_locations"), s(n, "policy_ratio"), s(n, "policy_contracts"), nil, nil, s(n, "created"), s(n, "updated"))
	}
	for _, n := range o["netfac"] {
		add("peerParticipantsPrivates", s(n, "id"), s(n, "net_id"), s(n, "fac_id"), s(n, "local_asn"), 0, 1, 0)
	}
	conns := append([]map[string]any(nil), o["netixlan"]...)
	sort.Slice(conns, func(i, j int) bool { return fmt.Sprint(conns[i]["id"]) < fmt.Sprint(conns[j]["id"]) })
	for _, c := range conns {
		ix := lanIX[fmt.Sprint(c["ixlan_id"])]
		if ix == nil {
			ix = s(c, "ix_id")
		}
		id, _ := c["id"].(json.Number).Int64()
		if a, ok := c["ipaddr4"].(string); ok && a != "" {
			add("peerParticipantsPublics", id, s(c, "net_id"), ix, s(c, "asn"), a, s(c, "speed"), "IPv4", 0)
		}
		if a, ok := c["ipaddr6"].(string); ok && a != "" {
			add("peerParticipantsPublics", id+V6RowOffset, s(c, "net_id"), ix, s(c, "asn"), a, s(c, "speed"), "IPv6", 0)
		}
	}
	return tables, rows
}
