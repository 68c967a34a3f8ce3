package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/birdtest"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestBGPProcess runs `ixpobs bgp` against a BIRD route server announcing
// 300 IPv4 and 100 IPv6 routes, and checks that the process stores a
// collector snapshot with every route and publishes its sessions.
func TestBGPProcess(t *testing.T) {
	port := birdtest.FreePort(t, "127.0.0.1")
	rs := birdtest.Peer{Name: "rs1", Local: "127.0.0.2", ASN: 65010, N4: 300, N6: 100, HostPort: birdtest.FreePort(t, "127.0.0.2")}
	birdtest.Start(t, birdtest.Config(port, 65000, rs))
	db := filepath.Join(t.TempDir(), "bgp.db")
	stderr := startBGPProcess(t, db, "rs-test", port)

	st, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sn, err := st.SnapshotAt(context.Background(), "bgp:rs-test", time.Time{})
		if err == nil && collectorPrefixes(t, st, sn) == 400 {
			if sn.Counts["bgp_peer"] != 1 || sn.Counts["bgp_origin"] == 0 {
				t.Errorf("snapshot counts = %v, want 1 peer and origins", sn.Counts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot with the 400 routes within 60s (last: %+v, %v)\n%s", sn.Counts, err, birdtest.Tail(stderr(), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	sts, err := st.Statuses(context.Background(), "bgp-sessions:rs-test")
	if err != nil || len(sts) != 1 {
		t.Fatalf("sessions status = %v, %v", sts, err)
	}
	var published struct {
		Interval float64 `json:"sessions_interval_s"`
		Sessions []struct {
			ASN          uint32 `json:"asn"`
			State        string `json:"state"`
			PrefixesIPv4 int    `json:"prefixes_ipv4"`
			PrefixesIPv6 int    `json:"prefixes_ipv6"`
		} `json:"sessions"`
	}
	err = json.Unmarshal(sts[0].Value, &published)
	if sessions := published.Sessions; err != nil || published.Interval != 1 || len(sessions) != 1 || sessions[0].State != "established" || sessions[0].ASN != 65010 {
		t.Errorf("sessions = %s (%v)", sts[0].Value, err)
	}
	recs, err := st.Objects(context.Background(), "bgp:rs-test", ixp.KindBGPCollector, time.Time{}, store.Filter{})
	var c ixp.BGPCollector
	if err != nil || len(recs) != 1 || json.Unmarshal(recs[0].Data, &c) != nil || c.IXID != 171 || c.Type != "live" || c.Routes != 400 {
		t.Errorf("collector record = %+v (%v)", c, err)
	}
}

func TestImportMRT(t *testing.T) {
	data := testenv.SharedData(t)
	db := filepath.Join(t.TempDir(), "mrt.db")
	env := func(string) string { return "" }
	var out, errOut bytes.Buffer
	rib := filepath.Join(data, "mrt", "ripe-ncc-bgpdump", "bview.20020722.2337.gz")
	if code := run(context.Background(), []string{"import", "mrt", rib, "--collector", "rrc00", "--json", "--db", db}, &out, &errOut, env); code != 0 {
		t.Fatalf("import mrt: exit %d: %s", code, errOut.String())
	}
	var res struct {
		File     string `json:"file"`
		Records  int64  `json:"records"`
		Entries  int64  `json:"entries"`
		Prefixes int64  `json:"prefixes"`
		Peers    int64  `json:"peers"`
		Skipped  int64  `json:"skipped"`
		Errors   int64  `json:"errors"`
		Complete bool   `json:"complete"`
		Snapshot string `json:"snapshot"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	// 115,521 TABLE_DUMP records, one entry each (PROVENANCE.md; bgpdump -m prints as many lines).
	if res.Records != 115521 || res.Entries != 115521 || res.Peers == 0 || !res.Complete || res.Snapshot != "2002-07-22T23:37:37Z" {
		t.Errorf("import mrt --json = %+v", res)
	}
	out.Reset()
	errOut.Reset()
	trunc := filepath.Join(data, "mrt", "pyasn", "rib.20140523.0600_firstMB.bz2")
	if code := run(context.Background(), []string{"import", "mrt", trunc, "--collector", "rv", "--db", db}, &out, &errOut, env); code == 0 || !bytes.Contains(errOut.Bytes(), []byte("truncated")) {
		t.Errorf("truncated file: exit %d, stderr %q; want a failure that says truncated", code, errOut.String())
	}
	st, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SnapshotAt(context.Background(), "bgp:rv", time.Time{}); err == nil {
		t.Errorf("a truncated file was stored as a snapshot")
	}
}

// collectorPrefixes is the distinct prefix count of a BGP snapshot (its
// collector record; prefix records are grouped by origin).
func collectorPrefixes(t *testing.T, st store.Store, sn ixp.Snapshot) int {
	t.Helper()
	recs, err := st.Objects(context.Background(), sn.Source, ixp.KindBGPCollector, sn.At, store.Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("collector record of %s: %d records, %v", sn.Source, len(recs), err)
	}
	var c ixp.BGPCollector
	if err := json.Unmarshal(recs[0].Data, &c); err != nil {
		t.Fatal(err)
	}
	return c.Prefixes
}

// startBGPProcess runs `ixpobs bgp` until the test ends, storing into db
// as collector at exchange 171, listening on 127.0.0.1:port for the BIRD
// route server rs1 (127.0.0.2, AS65010); snapshots every 2 s, sessions
// every second. It returns the process's standard error so far.
func startBGPProcess(t *testing.T, db, collector string, port int) (stderr func() string) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "ixpobs.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`db: %s
bgp:
  collector: %s
  ixp_id: 171
  snapshot_interval: 2s
  sessions_interval: 1s
  asn: 65000
  router_id: 127.0.0.1
  listen_addresses: [127.0.0.1]
  listen_port: %d
  metrics_listen: 127.0.0.1:0
  host_name: "@machine"   # in-process: no re-execution in a UTS namespace
  peers:
    - name: rs1
      address: 127.0.0.2
      asn: 65010
      ixp_id: 171
      passive: true
`, db, collector, port)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	out := &lockedBuffer{}
	go func() {
		done <- run(ctx, []string{"bgp", "--config", conf}, &bytes.Buffer{}, out, func(string) string { return "" })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("ixpobs bgp exited %d: %s", code, out.String())
			}
		case <-time.After(60 * time.Second):
			t.Errorf("ixpobs bgp did not stop within 60s of its context ending")
		}
	})
	return out.String
}

// lockedBuffer is a bytes.Buffer written by a running command and read by
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
