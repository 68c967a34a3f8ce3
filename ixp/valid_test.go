package ixp

import (
	"math"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

func TestAddMbps(t *testing.T) {
	for _, tc := range []struct{ a, b, want int64 }{
		{1, 2, 3},
		{math.MaxInt64 - 1, 2, math.MaxInt64},
		{1 << 62, 1 << 62, math.MaxInt64},
		{-5, 7, 7},
		{7, -5, 7},
	} {
		if got := AddMbps(tc.a, tc.b); got != tc.want {
			t.Errorf("AddMbps(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for s, want := range map[int64]bool{-1: false, 0: true, 100_000: true, MaxPortSpeedMbps: true, MaxPortSpeedMbps + 1: false, 1 << 62: false} {
		if SpeedValid(s) != want {
			t.Errorf("SpeedValid(%d) = %v", s, !want)
		}
	}
}

func TestQuirkCounts(t *testing.T) {
	notes := []string{
		QuirkNote(QuirkSpeedOutOfRange, 2, "(e.g. x)"),
		"quirk text_replaced: 5 characters replaced by U+FFFD",
		"ixf quirk speed_out_of_range: 1 (e.g. AS1)",
		"ixf dropped invalid_asn: 4",
		"skipped net pending: 9",
		"dangling reference netixlan.net_id: 3",
	}
	want := map[string]int{QuirkSpeedOutOfRange: 3, QuirkTextReplaced: 5, "invalid_asn": 4}
	if d := testdiff.Diff(want, QuirkCounts(notes)); d != "" {
		t.Errorf("QuirkCounts, -want +got:\n%s", d)
	}
}
