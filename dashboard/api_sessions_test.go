package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestBGPSessionsStale: a bgp process's sessions are stale after three of
// its sessions_interval without news (issue 19), and after 2 minutes for
// an older process that published the bare array without its interval.
func TestBGPSessionsStale(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const sessions = `[{"address":"187.16.216.250","asn":26162,"state":"established"}]`
	st.PutStatus(ctx, "bgp-sessions:fast", []byte(`{"sessions_interval_s":10,"sessions":`+sessions+`}`))
	st.PutStatus(ctx, "bgp-sessions:slow", []byte(`{"sessions_interval_s":300,"sessions":`+sessions+`}`))
	st.PutStatus(ctx, "bgp-sessions:old", []byte(sessions))
	sts, err := st.Statuses(ctx, "bgp-sessions:")
	if err != nil || len(sts) != 3 {
		t.Fatalf("statuses: %v, %v", sts, err)
	}
	updated := sts[0].Updated
	srv := dashboard.New(st, dashboard.Config{})
	h := httptest.NewServer(srv.Handler())
	defer h.Close()
	for _, tc := range []struct {
		age  time.Duration
		want map[string]bool // collector -> stale
	}{
		{29 * time.Second, map[string]bool{"fast": false, "slow": false, "old": false}},
		{31 * time.Second, map[string]bool{"fast": true, "slow": false, "old": false}},
		{3 * time.Minute, map[string]bool{"fast": true, "slow": false, "old": true}},
		{16 * time.Minute, map[string]bool{"fast": true, "slow": true, "old": true}},
	} {
		srv.Now = func() time.Time { return updated.Add(tc.age) }
		code, body := get(t, h, "/api/v1/bgp/sessions")
		var got struct {
			Data []struct {
				Collector  string  `json:"collector"`
				Stale      bool    `json:"stale"`
				StaleAfter float64 `json:"stale_after_s"`
				Sessions   []any   `json:"sessions"`
			} `json:"data"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got.Data) != 3 {
			t.Fatalf("age %v: %d %s", tc.age, code, body)
		}
		for _, d := range got.Data {
			wantAfter := map[string]float64{"fast": 30, "slow": 900, "old": 120}[d.Collector]
			if d.Stale != tc.want[d.Collector] || d.StaleAfter != wantAfter || len(d.Sessions) != 1 {
				t.Errorf("age %v, %s: stale %v after %vs with %d sessions; want stale %v after %vs, 1 session",
					tc.age, d.Collector, d.Stale, d.StaleAfter, len(d.Sessions), tc.want[d.Collector], wantAfter)
			}
		}
	}
}
