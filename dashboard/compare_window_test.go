package dashboard_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestSourcesComparedOnlyWithinWindow: PeeringDB is compared with an IX-F
// export only when their snapshots are within the compare window (31
// days by default, Config.CompareWindow otherwise); a further one is
// named as not comparable with both dates and the days between them, on
// the API and on the page (issue 15, item 5).
func TestSourcesComparedOnlyWithinWindow(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "w.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	conn := func(id int64, asn ixp.ASN) ixp.Record {
		return rec(ixp.KindConnection, id, 7, asn, ixp.Connection{ID: id, IXID: 7, ASN: asn, State: "active"})
	}
	for _, in := range []ixp.SnapshotInput{
		// An old export listing AS900 only, a recent one AS100 and AS400.
		{Source: "ixf:old.example", At: day.AddDate(0, 0, -100), Kinds: []ixp.Kind{ixp.KindConnection}, Records: []ixp.Record{conn(21, 900)}},
		{Source: "ixf:new.example", At: day.AddDate(0, 0, -10), Kinds: []ixp.Kind{ixp.KindConnection}, Records: []ixp.Record{conn(11, 100), conn(12, 400)}},
		{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Records: []ixp.Record{
			rec(ixp.KindExchange, 7, 7, 0, ixp.Exchange{ID: 7, Name: "X", Country: "BR"}), conn(1, 100), conn(2, 200)}},
	} {
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	type answer struct {
		Agreement *struct {
			Both   []uint32 `json:"both"`
			IXFOnl []uint32 `json:"ixf_only"`
		} `json:"agreement"`
		NotComparable []struct {
			Source    string `json:"source"`
			Date      string `json:"date"`
			OtherDate string `json:"other_date"`
			Days      int    `json:"days_apart"`
			Window    int    `json:"window_days"`
		} `json:"not_comparable"`
	}
	for _, tc := range []struct {
		name       string
		window     time.Duration
		wantIXF    string // ixf_only of the agreement
		notCompare int    // entries in not_comparable
	}{
		{"default 31 days", 0, "[400]", 1},
		{"window 5 days", 5 * 24 * time.Hour, "", 2},
		{"window 200 days", 200 * 24 * time.Hour, "[400,900]", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(dashboard.New(st, dashboard.Config{CompareWindow: tc.window}).Handler())
			defer srv.Close()
			code, body := get(t, srv, "/api/v1/ixps/7/sources")
			if code != 200 {
				t.Fatalf("sources: %d %s", code, body)
			}
			var got answer
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if tc.wantIXF == "" {
				if got.Agreement != nil {
					t.Errorf("agreement %+v, want none (no export within the window)", *got.Agreement)
				}
			} else if got.Agreement == nil {
				t.Errorf("no agreement, want ixf_only %s", tc.wantIXF)
			} else if b, _ := json.Marshal(got.Agreement.IXFOnl); string(b) != tc.wantIXF {
				t.Errorf("ixf_only %s, want %s (only exports within the window compared)", b, tc.wantIXF)
			}
			if len(got.NotComparable) != tc.notCompare {
				t.Fatalf("not_comparable %+v, want %d entries", got.NotComparable, tc.notCompare)
			}
			for _, nc := range got.NotComparable {
				if nc.Source == "ixf:old.example" && (nc.Date != "2024-02-22" || nc.OtherDate != "2024-06-01" || nc.Days != 100) {
					t.Errorf("old export: %+v, want 2024-02-22 vs 2024-06-01, 100 days apart", nc)
				}
			}
			if tc.window == 0 {
				// The CSV table of both sources holds the comparable export only.
				if _, csv := get(t, srv, "/api/v1/ixps/7/sources?format=csv"); strings.Contains(csv, "\n900,") || !strings.Contains(csv, "\n400,false,true") {
					t.Errorf("sources CSV mixes in the export 100 days away (or lacks the near one):\n%s", csv)
				}
				_, page := getLang(t, srv, "/ixps/7", "en")
				want := "ixf:old.example (Feb 22, 2024) and peeringdb (Jun 1, 2024) are not compared: the sources are 100 days apart (at most 31)."
				if !strings.Contains(html.UnescapeString(page), want) {
					t.Errorf("the IXP page lacks %q", want)
				}
			}
		})
	}
}
