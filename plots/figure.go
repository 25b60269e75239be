package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// figureMargin is the blank border around a figure drawn by a plot.Plot.
const figureMargin = vg.Length(8)

// inset returns c less a figureMargin on every side.
func inset(c draw.Canvas) draw.Canvas {
	return draw.Crop(c, figureMargin, -figureMargin, figureMargin, -figureMargin)
}

// drawPlot returns a painter for encode that draws p inside a figureMargin.
func drawPlot(p *plot.Plot) func(draw.Canvas) {
	return func(c draw.Canvas) { p.Draw(inset(c)) }
}

// newPlot returns an empty plot with the given title.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	return p
}

// noDataPlot returns a plot with the given title, no axes, and noDataText
// in the middle.
func noDataPlot(title string) *plot.Plot {
	p := newPlot(title)
	p.HideAxes()
	sty := textStyle(14)
	sty.YAlign = draw.YCenter
	p.Add(&plotter.Labels{
		XYs:       plotter.XYs{{}},
		Labels:    []string{noDataText},
		TextStyle: []text.Style{sty},
	})
	return p
}

// maxValue bounds the magnitude of the coordinates this package draws, so
// that the span of any two of them is a finite float64.
const maxValue = 1e300

// drawable reports whether v can be a coordinate: not NaN, and of magnitude
// at most maxValue.
func drawable(v float64) bool {
	return math.Abs(v) <= maxValue
}

// minSpan is the smallest span of an axis relative to the magnitude of its
// values: gonum/plot cannot place ticks on narrower spans of large values.
const minSpan = 1e-9

// fitAxes widens each axis of p whose values span less than minSpan times
// their magnitude (such as a single value) to ±1 around its centre, or to
// ±minSpan times its magnitude if that is wider. Axes without data are left
// alone.
func fitAxes(p *plot.Plot) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		mag := math.Max(math.Abs(a.Min), math.Abs(a.Max))
		if a.Min > a.Max || a.Max-a.Min >= minSpan*mag {
			continue
		}
		centre, half := a.Min/2+a.Max/2, math.Max(1, minSpan*mag)
		a.Min, a.Max = centre-half, centre+half
	}
}

// noDataText is written in place of a figure that has nothing to show.
const noDataText = "no data yet"

// textStyle returns black, horizontally centred text of the given size in
// the plot's default font.
func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		XAlign:  draw.XCenter,
		Handler: plot.DefaultTextHandler,
	}
}
