package dashboard

import (
	"context"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/ribs"
	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// TestNearestSorted checks the binary search of the pairing rule against
// indicator.Nearest on random dates, ties and windows included.
func TestNearestSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 0; n < 2000; n++ {
		seen := map[int]bool{}
		var times []time.Time
		for range rng.IntN(8) {
			d := rng.IntN(40)
			if !seen[d] {
				seen[d] = true
				times = append(times, base.AddDate(0, 0, d))
			}
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		ref := base.AddDate(0, 0, rng.IntN(44)-2)
		window := time.Duration(rng.IntN(12)) * 24 * time.Hour
		wi, wok := indicator.Nearest(ref, times, window)
		gi, gok := nearestSorted(ref, times, window)
		if wi != gi || wok != gok {
			t.Fatalf("ref %s window %s times %v: nearestSorted %d %v, Nearest %d %v", ref, window, times, gi, gok, wi, wok)
		}
	}
}

// aggregateStore loads the trimmed real data as the golden store does:
// the three PeeringDB dumps, the LACNIC files and the RIS rrc15 table at
// IX.br São Paulo.
func aggregateStore(t *testing.T, backend string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	switch backend {
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "agg.db"), nil)
	case "postgres":
		st, err = postgres.Open(ctx, testenv.NewPostgresDatabase(t), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	set := realdata.Trimmed(t)
	set.LoadPeeringDB(t, st)
	set.LoadRIR(t, st, set.LACNICFiles()...)
	file := set.MRTFile("rrc15_updates.20100227.1600.gz")
	if _, err := ribs.ImportFile(ctx, st, file, ribs.ImportOptions{Collector: "rrc15", IXID: 171, At: time.Date(2020, 2, 27, 16, 5, 0, 0, time.UTC)}); err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	return st
}

// recomputed is the state at a date computed the way the answers were
// computed before the figures were stored: the whole view of the PeeringDB
// snapshot, the pairing rule by indicator.Nearest over every RIR file and
// every collector's whole tables, and the area totals over the whole
// registry.
func recomputed(t *testing.T, s *Server, at time.Time) *derivedState {
	t.Helper()
	ctx := context.Background()
	var ms []indicator.Membership
	var view *snapshotView
	pdb, err := s.store.SnapshotAt(ctx, ixp.SourcePeeringDB, at)
	if err != nil {
		t.Fatal(err)
	}
	if view, err = s.viewAt(ctx, pdb); err != nil {
		t.Fatal(err)
	}
	ms = view.membership
	srcs, err := s.sourcesWithPrefix(ctx, "rir:")
	if err != nil {
		t.Fatal(err)
	}
	var rirs []ixp.Snapshot
	for _, src := range srcs {
		all, err := s.store.Snapshots(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		var times []time.Time
		for _, sn := range all {
			times = append(times, sn.At)
		}
		if i, ok := indicator.Nearest(pdb.At, times, indicator.RIRWindow); ok {
			rirs = append(rirs, all[i])
		}
	}
	var registry indicator.Registry
	if len(rirs) > 0 {
		if registry, err = s.buildRegistry(ctx, rirs); err != nil {
			t.Fatal(err)
		}
	}
	dates := rirDates(rirs)
	covered := func(cc string) bool { _, ok := dates[geo.RIROf(cc)]; return ok }
	ds := &derivedState{countries: indicator.CountryIndicators(ms, registry, geo.Normalize, covered), areas: map[string]areaStats{}}
	// Per collector, the whole table nearest to the PeeringDB snapshot
	// within indicator.CollectorWindow (docs/INDICATORS.md).
	var views []*bgpView
	bgpSrcs, err := s.sourcesWithPrefix(ctx, ixp.SourcePrefixBGP)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range bgpSrcs {
		all, err := s.store.Snapshots(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		var whole []ixp.Snapshot
		var times []time.Time
		for _, sn := range all {
			c, err := s.collectorOf(ctx, sn)
			if err != nil {
				t.Fatal(err)
			}
			if c.Counted() {
				whole, times = append(whole, sn), append(times, sn.At)
			}
		}
		if i, ok := indicator.Nearest(pdb.At, times, indicator.CollectorWindow); ok {
			v, err := s.bgpViewOf(ctx, whole[i])
			if err != nil {
				t.Fatal(err)
			}
			views = append(views, v)
		}
	}
	var collectors []indicator.CollectorView
	for _, v := range views {
		cv := indicator.CollectorView{Origins: v.origins, Prefixes: v.prefixes}
		if e, ok := view.exchange(v.collector.IXID); ok && v.collector.IXID != 0 {
			cv.Country = e.Country
		}
		collectors = append(collectors, cv)
	}
	indicator.AddBGP(ds.countries, registry, collectors, geo.Normalize)
	for _, id := range areaIDs() {
		in := func(cc string) bool { return inArea(id, cc) }
		var ccs []string
		for _, c := range geo.Countries() {
			if in(c.Code) {
				ccs = append(ccs, c.Code)
			}
		}
		a := areaStats{CountryStats: indicator.GroupIndicators(ms, registry, geo.Normalize, in, covered, ccs)}
		for cc, c := range ds.countries {
			if c.ActiveIXPs > 0 && in(cc) {
				a.Countries++
			}
		}
		ds.areas[id] = a
	}
	return ds
}

// TestAggregatesEqualRecomputed checks, on the trimmed real data and both
// stores, that the stored figures of every PeeringDB date (the histories,
// read back by a server that computed nothing) and stateAt equal the
// figures recomputed from the snapshots; and again after a snapshot
// delete, which must drop the stored figures it was part of.
func TestAggregatesEqualRecomputed(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				testenv.PostgresDSN(t)
			}
			ctx := context.Background()
			st := aggregateStore(t, backend)
			check := func(what string) {
				t.Helper()
				filler := New(st, Config{Derived: st})
				n, err := filler.FillAggregates(ctx)
				if err != nil || n == 0 {
					t.Fatalf("%s: FillAggregates computed %d states: %v", what, n, err)
				}
				if n, err := filler.FillAggregates(ctx); err != nil || n != 0 {
					t.Fatalf("%s: a second FillAggregates computed %d states: %v", what, n, err)
				}
				ref := New(st, Config{})
				reader := New(st, Config{}) // reads the stored rows, computes nothing
				tl, err := reader.timeline(ctx)
				if err != nil {
					t.Fatal(err)
				}
				days, _ := tl.dates()
				if len(days) < 3 {
					t.Fatalf("%s: %d PeeringDB dates", what, len(days))
				}
				want := make([]*derivedState, len(days))
				areas := map[string]bool{}
				for i, d := range days {
					want[i] = recomputed(t, ref, ixp.EndOfDay(d))
					for cc := range want[i].countries {
						areas[cc] = true
					}
				}
				for _, id := range areaIDs() {
					areas[id] = true
				}
				areas["ZZ"] = true // a country with no figures: zero everywhere
				for area := range areas {
					pts, err := reader.series(ctx, area)
					if err != nil {
						t.Fatal(err)
					}
					if len(pts) != len(days) {
						t.Fatalf("%s: %s: %d points, want %d", what, area, len(pts), len(days))
					}
					for i, p := range pts {
						if p.state != nil {
							t.Fatalf("%s: %s at %s was computed, not read from the store", what, area, dateString(p.date))
						}
						var got, exp any
						if isAreaID(area) {
							got, err = p.areaAt(area)
							exp = want[i].areas[area]
						} else {
							got, err = p.countryAt(area)
							exp = want[i].countries[area]
						}
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, exp) {
							t.Errorf("%s: %s at %s: stored %+v, recomputed %+v", what, area, dateString(p.date), got, exp)
						}
					}
				}
				for i, d := range days {
					cs, err := reader.stateAt(ctx, ixp.EndOfDay(d))
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(cs.countries, want[i].countries) || !reflect.DeepEqual(cs.areas, want[i].areas) {
						t.Errorf("%s: stateAt(%s) differs from the recomputed state", what, dateString(d))
					}
				}
			}
			check("loaded")
			// Rows of an older layout (the JSON of before the compact
			// rows, with figures that are wrong now): not served, and
			// replaced by the fill (check: it computes them again).
			stored, err := st.Derived(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			old := map[string][]store.Derived{}
			for _, r := range stored {
				data := []byte(`{"ixps":999,"members":999,"countries":999}`)
				if r.Area == completeArea {
					data = []byte("{}")
				}
				old[r.Key] = append(old[r.Key], store.Derived{Area: r.Area, Data: data})
			}
			for key, rows := range old {
				if err := st.PutDerived(ctx, key, rows); err != nil {
					t.Fatal(err)
				}
			}
			for _, area := range []string{"BR", "lac"} {
				pts, err := New(st, Config{}).series(ctx, area)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range pts {
					if p.state == nil {
						t.Fatalf("%s at %s: a row of an older layout was served", area, dateString(p.date))
					}
				}
			}
			check("after rows of an older layout")
			lacnic, err := st.Snapshots(ctx, "rir:lacnic")
			if err != nil || len(lacnic) < 2 {
				t.Fatalf("LACNIC snapshots: %d, %v", len(lacnic), err)
			}
			// The file the 2020 PeeringDB snapshot pairs with goes: its
			// figures must be recomputed with the next nearest.
			tl, err := New(st, Config{}).timeline(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, refs := tl.dates()
			paired := refs[1].rir[0]
			if _, err := st.DeleteSnapshot(ctx, paired.Source, paired.At); err != nil {
				t.Fatal(err)
			}
			left, err := st.Derived(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range left {
				if store.DerivedKeyNames(r.Key, paired.ID) {
					t.Fatalf("a stored row of %s names the deleted snapshot %d", r.Key, paired.ID)
				}
			}
			check("after deleting " + paired.Source + " " + dateString(paired.At))
		})
	}
}

// TestUnreferencedStatesDropped: each RIR file imported beyond the
// PeeringDB history made a newest state that no date referred to once
// the next file came (72% of a store of 2,898 daily RIR files); the fill
// drops them, so only the states of the dates and the newest one stay.
func TestUnreferencedStatesDropped(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rir.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st, Config{Derived: st})
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	marks := func() []store.Derived {
		t.Helper()
		m, err := st.Derived(ctx, "", completeArea)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	publish := func(in ixp.SnapshotInput) {
		t.Helper()
		if _, err := st.Publish(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FillAggregates(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for d := range 5 {
		in := ixp.SnapshotInput{Source: "rir:lacnic", At: base.AddDate(0, 0, d), Kinds: []ixp.Kind{ixp.KindASNDelegation}, Force: true}
		for a := ixp.ASN(64512); a < 64512+ixp.ASN(10+d); a++ {
			data, _ := json.Marshal(ixp.ASNDelegation{ASN: a, Country: "BR"})
			in.Records = append(in.Records, ixp.Record{Kind: ixp.KindASNDelegation, ID: int64(a), ASN: a, Data: data})
		}
		publish(in)
		if m := marks(); len(m) != 1 {
			t.Fatalf("after RIR file %d: %d states stored, want the newest only", d+1, len(m))
		}
	}
	// With PeeringDB dates: their states stay, the newest too.
	for d := range 3 {
		in := ixp.SnapshotInput{Source: ixp.SourcePeeringDB, At: base.AddDate(0, 0, 10+d), Kinds: []ixp.Kind{ixp.KindExchange}, Force: true}
		data, _ := json.Marshal(ixp.Exchange{ID: 1, Name: "IX", Country: "BR"})
		in.Records = append(in.Records, ixp.Record{Kind: ixp.KindExchange, ID: 1, IXID: 1, Data: data})
		publish(in)
	}
	tl, err := New(st, Config{}).timeline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, refs := tl.dates()
	want := map[string]bool{tl.at(time.Time{}).key: true}
	for _, ref := range refs {
		want[ref.key] = true
	}
	got := map[string]bool{}
	for _, m := range marks() {
		got[m.Key] = true
	}
	if !maps.Equal(got, want) {
		t.Fatalf("stored states %v, want the dates' and the newest %v", got, want)
	}
}
