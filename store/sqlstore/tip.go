package sqlstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
)

// A Publish compares the new snapshot with the state at the previous one,
// which it reads from the versions table: for a full PeeringDB snapshot
// that is 144,000 rows and 0.54 s of a daily import's 2.4 s. The state a
// Publish leaves at the newest snapshot of its source is what the next
// Publish of that source, one day or one hour later, reads back. tipCache
// keeps it in memory, per source, so that a backfill or a collector
// publishing one snapshot after another reads nothing back.
//
// The cache is only a shortcut: whenever it could be wrong the state is
// read from the database as before.
//   - An entry is taken out (and so dropped) by every Publish of its
//     source and put back only after a commit that left the new snapshot
//     newest, so no two publications share it and a failed one leaves
//     none.
//   - It is used only when the previous snapshot, read in the publishing
//     transaction, is the one it describes: same id, time, digest, kinds
//     and object counts. Another process that published, deleted or
//     replaced the newest snapshot changes one of them.
//   - A writer elsewhere that changed the history before the newest
//     snapshot (a deletion joins intervals, a backfill splits them) can
//     leave the cached valid_from of an object out of date without
//     changing the newest snapshot. Those bounds are only used to end
//     the versions that change, and a bound update that finds no row
//     fails (ErrRowMissing): the publication is then retried with the
//     state read from the database.
//   - DeleteSnapshot and ImportHistory on this handle drop every entry.
//
// Its memory is bounded: at most maxTipObjects objects over all sources
// (a map of a million such entries takes 100 MB, so at most about 50 MB).
// A newer entry pushes out the oldest ones; a state larger than the bound
// (a full BGP table of 1.5 million prefixes and links) is not kept, and
// its next publication reads the database as before.
type tipCache struct {
	mu    sync.Mutex
	m     map[int64]*tipState
	order []int64 // source ids, oldest put first
	size  int     // objects in all entries
	limit int     // objects kept at most (0: maxTipObjects)
}

// maxTipObjects bounds the objects tipCache keeps (a PeeringDB state of
// 2022 is 144,000).
const maxTipObjects = 500_000

// tipState is the state of one source at its newest snapshot.
type tipState struct {
	snapID int64
	at     int64
	digest string
	kinds  string // kindsString of the covered kinds, sorted
	counts map[ixp.Kind]int
	state  map[objKey]rowState
}

// ErrRowMissing is a version row a bound update expected and did not find.
var ErrRowMissing = errors.New("store: version row to update not found")

// errStaleTip marks a publication that failed because the cached state it
// started from was out of date (Publish then retries without it).
var errStaleTip = errors.New("store: cached newest state out of date")

// take removes the entry of srcID and returns its state when it is the
// state at prev for kinds (sorted); nil otherwise.
func (c *tipCache) take(srcID int64, prev *snapRow, kinds []ixp.Kind) map[objKey]rowState {
	c.mu.Lock()
	e := c.remove(srcID)
	c.mu.Unlock()
	if e == nil || prev == nil || e.snapID != prev.id || e.at != prev.at || e.digest != prev.digest || e.kinds != kindsString(kinds) {
		return nil
	}
	for _, k := range kinds {
		if prev.counts[k.String()] != e.counts[k] {
			return nil
		}
	}
	return e.state
}

// put records the state a committed publication left at the newest
// snapshot of srcID.
func (c *tipCache) put(srcID int64, e *tipState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(srcID)
	limit := c.limit
	if limit == 0 {
		limit = maxTipObjects
	}
	if len(e.state) > limit {
		return
	}
	for c.size+len(e.state) > limit {
		c.remove(c.order[0])
	}
	if c.m == nil {
		c.m = map[int64]*tipState{}
	}
	c.m[srcID] = e
	c.order = append(c.order, srcID)
	c.size += len(e.state)
}

// remove takes the entry of srcID out (nil when none); c.mu is held.
func (c *tipCache) remove(srcID int64) *tipState {
	e := c.m[srcID]
	if e == nil {
		return nil
	}
	delete(c.m, srcID)
	c.order = slices.DeleteFunc(c.order, func(id int64) bool { return id == srcID })
	c.size -= len(e.state)
	return e
}

// dropAll forgets every source's state.
func (c *tipCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.order, c.size = nil, 0
}

// stateAfter is the state at a new newest snapshot t: the state at the
// previous snapshot (consumed: it is changed in place) without the
// versions that ended at t, with the versions that start at t. It holds
// only when the new snapshot has no next one (no copies, no moved bounds).
func stateAfter(stateP map[objKey]rowState, p plan) map[objKey]rowState {
	state := stateP
	if state == nil {
		state = make(map[objKey]rowState, len(p.inserts))
	}
	for _, b := range p.setTo {
		delete(state, objKey{b.Kind, b.ObjID})
	}
	for _, r := range p.inserts {
		state[objKey{r.Kind, r.ObjID}] = rowState{from: r.ValidFrom, to: r.ValidTo, hash: r.Hash}
	}
	return state
}

// connMemo keeps the decoded connections of the last full snapshot of each
// source, by id and content hash, so that the exchange indicators of the
// next one decode only the connections that changed (44,000 connections
// a day in PeeringDB, a few dozen of which change). It is keyed by content,
// so it is never out of date, only incomplete.
type connMemo struct {
	mu sync.Mutex
	m  map[int64]map[int64]memoConn // source id → connection id → decoded
}

type memoConn struct {
	hash int64
	c    ixp.Connection
}

// exchangeStatsOf computes the exchange indicators of a full snapshot that
// covers exchanges and connections from its own records (the state at its
// time, which a full snapshot defines), with the memo of srcID.
func (m *connMemo) exchangeStatsOf(srcID int64, objs map[objKey]newObj) ([]ixp.ExchangeStats, int, error) {
	m.mu.Lock()
	old := m.m[srcID]
	m.mu.Unlock()
	exchanges := map[int64]bool{}
	next := make(map[int64]memoConn, len(old)+64)
	agg := indicator.NewExchangeStatsBuilder()
	for k, o := range objs {
		switch k.kind {
		case ixp.KindExchange:
			exchanges[k.id] = true
		case ixp.KindConnection:
			mc, ok := old[k.id]
			if !ok || mc.hash != o.hash {
				mc = memoConn{hash: o.hash}
				if err := json.Unmarshal(o.rec.Data, &mc.c); err != nil {
					return nil, 0, fmt.Errorf("decode connection %d: %w", k.id, err)
				}
			}
			next[k.id] = mc
			agg.Add(mc.c)
		}
	}
	m.mu.Lock()
	if m.m == nil {
		m.m = map[int64]map[int64]memoConn{}
	}
	m.m[srcID] = next
	m.mu.Unlock()
	stats, dangling := agg.Stats(exchanges)
	return stats, dangling, nil
}
