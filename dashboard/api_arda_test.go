package dashboard_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/bits"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/bgp/mrt"
	"github.com/ixpobs/ixpobs/collector/alicelg"
	"github.com/ixpobs/ixpobs/collector/alicelgtest"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/collector/vantage"
	"github.com/ixpobs/ixpobs/dashboard"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// refRIR is an RIR delegated file read here, independently of
// collector/rir: allocated or assigned ASNs and prefixes by country.
type refRIR struct {
	asn map[uint32]string
	pfx map[string][]netip.Prefix
}

// rangeCIDRs splits n IPv4 addresses from start into CIDR blocks.
func rangeCIDRs(start netip.Addr, n uint64) []netip.Prefix {
	b := start.As4()
	a := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	var out []netip.Prefix
	for n > 0 {
		size := uint64(1) << bits.TrailingZeros64(a|1<<32)
		for size > n {
			size >>= 1
		}
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), 32-bits.TrailingZeros64(size)))
		a, n = a+size, n-size
	}
	return out
}

func readRIR(t *testing.T, path string) refRIR {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ref := refRIR{asn: map[uint32]string{}, pfx: map[string][]netip.Prefix{}}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		fl := strings.Split(sc.Text(), "|")
		if len(fl) < 7 || strings.HasPrefix(fl[0], "#") || fl[1] == "*" || (fl[6] != "allocated" && fl[6] != "assigned") {
			continue
		}
		n, err := strconv.ParseUint(fl[4], 10, 64)
		if err != nil {
			continue
		}
		switch fl[2] {
		case "asn":
			s, _ := strconv.ParseUint(fl[3], 10, 32)
			for i := uint64(0); i < n; i++ {
				ref.asn[uint32(s+i)] = fl[1]
			}
		case "ipv4":
			ref.pfx[fl[1]] = append(ref.pfx[fl[1]], rangeCIDRs(netip.MustParseAddr(fl[3]), n)...)
		case "ipv6":
			ref.pfx[fl[1]] = append(ref.pfx[fl[1]], netip.PrefixFrom(netip.MustParseAddr(fl[3]), int(n)))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ref
}

// refRoute is one route of a reference table: a prefix and its AS path
// (sequence ASNs; set members in set).
type refRoute struct {
	prefix netip.Prefix
	path   []uint32
	set    []uint32
}

// refARDA computes the four indicators of cc by brute force.
func refARDA(cc string, rir refRIR, routes []refRoute) string {
	reach := map[uint32]bool{}
	var seen []netip.Prefix
	v4, v6, v6asn := map[netip.Prefix]bool{}, map[netip.Prefix]bool{}, map[uint32]bool{}
	for _, r := range routes {
		for _, a := range r.path {
			reach[a] = true
		}
		for _, a := range r.set {
			reach[a] = true
		}
		seen = append(seen, r.prefix)
		if len(r.set) > 0 || len(r.path) == 0 {
			continue // no single origin
		}
		o := r.path[len(r.path)-1]
		if rir.asn[o] != cc {
			continue
		}
		if r.prefix.Addr().Is6() {
			v6[r.prefix], v6asn[o] = true, true
		} else {
			v4[r.prefix] = true
		}
	}
	for p := range v6 {
		delete(v4, p)
	}
	reg, local := 0, 0
	for _, c := range rir.asn {
		if c == cc {
			reg++
		}
	}
	for a := range reach {
		if rir.asn[a] == cc {
			local++
		}
	}
	// Brute force within buckets: prefixes of at least keyBits bits by
	// their first byte (IPv4) or two bytes (IPv6), shorter ones checked
	// against everything.
	bucket := func(p netip.Prefix) (string, bool) {
		b := p.Addr().AsSlice()
		n := 1
		if p.Addr().Is6() {
			n = 2
		}
		return string(b[:n]), p.Bits() >= 8*n
	}
	byKey := map[string][]netip.Prefix{}
	var short []netip.Prefix
	for _, s := range seen {
		if k, ok := bucket(s); ok {
			byKey[k] = append(byKey[k], s)
		} else {
			short = append(short, s)
		}
	}
	ann := 0
	for _, d := range rir.pfx[cc] {
		cands := seen
		if k, ok := bucket(d); ok {
			cands = append(slices.Clip(byKey[k]), short...)
		}
		for _, s := range cands {
			if s.Overlaps(d) {
				ann++
				break
			}
		}
	}
	return fmt.Sprintf("asn=%d/%d ext=%d/%d pfx=%d/%d v6=%d/%d v6asn=%d/%d", local, reg, len(reach)-local, len(reach),
		ann, len(rir.pfx[cc]), len(v6), len(v4)+len(v6), len(v6asn), local)
}

type ardaJSON struct {
	Country  string `json:"country"`
	Date     string `json:"date"`
	Vantages []struct {
		Source string `json:"source"`
		Type   string `json:"type"`
		IXPID  int64  `json:"ixp_id"`
		Date   string `json:"date"`
	} `json:"vantage_points"`
	RIRDate           *string  `json:"rir_date"`
	RegisteredASNs    *int     `json:"registered_asns"`
	ReachableASNs     *int     `json:"reachable_registered_asns"`
	ASNShare          *float64 `json:"registered_asn_share"`
	DelegatedPrefixes *int     `json:"delegated_prefixes"`
	AnnouncedPrefixes *int     `json:"announced_delegated_prefixes"`
	ReachableTotal    *int     `json:"reachable_asns"`
	ExternalASNs      *int     `json:"external_asns"`
	LocalPrefixes     *int     `json:"local_origin_prefixes"`
	IPv6Prefixes      *int     `json:"local_origin_ipv6_prefixes"`
	IPv6ASNs          *int     `json:"ipv6_origin_asns"`
}

func (a ardaJSON) String() string {
	if a.ASNShare == nil {
		return fmt.Sprintf("unknown (%d vantage points)", len(a.Vantages))
	}
	return fmt.Sprintf("asn=%d/%d ext=%d/%d pfx=%d/%d v6=%d/%d v6asn=%d/%d", *a.ReachableASNs, *a.RegisteredASNs, *a.ExternalASNs, *a.ReachableTotal,
		*a.AnnouncedPrefixes, *a.DelegatedPrefixes, *a.IPv6Prefixes, *a.LocalPrefixes, *a.IPv6ASNs, *a.ReachableASNs)
}

type ardaCountryJSON struct {
	Current ardaJSON   `json:"current"`
	History []ardaJSON `json:"history"`
}

// mrtTable replays an MRT update file into the routes held at its end,
// with our reader.
func mrtTable(t *testing.T, path string) []refRoute {
	r, err := mrt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type key struct {
		peer   string
		prefix netip.Prefix
	}
	rib := map[key]refRoute{}
	var order []key
	_, err = r.Read(context.Background(), func(e *mrt.Elem) error {
		rt := e.Route()
		k := key{rt.Peer.Addr.String(), rt.Prefix}
		switch e.Type {
		case mrt.Announce, mrt.RIBEntry:
			ref := refRoute{prefix: rt.Prefix}
			for _, s := range rt.Path {
				if s.Set {
					ref.set = append(ref.set, s.ASNs...)
				} else {
					ref.path = append(ref.path, s.ASNs...)
				}
			}
			if _, ok := rib[k]; !ok {
				order = append(order, k)
			}
			rib[k] = ref
		case mrt.Withdraw:
			delete(rib, k)
		case mrt.StateChange:
			if e.NewState != 6 {
				for k := range rib {
					if k.peer == e.Peer.Addr.String() {
						delete(rib, k)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []refRoute
	for _, k := range order {
		if r, ok := rib[k]; ok {
			out = append(out, r)
		}
	}
	return out
}

// ardaRealStore: a fake Alice-LG route server whose neighbours
// are IX.br São Paulo's members in the 2022-06-01 PeeringDB dump and
// whose routes are the table left by the real RIS rrc15 update excerpt
// (2010; each route handed to a member chosen by a hash of its prefix,
// with the member's ASN prepended, as a route server receives it) is read
// by the alicelg collector, whole on 2022-06-01 and cut by its budget on
// 2022-06-02, over PeeringDB 2022-06-01 and LACNIC 2022-03-31. It returns
// the store, the route server's neighbours and the routes served.
func ardaRealStore(t *testing.T) (store.Store, realdata.Set, []alicelg.Neighbor, []refRoute) {
	set := realdata.Trimmed(t)
	ctx := context.Background()
	st := pdbRIRStore(t, set)
	pdbAt := realdata.DumpDate("ixgen-2022-06-01")

	// Neighbours: the members of ix 171 with an IPv4 address.
	conns, err := st.Objects(ctx, ixp.SourcePeeringDB, ixp.KindConnection, pdbAt, store.Filter{IXID: 171})
	if err != nil {
		t.Fatal(err)
	}
	rs := alicelgtest.RouteServer{RouteServer: alicelg.RouteServer{ID: "rs1-sp-v4", Name: "rs1.saopaulo.sp.ix.br"}, Routes: map[string][]alicelg.Route{}}
	seenASN := map[ixp.ASN]bool{}
	for _, r := range conns {
		var c ixp.Connection
		if err := json.Unmarshal(r.Data, &c); err != nil {
			t.Fatal(err)
		}
		if c.IPv4 == "" || seenASN[c.ASN] {
			continue
		}
		seenASN[c.ASN] = true
		rs.Neighbors = append(rs.Neighbors, alicelg.Neighbor{ID: fmt.Sprintf("n%d", c.ASN), Address: c.IPv4, ASN: int64(c.ASN), State: "up"})
	}
	if len(rs.Neighbors) < 100 {
		t.Fatalf("only %d members of IX.br São Paulo with IPv4", len(rs.Neighbors))
	}
	table := mrtTable(t, set.MRTFile("rrc15_updates.20100227.1600.gz"))
	var served []refRoute
	dup := map[string]bool{}
	for _, r := range table {
		if len(r.set) > 0 {
			continue // Alice-LG's as_path is a flat list: AS_SET routes are not served
		}
		h := fnv.New32a()
		h.Write([]byte(r.prefix.String()))
		n := rs.Neighbors[int(h.Sum32())%len(rs.Neighbors)]
		if dup[n.ID+r.prefix.String()] {
			continue
		}
		dup[n.ID+r.prefix.String()] = true
		path := append([]uint32{uint32(n.ASN)}, r.path...)
		ap := make([]int64, len(path))
		for i, a := range path {
			ap[i] = int64(a)
		}
		rs.Routes[n.ID] = append(rs.Routes[n.ID], alicelg.Route{Network: r.prefix.String(), BGP: &alicelg.BGPInfo{AsPath: ap}})
		served = append(served, refRoute{prefix: r.prefix, path: path})
	}
	if len(served) < 1000 {
		t.Fatalf("only %d routes from the MRT excerpt", len(served))
	}
	srv := alicelgtest.New(rs)
	t.Cleanup(srv.Close)

	hc := func() *safehttp.Client {
		cfg := safehttp.DefaultConfig()
		cfg.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c, err := safehttp.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}()
	lans := func(ctx context.Context) ([]vantage.LAN, error) {
		recs, err := st.Objects(ctx, ixp.SourcePeeringDB, ixp.KindExchangePrefix, pdbAt, store.Filter{})
		if err != nil {
			return nil, err
		}
		var ps []ixp.ExchangePrefix
		for _, r := range recs {
			var p ixp.ExchangePrefix
			if err := json.Unmarshal(r.Data, &p); err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return vantage.LANs(ps), nil
	}
	g := alicelg.LookingGlass{Name: "ixbr", BaseURL: srv.URL, Routes: true}
	run := func(at time.Time, budget int) ([]alicelg.Result, error) {
		f := alicelg.New(hc, st, alicelg.Config{Pace: time.Nanosecond, Budget: budget, LANs: lans, Now: func() time.Time { return at }})
		return f.Collect(ctx, g)
	}
	res, err := run(time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC), 100000)
	if err != nil || len(res) != 1 || res[0].Table != "complete" || res[0].IX.IXID != 171 {
		t.Fatalf("collect: %+v %v", res, err)
	}
	// A later run cut by its budget: stored as partial, never counted.
	if res, err := run(time.Date(2022, 6, 2, 12, 0, 0, 0, time.UTC), 10); err == nil || len(res) != 1 || res[0].Table != "partial" {
		t.Fatalf("budget-cut run: %+v %v", res, err)
	}

	return st, set, rs.Neighbors, served
}

// TestARDAAliceLGRealData: over ardaRealStore, BR's ARDA indicators in
// the API equal a brute-force computation from the routes served and the
// raw LACNIC file; the budget-cut run is stored as partial and changes
// nothing; the pages show them with their vantage point and dates.
func TestARDAAliceLGRealData(t *testing.T) {
	st, set, neighbors, served := ardaRealStore(t)
	h := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer h.Close()
	var got ardaCountryJSON
	code, body := get(t, h, "/api/v1/arda/countries/BR?at=2022-06-02")
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("arda: %d %.300s", code, body)
	}
	want := refARDA("BR", readRIR(t, set.RIRFile("delegated-lacnic-extended-20220331.gz")), served)
	t.Logf("BR from the fake IX.br route server: %s (%d routes served)", got.Current, len(served))
	if got.Current.String() != want {
		t.Errorf("BR ARDA\n got %s\nwant %s", got.Current, want)
	}
	if len(got.Current.Vantages) != 1 || got.Current.Vantages[0].Source != "bgp:alicelg-ixbr-rs1-sp-v4" || got.Current.Vantages[0].Date != "2022-06-01" ||
		got.Current.RIRDate == nil || *got.Current.RIRDate != "2022-03-31" || got.Current.Date != "2022-06-01" {
		t.Errorf("vantage points / dates: %+v rir %v", got.Current.Vantages, got.Current.RIRDate)
	}
	if len(got.History) != 1 || got.History[0].String() != want {
		t.Errorf("history (the partial snapshot must not be an observation): %v", got.History)
	}
	// A country without a vantage point: unknown, not zero.
	code, body = get(t, h, "/api/v1/arda/countries/UY?at=2022-06-02")
	var uy ardaCountryJSON
	if code != 200 || json.Unmarshal([]byte(body), &uy) != nil || uy.Current.String() != "unknown (0 vantage points)" ||
		!strings.Contains(body, `"registered_asn_share":null`) {
		t.Errorf("UY: %d %.400s", code, body)
	}
	// The sources view: established neighbours against PeeringDB members.
	var src struct {
		PeeringDBActive *bool `json:"peeringdb_active"`
		BGP             []struct {
			Source      string `json:"source"`
			Table       string `json:"table"`
			Established int    `json:"established"`
			Verified    bool   `json:"bgp_verified_active"`
			PDB         *int   `json:"peeringdb_members_established"`
		} `json:"bgp"`
	}
	code, body = get(t, h, "/api/v1/ixps/171/sources?at=2022-06-01")
	if code != 200 || json.Unmarshal([]byte(body), &src) != nil || len(src.BGP) != 1 {
		t.Fatalf("sources: %d %.300s", code, body)
	}
	if b := src.BGP[0]; b.Table != "complete" || b.Established != len(neighbors) || !b.Verified || b.PDB == nil || *b.PDB != len(neighbors) ||
		src.PeeringDBActive == nil || !*src.PeeringDBActive {
		t.Errorf("sources bgp: %+v active %v", src.BGP, src.PeeringDBActive)
	}
	// /metrics at 2022-06-02: BR's four indicators, no series for UY.
	ds := dashboard.New(st, dashboard.Config{})
	ds.Now = func() time.Time { return time.Date(2022, 6, 2, 12, 0, 0, 0, time.UTC) }
	hm := httptest.NewServer(ds.Handler())
	defer hm.Close()
	code, body = get(t, hm, "/metrics?region=lac")
	for _, ind := range []string{"registered_asn_share", "delegated_prefix_share", "external_asn_share", "ipv6_prefix_share"} {
		if want := `ixpobs_country_arda_ratio{country="BR",indicator="` + ind + `",region="south-america"}`; code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s in:\n%s", want, grepLines(body, "arda|country_ixps{country=\"BR\"|collect_success"))
		}
	}
	if strings.Contains(body, `ixpobs_country_arda_ratio{country="UY"`) {
		t.Errorf("/metrics has an ARDA series for UY, which has no vantage point")
	}
	// The pages, in three languages.
	for _, tc := range []struct{ path, want string }{
		{"/countries/BR/arda?at=2022-06-02&lang=en", "bgp:alicelg-ixbr-rs1-sp-v4"},
		{"/countries/BR/arda?at=2022-06-02&lang=es", "Los cuatro indicadores de ARDA"},
		{"/countries/BR/arda?at=2022-06-02&lang=pt", `datetime="2022-03-31"`},
		{"/countries/UY/arda?at=2022-06-02", `id="arda-none"`},
		{"/regions/lac/arda?at=2022-06-02", `href="/countries/BR/arda`},
		{"/countries/BR?at=2022-06-02", `/countries/BR/arda`},
	} {
		code, body := get(t, h, tc.path)
		if code != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %q in %.300s", tc.path, code, tc.want, body)
		}
	}
}

// TestARDAMRTAgainstBgpdump imports the real RIS rrc15 (IX.br São Paulo)
// update excerpt as the collector of ix 171 — dated 2022-06-02, as
// TestCollectorPeersVsMembersRealData does, since the shared data has no
// PeeringDB dump or LACNIC file near 2010 — and checks BR's ARDA
// indicators against a computation from `bgpdump -m` of the same file.
func TestARDAMRTAgainstBgpdump(t *testing.T) {
	bin := testenv.LookPath(t, "bgpdump")
	set := realdata.Trimmed(t)
	ctx := context.Background()
	st := pdbRIRStore(t, set)
	file := set.MRTFile("rrc15_updates.20100227.1600.gz")
	if _, err := ribs.ImportFile(ctx, st, file, ribs.ImportOptions{Collector: "rrc15", IXID: 171, At: time.Date(2022, 6, 2, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer h.Close()
	var got ardaCountryJSON
	code, body := get(t, h, "/api/v1/arda/countries/BR?at=2022-06-02")
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("arda: %d %.300s", code, body)
	}

	// bgpdump -m: replay A and W lines per (peer, prefix); a session
	// leaving Established (STATE line, new state != 6) drops the peer's
	// routes.
	out, err := exec.Command(bin, "-m", file).Output()
	if err != nil {
		t.Fatalf("bgpdump: %v", err)
	}
	type key struct{ peer, prefix string }
	rib := map[key]refRoute{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 6 {
			continue
		}
		switch f[2] {
		case "A":
			p, err := netip.ParsePrefix(f[5])
			if err != nil || len(f) < 7 {
				t.Fatalf("bgpdump line %q", line)
			}
			r := refRoute{prefix: p.Masked()}
			for _, tok := range strings.Fields(f[6]) {
				inSet := strings.HasPrefix(tok, "{")
				for _, a := range strings.Split(strings.Trim(tok, "{}"), ",") {
					n, err := strconv.ParseUint(a, 10, 32)
					if err != nil {
						t.Fatalf("bgpdump path %q", f[6])
					}
					if inSet {
						r.set = append(r.set, uint32(n))
					} else {
						r.path = append(r.path, uint32(n))
					}
				}
			}
			rib[key{f[3], r.prefix.String()}] = r
		case "W":
			p := netip.MustParsePrefix(f[5]).Masked()
			delete(rib, key{f[3], p.String()})
		case "STATE":
			if len(f) >= 7 && f[6] != "6" {
				for k := range rib {
					if k.peer == f[3] {
						delete(rib, k)
					}
				}
			}
		}
	}
	var routes []refRoute
	for _, r := range rib {
		routes = append(routes, r)
	}
	slices.SortFunc(routes, func(a, b refRoute) int { return a.prefix.Addr().Compare(b.prefix.Addr()) })
	want := refARDA("BR", readRIR(t, set.RIRFile("delegated-lacnic-extended-20220331.gz")), routes)
	t.Logf("BR from rrc15: %s (bgpdump: %d routes held)", got.Current, len(routes))
	if got.Current.String() != want {
		t.Errorf("BR ARDA from rrc15\n got %s\nwant %s (bgpdump: %d routes held)", got.Current, want, len(routes))
	}
	if len(got.Current.Vantages) != 1 || got.Current.Vantages[0].Source != "bgp:rrc15" || got.Current.Vantages[0].Type != "mrt" {
		t.Errorf("vantage points: %+v", got.Current.Vantages)
	}
}

// TestBrowserARDA: the BR ARDA page in headless Chromium shows the four
// indicators with their vantage point (IX.br São Paulo's route server)
// and the dates of the route-server snapshot and of the RIR file; UY
// says it has no vantage point; no console error or failed request.
func TestBrowserARDA(t *testing.T) {
	b := dashboard.NewBrowser(t)
	st, _, _, _ := ardaRealStore(t)
	h := httptest.NewServer(dashboard.New(st, dashboard.Config{}).Handler())
	defer h.Close()

	b.Open(t, h.URL+"/countries/BR/arda?at=2022-06-02&lang=en")
	b.WaitFor(t, "four indicators", `document.querySelectorAll('#arda-kpis > div').length === 4`)
	if got := b.Eval(t, `[...document.querySelectorAll('#arda-kpis dd:not(.delta)')].map(d => d.textContent.trim()).join(' | ')`); strings.Contains(got, "–") || strings.Count(got, "%") != 4 {
		t.Errorf("indicator values %q: want four percentages", got)
	}
	src := b.Text(t, "#arda-sources")
	for _, want := range []string{"bgp:alicelg-ixbr-rs1-sp-v4", "alicelg", "IX.br", "2022"} {
		if !strings.Contains(src, want) {
			t.Errorf("vantage points %q lack %q", src, want)
		}
	}
	if d := b.Eval(t, `[...document.querySelectorAll('#arda-sources time')].map(e => e.getAttribute('datetime')).join(',')`); d != "2022-06-01,2022-03-31" {
		t.Errorf("dates shown %q, want the route server's 2022-06-01 and the RIR file's 2022-03-31", d)
	}
	if n := b.Eval(t, `String(document.querySelectorAll('#arda-history tbody tr').length)`); n != "1" {
		t.Errorf("history rows %s, want 1 (the partial table is no observation)", n)
	}
	b.Screenshot(t, "arda-BR")
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("problems on the BR page:\n%s", strings.Join(p, "\n"))
	}

	b.Open(t, h.URL+"/countries/UY/arda?at=2022-06-02&lang=es")
	b.WaitFor(t, "no vantage point note", `document.querySelector('#arda-none') !== null`)
	// Unknown reads "no data" in the page's language (issue 15), never 0.
	if got := b.Eval(t, `document.querySelector('#arda-kpis dd').textContent.trim()`); got != "sin datos" {
		t.Errorf("UY shows %q, want \"sin datos\" (unknown)", got)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("problems on the UY page:\n%s", strings.Join(p, "\n"))
	}
}

func grepLines(s, pattern string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range strings.Split(pattern, "|") {
			if strings.Contains(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// pdbRIRStore returns a store with the 2022-06-01 PeeringDB dump and the
// LACNIC file of 2022-03-31 of set.
func pdbRIRStore(t *testing.T, set realdata.Set) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "arda.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := peeringdb.ReadDir(ctx, set.PeeringDBDir("ixgen-2022-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.Snapshot(realdata.DumpDate("ixgen-2022-06-01"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, in); err != nil {
		t.Fatal(err)
	}
	set.LoadRIR(t, st, "delegated-lacnic-extended-20220331.gz")
	return st
}
