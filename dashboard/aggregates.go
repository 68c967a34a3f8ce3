package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// The figures of every country and area at a date depend only on the
// snapshots in force then: the PeeringDB snapshot, the RIR file per
// registry the pairing rule picks (docs/INDICATORS.md) and the BGP
// snapshot per collector. Those snapshot ids are the state key
// (store.Derived); the figures of a state are computed once, kept in the
// store (derived_stats) and read back by key, so that a history of
// thousands of dates is one query, not thousands of rebuilt views.

// sourceSnaps is the snapshots of one source, oldest first.
type sourceSnaps struct {
	name  string
	snaps []ixp.Snapshot
	times []time.Time
	// counted (BGP sources): per snapshot, the index of the newest
	// snapshot at or before it that holds a whole table, -1 for none.
	counted []int
}

// atOrBefore returns the index of the newest snapshot taken at or before
// at (the newest for a zero at), -1 for none: store.SnapshotAt.
func (ss *sourceSnaps) atOrBefore(at time.Time) int {
	if at.IsZero() {
		return len(ss.snaps) - 1
	}
	i, found := slices.BinarySearchFunc(ss.times, at, func(a, b time.Time) int { return a.Compare(b) })
	if found {
		return i
	}
	return i - 1
}

// nearestSorted is indicator.Nearest over times sorted oldest first and
// distinct: the nearest to ref within window, the earlier on a tie.
func nearestSorted(ref time.Time, times []time.Time, window time.Duration) (int, bool) {
	i, _ := slices.BinarySearchFunc(times, ref, func(a, b time.Time) int { return a.Compare(b) })
	best, gap := -1, time.Duration(0)
	if i > 0 {
		best, gap = i-1, ref.Sub(times[i-1])
	}
	if i < len(times) {
		if g := times[i].Sub(ref); best < 0 || g < gap {
			best, gap = i, g
		}
	}
	if best < 0 || gap > window {
		return -1, false
	}
	return best, true
}

// timeline is the snapshot lists of the sources the country figures come
// from, for one store generation.
type timeline struct {
	pdb sourceSnaps
	rir []sourceSnaps
	bgp []sourceSnaps

	// datesOnce computes dates' answer once per timeline (a store
	// generation): 5,800 pairings take a few milliseconds.
	datesOnce sync.Once
	days      []time.Time
	refs      []stateRef
}

