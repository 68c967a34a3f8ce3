package peeringdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"

	_ "modernc.org/sqlite" // read-only access to archived SQLite files
)

// The schemas of PeeringDB archive files (see docs/PEERINGDB-ARCHIVE.md).
const (
	SchemaV1 = "v1" // 2010-07-29 → 2016-03-13: mgmtPublics, peerParticipants, …
	SchemaV2 = "v2" // 2016-05-27 → 2018-03-10: Django tables peeringdb_ix, …
)

// V1Unknown are the connection fields PeeringDB v1 did not have: a
// figure built on them is unknown for v1 dates, never zero.
var V1Unknown = []string{"is_rs_peer"}

// ReadSQLite reads an archived PeeringDB SQLite database, of the v1 or the
// v2 schema (told apart by its tables), into a Dump mapped onto the same
// model as the JSON dumps. The file is opened read-only and immutable:
// nothing is written next to it.
func ReadSQLite(ctx context.Context, path string) (*Dump, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("peeringdb: %w", err)
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("peeringdb: %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	a := &archive{db: db, path: path, d: NewDump()}
	a.d.Report.Files = append(a.d.Report.Files, path)
	tables, err := a.tables(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case tables["peeringdb_ix"]:
		a.d.Schema = SchemaV2
		err = a.readV2(ctx, tables)
	case tables["mgmtPublics"]:
		a.d.Schema = SchemaV1
		err = a.readV1(ctx, tables)
	default:
		return nil, fmt.Errorf("peeringdb: %s: neither a v1 (mgmtPublics) nor a v2 (peeringdb_ix) PeeringDB database: %w", path, ixp.ErrInvalid)
	}
	if err != nil {
		return nil, err
	}
	return a.d, nil
}

type archive struct {
	db   *sql.DB
	path string
	d    *Dump
}

func (a *archive) tables(ctx context.Context) (map[string]bool, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return nil, fmt.Errorf("peeringdb: %s: not a readable SQLite database: %w", a.path, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("peeringdb: %s: %w", a.path, err)
		}
		out[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("peeringdb: %s: %w", a.path, err)
	}
	return out, nil
}

// row is one table row by column name, values as the driver gives them
// (int64, float64, string, []byte, time.Time or nil).
type row map[string]any

// each calls fn with every row of table, ordered by id, and the row's
// index. required columns must exist.
func (a *archive) each(ctx context.Context, table string, required []string, fn func(i int64, r row) error) error {
	rows, err := a.db.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY id`)
	if err != nil {
		return fmt.Errorf("peeringdb: %s: table %s: %w", a.path, table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("peeringdb: %s: table %s: %w", a.path, table, err)
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	for _, c := range required {
		if !have[c] {
			return &ixp.ParseError{Source: ixp.SourcePeeringDB, File: a.path, Offset: -1, Record: -1,
				Err: fmt.Errorf("table %s has no column %s: %w", table, c, ixp.ErrInvalid)}
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for i := int64(0); rows.Next(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := rows.Scan(ptrs...); err != nil {
			return &ixp.ParseError{Source: ixp.SourcePeeringDB, File: a.path, Offset: -1, Record: i, Err: fmt.Errorf("table %s: %w", table, err)}
		}
		r := make(row, len(cols))
		for j, c := range cols {
			r[c] = vals[j]
		}
		if err := fn(i, r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return &ixp.ParseError{Source: ixp.SourcePeeringDB, File: a.path, Offset: -1, Record: -1, Err: fmt.Errorf("table %s: %w", table, err)}
	}
	return nil
}

// put decodes obj (the JSON shape of an API object) as kind k and adds it
// to the dump; table and i place it in errors.
func (a *archive) put(k ixp.Kind, table string, i int64, obj map[string]any, unknown []string) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("peeringdb: %s: table %s row %d: %w", a.path, table, i, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	o, err := decodeObject(k, dec, &a.d.buf)
	if err != nil {
		return &ixp.ParseError{Source: ixp.SourcePeeringDB, File: a.path, Offset: -1, Record: i, Err: fmt.Errorf("table %s: %s object: %w", table, k, err)}
	}
	if o.ID <= 0 {
		return &ixp.ParseError{Source: ixp.SourcePeeringDB, File: a.path, Offset: -1, Record: i, Err: fmt.Errorf("table %s: %s object without a valid id: %w", table, k, ixp.ErrInvalid)}
	}
	if c, ok := o.model.(ixp.Connection); ok && len(unknown) > 0 {
		c.Unknown = unknown
		o.model = c
	}
	if _, ok := a.d.objects[k]; !ok {
		a.d.objects[k] = nil
	}
	return a.d.add(a.path+" table "+table, -1, i, k, o)
}

// v2Tables maps the Django tables of PeeringDB v2 onto object kinds, with
// the renamed foreign-key columns of some releases (facility_id for
// fac_id, network_id for net_id).
var v2Tables = []struct {
	table    string
	kind     ixp.Kind
	required []string
}{
	{"peeringdb_organization", ixp.KindOrganization, []string{"id", "status", "name"}},
	{"peeringdb_facility", ixp.KindFacility, []string{"id", "status", "name"}},
	{"peeringdb_ix", ixp.KindExchange, []string{"id", "status", "name"}},
	{"peeringdb_ix_facility", ixp.KindExchangeFacility, []string{"id", "status", "ix_id"}},
	{"peeringdb_ixlan", ixp.KindExchangeLAN, []string{"id", "status", "ix_id"}},
	{"peeringdb_ixlan_prefix", ixp.KindExchangePrefix, []string{"id", "status", "ixlan_id", "prefix"}},
	{"peeringdb_network", ixp.KindNetwork, []string{"id", "status", "asn"}},
	{"peeringdb_network_facility", ixp.KindNetworkFacility, []string{"id", "status"}},
	{"peeringdb_network_ixlan", ixp.KindConnection, []string{"id", "status", "asn", "ixlan_id", "speed", "ipaddr4", "ipaddr6", "is_rs_peer"}},
}

var v2Renames = map[string]string{"facility_id": "fac_id", "network_id": "net_id"}

// v2Bools are the columns SQLite stores as 0/1 that the model reads as
// booleans.
var v2Bools = map[string]bool{"is_rs_peer": true, "in_dfz": true, "ixf_ixp_import_enabled": true, "operational": true}

func (a *archive) readV2(ctx context.Context, tables map[string]bool) error {
	for _, t := range v2Tables {
		if !tables[t.table] {
			continue
		}
		err := a.each(ctx, t.table, t.required, func(i int64, r row) error {
			obj := make(map[string]any, len(r))
			for c, v := range r {
				if n, ok := v2Renames[c]; ok {
					c = n
				}
				obj[c] = jsonValue(v, v2Bools[c])
			}
			return a.put(t.kind, t.table, i, obj, nil)
		})
		if err != nil {
			return err
		}
	}
	if len(a.d.objects) == 0 {
		return fmt.Errorf("peeringdb: %s: no PeeringDB v2 table found: %w", a.path, ixp.ErrInvalid)
	}
	return nil
}

// jsonValue turns a SQLite value into what the JSON dumps carry: times as
// RFC 3339, blobs as text, 0/1 as booleans where the model wants one.
func jsonValue(v any, boolean bool) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case []byte:
		return string(x)
	case int64:
		if boolean {
			return x != 0
		}
	case string:
		if boolean {
			return x == "1" || strings.EqualFold(x, "true")
		}
		// Django's SQLite datetimes: "2016-03-14 20:57:33.123456".
		if t, err := time.Parse("2006-01-02 15:04:05.999999", x); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case []byte:
		return strings.TrimSpace(string(x))
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func num(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case string, []byte:
		var n int64
		fmt.Sscan(str(x), &n)
		return n
	}
	return 0
}

// v1Status maps mgmtPublics.approved and mgmtFacilities.approved ("Y"
// when the entry was approved) onto a PeeringDB status.
func v1Status(r row) string {
	if s, ok := r["approved"]; ok && !strings.EqualFold(str(s), "Y") {
		return "pending"
	}
	return "ok"
}

// v1Time reads a v1 date column ("2004-07-28 00:00:00", or a time) as
// RFC 3339, "" when absent.
func v1Time(v any) string {
	s := str(v)
	if len(s) >= 10 {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			if len(s) >= 19 {
				if tt, err := time.Parse(time.DateTime, s[:19]); err == nil {
					t = tt
				}
			}
			return t.UTC().Format(time.RFC3339)
		}
	}
	return ""
}

// readV1 maps the tables of PeeringDB v1 onto the model
// (docs/PEERINGDB-ARCHIVE.md says where each column's meaning comes from):
//
//   - mgmtPublics → exchanges, and one LAN per exchange whose id is the
//     exchange's (v1 has no LAN object; in the first v2 data, 620 of 629
//     LANs have the id of their exchange);
//   - mgmtPublicsIPs → LAN prefixes; mgmtFacilities → facilities;
//     mgmtPublicsFacilities → exchange facilities;
//   - peerParticipants → networks; peerParticipantsPrivates → network
//     facilities;
//   - peerParticipantsPublics → connections: v1 keeps one row per address
//     family, so the n-th IPv4 row and the n-th IPv6 row (by id) of a
//     network at an exchange under one ASN make one connection, with the
//     id and speed of the first of them. v1 has no route-server flag:
//     connections carry Unknown = V1Unknown.
//
// v1 has no organizations: org_id is 0 everywhere.
func (a *archive) readV1(ctx context.Context, tables map[string]bool) error {
	steps := []struct {
		table    string
		required []string
		fn       func(i int64, r row) error
	}{
		{"mgmtFacilities", []string{"id", "name"}, func(i int64, r row) error {
			return a.put(ixp.KindFacility, "mgmtFacilities", i, map[string]any{
				"id": num(r["id"]), "status": v1Status(r), "name": str(r["name"]), "city": str(r["city"]), "country": str(r["country"]),
			}, nil)
		}},
		{"mgmtPublics", []string{"id", "name"}, func(i int64, r row) error {
			ix := map[string]any{
				"id": num(r["id"]), "status": v1Status(r), "name": str(r["name"]), "name_long": str(r["name_long"]),
				"city": str(r["city"]), "country": str(r["country"]), "region_continent": str(r["region_continent"]), "website": str(r["website"]),
			}
			if err := a.put(ixp.KindExchange, "mgmtPublics", i, ix, nil); err != nil {
				return err
			}
			return a.put(ixp.KindExchangeLAN, "mgmtPublics", i, map[string]any{"id": ix["id"], "status": ix["status"], "ix_id": ix["id"]}, nil)
		}},
		{"mgmtPublicsFacilities", []string{"id", "public_id", "facility_id"}, func(i int64, r row) error {
			return a.put(ixp.KindExchangeFacility, "mgmtPublicsFacilities", i, map[string]any{
				"id": num(r["id"]), "status": "ok", "ix_id": num(r["public_id"]), "fac_id": num(r["facility_id"]),
			}, nil)
		}},
		{"mgmtPublicsIPs", []string{"id", "public_id", "address"}, func(i int64, r row) error {
			p, err := netip.ParsePrefix(str(r["address"]))
			status := "ok"
			proto := "IPv4"
			if err != nil {
				status = "unreadable prefix" // skipped and counted, as a bad status is
			} else if p.Addr().Is6() {
				proto = "IPv6"
			}
			return a.put(ixp.KindExchangePrefix, "mgmtPublicsIPs", i, map[string]any{
				"id": num(r["id"]), "status": status, "ixlan_id": num(r["public_id"]), "protocol": proto, "prefix": str(r["address"]),
			}, nil)
		}},
		{"peerParticipants", []string{"id", "asn", "name"}, func(i int64, r row) error {
			n := map[string]any{
				"id": num(r["id"]), "status": "ok", "asn": num(r["asn"]), "name": str(r["name"]), "aka": str(r["aka"]),
				"website": str(r["website"]), "irr_as_set": str(r["irr_as_set"]), "info_type": str(r["info_type"]),
				"info_traffic": str(r["info_traffic"]), "info_scope": str(r["info_scope"]), "policy_general": str(r["policy_general"]),
				"created": v1Time(r["date_created"]), "updated": v1Time(r["date_lastupdated"]),
			}
			if v, ok := r["info_prefixes"]; ok && v != nil {
				n["info_prefixes4"] = num(v)
			}
			return a.put(ixp.KindNetwork, "peerParticipants", i, n, nil)
		}},
		{"peerParticipantsPrivates", []string{"id", "participant_id", "facility_id"}, func(i int64, r row) error {
			nf := map[string]any{"id": num(r["id"]), "status": "ok", "net_id": num(r["participant_id"]), "fac_id": num(r["facility_id"])}
			if v := num(r["local_asn"]); v > 0 {
				nf["local_asn"] = v
			}
			return a.put(ixp.KindNetworkFacility, "peerParticipantsPrivates", i, nf, nil)
		}},
	}
	for _, s := range steps {
		if !tables[s.table] {
			continue
		}
		if err := a.each(ctx, s.table, s.required, s.fn); err != nil {
			return err
		}
	}
	if !tables["peerParticipantsPublics"] {
		return nil
	}
	return a.readV1Ports(ctx)
}

// v1Port is one row of peerParticipantsPublics.
type v1Port struct {
	i                       int64
	id, net, ix, asn, speed int64
	addr                    string
	v6, pending             bool
}

func (a *archive) readV1Ports(ctx context.Context) error {
	const table = "peerParticipantsPublics"
	type key struct{ net, ix, asn int64 }
	groups := map[key][2][]v1Port{}
	var order []key
	err := a.each(ctx, table, []string{"id", "participant_id", "public_id", "local_asn", "local_ipaddr", "speed"}, func(i int64, r row) error {
		p := v1Port{i: i, id: num(r["id"]), net: num(r["participant_id"]), ix: num(r["public_id"]), asn: num(r["local_asn"]),
			speed: num(r["speed"]), pending: num(r["pending"]) != 0}
		// Addresses were free text in v1 and sometimes carry a prefix
		// length ("2001:db8::1/64"); the family comes from the address,
		// and from the protocol column when there is none.
		addr := str(r["local_ipaddr"])
		if j := strings.IndexByte(addr, '/'); j >= 0 {
			addr = addr[:j]
		}
		if ap, err := netip.ParseAddr(addr); err == nil {
			p.addr, p.v6 = ap.String(), ap.Is6() && !ap.Is4In6()
		} else {
			p.v6 = strings.Contains(strings.ToLower(str(r["protocol"])), "6")
		}
		k := key{p.net, p.ix, p.asn}
		g, seen := groups[k]
		if !seen {
			order = append(order, k)
		}
		fam := 0
		if p.v6 {
			fam = 1
		}
		g[fam] = append(g[fam], p)
		groups[k] = g
		return nil
	})
	if err != nil {
		return err
	}
	var conns []map[string]any
	var places []int64
	for _, k := range order {
		g := groups[k]
		for j := 0; j < max(len(g[0]), len(g[1])); j++ {
			var v4, v6 *v1Port
			if j < len(g[0]) {
				v4 = &g[0][j]
			}
			if j < len(g[1]) {
				v6 = &g[1][j]
			}
			first := v4
			if first == nil || (v6 != nil && v6.id < v4.id) {
				first = v6
			}
			status := "ok"
			if (v4 != nil && v4.pending) || (v6 != nil && v6.pending) {
				status = "pending"
			}
			c := map[string]any{"id": first.id, "status": status, "net_id": k.net, "ix_id": k.ix, "ixlan_id": k.ix, "asn": k.asn, "speed": first.speed}
			if v4 != nil && v4.addr != "" {
				c["ipaddr4"] = v4.addr
			}
			if v6 != nil && v6.addr != "" {
				c["ipaddr6"] = v6.addr
			}
			conns = append(conns, c)
			places = append(places, first.i)
		}
	}
	idx := make([]int, len(conns))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool { return num(conns[idx[x]]["id"]) < num(conns[idx[y]]["id"]) })
	for _, i := range idx {
		if err := a.put(ixp.KindConnection, table, places[i], conns[i], V1Unknown); err != nil {
			return err
		}
	}
	return nil
}
