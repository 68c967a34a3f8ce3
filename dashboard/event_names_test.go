package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestLeaveKeepsLastKnownName: a network that leaves in the snapshot that
// also deletes its record keeps the name it had just before (issue 15,
// item 8), in the API and the feed; "up to" is the newest snapshot's date,
// not the clock's.
func TestLeaveKeepsLastKnownName(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ev.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	kinds := []ixp.Kind{ixp.KindExchange, ixp.KindNetwork, ixp.KindConnection}
	ex := rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "X", Country: "BR"})
	net := func(asn ixp.ASN, name string) ixp.Record {
		return rec(ixp.KindNetwork, int64(asn), 0, asn, ixp.Network{ID: int64(asn), ASN: asn, Name: name})
	}
	conn := func(id int64, asn ixp.ASN) ixp.Record {
		return rec(ixp.KindConnection, id, 7, asn, ixp.Connection{ID: id, IXID: 7, ASN: asn})
	}
	others := []ixp.Record{net(201, "A"), net(202, "B"), net(203, "C"), conn(11, 201), conn(12, 202), conn(13, 203)}
	for _, in := range []ixp.SnapshotInput{
		{Source: "peeringdb", At: d1, Kinds: kinds, Records: append([]ixp.Record{ex, net(100, "Old Name"), conn(1, 100)}, others...)},
		{Source: "peeringdb", At: d1.AddDate(0, 0, 10), Kinds: kinds, Records: append([]ixp.Record{ex, net(100, "Last Name"), conn(1, 100), net(300, "Joiner"), conn(3, 300)}, others...)},
		// AS100 leaves and its network record is deleted.
		{Source: "peeringdb", At: d1.AddDate(0, 0, 20), Kinds: kinds, Records: append([]ixp.Record{ex, net(300, "Joiner Renamed"), conn(3, 300)}, others...)},
	} {
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	d := dashboard.New(st, dashboard.Config{})
	d.Now = func() time.Time { return time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) }
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	code, body := get(t, srv, "/api/v1/ixps/7/events")
	if code != 200 {
		t.Fatalf("events: %d %s", code, body)
	}
	var got struct {
		To   string `json:"to"`
		Data []struct {
			Date, Type, Name string
			ASN              uint32
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.To != "2024-01-21" {
		t.Errorf("to = %s, want 2024-01-21 (the newest snapshot, not the clock's 2026-12-05)", got.To)
	}
	want := map[string]string{"leave/100/2024-01-21": "Last Name", "join/300/2024-01-11": "Joiner"}
	for _, e := range got.Data {
		k := e.Type + "/" + itoa(int(e.ASN)) + "/" + e.Date
		if w, ok := want[k]; !ok || e.Name != w {
			t.Errorf("event %s named %q, want %q", k, e.Name, w)
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("events missing: %v (got %s)", want, body)
	}
	if code, feed := get(t, srv, "/feeds/ixps/7.atom"); code != 200 || !strings.Contains(feed, "AS100 Last Name left X") {
		t.Errorf("feed %d lacks %q: %.600s", code, "AS100 Last Name left X", feed)
	}
}

// TestNamesPastOneQuery: an exchange with more members than one store
// query takes (store.MaxFilterASNs) still names every member in its
// member list and every network in its events, on a first request
// (names read per ASN, in batches) as after the date's whole view is
// built.
func TestNamesPastOneQuery(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "many.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = 2*store.MaxFilterASNs + 345
	d1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	kinds := []ixp.Kind{ixp.KindExchange, ixp.KindNetwork, ixp.KindConnection}
	ex := rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "X", Country: "BR"})
	name := func(asn ixp.ASN, day int) string { return fmt.Sprintf("Net %d of day %d", asn, day) }
	snapshot := func(day int, first, last ixp.ASN) ixp.SnapshotInput {
		in := ixp.SnapshotInput{Source: "peeringdb", At: d1.AddDate(0, 0, day), Kinds: kinds, Records: []ixp.Record{ex}}
		for asn := first; asn <= last; asn++ {
			in.Records = append(in.Records,
				rec(ixp.KindNetwork, int64(asn), 0, asn, ixp.Network{ID: int64(asn), ASN: asn, Name: name(asn, day)}),
				rec(ixp.KindConnection, int64(asn), 7, asn, ixp.Connection{ID: int64(asn), IXID: 7, ASN: asn}))
		}
		return in
	}
	// Day 0: ASNs 1..10; day 10: every ASN up to n joins (renamed);
	// day 20: the first 9 leave and the others are renamed again.
	for _, in := range []ixp.SnapshotInput{snapshot(0, 1, 10), snapshot(10, 1, n), snapshot(20, 10, n)} {
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	type member struct {
		ASN  uint32 `json:"asn"`
		Name string `json:"name"`
	}
	var members struct {
		Members int      `json:"members"`
		Data    []member `json:"data"`
	}
	var events struct {
		Joins, Leaves int
		Data          []struct {
			Date, Type, Name string
			ASN              uint32
		} `json:"data"`
	}
	for _, warm := range []bool{false, true} {
		d := dashboard.New(st, dashboard.Config{})
		d.Now = func() time.Time { return time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) }
		srv := httptest.NewServer(d.Handler())
		if warm { // the whole view of the newest date built first
			if code, body := get(t, srv, "/feeds/countries/BR.atom"); code != 200 {
				t.Fatalf("feed: %d %.300s", code, body)
			}
		}
		code, body := get(t, srv, "/api/v1/ixps/7/members")
		if code != 200 || json.Unmarshal([]byte(body), &members) != nil {
			t.Fatalf("members: %d %.300s", code, body)
		}
		if members.Members != n-9 || len(members.Data) != n-9 {
			t.Errorf("warm=%v: %d members, %d rows, want %d", warm, members.Members, len(members.Data), n-9)
		}
		for _, m := range members.Data {
			if want := name(ixp.ASN(m.ASN), 20); m.Name != want {
				t.Errorf("warm=%v: member AS%d named %q, want %q", warm, m.ASN, m.Name, want)
				break
			}
		}
		code, body = get(t, srv, "/api/v1/ixps/7/events")
		if code != 200 || json.Unmarshal([]byte(body), &events) != nil {
			t.Fatalf("events: %d %.300s", code, body)
		}
		if events.Joins != n-10 || events.Leaves != 9 {
			t.Errorf("warm=%v: %d joins and %d leaves, want %d and 9", warm, events.Joins, events.Leaves, n-10)
		}
		for _, e := range events.Data {
			want := name(ixp.ASN(e.ASN), 10) // at the join, and just before the leave
			if e.Name != want {
				t.Errorf("warm=%v: %s of AS%d named %q, want %q", warm, e.Type, e.ASN, e.Name, want)
				break
			}
		}
		srv.Close()
	}
}
