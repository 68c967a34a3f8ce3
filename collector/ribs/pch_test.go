package ribs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// showTable writes a gzip'ed "show ip bgp" table in Quagga's layout: n
// prefixes, each seen by two peers (next hops hop1, hop2, first ASNs 64501
// and 64502), originated by 65000 + i%10.
func showTable(t *testing.T, v6 bool, n int) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("BGP table version is 7, local router ID is 192.0.2.254\n")
	b.WriteString("Status codes: s suppressed, d damped, h history, * valid, > best, i - internal\n")
	b.WriteString("Origin codes: i - IGP, e - EGP, ? - incomplete\n\n")
	b.WriteString("   Network          Next Hop            Metric LocPrf Weight Path\n")
	hop1, hop2 := "192.0.2.1", "192.0.2.2"
	if v6 {
		hop1, hop2 = "2001:db8::1", "2001:db8::2"
	}
	for i := range n {
		pfx := fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)
		if v6 {
			pfx = fmt.Sprintf("2001:db8:%x::/48", i+1)
		}
		origin := 65000 + i%10
		fmt.Fprintf(&b, "*> %-16s %-19s %6d %6s %6d %d %d i\n", pfx, hop1, 0, "", 0, 64501, origin)
		fmt.Fprintf(&b, "*  %-16s %-19s %6d %6s %6d %d 3356 %d i\n", "", hop2, 0, "", 0, 64502, origin)
	}
	fmt.Fprintf(&b, "\nTotal number of prefixes %d\n", n)
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(b.String()))
	w.Close()
	return z.Bytes()
}

