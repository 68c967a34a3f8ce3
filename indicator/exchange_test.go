package indicator

import (
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

// TestCapacityOutOfRange: two ports of 2^62 Mbps (the issue-20 case that
// gave capacity -9223372036854765808) and a negative speed add nothing;
// the capacity never wraps around.
func TestCapacityOutOfRange(t *testing.T) {
	b := NewExchangeStatsBuilder()
	for i, s := range []int64{1 << 62, 1 << 62, -100, 10_000} {
		b.Add(ixp.Connection{ID: int64(i + 1), IXID: 1, ASN: 64500, Speed: s})
	}
	st, _ := b.Stats(nil)
	if len(st) != 1 || st[0].CapacityMbps != 10_000 || st[0].Connections != 4 {
		t.Errorf("stats %+v, want capacity 10000 over 4 connections", st)
	}
}