// peeringDBSnapshots returns the PeeringDB snapshots, oldest first, from
// the timeline cached per store generation (listing 5,800 snapshots took
// tens of milliseconds of every page that needed them). Shared: read only.
func (s *Server) peeringDBSnapshots(ctx context.Context) ([]ixp.Snapshot, error) {
	tl, err := s.timeline(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clip(tl.pdb.snaps), nil
}

// timeline returns (and caches by generation) the snapshot lists.
func (s *Server) timeline(ctx context.Context) (*timeline, error) {
	gen, err := s.generations.get(ctx)
	if err != nil {
		return nil, err
	}
	return s.timelines.get(ctx, gen, func(ctx context.Context) (*timeline, error) {
		list := func(src string) (sourceSnaps, error) {
			snaps, err := s.store.Snapshots(ctx, src)
			if err != nil {
				return sourceSnaps{}, err
			}
			ss := sourceSnaps{name: src, snaps: snaps, times: make([]time.Time, len(snaps))}
			for i, sn := range snaps {
				ss.times[i] = sn.At
			}
			return ss, nil
		}
		tl := &timeline{}
		if tl.pdb, err = list(ixp.SourcePeeringDB); err != nil {
			return nil, err
		}
		srcs, err := s.store.Sources(ctx)
		if err != nil {
			return nil, err
		}
		for _, src := range srcs {
			switch {
			case strings.HasPrefix(src, "rir:"):
				ss, err := list(src)
				if err != nil {
					return nil, err
				}
				tl.rir = append(tl.rir, ss)
			case strings.HasPrefix(src, ixp.SourcePrefixBGP):
				ss, err := list(src)
				if err != nil {
					return nil, err
				}
				ss.counted = make([]int, len(ss.snaps))
				last := -1
				for i, sn := range ss.snaps {
					ok, err := s.bgpCounted(ctx, sn)
					if err != nil {
						return nil, err
					}
					if ok {
						last = i
					}
					ss.counted[i] = last
				}
				tl.bgp = append(tl.bgp, ss)
			}
		}
		return tl, nil
	})
}

// bgpCounted reports (and remembers) whether a BGP snapshot holds a whole
// table (ixp.BGPCollector.Counted): a partial route-server table is never
// shown as a table, the newest whole one before it stands (bgpViewsAt).
func (s *Server) bgpCounted(ctx context.Context, sn ixp.Snapshot) (bool, error) {
	s.countedMu.Lock()
	ok, known := s.counted[sn.ID]
	s.countedMu.Unlock()
	if known {
		return ok, nil
	}
	c, err := s.collectorOf(ctx, sn)
	if err != nil {
		return false, err
	}
	s.countedMu.Lock()
	if s.counted == nil {
		s.counted = map[int64]bool{}
	}
	s.counted[sn.ID] = c.Counted()
	s.countedMu.Unlock()
	return c.Counted(), nil
}

// stateRef names the snapshots in force at a date and their state key.
type stateRef struct {
	key string
	pdb *ixp.Snapshot
	rir []ixp.Snapshot // the file of each registry the pairing rule picks
	bgp []ixp.Snapshot // the whole table of each collector paired with pdb
}

// at returns the snapshots in force at at (the newest for a zero at): the
// PeeringDB snapshot at or before it; per registry the RIR file nearest
// to that snapshot within indicator.RIRWindow (without one, the newest at
// or before at, as RIR-only figures are then shown); per collector the
// whole table nearest to the PeeringDB snapshot within
// indicator.CollectorWindow, before or after (none without a PeeringDB
// snapshot: the BGP figures need its exchanges).
func (tl *timeline) at(at time.Time) stateRef {
	var ref stateRef
	if i := tl.pdb.atOrBefore(at); i >= 0 {
		ref.pdb = &tl.pdb.snaps[i]
	}
	for k := range tl.rir {
		ss := &tl.rir[k]
		if ref.pdb != nil {
			if i, ok := nearestSorted(ref.pdb.At, ss.times, indicator.RIRWindow); ok {
				ref.rir = append(ref.rir, ss.snaps[i])
			}
		} else if i := ss.atOrBefore(at); i >= 0 {
			ref.rir = append(ref.rir, ss.snaps[i])
		}
	}
	if ref.pdb != nil {
		for k := range tl.bgp {
			if sn, ok := tl.bgp[k].pairedWith(ref.pdb.At); ok {
				ref.bgp = append(ref.bgp, sn)
			}
		}
	}
	var key strings.Builder
	if ref.pdb != nil {
		key.WriteString(strconv.FormatInt(ref.pdb.ID, 10))
	} else {
		key.WriteString("none")
	}
	key.WriteString("/" + regKey(ref.rir) + "/")
	for _, sn := range ref.bgp {
		key.WriteString(strconv.FormatInt(sn.ID, 10) + ",")
	}
	ref.key = key.String()
	return ref
}

// pairedWith returns the whole table (a counted snapshot) of a collector
// nearest to t within indicator.CollectorWindow, before or after, the
// earlier on a tie (the pairing rule of docs/INDICATORS.md).
func (ss *sourceSnaps) pairedWith(t time.Time) (ixp.Snapshot, bool) {
	// Only the snapshots within the window are looked at (times is
	// sorted): a history of many dates over a live collector's thousands
	// of snapshots stays cheap.
	w := indicator.CollectorWindow
	lo, _ := slices.BinarySearchFunc(ss.times, t.Add(-w), func(a, b time.Time) int { return a.Compare(b) })
	best, bestGap := -1, time.Duration(0)
	for j := lo; j < len(ss.times) && !ss.times[j].After(t.Add(w)); j++ {
		if ss.counted[j] != j {
			continue // a partial table is never counted
		}
		gap := ss.times[j].Sub(t)
		if gap < 0 {
			gap = -gap
		}
		if best < 0 || gap < bestGap { // oldest first: the earlier wins a tie
			best, bestGap = j, gap
		}
	}
	if best < 0 {
		return ixp.Snapshot{}, false
	}
	return ss.snaps[best], true
}

// bgpDates names the RIB date of each collector's paired snapshot:
// source → date.
func bgpDates(snaps []ixp.Snapshot) map[string]string {
	out := map[string]string{}
	for _, sn := range snaps {
		out[sn.Source] = dateString(sn.At)
	}
	return out
}

// regKey identifies a set of RIR files (the registries cache key).
func regKey(snaps []ixp.Snapshot) string {
	var b strings.Builder
	for _, rs := range snaps {
		b.WriteString(strconv.FormatInt(rs.ID, 10) + ",")
	}
	return b.String()
}

// rirDates names the date of each registry's file: registry → date.
func rirDates(snaps []ixp.Snapshot) map[string]string {
	out := map[string]string{}
	for _, rs := range snaps {
		out[strings.TrimPrefix(rs.Source, "rir:")] = dateString(rs.At)
	}
	return out
}

// dates returns the dates of the PeeringDB snapshots and the state in
// force at the end of each: the points of the country and area histories
// (a composite figure steps at the PeeringDB dates it pairs).
func (tl *timeline) dates() ([]time.Time, []stateRef) {
	tl.datesOnce.Do(func() {
		for _, sn := range tl.pdb.snaps {
			d := sn.At.UTC().Truncate(24 * time.Hour)
			if len(tl.days) > 0 && tl.days[len(tl.days)-1].Equal(d) {
				continue
			}
			tl.days = append(tl.days, d)
		}
		for _, d := range tl.days {
			tl.refs = append(tl.refs, tl.at(ixp.EndOfDay(d)))
		}
	})
	// Clipped: a caller's append copies instead of writing into the
	// shared arrays.
	return slices.Clip(tl.days), slices.Clip(tl.refs)
}

// areaStats is the totals of an area (members distinct across it) and
// how many of its countries have an active exchange.
type areaStats struct {
	Countries int `json:"countries"`
	indicator.CountryStats
}

// derivedState is the figures of every country and area in one state.
type derivedState struct {
	countries map[string]indicator.CountryStats
	areas     map[string]areaStats
}

// derivedPutWait bounds how long storing a computed state waits for the
// store's writer.
const derivedPutWait = 5 * time.Second

// completeArea marks, in the store, a key whose rows are all written.
const completeArea = "*"

// areaIDs lists the areas whose totals a state keeps: the world and every
// region of geo.Regions.
func areaIDs() []string {
	ids := []string{worldID}
	for _, r := range geo.Regions() {
		ids = append(ids, r.ID)
	}
	return ids
}

func isAreaID(id string) bool {
	if id == worldID {
		return true
	}
	_, ok := geo.RegionByID(id)
	return ok
}

// stateFor returns the figures of a state: from memory, from the store,
// or computed (and then stored when the server has somewhere to write).
func (s *Server) stateFor(ctx context.Context, ref stateRef) (*derivedState, error) {
	return s.states.get(ctx, ref.key, func(ctx context.Context) (*derivedState, error) {
		rows, err := s.store.Derived(ctx, ref.key)
		if err != nil {
			return nil, err
		}
		if ds, ok, err := decodeState(rows); ok || err != nil {
			return ds, err
		}
		ds, err := s.computeState(ctx, ref)
		if err != nil {
			return nil, err
		}
		if s.derived != nil {
			// A request does not wait long for SQLite's writer lock (an
			// import holding it): the state is served anyway, and stored
			// by the next fill.
			pctx, cancel := context.WithTimeout(ctx, derivedPutWait)
			err := s.derived.PutDerived(pctx, ref.key, encodeState(ds))
			cancel()
			if err != nil {
				// Still served: computed again after a restart.
				s.log.Warn("storing country and area figures", "state", ref.key, "err", err)
			}
		}
		return ds, nil
	})
}

// encodeState writes a state's rows in the compact layout (statscodec.go)
// and its complete mark, which names that layout.
func encodeState(ds *derivedState) []store.Derived {
	rows := []store.Derived{{Area: completeArea, Data: []byte(stateLayout)}}
	for cc, st := range ds.countries {
		rows = append(rows, store.Derived{Area: cc, Data: countryCodec.encode(&st)})
	}
	for id, st := range ds.areas {
		rows = append(rows, store.Derived{Area: id, Data: areaCodec.encode(&st)})
	}
	return rows
}

// stateLayout is the data of a complete mark: the layouts its rows were
// written in. A mark of another layout (an older build's, or JSON before
// the compact rows) leaves its state to be computed again.
var stateLayout = countryCodec.prefix + areaCodec.prefix

// decodeState rebuilds a state from its stored rows; false when they are
// not complete or not in this build's layout.
func decodeState(rows []store.Derived) (*derivedState, bool, error) {
	ds := &derivedState{countries: map[string]indicator.CountryStats{}, areas: map[string]areaStats{}}
	complete := false
	for _, r := range rows {
		var err error
		switch {
		case r.Area == completeArea:
			complete = string(r.Data) == stateLayout
		case isAreaID(r.Area):
			var a areaStats
			err = areaCodec.decode(r.Data, &a)
			ds.areas[r.Area] = a
		default:
			var c indicator.CountryStats
			err = countryCodec.decode(r.Data, &c)
			ds.countries[r.Area] = c
		}
		if errors.Is(err, errStaleStats) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("stored figures of %s in state %s: %w", r.Area, r.Key, err)
		}
	}
	return ds, complete, nil
}

