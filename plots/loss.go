package plots

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve.
type Series struct {
	Name string
	X, Y []float64
}

// lossWidth and lossHeight are the size of a LossCurves figure: 6×4 inches,
// 1152×768 pixels at 192 DPI.
const (
	lossWidth  = 6 * vg.Inch
	lossHeight = 4 * vg.Inch
)

// LossCurves draws curves against epochs (x axis "epoch", fractional), one
// line per series, with a legend naming the series that have names; yLabel
// names the y axis. Series i is drawn in class colour i (cycling after ten),
// so a curve keeps its colour while earlier series are still empty. Points
// with a coordinate that is NaN or of magnitude over 1e300 (such as an
// infinite loss) are left out, and series with no points left are skipped;
// a series of a single point is drawn as a dot. With no points at all the
// figure is a valid PNG saying "no data yet". The PNG is 1152×768 pixels
// (6×4 inches at 192 DPI).
func LossCurves(title, yLabel string, series []Series) ([]byte, error) {
	p := newPlot(title)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	drawn := 0
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: series %q has %d x values and %d y values", s.Name, len(s.X), len(s.Y))
		}
		xys := drawableXYs(s.X, s.Y)
		if len(xys) == 0 {
			continue
		}
		line := &plotter.Line{
			XYs:       xys,
			LineStyle: draw.LineStyle{Color: colour(i), Width: vg.Points(1.5)},
		}
		thumbs := []plot.Thumbnailer{line}
		p.Add(line)
		if len(xys) == 1 {
			dot := &plotter.Scatter{
				XYs:        xys,
				GlyphStyle: draw.GlyphStyle{Color: colour(i), Radius: vg.Points(3), Shape: draw.CircleGlyph{}},
			}
			thumbs = append(thumbs, dot)
			p.Add(dot)
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, thumbs...)
		}
		drawn++
	}
	if drawn == 0 {
		p = noDataPlot(title)
	}
	fitAxes(p)
	return encode(lossWidth, lossHeight, drawPlot(p))
}

// drawableXYs pairs x and y, which have the same length, leaving out
// points with a coordinate that is not drawable.
func drawableXYs(x, y []float64) plotter.XYs {
	xys := make(plotter.XYs, 0, len(x))
	for i := range x {
		if drawable(x[i]) && drawable(y[i]) {
			xys = append(xys, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	return xys
}