// TestCollectPCH fetches a PCH-style collector: its IPv4 and IPv6 tables
// of a day make one snapshot, and a day without its IPv6 table is
// imported from the IPv4 one.
func TestCollectPCH(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	v4 := func(d string) string { return "/v4/route-collector.scl.pch.net-ipv4_bgp_routes." + d + ".gz" }
	v6 := func(d string) string { return "/v6/route-collector.scl.pch.net-ipv6_bgp_routes." + d + ".gz" }
	a := &archive{hits: map[string]int{}, files: map[string][]byte{
		v4("2026.12.03"): showTable(t, false, 300),
		v6("2026.12.03"): showTable(t, true, 40),
		v4("2026.12.02"): showTable(t, false, 250),
	}}
	srv := httptest.NewServer(a)
	defer srv.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := ribs.Collector{Name: "pch-scl", Period: 24 * time.Hour,
		URLTemplate:   srv.URL + "/v4/route-collector.scl.pch.net-ipv4_bgp_routes.{YYYY}.{MM}.{DD}.gz",
		URLTemplateV6: srv.URL + "/v6/route-collector.scl.pch.net-ipv6_bgp_routes.{YYYY}.{MM}.{DD}.gz"}
	tmp := t.TempDir()
	for _, tc := range []struct {
		now                  time.Time
		wantAt               time.Time
		wantV4, wantV6       int
		wantOrigin, wantV6At string
	}{
		// Oldest first: the two-way shrink guard refuses a day with fewer
		// peers imported before an existing, larger one.
		{day.Add(-4 * time.Hour), day.Add(-24 * time.Hour), 250, 0, v4("2026.12.02"), ""},
		{day.Add(20 * time.Hour), day, 300, 40, v4("2026.12.03"), v6("2026.12.03")},
	} {
		f := ribs.New(client(t), st, ribs.Config{TempDir: tmp, Now: func() time.Time { return tc.now }})
		res, err := f.Collect(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Snapshot.At.Equal(tc.wantAt) || res.Snapshot.Source != "bgp:pch-scl" || !strings.HasSuffix(res.Snapshot.Origin, tc.wantOrigin) {
			t.Fatalf("snapshot = %+v, want at %s from %s", res.Snapshot, tc.wantAt, tc.wantOrigin)
		}
		var coll ixp.BGPCollector
		recs, err := st.Objects(ctx, "bgp:pch-scl", ixp.KindBGPCollector, tc.wantAt, store.Filter{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("collector record: %d, %v", len(recs), err)
		}
		decodeJSON(t, recs[0].Data, &coll)
		if coll.Prefixes != tc.wantV4+tc.wantV6 || coll.Routes != 2*(tc.wantV4+tc.wantV6) || coll.Origins != 10 {
			t.Errorf("collector = %+v, want %d prefixes, %d routes, 10 origins", coll, tc.wantV4+tc.wantV6, 2*(tc.wantV4+tc.wantV6))
		}
		if want := 1 + min(1, tc.wantV6); len(coll.Files) != want || tc.wantV6 > 0 && !strings.HasSuffix(coll.Files[1], tc.wantV6At) {
			t.Errorf("files = %v, want %d", coll.Files, want)
		}
		peers, _ := st.Objects(ctx, "bgp:pch-scl", ixp.KindBGPPeer, tc.wantAt, store.Filter{})
		if want := 2 + 2*min(1, tc.wantV6); len(peers) != want {
			t.Errorf("%d peers, want %d (ASN of the first hop, next hop per family)", len(peers), want)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("%d downloads left in the temporary directory", len(entries))
	}
}

// TestImportFilesFormats checks what makes one snapshot: one MRT file, or
// text tables; and a text table's time from its name.
func TestImportFilesFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	mrt1, mrt2 := write("a.mrt.gz", gen(t, at, 500, 1)), write("b.mrt.gz", gen(t, at, 500, 2))
	txt := write("route-collector.lim.pch.net-ipv4_bgp_routes.2026.11.27.gz", showTable(t, false, 20))
	undated := write("table.gz", showTable(t, false, 20))
	st, err := sqlite.Open(ctx, filepath.Join(dir, "f.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := ribs.ImportOptions{Collector: "x"}
	for _, bad := range [][]string{{mrt1, mrt2}, {mrt1, txt}, {undated}, {}} {
		if _, err := ribs.ImportFiles(ctx, st, bad, o); !errors.Is(err, ixp.ErrInvalid) {
			t.Errorf("ImportFiles(%v) = %v, want ErrInvalid", bad, err)
		}
	}
	res, err := ribs.ImportFiles(ctx, st, []string{txt}, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != ribs.FormatShowBGP || res.Snapshot != "2026-11-27T00:00:00Z" || res.Entries != 40 || res.Passes != 1 {
		t.Errorf("text table: %+v", res)
	}
	res, err = ribs.ImportFiles(ctx, st, []string{undated}, ribs.ImportOptions{Collector: "y", At: at})
	if err != nil || res.Snapshot != "2026-11-28T08:00:00Z" {
		t.Errorf("undated table with --at: %+v, %v", res, err)
	}
	res, err = ribs.ImportFile(ctx, st, mrt1, ribs.ImportOptions{Collector: "z"})
	if err != nil || res.Format != ribs.FormatMRT || res.Snapshot != "2026-11-28T08:00:00Z" {
		t.Errorf("MRT file: %+v, %v", res, err)
	}
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestImportMRTFarFuture: an MRT file whose records carry the largest
// timestamp (0xffffffff, year 2106) is refused naming the file; --at can
// date it instead.
func TestImportMRTFarFuture(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "future.mrt.gz")
	if err := os.WriteFile(p, gen(t, time.Unix(0xffffffff, 0).UTC(), 500, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "f.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = ribs.ImportFile(ctx, st, p, ribs.ImportOptions{Collector: "x"})
	var te *ixp.TimeError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "future.mrt.gz") || !strings.Contains(err.Error(), "newest record time") {
		t.Fatalf("ImportFile = %v, want a TimeError naming the file and the record time", err)
	}
	if snaps, _ := st.Snapshots(ctx, "bgp:x"); len(snaps) != 0 {
		t.Errorf("%d snapshots written, want none", len(snaps))
	}
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	if res, err := ribs.ImportFile(ctx, st, p, ribs.ImportOptions{Collector: "x", At: at}); err != nil || res.Snapshot != "2026-11-28T00:00:00Z" {
		t.Errorf("with At: %+v, %v", res, err)
	}
}
