package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func rec(k ixp.Kind, id, ix int64, asn ixp.ASN, v any) ixp.Record {
	b, _ := json.Marshal(v)
	return ixp.Record{Kind: k, ID: id, IXID: ix, ASN: asn, Data: b}
}

func TestIXPSourcesAgreement(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	conn := func(id int64, asn ixp.ASN, rs bool, state string) ixp.Record {
		return rec(ixp.KindConnection, id, 7, asn, ixp.Connection{ID: id, IXID: 7, ASN: asn, RouteServer: rs, State: state})
	}
	pdb := ixp.SnapshotInput{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: []ixp.Record{
		rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "X"}),
		conn(1, 100, true, ""), conn(2, 200, false, ""), conn(3, 300, false, ""),
	}}
	export := ixp.SnapshotInput{Source: "ixf:x.example/ixf.json", At: day, Kinds: []ixp.Kind{ixp.KindConnection}, Records: []ixp.Record{
		conn(11, 100, true, "active"), conn(12, 200, true, "active"), conn(13, 400, false, "active"),
		conn(14, 500, false, "disconnected"), // does not count
	}}
	for _, in := range []ixp.SnapshotInput{pdb, export} {
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer srv.Close()
	code, body := get(t, srv, "/api/v1/ixps/7/sources")
	if code != 200 {
		t.Fatalf("sources: %d %s", code, body)
	}
	var got struct {
		PeeringDB struct{ Members, RS int } `json:"peeringdb"`
		IXF       []struct {
			Members int `json:"members"`
			RS      int `json:"route_server_members"`
		} `json:"ixf"`
		Agreement struct {
			PeeringDBOnly []uint32 `json:"peeringdb_only"`
			IXFOnly       []uint32 `json:"ixf_only"`
			Both          []uint32 `json:"both"`
			Completeness  float64  `json:"completeness"`
			RSAgreement   float64  `json:"route_server_agreement"`
		} `json:"agreement"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	a := got.Agreement
	if len(got.IXF) != 1 || got.IXF[0].Members != 3 || got.IXF[0].RS != 2 {
		t.Errorf("ixf = %+v, want 3 members (the disconnected one left out), 2 on the route server", got.IXF)
	}
	if fmt := func(x []uint32) string { b, _ := json.Marshal(x); return string(b) }; fmt(a.PeeringDBOnly) != "[300]" || fmt(a.IXFOnly) != "[400]" || fmt(a.Both) != "[100,200]" {
		t.Errorf("agreement = %+v", a)
	}
	if a.Completeness != 2.0/3 || a.RSAgreement != 0.5 {
		t.Errorf("completeness %v rs agreement %v, want 2/3 and 1/2", a.Completeness, a.RSAgreement)
	}
	if code, _ := get(t, srv, "/api/v1/ixps/8/sources"); code != 404 {
		t.Errorf("sources of an unknown IXP = %d, want 404", code)
	}
}