// computeState computes the figures of every country and area in a state
// from its snapshots: the exchanges and who is connected at each (not the
// networks), the merged RIR registry and the BGP tables.
func (s *Server) computeState(ctx context.Context, ref stateRef) (*derivedState, error) {
	var ev *exchangeView
	var ms []indicator.Membership
	if ref.pdb != nil {
		var err error
		if ev, err = s.exchangesAt(ctx, *ref.pdb); err != nil {
			return nil, err
		}
		if ms, err = s.membershipOf(ctx, ev); err != nil {
			return nil, err
		}
	}
	var registry indicator.Registry
	if len(ref.rir) > 0 {
		var err error
		registry, err = s.registries.get(ctx, regKey(ref.rir), func(ctx context.Context) (indicator.Registry, error) {
			return s.buildRegistry(ctx, ref.rir)
		})
		if err != nil {
			return nil, err
		}
	}
	dates := rirDates(ref.rir)
	covered := func(cc string) bool {
		_, ok := dates[geo.RIROf(cc)]
		return ok
	}
	ds := &derivedState{countries: indicator.CountryIndicators(ms, registry, geo.Normalize, covered), areas: map[string]areaStats{}}
	var collectors []indicator.CollectorView
	for _, sn := range ref.bgp {
		v, err := s.bgpViewOf(ctx, sn)
		if err != nil {
			return nil, err
		}
		cv := indicator.CollectorView{Origins: v.origins, Prefixes: v.prefixes}
		if ev != nil && v.collector.IXID != 0 {
			if e, ok := ev.exchange(v.collector.IXID); ok {
				cv.Country = e.Country
			}
		}
		collectors = append(collectors, cv)
	}
	indicator.AddBGP(ds.countries, registry, collectors, geo.Normalize)

	// Each area's totals need the registered ASNs of its countries only:
	// group the registry by country once rather than scan it per area.
	var byCC map[string][]ixp.ASN
	if registry != nil {
		byCC = map[string][]ixp.ASN{}
		for asn, cc := range registry {
			if cc = geo.Normalize(cc); cc != "" {
				byCC[cc] = append(byCC[cc], asn)
			}
		}
	}
	all := geo.Countries()
	for _, id := range areaIDs() {
		// The area's countries as a set: inArea (geo.InRegion) looks a
		// country up each time, and GroupIndicators asks per exchange.
		var ccs []string
		in := map[string]bool{}
		for _, c := range all {
			if inArea(id, c.Code) {
				ccs = append(ccs, c.Code)
				in[c.Code] = true
			}
		}
		inGroup := func(cc string) bool { return id == worldID || in[cc] }
		var reg indicator.Registry
		if registry != nil {
			reg = indicator.Registry{}
		}
		for cc, asns := range byCC {
			if inGroup(cc) {
				for _, a := range asns {
					reg[a] = cc
				}
			}
		}
		a := areaStats{CountryStats: indicator.GroupIndicators(ms, reg, geo.Normalize, inGroup, covered, ccs)}
		for cc, c := range ds.countries {
			if c.ActiveIXPs > 0 && inGroup(cc) {
				a.Countries++
			}
		}
		ds.areas[id] = a
	}
	return ds, nil
}

