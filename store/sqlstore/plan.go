package sqlstore

import (
	"maps"
	"slices"
	"sort"

	"github.com/ixpobs/ixpobs/ixp"
)

// This file is the planning half of Publish: pure functions that, given
// the state of a source around the time of a new snapshot and the new
// snapshot itself, decide the shrink verdict, the object counts and every
// change to the validity intervals. Publish loads the neighbourhood and
// writes the plan; nothing here touches the database.
//
// Versions change only at snapshot times, so the state between two
// neighbouring snapshots P < N is the state at P. A new snapshot at t
// (P < t < N) therefore only has to compare each object's version at P
// with its new version, and look at N to split or join intervals:
//
//	version at P   new      what changes
//	─────────────  ───────  ─────────────────────────────────────────────
//	v              v        nothing (v goes on through t)
//	v              w        v ends at t; w from t to N; if v went on after
//	                        N, a copy of v from N to where v ended
//	v              absent   v ends at t; the copy after N as above
//	absent         w        w from t to N, or the version of N starts at t
//	                        instead when it is w and begins at N
//
// Without a next snapshot N is "open" (math.MaxInt64).

// neighbourhood is what the planner knows of a source around the time of
// a new snapshot: its nearest snapshots before and after (nil when none)
// and the versions of the covered kinds valid at each.
type neighbourhood struct {
	prev, next     *snapRow
	stateP, stateN map[objKey]rowState
}

// plan is what publishing a snapshot writes.
type plan struct {
	counts  map[string]int // objects per kind name after the snapshot
	inserts []Row          // new version rows, in primary-key order
	setTo   []Bound        // versions that end at the new snapshot
	setFrom []Bound        // versions of the next snapshot that start earlier
}

// planPublish plans a snapshot at t (Unix seconds) whose records are objs,
// or returns the *ixp.ShrinkError that refuses it.
func planPublish(in *ixp.SnapshotInput, objs map[objKey]newObj, t int64, nb neighbourhood) (plan, error) {
	kinds := sortedKinds(in.Kinds)
	deleted := deletedKeys(in)
	prevCount := countByKind(nb.stateP)
	nextCount := countByKind(nb.stateN)
	newCount := newCounts(in.Delta, objs, deleted, nb.stateP, prevCount)
	if !in.Force {
		if err := shrinkVerdict(in.Source, kinds, prevCount, newCount, nextCount); err != nil {
			return plan{}, err
		}
	}
	p := plan{counts: map[string]int{}}
	if nb.prev != nil {
		maps.Copy(p.counts, nb.prev.counts)
	}
	for _, k := range kinds {
		p.counts[k.String()] = newCount[k]
	}
	nextAt := int64(Open)
	if nb.next != nil {
		nextAt = nb.next.at
	}
	p.inserts, p.setTo, p.setFrom = planIntervals(t, nextAt, nb.next != nil, in.Delta, objs, deleted, nb.stateP, nb.stateN)
	return p, nil
}

// deletedKeys is the set of objects a delta snapshot deletes.
func deletedKeys(in *ixp.SnapshotInput) map[objKey]bool {
	deleted := map[objKey]bool{}
	if !in.Delta {
		return deleted
	}
	for k, ids := range in.Deleted {
		for _, id := range ids {
			deleted[objKey{k, id}] = true
		}
	}
	return deleted
}

func countByKind(state map[objKey]rowState) map[ixp.Kind]int {
	out := map[ixp.Kind]int{}
	for k := range state {
		out[k.kind]++
	}
	return out
}

// newCounts is the number of objects of each covered kind after the
// snapshot: a full snapshot replaces the state, a delta changes the state
// of the previous snapshot.
func newCounts(delta bool, objs map[objKey]newObj, deleted map[objKey]bool, stateP map[objKey]rowState, prevCount map[ixp.Kind]int) map[ixp.Kind]int {
	out := map[ixp.Kind]int{}
	if !delta {
		for k := range objs {
			out[k.kind]++
		}
		return out
	}
	maps.Copy(out, prevCount)
	for k := range objs {
		if _, ok := stateP[k]; !ok {
			out[k.kind]++
		}
	}
	for k := range deleted {
		if _, ok := stateP[k]; ok {
			if _, re := objs[k]; !re {
				out[k.kind]--
			}
		}
	}
	return out
}

