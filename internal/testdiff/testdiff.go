// Package testdiff gives tests readable structured diffs (go-cmp) of the
// project's values: Diff compares them exactly as reflect.DeepEqual does
// (nil and empty slices differ, as they do in JSON answers) and treats the
// net/netip values, whose fields are unexported, as comparable values.
package testdiff

import (
	"net/netip"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Diff returns "" when want and got are equal, or a diff, one line per
// difference, "-" for want and "+" for got.
func Diff(want, got any) string {
	return cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}, netip.AddrPort{}))
}