// FillAggregates computes and stores the figures of every state a
// history or the latest answers need that the store does not hold yet:
// after an import, the states the new snapshot changed (its own date; for
// an RIR file, the PeeringDB dates whose pairing now picks it). It returns
// how many states it computed; without a store to write to (Config.Derived)
// it does nothing. Concurrent calls do not wait: one fill runs at a time.
func (s *Server) FillAggregates(ctx context.Context) (int, error) {
	if s.derived == nil || !s.fill.TryLock() {
		return 0, nil
	}
	defer s.fill.Unlock()
	tl, err := s.timeline(ctx)
	if err != nil {
		return 0, err
	}
	_, refs := tl.dates()
	if len(tl.pdb.snaps) > 0 || len(tl.rir) > 0 {
		refs = append(refs, tl.at(time.Time{}))
	}
	marks, err := s.store.Derived(ctx, "", completeArea)
	if err != nil {
		return 0, err
	}
	done := map[string]bool{}
	for _, m := range marks {
		done[m.Key] = string(m.Data) == stateLayout
	}
	n := 0
	for _, ref := range refs {
		if done[ref.key] {
			continue
		}
		done[ref.key] = true
		if _, err := s.stateFor(ctx, ref); err != nil {
			return n, fmt.Errorf("figures of the state at %s: %w", ref.key, err)
		}
		n++
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
	return n, s.dropUnreferencedStates(ctx, refs, marks)
}

// dropUnreferencedStates drops the stored states (their complete marks
// read before the fill) that are neither the state of a PeeringDB date
// nor the newest state: the newest state of an earlier store generation
// (each RIR file imported beyond the PeeringDB history made one, 72% of a
// store of 2,898 daily RIR files without PeeringDB data), or a state a
// request computed for a date in between. It is a cache: a state asked for
// again is computed again.
func (s *Server) dropUnreferencedStates(ctx context.Context, refs []stateRef, marks []store.Derived) error {
	live := make(map[string]bool, len(refs))
	for _, ref := range refs {
		live[ref.key] = true
	}
	dropped := 0
	for _, m := range marks {
		if live[m.Key] {
			continue
		}
		if err := s.derived.PutDerived(ctx, m.Key, nil); err != nil {
			return fmt.Errorf("dropping the unreferenced state %s: %w", m.Key, err)
		}
		dropped++
	}
	if dropped > 0 {
		s.log.Info("unreferenced country and area figures dropped", "states", dropped)
	}
	return nil
}

// seriesPoint is one point of a country or area history: the state at the
// end of a PeeringDB date and the stored figures of the area asked for
// (raw nil: the area has none in the state), or the state's figures when
// they had to be computed.
type seriesPoint struct {
	date  time.Time
	ref   stateRef
	raw   []byte
	state *derivedState
}

// series returns the history of one area (a country code or an area id)
// at every PeeringDB date: the stored rows in one query, the states not
// stored yet computed (and stored).
func (s *Server) series(ctx context.Context, area string) ([]seriesPoint, error) {
	tl, err := s.timeline(ctx)
	if err != nil {
		return nil, err
	}
	days, refs := tl.dates()
	if len(days) == 0 {
		return nil, nil
	}
	// A state is stored whole (PutDerived is one transaction): a key with
	// the area's row is complete. Only when some key has none are the
	// marks read, to tell a state without the area from one not stored.
	rows, err := s.store.Derived(ctx, "", area)
	if err != nil {
		return nil, err
	}
	// A row of another layout (statscodec.go) is as good as absent: its
	// state is computed again.
	codec := countryCodec
	if isAreaID(area) {
		codec = areaCodec
	}
	prefix := []byte(codec.prefix)
	done, raw := map[string]bool{}, map[string][]byte{}
	for _, r := range rows {
		if bytes.HasPrefix(r.Data, prefix) {
			done[r.Key], raw[r.Key] = true, r.Data
		}
	}
	for _, ref := range refs {
		if done[ref.key] {
			continue
		}
		marks, err := s.store.Derived(ctx, "", completeArea)
		if err != nil {
			return nil, err
		}
		for _, m := range marks {
			if string(m.Data) == stateLayout {
				done[m.Key] = true
			}
		}
		break
	}
	out := make([]seriesPoint, len(days))
	for i, ref := range refs {
		out[i] = seriesPoint{date: days[i], ref: ref}
		if done[ref.key] {
			out[i].raw = raw[ref.key]
			continue
		}
		if out[i].state, err = s.stateFor(ctx, ref); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// countryAt returns a country's figures at a point (zero when the state
// has none for it, as countryState.countries does).
func (p seriesPoint) countryAt(cc string) (indicator.CountryStats, error) {
	var st indicator.CountryStats
	if p.state != nil {
		return p.state.countries[cc], nil
	}
	if p.raw != nil {
		if err := countryCodec.decode(p.raw, &st); err != nil {
			return st, fmt.Errorf("stored figures of %s in state %s: %w", cc, p.ref.key, err)
		}
	}
	return st, nil
}

// areaAt returns an area's totals at a point.
func (p seriesPoint) areaAt(id string) (areaStats, error) {
	var st areaStats
	if p.state != nil {
		return p.state.areas[id], nil
	}
	if p.raw != nil {
		if err := areaCodec.decode(p.raw, &st); err != nil {
			return st, fmt.Errorf("stored figures of %s in state %s: %w", id, p.ref.key, err)
		}
	}
	return st, nil
}