// shrinkVerdict refuses a snapshot that has more than ixp.MaxShrink fewer
// objects of a covered kind than the previous snapshot of its source, or
// than the next one (a partial dump backfilled before existing history
// would otherwise invent as many joins at the next snapshot).
func shrinkVerdict(source string, kinds []ixp.Kind, prevCount, newCount, nextCount map[ixp.Kind]int) error {
	for _, k := range kinds {
		for _, against := range []struct {
			n    int
			next bool
		}{{prevCount[k], false}, {nextCount[k], true}} {
			if against.n > 0 && float64(newCount[k]) < float64(against.n)*(1-ixp.MaxShrink) {
				return &ixp.ShrinkError{Source: source, Kind: k, Previous: against.n, Next: newCount[k], MaxDrop: ixp.MaxShrink, AgainstNext: against.next}
			}
		}
	}
	return nil
}

// planIntervals works out the interval changes object by object (see the
// table at the top of this file). nextAt is the time of the next snapshot,
// Open when hasNext is false. A delta leaves the objects it does not name
// alone. The results are sorted by primary key.
func planIntervals(t, nextAt int64, hasNext, delta bool, target map[objKey]newObj, deleted map[objKey]bool, stateP, stateN map[objKey]rowState) (inserts []Row, setTo, setFrom []Bound) {
	visit := func(k objKey) {
		vP, hasP := stateP[k]
		n, hasNew := target[k]
		if delta && !hasNew && !deleted[k] {
			return // untouched by the delta
		}
		if hasP && hasNew && n.hash == vP.hash {
			return // unchanged
		}
		if !hasP && !hasNew {
			return
		}
		spans := hasP && (vP.to > nextAt || !hasNext)
		if hasP {
			setTo = append(setTo, Bound{k.kind, k.id, vP.from, t})
		}
		if spans && hasNext {
			// The old version goes on after the next snapshot.
			inserts = append(inserts, Row{Kind: k.kind, ObjID: k.id, ValidFrom: nextAt, ValidTo: vP.to, Hash: vP.hash, copyOf: true, copyFrom: vP.from})
		}
		if !hasNew {
			return
		}
		if !spans && hasNext {
			if vN, ok := stateN[k]; ok && vN.from == nextAt && vN.hash == n.hash {
				setFrom = append(setFrom, Bound{k.kind, k.id, vN.from, t})
				return
			}
		}
		inserts = append(inserts, rowFor(n, t, nextAt))
	}
	for k := range stateP {
		visit(k)
	}
	for k := range target {
		if _, seen := stateP[k]; !seen {
			visit(k)
		}
	}
	for k := range deleted {
		if _, seen := stateP[k]; !seen {
			if _, inNew := target[k]; !inNew {
				visit(k)
			}
		}
	}
	// Primary-key order: B-tree writes stay local, and a plan is
	// deterministic.
	sort.Slice(inserts, func(i, j int) bool { return rowLess(inserts[i], inserts[j]) })
	sortBounds(setTo)
	sortBounds(setFrom)
	return inserts, setTo, setFrom
}

func rowLess(a, b Row) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.ObjID != b.ObjID {
		return a.ObjID < b.ObjID
	}
	return a.ValidFrom < b.ValidFrom
}

func sortBounds(b []Bound) {
	slices.SortFunc(b, func(x, y Bound) int {
		switch {
		case x.Kind != y.Kind:
			return int(x.Kind) - int(y.Kind)
		case x.ObjID < y.ObjID:
			return -1
		case x.ObjID > y.ObjID:
			return 1
		case x.ValidFrom < y.ValidFrom:
			return -1
		case x.ValidFrom > y.ValidFrom:
			return 1
		}
		return 0
	})
}
