package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// snapshotView is the decoded state of one PeeringDB snapshot that the
// list pages need: exchanges, their indicators and network names.
type snapshotView struct {
	ready chan struct{}
	err   error

	snapshot  ixp.Snapshot
	exchanges []ixp.Exchange // sorted by id
	byID      map[int64]int  // exchange id → index
	stats     map[int64]ixp.ExchangeStats
	networks  map[ixp.ASN]ixp.Network
}

func (v *snapshotView) fill(o *snapshotView) {
	v.snapshot, v.exchanges, v.byID, v.stats, v.networks = o.snapshot, o.exchanges, o.byID, o.stats, o.networks
}

func (v *snapshotView) exchange(id int64) (ixp.Exchange, bool) {
	i, ok := v.byID[id]
	if !ok {
		return ixp.Exchange{}, false
	}
	return v.exchanges[i], true
}

func decodeAll[T any](recs []ixp.Record) ([]T, error) {
	out := make([]T, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &out[i]); err != nil {
			return nil, fmt.Errorf("decode %s %d: %w", r.Kind, r.ID, err)
		}
	}
	return out, nil
}

// view returns the view of the PeeringDB snapshot in force at the "at"
// query parameter (latest when absent).
func (s *Server) viewAt(ctx context.Context, sn ixp.Snapshot) (*snapshotView, error) {
	return s.views.get(ctx, sn.ID, func(ctx context.Context) (*snapshotView, error) {
		v := &snapshotView{snapshot: sn, byID: map[int64]int{}, stats: map[int64]ixp.ExchangeStats{}, networks: map[ixp.ASN]ixp.Network{}}
		recs, err := s.store.Objects(ctx, peeringdb.Source, ixp.KindExchange, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		if v.exchanges, err = decodeAll[ixp.Exchange](recs); err != nil {
			return nil, err
		}
		sort.Slice(v.exchanges, func(i, j int) bool { return v.exchanges[i].ID < v.exchanges[j].ID })
		for i, e := range v.exchanges {
			v.byID[e.ID] = i
		}
		stats, err := s.store.ExchangeStats(ctx, sn.ID, 0)
		if err != nil {
			return nil, err
		}
		for _, st := range stats {
			v.stats[st.IXID] = st
		}
		nets, err := s.store.Objects(ctx, peeringdb.Source, ixp.KindNetwork, sn.At, store.Filter{})
		if err != nil {
			return nil, err
		}
		decoded, err := decodeAll[ixp.Network](nets)
		if err != nil {
			return nil, err
		}
		for _, n := range decoded {
			v.networks[n.ASN] = n
		}
		return v, nil
	})
}
