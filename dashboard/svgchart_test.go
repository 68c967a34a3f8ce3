package dashboard

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max     float64
		integer bool
		want    string
	}{
		{2, true, "0 1 2"},
		{3, true, "0 1 2 3"},
		{1954, true, "0 500 1000 1500 2000"},
		{0.37, false, "0 0.1 0.2 0.3 0.4"},
		{0, true, "0 1"},
		{11, true, "0 5 10 15"},
	} {
		var got []string
		for _, v := range niceTicks(tc.max, tc.integer) {
			got = append(got, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("niceTicks(%v, %v) = %s, want %s", tc.max, tc.integer, g, tc.want)
		}
	}
}

// TestSVGChartGaps checks that an unknown value breaks the line (two
// paths, no point at the unknown date) and that the first and last dates
// are labelled.
func TestSVGChartGaps(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	f := func(v float64) *float64 { return &v }
	dates := []time.Time{day("2019-01-19"), day("2020-05-05"), day("2021-01-01"), day("2022-06-01")}
	c := newSVGChart("t", dates, []svgSeries{{Label: "members", Values: []*float64{f(10), f(12), nil, f(20)}}}, true,
		func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }, func(d time.Time) string { return d.Format(time.DateOnly) })
	if c.Empty {
		t.Fatal("empty chart")
	}
	l := c.Lines[0]
	if len(l.Paths) != 2 || len(l.Points) != 3 {
		t.Errorf("got %d paths and %d points, want 2 and 3: %+v", len(l.Paths), len(l.Points), l)
	}
	if first, last := c.XTicks[0].Label, c.XTicks[len(c.XTicks)-1].Label; first != "2019-01-19" || last != "2022-06-01" {
		t.Errorf("x labels %v: want the first and last dates", c.XTicks)
	}
	for _, tk := range c.YTicks {
		if strings.Contains(tk.Label, ".") {
			t.Errorf("fractional tick %q on a count", tk.Label)
		}
	}
	if e := newSVGChart("t", dates, []svgSeries{{Values: []*float64{nil, nil, nil, nil}}}, true, nil, nil); !e.Empty {
		t.Error("a chart of unknown values only is not empty")
	}
}
