package dashboard

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// firstRequests are answers that a first request for a date must give
// without building the date's whole view (every network and connection):
// exchange lists, one exchange's members, one network, the network list,
// a search.
var firstRequests = []string{
	"/api/v1/ixps?at=2019-06-01",
	"/api/v1/ixps?at=2020-05-05&sort=-members&per_page=5",
	"/api/v1/ixps/171/members?at=2019-01-19",
	"/api/v1/ixps/171/members?at=2020-05-05&format=csv",
	"/api/v1/ixps/171/members?name=telecom&sort=-speed&page=2&per_page=10",
	"/api/v1/ixps/3788/members",
	"/api/v1/networks/28571?at=2020-01-01",
	"/api/v1/networks/15169",
	"/api/v1/networks/4200000000",
	"/api/v1/networks?at=2019-06-01&sort=-ixps&limit=20",
	"/api/v1/networks?name__contains=telecom&at=2020-05-05&format=csv",
	"/api/v1/networks?limit=5&skip=100",
	"/search?q=telecom&at=2019-06-01",
	"/search?q=ix.br",
	"/ixps/171?at=2019-06-01",
	"/?at=2020-06-01",
	"/",
}

// TestFirstRequestOfADate checks that the answers above are the same
// whether the date's whole view was built before or not, and that giving
// them does not build it.
func TestFirstRequestOfADate(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "first.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	realdata.Trimmed(t).LoadPeeringDB(t, st)
	snaps, err := st.Snapshots(ctx, ixp.SourcePeeringDB)
	if err != nil || len(snaps) < 3 {
		t.Fatalf("PeeringDB snapshots: %d, %v", len(snaps), err)
	}
	now := func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	answers := func(s *Server) map[string]string {
		ts := httptest.NewServer(s.Handler())
		defer ts.Close()
		out := map[string]string{}
		for _, path := range firstRequests {
			resp, err := ts.Client().Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 && path != "/api/v1/networks/4200000000" {
				t.Errorf("%s: status %d: %.300s", path, resp.StatusCode, b)
			}
			out[path] = string(b)
		}
		return out
	}

	cold := New(st, Config{})
	cold.Now = now
	coldAnswers := answers(cold)
	for _, sn := range snaps {
		if _, ok := cold.views.peek(sn.ID); ok {
			t.Errorf("the whole view of %s was built by first requests that do not need it", sn.At.Format(time.DateOnly))
		}
	}

	warm := New(st, Config{})
	warm.Now = now
	for _, sn := range snaps {
		if _, err := warm.viewAt(ctx, sn); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range answers(warm) {
		if got := coldAnswers[path]; got != want {
			t.Errorf("%s: the answer without the date's view differs from the one with it\n%s", path, around(want, got))
		}
	}
}

// around shows where two answers first differ.
func around(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(0, i-120)
	return "want …" + want[lo:min(len(want), i+120)] + "…\ngot  …" + got[lo:min(len(got), i+120)] + "…"
}
