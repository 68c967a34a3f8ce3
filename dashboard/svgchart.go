package dashboard

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// svgChart is a line chart drawn on the server as SVG, for the pages that
// must read without JavaScript and print (the country brief). Unknown
// values break the line: a gap, never a carried-forward or zero point.
type svgChart struct {
	Width, Height int
	Plot          svgRect
	Lines         []svgLine
	YTicks        []svgTick
	XTicks        []svgTick
	Right         float64 // Plot.X + Plot.W
	Title         string
	Empty         bool   // no known value at all
	NoData        string // what an empty chart says
}

type svgRect struct{ X, Y, W, H float64 }

type svgLine struct {
	Label  string
	Class  string   // s1, s2…: the series colour
	Paths  []string // one "M…L…" path per run of known values
	Points []svgPoint
}

type svgPoint struct {
	X, Y  float64
	Title string
}

type svgTick struct {
	Pos    float64
	Label  string
	Anchor string // text-anchor of an x label: the first starts, the last ends at its date
}

// svgSeries is one series of an svgChart: a value per date, nil unknown.
type svgSeries struct {
	Label  string
	Values []*float64
}

// newSVGChart lays out series over dates (ascending). Counts get integer
// ticks; format writes the tick labels and point titles; dateLabel the
// first and last dates (always labelled) and those between.
func newSVGChart(title string, dates []time.Time, series []svgSeries, integer bool, format func(float64) string, dateLabel func(time.Time) string) svgChart {
	c := svgChart{Width: 640, Height: 220, Title: title}
	maxV := 0.0
	known := false
	for _, s := range series {
		for _, v := range s.Values {
			if v != nil {
				known = true
				maxV = math.Max(maxV, *v)
			}
		}
	}
	if !known || len(dates) == 0 {
		c.Empty = true
		return c
	}
	ticks := niceTicks(maxV, integer)
	top := ticks[len(ticks)-1]
	// The left margin fits the widest tick label (about 8 px a character
	// at the chart's 13 px font).
	widest := 0
	for _, t := range ticks {
		widest = max(widest, len([]rune(format(t))))
	}
	left := float64(14 + 8*widest)
	c.Plot = svgRect{X: left, Y: 10, W: float64(c.Width) - left - 40, H: float64(c.Height) - 40}
	c.Right = c.Plot.X + c.Plot.W
	y := func(v float64) float64 { return c.Plot.Y + c.Plot.H - v/top*c.Plot.H }
	t0, t1 := dates[0], dates[len(dates)-1]
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span == 0 {
			return c.Plot.X + c.Plot.W/2
		}
		return c.Plot.X + t.Sub(t0).Seconds()/span*c.Plot.W
	}
	for _, t := range ticks {
		c.YTicks = append(c.YTicks, svgTick{Pos: round1(y(t)), Label: format(t)})
	}
	// Dates: the first and the last, and those between that leave room.
	lastPos := math.Inf(-1)
	for i, d := range dates {
		pos := x(d)
		if i != 0 && i != len(dates)-1 && (pos-lastPos < 90 || x(t1)-pos < 90) {
			continue
		}
		if i == len(dates)-1 && len(c.XTicks) > 0 && pos-lastPos < 90 && len(dates) > 1 {
			c.XTicks = c.XTicks[:len(c.XTicks)-1]
		}
		c.XTicks = append(c.XTicks, svgTick{Pos: round1(pos), Label: dateLabel(d)})
		lastPos = pos
	}
	for i := range c.XTicks {
		c.XTicks[i].Anchor = "middle"
		if i == 0 && len(c.XTicks) > 1 {
			c.XTicks[i].Anchor = "start"
		} else if i == len(c.XTicks)-1 && len(c.XTicks) > 1 {
			c.XTicks[i].Anchor = "end"
		}
	}
	for si, s := range series {
		l := svgLine{Label: s.Label, Class: "s" + strconv.Itoa(si%6+1)}
		var b strings.Builder
		for i, v := range s.Values {
			if i >= len(dates) {
				break
			}
			if v == nil {
				if b.Len() > 0 {
					l.Paths = append(l.Paths, b.String())
					b.Reset()
				}
				continue
			}
			px, py := round1(x(dates[i])), round1(y(*v))
			if b.Len() == 0 {
				b.WriteString("M")
			} else {
				b.WriteString(" L")
			}
			b.WriteString(strconv.FormatFloat(px, 'f', 1, 64) + " " + strconv.FormatFloat(py, 'f', 1, 64))
			l.Points = append(l.Points, svgPoint{X: px, Y: py, Title: dateLabel(dates[i]) + ": " + format(*v)})
		}
		if b.Len() > 0 {
			l.Paths = append(l.Paths, b.String())
		}
		c.Lines = append(c.Lines, l)
	}
	return c
}

// niceTicks returns 0 and 3 to 6 evenly spaced round values up to at
// least maxV; with integer, no fractional step.
func niceTicks(maxV float64, integer bool) []float64 {
	if maxV <= 0 {
		maxV = 1
	}
	raw := maxV / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if integer && step < 1 {
		step = 1
	}
	if integer && step != math.Trunc(step) {
		step = math.Ceil(step)
	}
	var out []float64
	for i := 0; ; i++ {
		v := math.Round(float64(i)*step/mag*1e6) / 1e6 * mag
		out = append(out, v)
		if v >= maxV {
			break
		}
	}
	return out
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
