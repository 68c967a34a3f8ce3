package testdiff

import (
	"net/netip"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	type route struct {
		Prefix netip.Prefix
		Path   []uint32
	}
	a := route{netip.MustParsePrefix("192.0.2.0/24"), []uint32{64512, 64513}}
	if d := Diff(a, route{netip.MustParsePrefix("192.0.2.0/24"), []uint32{64512, 64513}}); d != "" {
		t.Errorf("equal values differ:\n%s", d)
	}
	d := Diff(a, route{netip.MustParsePrefix("192.0.2.0/24"), []uint32{64512, 64514}})
	if !strings.Contains(d, "64513") || !strings.Contains(d, "64514") {
		t.Errorf("diff does not show the changed element:\n%s", d)
	}
	if Diff(route{}, route{Path: []uint32{}}) == "" {
		t.Error("a nil and an empty slice compare equal (reflect.DeepEqual tells them apart)")
	}
}
