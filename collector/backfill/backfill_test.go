package backfill_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/backfill"
	"github.com/ixpobs/ixpobs/collector/backfill/archivetest"
	pdbarchive "github.com/ixpobs/ixpobs/collector/peeringdb/archivetest"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// The fake archive: the real dumps of the trimmed set (the Latin American
// part of the 2019, 2020 and 2022 dumps) as the archive's JSON files of
// those dates, the 2019 dump written in the v1 and v2 SQLite layouts as
// files of 2011, 2014 and 2017, three real LACNIC files and one real RIS
// file. Every other month of 2010 → 2022 is a gap.
var (
	jsonDates = []string{"2019-01-19", "2020-05-05", "2022-06-01"}
	oldFiles  = []struct{ date, schema string }{{"2011-03-05", "v1"}, {"2014-06-01", "v1"}, {"2017-02-01", "v2"}}
	since     = time.Date(2010, 8, 1, 0, 0, 0, 0, time.UTC)
	until     = time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)
)

const snapshotsInArchive = 6 + 3 + 1

func buildArchive(t *testing.T) *archivetest.Archive {
	t.Helper()
	ctx := context.Background()
	a := archivetest.New(t)
	set := realdata.Trimmed(t)
	for _, d := range jsonDates {
		objs, err := pdbarchive.ReadDir(set.PeeringDBDir("ixgen-" + d))
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(t.TempDir(), "dump.json")
		if err := objs.WriteJSON(tmp); err != nil {
			t.Fatal(err)
		}
		a.Add(t, fmt.Sprintf("peeringdb/%s/%s/peeringdb_2_dump_%s.json", d[:4], d[5:7], strings.ReplaceAll(d, "-", "_")), tmp)
	}
	objs, err := pdbarchive.ReadDir(set.PeeringDBDir("ixgen-2019-01-19"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range oldFiles {
		tmp := filepath.Join(t.TempDir(), "dump.sqlite")
		if err := objs.WriteSQLite(ctx, tmp, f.schema); err != nil {
			t.Fatal(err)
		}
		name := "peeringdb_dump_"
		if f.schema == "v2" {
			name = "peeringdb_2_dump_"
		}
		dir := fmt.Sprintf("peeringdb/%s/%s/", f.date[:4], f.date[5:7])
		a.Add(t, dir+name+strings.ReplaceAll(f.date, "-", "_")+".sqlite", tmp)
		// The archive also keeps SQL text dumps, which are not read.
		a.AddReader(t, dir+name+strings.ReplaceAll(f.date, "-", "_")+".sql", strings.NewReader("-- not read"))
	}
	for _, f := range set.LACNICFiles() {
		rel := "rir/lacnic/" + f[len("delegated-lacnic-extended-"):][:4] + "/" + f
		a.Add(t, rel, set.RIRFile(f))
	}
	// One file with its published checksum.
	b, err := os.ReadFile(set.RIRFile(set.LACNICFiles()[1]))
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(b)
	a.AddReader(t, "rir/lacnic/2019/"+set.LACNICFiles()[1]+".md5", strings.NewReader("MD5 ("+set.LACNICFiles()[1]+") = "+hex.EncodeToString(sum[:])+"\n"))
	a.Add(t, "ris/rrc15/2010.09/updates.20100901.0000.gz", set.MRTFile("rrc15_updates.20100227.1600.gz"))
	return a
}

func config(a *archivetest.Archive, cache string) backfill.Config {
	cfg := backfill.DefaultConfig()
	cfg.Since, cfg.Until, cfg.Every = since, until, backfill.Monthly
	cfg.CacheDir = cache
	cfg.PeeringDB.Dir = a.URL + "peeringdb/{YYYY}/{MM}/"
	for i := range cfg.RIR {
		cfg.RIR[i].Dir = a.URL + "rir/" + cfg.RIR[i].Registry + "/{YYYY}/"
	}
	cfg.RIR = cfg.RIR[3:4] // lacnic
	if cfg.RIR[0].Registry != "lacnic" {
		panic("RIR order changed")
	}
	cfg.Collectors = []ribs.Collector{{Name: "rrc15", IXID: 171, Period: 24 * time.Hour,
		URLTemplate: a.URL + "ris/rrc15/{YYYY}.{MM}/updates.{YYYY}{MM}{DD}.0000.gz"}}
	return cfg
}

func client(t testing.TB, a *archivetest.Archive) *safehttp.Client {
	t.Helper()
	hc := safehttp.DefaultConfig()
	hc.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	hc.CAFile = a.CAFile
	c, err := safehttp.New(hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func openStore(t testing.TB, path string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func run(t *testing.T, a *archivetest.Archive, st store.Store, cache string) backfill.Result {
	t.Helper()
	b, err := backfill.New(client(t, a), st, config(a, cache))
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Run(context.Background())
	if err != nil {
		t.Fatalf("backfill: %v (%+v)", err, res)
	}
	return res
}

// TestBackfill: a monthly backfill of 2010 → 2022 imports every file of
// the archive once, is idempotent, and the PeeringDB state at the dates
// of the real JSON dumps is exactly that of a store built by importing
// the dumps.
func TestBackfill(t *testing.T) {
	a := buildArchive(t)
	cache := t.TempDir()
	st := openStore(t, filepath.Join(t.TempDir(), "bf.db"))
	res := run(t, a, st, cache)
	months := len(backfill.Monthly.Dates(since, until))
	if res.Imported != snapshotsInArchive || res.Failed != 0 || res.Planned != 3*months || res.Missing != 3*months-snapshotsInArchive {
		t.Fatalf("first run: %+v, want %d imported of %d planned", res.Progress, snapshotsInArchive, 3*months)
	}
	snaps, err := st.Snapshots(context.Background(), ixp.SourcePeeringDB)
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, s := range snaps {
		dates = append(dates, s.At.Format(time.DateOnly))
	}
	if got, want := strings.Join(dates, " "), "2011-03-05 2014-06-01 2017-02-01 2019-01-19 2020-05-05 2022-06-01"; got != want {
		t.Fatalf("peeringdb snapshots %s, want %s", got, want)
	}

	// Again: nothing to do, nothing downloaded.
	file := "peeringdb/2019/01/peeringdb_2_dump_2019_01_19.json"
	before := a.Requests(file)
	res = run(t, a, st, cache)
	if res.Imported != 0 || res.Present != snapshotsInArchive || a.Requests(file) != before {
		t.Fatalf("second run: %+v, %d requests of %s (was %d)", res.Progress, a.Requests(file), file, before)
	}

	ref := openStore(t, filepath.Join(t.TempDir(), "ref.db"))
	realdata.Trimmed(t).LoadPeeringDB(t, ref)
	for _, d := range jsonDates {
		at, _ := time.Parse(time.DateOnly, d)
		sameState(t, st, ref, ixp.SourcePeeringDB, ixp.EndOfDay(at))
	}
}

// sameState compares the objects of every PeeringDB kind and the
// exchange indicators of two stores at a time.
func sameState(t *testing.T, got, want store.Store, source string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, k := range ixp.PeeringDBKinds {
		g, err := got.Objects(ctx, source, k, at, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Objects(ctx, source, k, at, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(g) != len(w) {
			t.Fatalf("%s %s at %s: %d objects, want %d", source, k, at, len(g), len(w))
		}
		for i := range g {
			if g[i].ID != w[i].ID || !bytes.Equal(g[i].Data, w[i].Data) {
				t.Fatalf("%s %s at %s: object %d differs:\n%s\nwant %d:\n%s", source, k, at, g[i].ID, g[i].Data, w[i].ID, w[i].Data)
			}
		}
	}
	gs, err := got.SnapshotAt(ctx, source, at)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := want.SnapshotAt(ctx, source, at)
	if err != nil {
		t.Fatal(err)
	}
	g, err := got.ExchangeStats(ctx, gs.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, err := want.ExchangeStats(ctx, ws.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("%s at %s: indicators differ:\n%v\nwant\n%v", source, at, g, w)
	}
}

// TestBackfillFailedDate: a file the archive fails to serve (503) is
// reported, nothing of it is stored, later dates of the source wait, and
// the next run imports them in order.
func TestBackfillFailedDate(t *testing.T) {
	a := buildArchive(t)
	cache := t.TempDir()
	st := openStore(t, filepath.Join(t.TempDir(), "bf.db"))
	bad := "peeringdb/2020/05/peeringdb_2_dump_2020_05_05.json"
	a.Fail(bad, 503)
	b, err := backfill.New(client(t, a), st, config(a, cache))
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Run(context.Background())
	// The 2022 dump waits: history is built oldest first (the shrink
	// guard compares a snapshot with the next one too).
	if err == nil || res.Failed != 1 || res.Held != 31 || !strings.Contains(err.Error(), "peeringdb 2020-05-01") {
		t.Fatalf("run with a failing file: err %v, %+v", err, res.Progress)
	}
	if _, err := st.SnapshotAt(context.Background(), ixp.SourcePeeringDB, time.Date(2020, 5, 31, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	a.Fail(bad, 0)
	res = run(t, a, st, cache)
	if res.Imported != 2 {
		t.Fatalf("retry: %+v, want the failed date and the held one imported", res.Progress)
	}
}

// TestBackfillKilled kills a backfill (SIGKILL, in a child process) at
// random points, checks after each kill that every stored snapshot is
// whole (its objects are those of a clean run at that date), then runs it
// to the end: the store equals one built in one clean run.
func TestBackfillKilled(t *testing.T) {
	if os.Getenv("IXPOBS_BACKFILL_CHILD") != "" {
		t.Skip("in the child")
	}
	a := buildArchive(t)
	dir := t.TempDir()
	clean := openStore(t, filepath.Join(dir, "clean.db"))
	run(t, a, clean, filepath.Join(dir, "clean-cache"))

	db, cache := filepath.Join(dir, "killed.db"), filepath.Join(dir, "cache")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 18))
	kills := 5
	for i := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBackfillChild$", "-test.v")
		cmd.Env = append(os.Environ(), "IXPOBS_BACKFILL_CHILD=1", "CHILD_URL="+a.URL, "CHILD_CA="+a.CAFile, "CHILD_DB="+db, "CHILD_CACHE="+cache)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(100+rng.IntN(1500)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-time.After(delay):
			cmd.Process.Kill()
			<-done
		case err := <-done:
			if err != nil {
				t.Fatalf("child %d: %v\n%s", i, err, out.String())
			}
		}
		st := openStore(t, db)
		wholeSnapshots(t, st, clean)
		st.Close()
		t.Logf("kill %d after %s", i, delay)
	}
	st := openStore(t, db)
	run(t, a, st, cache)
	for _, src := range []string{ixp.SourcePeeringDB, "rir:lacnic", "bgp:rrc15"} {
		gs, _ := st.Snapshots(context.Background(), src)
		ws, _ := clean.Snapshots(context.Background(), src)
		if len(gs) != len(ws) {
			t.Fatalf("%s: %d snapshots after the kills and a last run, want %d", src, len(gs), len(ws))
		}
	}
	wholeSnapshots(t, st, clean)
}

// wholeSnapshots checks that every PeeringDB snapshot of st holds what
// the clean store holds at its date.
func wholeSnapshots(t *testing.T, st, clean store.Store) {
	t.Helper()
	snaps, err := st.Snapshots(context.Background(), ixp.SourcePeeringDB)
	if err != nil && len(snaps) > 0 {
		t.Fatal(err)
	}
	for _, s := range snaps {
		sameState(t, st, clean, ixp.SourcePeeringDB, s.At)
	}
}

// TestBackfillChild is the child process of TestBackfillKilled.
func TestBackfillChild(t *testing.T) {
	if os.Getenv("IXPOBS_BACKFILL_CHILD") == "" {
		t.Skip("run by TestBackfillKilled")
	}
	a := &archivetest.Archive{URL: os.Getenv("CHILD_URL"), CAFile: os.Getenv("CHILD_CA")}
	st := openStore(t, os.Getenv("CHILD_DB"))
	b, err := backfill.New(client(t, a), st, config(a, os.Getenv("CHILD_CACHE")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
