package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
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
