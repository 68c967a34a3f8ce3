// Package vantage ties a vantage point (an Alice-LG route server, a route
// collector) to the PeeringDB exchange it peers at, from its neighbours'
// addresses: the exchange whose peering-LAN prefixes (PeeringDB ixpfx)
// hold most of them. A manual override always wins.
package vantage

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// LAN is one peering-LAN prefix of an exchange.
type LAN struct {
	IXID   int64
	Prefix netip.Prefix
}

// LANs turns PeeringDB ixpfx objects into LANs; prefixes without a
// resolved exchange or that do not parse are skipped.
func LANs(pfx []ixp.ExchangePrefix) []LAN {
	out := make([]LAN, 0, len(pfx))
	for _, p := range pfx {
		pr, err := netip.ParsePrefix(p.Prefix)
		if err != nil || p.IXID == 0 {
			continue
		}
		out = append(out, LAN{IXID: p.IXID, Prefix: pr.Masked()})
	}
	return out
}

// Match is the exchange a vantage point was tied to and why.
type Match struct {
	IXID int64 `json:"ixp_id"`
	// By is "override", "peer-addresses" or "" (not tied).
	By string `json:"by"`
	// Matched of Addresses neighbour addresses fall in the exchange's LANs.
	Matched   int `json:"matched"`
	Addresses int `json:"addresses"`
}

// MinShare is the share of neighbour addresses that must fall in one
// exchange's LANs (and a strict majority of those matched anywhere).
const MinShare = 0.5

// Tie returns the exchange whose LANs hold most of addrs, when they hold
// at least MinShare of them; override (non-zero) wins. Addresses in no
// LAN (a multihop collector) leave the vantage point untied.
func Tie(addrs []netip.Addr, lans []LAN, override int64) Match {
	m := Match{Addresses: len(addrs)}
	if override != 0 {
		m.IXID, m.By = override, "override"
		return m
	}
	count := map[int64]int{}
	for _, a := range addrs {
		a = a.Unmap()
		seen := map[int64]bool{}
		for _, l := range lans {
			if !seen[l.IXID] && l.Prefix.Contains(a) {
				seen[l.IXID] = true
				count[l.IXID]++
			}
		}
	}
	type kv struct {
		ix int64
		n  int
	}
	var all []kv
	for ix, n := range count {
		all = append(all, kv{ix, n})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.ix, b.ix)
	})
	if len(all) == 0 || float64(all[0].n) < MinShare*float64(len(addrs)) || len(all) > 1 && all[1].n == all[0].n {
		return m
	}
	m.IXID, m.By, m.Matched = all[0].ix, "peer-addresses", all[0].n
	return m
}

// String describes the match for logs.
func (m Match) String() string {
	if m.By == "" {
		return fmt.Sprintf("not tied (%d addresses)", m.Addresses)
	}
	return fmt.Sprintf("ix %d by %s (%d of %d addresses)", m.IXID, m.By, m.Matched, m.Addresses)
}

// ObjectReader is the part of a store LANsAt reads.
type ObjectReader interface {
	SnapshotAt(ctx context.Context, source string, at time.Time) (ixp.Snapshot, error)
	Objects(ctx context.Context, source string, kind ixp.Kind, at time.Time, q store.Filter) ([]ixp.Record, error)
}

// LANsAt returns the exchanges' LAN prefixes of the newest snapshot of
// source (PeeringDB) at or before at; none when the source has no
// snapshot yet.
func LANsAt(ctx context.Context, st ObjectReader, source string, at time.Time) ([]LAN, error) {
	sn, err := st.SnapshotAt(ctx, source, at)
	if errors.Is(err, ixp.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	recs, err := st.Objects(ctx, source, ixp.KindExchangePrefix, sn.At, store.Filter{})
	if err != nil {
		return nil, err
	}
	ps := make([]ixp.ExchangePrefix, 0, len(recs))
	for _, r := range recs {
		var p ixp.ExchangePrefix
		if err := json.Unmarshal(r.Data, &p); err != nil {
			return nil, fmt.Errorf("%s ixpfx %d: %w", source, r.ID, err)
		}
		ps = append(ps, p)
	}
	return LANs(ps), nil
}
