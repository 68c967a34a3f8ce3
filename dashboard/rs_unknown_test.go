package dashboard_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestRouteServerUnknown (issue 18): at a date whose PeeringDB data has no
// route-server flag (a v1 archive: the connections name is_rs_peer as
// unknown), the route-server members are null in JSON, empty in CSV, "–"
// on the pages, and absent from /metrics, never 0; at a later date with
// the flag they are counted. Every JSON answer is checked against
// openapi.json.
func TestRouteServerUnknown(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rs.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v1 := time.Date(2012, 3, 1, 0, 0, 0, 0, time.UTC)
	v2 := time.Date(2019, 1, 19, 0, 0, 0, 0, time.UTC)
	conns := func(unknown []string, rs bool) []ixp.Record {
		var out []ixp.Record
		for i, asn := range []ixp.ASN{64500, 64501, 64502} {
			id := int64(i + 1)
			out = append(out, rec(ixp.KindConnection, id, 7, asn, ixp.Connection{ID: id, IXID: 7, ASN: asn, Speed: 1000, RouteServer: rs && i < 2, Unknown: unknown}))
		}
		return out
	}
	ex := rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "PTT Example", Country: "BR", Region: "South America"})
	for _, in := range []ixp.SnapshotInput{
		{Source: "peeringdb", At: v1, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: append([]ixp.Record{ex}, conns([]string{"ipv6", "is_rs_peer"}, false)...)},
		{Source: "ixf:example", At: v1, Kinds: []ixp.Kind{ixp.KindConnection}, Records: []ixp.Record{
			rec(ixp.KindConnection, 11, 7, 64500, ixp.Connection{ID: 11, IXID: 7, ASN: 64500, RouteServer: true})}},
		{Source: "peeringdb", At: v2, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: append([]ixp.Record{ex}, conns(nil, true)...)},
	} {
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return v2.Add(24 * time.Hour) }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, c := range []struct{ path, want string }{
		{"/api/v1/ixps/7?at=2012-06-01", `"route_server_members":null`},
		{"/api/v1/ixps/7", `"route_server_members":2`},
		{"/api/v1/ixps?at=2012-06-01", `"route_server_members":null`},
		{"/api/v1/ixps/7/history", `"date":"2012-03-01","snapshot_id":1,"active":true,"members":3,"connections":3,"capacity_mbps":3000,"ipv6_members":0,"route_server_members":null}`},
		{"/api/v1/ixps/7/history", `"route_server_members":2}`},
		{"/api/v1/ixps/7/sources?at=2012-06-01", `"route_server_members":null`},
		{"/api/v1/ixps/7/sources?at=2012-06-01", `"route_server_agreement":null`},
		{"/api/v1/ixps/7/history?format=csv", "2012-03-01,3,3,3000,0,,true\n"},
		{"/api/v1/ixps/7/history?format=csv", "2019-01-19,3,3,3000,0,2,true\n"},
		{"/api/v1/ixps?at=2012-06-01&format=csv", ",3,3,3000,0,\n"},
		// A numeric filter never matches an unknown figure.
		{"/api/v1/ixps?at=2012-06-01&route_server_members__lt=1", `"data":[]`},
	} {
		code, body := get(t, ts, c.path)
		if code != 200 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %q in\n%s", c.path, code, c.want, body)
		}
	}
	newContract(t).validate(t, ts, []string{"/api/v1/ixps/7?at=2012-06-01", "/api/v1/ixps?at=2012-06-01", "/api/v1/ixps/7/history",
		"/api/v1/ixps/7/sources?at=2012-06-01"})
	// The page: the route-server figure of 2012 is "–", not 0.
	_, page := get(t, ts, "/ixps/7?at=2012-06-01")
	if !strings.Contains(page, "<dd>–</dd><dd class=\"delta\">–</dd>") {
		t.Errorf("the IXP page of 2012 does not show the route-server members as unknown:\n%s", page)
	}
}
