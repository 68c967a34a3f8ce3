package backfill_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/backfill"
	"github.com/ixpobs/ixpobs/collector/backfill/archivetest"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/ixp"
)

// TestBackfillBroker: with a broker (a fake of BGPKIT's API v3 /search
// answer shape on loopback; not checked against the live service from
// this environment), the first RIB dump of a date that the broker lists
// is fetched from the URL it gives and stored at the dump's time; a date
// the broker lists nothing for falls back to the collector's URL
// template.
func TestBackfillBroker(t *testing.T) {
	a := archivetest.New(t)
	set := realdata.Trimmed(t)
	a.Add(t, "mirror/rrc15-20100901.0800.gz", set.MRTFile("rrc15_updates.20100227.1600.gz"))
	a.Add(t, "ris/rrc15/2010.10/updates.20101001.0000.gz", set.MRTFile("rrc15_updates.20100227.1600.gz"))
	d0901 := time.Date(2010, 9, 1, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var asked []string
	broker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		asked = append(asked, q.Get("collector_id")+" "+q.Get("data_type")+" "+q.Get("ts_start"))
		mu.Unlock()
		from, _ := strconv.ParseInt(q.Get("ts_start"), 10, 64)
		to, _ := strconv.ParseInt(q.Get("ts_end"), 10, 64)
		data := []map[string]any{}
		if r.URL.Path == "/v3/broker/search" && q.Get("collector_id") == "rrc15" && q.Get("data_type") == "rib" && d0901.Unix() >= from && d0901.Unix() <= to {
			data = append(data, map[string]any{"ts_start": "2010-09-01T08:00:00", "ts_end": "2010-09-01T08:00:00", "collector_id": "rrc15",
				"data_type": "rib", "url": a.URL + "mirror/rrc15-20100901.0800.gz", "rough_size": 1000, "exact_size": 0})
		}
		json.NewEncoder(w).Encode(map[string]any{"count": len(data), "page": 1, "page_size": 100, "error": nil, "data": data})
	}))
	defer broker.Close()
	cfg := config(a, t.TempDir())
	cfg.Kinds = []string{backfill.KindMRT}
	cfg.Since, cfg.Until = time.Date(2010, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2010, 10, 1, 0, 0, 0, 0, time.UTC)
	cfg.Collectors[0].URLTemplate = a.URL + "ris/rrc15/{YYYY}.{MM}/updates.{YYYY}{MM}{DD}.0000.gz"
	cfg.BrokerURL = broker.URL + "/v3/broker"
	st := openStore(t, filepath.Join(t.TempDir(), "bf.db"))
	b, err := backfill.New(client(t, a), st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Run(context.Background())
	if err != nil || res.Imported != 2 {
		t.Fatalf("backfill: %+v, %v; want 2 dates imported", res.Progress, err)
	}
	snaps, err := st.Snapshots(context.Background(), ixp.BGPSource("rrc15"))
	if err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots %v, %v", snaps, err)
	}
	if !snaps[0].At.Equal(d0901) || snaps[0].Origin != a.URL+"mirror/rrc15-20100901.0800.gz" {
		t.Errorf("2010-09: snapshot at %s from %s, want the broker's 08:00 dump", snaps[0].At, snaps[0].Origin)
	}
	if !snaps[1].At.Equal(time.Date(2010, 10, 1, 0, 0, 0, 0, time.UTC)) || snaps[1].Origin != a.URL+"ris/rrc15/2010.10/updates.20101001.0000.gz" {
		t.Errorf("2010-10: snapshot at %s from %s, want the template's file", snaps[1].At, snaps[1].Origin)
	}
	slices.Sort(asked) // the dates are downloaded in parallel
	want := []string{"rrc15 rib " + strconv.FormatInt(time.Date(2010, 9, 1, 0, 0, 0, 0, time.UTC).Unix(), 10),
		"rrc15 rib " + strconv.FormatInt(time.Date(2010, 10, 1, 0, 0, 0, 0, time.UTC).Unix(), 10)}
	if !slices.Equal(asked, want) {
		t.Errorf("broker asked %v, want %v", asked, want)
	}
}
