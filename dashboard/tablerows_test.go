package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

func TestThinRows(t *testing.T) {
	days := func(from string, n int) []string {
		d, _ := time.Parse(time.DateOnly, from)
		out := make([]string, n)
		for i := range out {
			out[i] = d.AddDate(0, 0, i).Format(time.DateOnly)
		}
		return out
	}
	id := func(s string) string { return s }

	short := days("2020-01-01", tableRowsMax)
	if got := thinRows(short, id); got.Thinned || len(got.Rows) != len(short) {
		t.Fatalf("%d points: thinned %v, %d rows; want all", len(short), got.Thinned, len(got.Rows))
	}

	long := days("2010-07-29", 5800) // to 2026-06-14
	got := thinRows(long, id)
	if !got.Thinned || got.Total != 5800 || got.Since != "2026-03-14" {
		t.Fatalf("thinned %v total %d since %s; want true, 5800, 2026-03-14", got.Thinned, got.Total, got.Since)
	}
	// The first snapshot of each month before Since, every one after.
	months := map[string]int{}
	for i, d := range got.Rows {
		if i > 0 && d <= got.Rows[i-1] {
			t.Fatalf("rows out of order at %d: %s after %s", i, d, got.Rows[i-1])
		}
		if d < got.Since {
			months[d[:7]]++
			if d[8:] != "01" && d != long[0] {
				t.Errorf("row %s before %s is not its month's first snapshot", d, got.Since)
			}
		}
	}
	for m, n := range months {
		if n != 1 {
			t.Errorf("month %s has %d rows", m, n)
		}
	}
	if len(months) != 189 { // Jul 2010 .. Mar 2026: 6 + 15*12 + 3
		t.Errorf("%d months before %s, want 189", len(months), got.Since)
	}
	if recent := len(got.Rows) - len(months); recent != 93 {
		t.Errorf("%d rows from %s on, want 93 (every day)", recent, got.Since)
	}
	if got.Rows[0] != long[0] || got.Rows[len(got.Rows)-1] != long[len(long)-1] {
		t.Errorf("first and last rows %s, %s; want %s, %s", got.Rows[0], got.Rows[len(got.Rows)-1], long[0], long[len(long)-1])
	}

	// Irregular snapshots: months without any have no row.
	sparse := append(days("2012-01-15", 3), days("2015-06-01", 500)...)
	got = thinRows(sparse, id)
	if got.Rows[0] != "2012-01-15" || got.Rows[1] != "2015-06-01" {
		t.Errorf("sparse: rows start %v", got.Rows[:3])
	}
}

// TestHistoryTablesThinned: the pages of a history longer than
// tableRowsMax show the monthly rows and say so; the API keeps every
// point.
func TestHistoryTablesThinned(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "long.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := time.Date(2010, 7, 29, 12, 0, 0, 0, time.UTC)
	const days = tableRowsMax + 60
	for d := range days {
		in := ixp.SnapshotInput{Source: ixp.SourcePeeringDB, At: base.AddDate(0, 0, d), Kinds: []ixp.Kind{ixp.KindExchange, ixp.KindConnection}, Force: true}
		data, _ := json.Marshal(ixp.Exchange{ID: 1, Name: "IX One", Country: "BR"})
		in.Records = append(in.Records, ixp.Record{Kind: ixp.KindExchange, ID: 1, IXID: 1, Data: data})
		for m := int64(0); m < 2+int64(d%3); m++ {
			c := ixp.Connection{ID: 100 + m, IXID: 1, ASN: ixp.ASN(64512 + m), Speed: 1000}
			data, _ := json.Marshal(c)
			in.Records = append(in.Records, ixp.Record{Kind: ixp.KindConnection, ID: c.ID, IXID: 1, ASN: c.ASN, Data: data})
		}
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	h := New(st, Config{}).Handler()
	get := func(path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
		return rec.Body.String()
	}
	last := base.AddDate(0, 0, days-1).Format(time.DateOnly)
	for _, path := range []string{"/", "/countries/BR", "/regions/lac", "/ixps/1"} {
		body := get(path)
		if !strings.Contains(body, "One row a month (its first snapshot) before") || !strings.Contains(body, fmt.Sprintf("%d snapshots in all", days)) {
			t.Errorf("%s: no note on the thinned table", path)
		}
		for date, want := range map[string]bool{"2010-07-29": true, "2010-09-01": true, "2010-09-15": false, last: true} {
			if got := strings.Contains(body, "at="+date+`"`); got != want {
				t.Errorf("%s: a row of %s: %v, want %v", path, date, got, want)
			}
		}
	}
	var hist struct{ Points []json.RawMessage }
	if err := json.Unmarshal([]byte(get("/api/v1/countries/BR/history")), &hist); err != nil || len(hist.Points) != days {
		t.Errorf("API history: %d points, %v; want every one of %d", len(hist.Points), err, days)
	}
}
