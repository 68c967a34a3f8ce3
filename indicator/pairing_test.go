package indicator

import (
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// lacnic are the dates of the eight LACNIC files of the shared data.
var lacnic = []time.Time{d("2016-01-29"), d("2019-09-10"), d("2021-04-05"), d("2021-10-06"),
	d("2022-03-31"), d("2022-09-30"), d("2023-03-23"), d("2024-01-04")}

// TestPairingRule checks the written rule: nearest within the window,
// before or after, the earlier on a tie, none outside the window.
func TestPairingRule(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ref        time.Time
		candidates []time.Time
		window     time.Duration
		want       string // "" = none
	}{
		// The three PeeringDB dumps against the eight LACNIC files.
		{"2019-01-19 dump: the 2016 file is 3 years off, 2019-09-10 is 234 days after", d("2019-01-19"), lacnic, RIRWindow, "2019-09-10"},
		{"2020-05-05 dump: 2019-09-10 is 238 days before, 2021-04-05 335 after", d("2020-05-05"), lacnic, RIRWindow, "2019-09-10"},
		{"2022-06-01 dump: 2022-03-31 is 62 days before, 2022-09-30 121 after", d("2022-06-01"), lacnic, RIRWindow, "2022-03-31"},
		{"exact match", d("2021-10-06"), lacnic, RIRWindow, "2021-10-06"},
		{"after is nearer", d("2021-09-30"), lacnic, RIRWindow, "2021-10-06"},
		{"tie: the earlier", d("2020-01-01"), []time.Time{d("2020-01-11"), d("2019-12-22")}, RIRWindow, "2019-12-22"},
		{"366 days before is in", d("2017-01-29"), []time.Time{d("2016-01-29")}, RIRWindow, "2016-01-29"},
		{"367 days before is out", d("2017-01-30"), []time.Time{d("2016-01-29")}, RIRWindow, ""},
		{"367 days after is out", d("2015-01-26"), []time.Time{d("2016-01-28")}, RIRWindow, ""},
		{"no candidates", d("2020-01-01"), nil, RIRWindow, ""},
		{"collector: 31 days in", d("2022-06-01"), []time.Time{d("2022-07-02")}, CollectorWindow, "2022-07-02"},
		{"collector: 32 days out", d("2022-06-01"), []time.Time{d("2022-07-03"), d("2010-02-27")}, CollectorWindow, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, ok := Nearest(tc.ref, tc.candidates, tc.window)
			got := ""
			if ok {
				got = tc.candidates[i].Format(time.DateOnly)
			}
			if got != tc.want {
				t.Errorf("Nearest(%s) = %q, want %q", tc.ref.Format(time.DateOnly), got, tc.want)
			}
		})
	}
}

func TestYearBefore(t *testing.T) {
	dumps := []time.Time{d("2019-01-19"), d("2020-05-05"), d("2022-06-01")}
	for _, tc := range []struct {
		ref  time.Time
		want string
	}{
		{d("2019-01-19"), ""},           // no earlier observation
		{d("2020-05-05"), ""},           // 472 days after 2019-01-19: outside 300–430
		{d("2022-06-01"), ""},           // 757 days before 2020-05-05
		{d("2020-03-01"), "2019-01-19"}, // 407 days
		{d("2019-11-01"), ""},           // 286 days: too recent
	} {
		i, ok := YearBefore(tc.ref, dumps)
		got := ""
		if ok {
			got = dumps[i].Format(time.DateOnly)
		}
		if got != tc.want {
			t.Errorf("YearBefore(%s) = %q, want %q", tc.ref.Format(time.DateOnly), got, tc.want)
		}
	}
}

func TestComparable(t *testing.T) {
	ok, days := Comparable(d("2022-06-01"), d("2010-02-27"), CompareWindow)
	if ok || days != 4477 {
		t.Errorf("2010 collector vs 2022 PeeringDB: ok %v, %d days; want false, 4477", ok, days)
	}
	if ok, days := Comparable(d("2022-06-01"), d("2022-07-02"), CompareWindow); !ok || days != 31 {
		t.Errorf("31 days apart: %v %d", ok, days)
	}
}
