package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestWarm checks that Warm leaves the view of the latest PeeringDB
// snapshot in the cache, and that an empty store is not worth a warning.
func TestWarm(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "w.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	s := New(st, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	s.Warm(ctx)
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warming an empty store logged a warning:\n%s", logs.String())
	}
	ex, _ := json.Marshal(ixp.Exchange{ID: 7, Name: "X", Country: "BR"})
	for _, day := range []time.Time{time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := st.Publish(ctx, ixp.SnapshotInput{Source: "peeringdb", At: day, Kinds: []ixp.Kind{ixp.KindExchange},
			Records: []ixp.Record{{Kind: ixp.KindExchange, ID: 7, IXID: 7, Data: ex}}}); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := st.Snapshots(ctx, "peeringdb")
	if err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots: %v, %v", snaps, err)
	}
	logs.Reset()
	s.Warm(ctx)
	if !strings.Contains(logs.String(), "views warmed") || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warming logged:\n%s", logs.String())
	}
	if _, ok := s.views.peek(snaps[1].ID); !ok {
		t.Errorf("the view of the latest snapshot %d is not in the cache after Warm", snaps[1].ID)
	}
	tl, err := s.timeline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range snaps { // today's and a year before
		if _, ok := s.states.peek(tl.at(sn.At).key); !ok {
			t.Errorf("the country state of snapshot %d (%s) is not in the cache after Warm", sn.ID, sn.At.Format(time.DateOnly))
		}
	}
}

// TestClientGoneIsNotAnError checks that a page or an API request whose
// client has left (its context cancelled, as when wrk or a browser closes
// the connection) answers nothing and logs no error.
func TestClientGoneIsNotAnError(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	h := New(st, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Handler()
	for _, path := range []string{"/", "/ixps", "/countries/BR", "/api/v1/ixps", "/api/v1/countries/BR"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx))
		if rec.Body.Len() != 0 {
			t.Errorf("GET %s with the client gone: %d, body %.80q; want nothing written", path, rec.Code, rec.Body.String())
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a request whose client left logged an error:\n%s", logs.String())
	}
}
