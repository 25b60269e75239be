package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The size of a LatentMap figure: 6×5 inches, 1152×960 pixels at 192 DPI,
// with the class legend to the right of the data area.
const (
	mapWidth  = 6 * vg.Inch
	mapHeight = 5 * vg.Inch
)

// Marker sizes on a LatentMap, and the gap around its legend.
const (
	pointRadius     = vg.Length(2)
	highlightRadius = vg.Length(6)
	centreRadius    = vg.Length(5)
	legendGap       = vg.Length(8)
)

// highlightName names the highlighted point in the legend, centresName the
// prior's component means.
const (
	highlightName = "query"
	centresName   = "prior means"
)

// LatentMap is a scatter of 2-D points (e.g. a PCA projection of latent
// means) coloured by class label, drawn in input order, with a legend to the
// right naming the classes that occur (classNames[label]). highlight, if >= 0,
// is the index of a point drawn as a larger ringed marker (the query the user
// clicked) and named "query" in the legend. It returns the PNG, 1152×960
// pixels (6×5 inches at 192 DPI), and the Frame for mapping clicks. With no
// points the PNG says "no data yet" and the Frame has no points.
func LatentMap(title string, points [][2]float64, labels []uint8, classNames []string, highlight int) ([]byte, Frame, error) {
	return CaptionedLatentMap(title, nil, points, labels, classNames, highlight, nil)
}

// captionLine is the height of one caption line under a CaptionedLatentMap.
const captionLine = vg.Length(9)

// CaptionedLatentMap is LatentMap with lines of small text under the figure,
// such as where the picture comes from; the figure grows by captionLine per
// line, so the map itself keeps its size. centres, when given, are drawn
// over the points as black crosses named "prior means" in the legend: a
// mixture prior's component means in the same projection.
func CaptionedLatentMap(title string, caption []string, points [][2]float64, labels []uint8, classNames []string, highlight int, centres [][2]float64) ([]byte, Frame, error) {
	if err := checkMap(points, labels, classNames, highlight, centres); err != nil {
		return nil, Frame{}, err
	}
	p := newPlot(title)
	legend := plot.NewLegend()
	legend.Top = true
	legend.Left = true
	if len(points) == 0 {
		p = noDataPlot(title)
	} else {
		classGlyph := func(label uint8) draw.GlyphStyle {
			return draw.GlyphStyle{Color: colour(int(label)), Radius: pointRadius, Shape: draw.CircleGlyph{}}
		}
		xys := plotXYs(points)
		present := make([]bool, len(classNames))
		for _, label := range labels {
			present[label] = true
		}
		p.Add(&plotter.Scatter{
			XYs:            xys,
			GlyphStyleFunc: func(i int) draw.GlyphStyle { return classGlyph(labels[i]) },
		})
		for label, name := range classNames {
			if present[label] {
				legend.Add(name, &plotter.Scatter{GlyphStyle: classGlyph(uint8(label))})
			}
		}
		if highlight >= 0 {
			query := &plotter.Scatter{XYs: xys[highlight : highlight+1], GlyphStyle: classGlyph(labels[highlight])}
			query.Radius = highlightRadius
			query.Shape = ringed{}
			p.Add(query)
			legend.Add(highlightName, query)
		}
		if len(centres) > 0 {
			marks := &plotter.Scatter{XYs: plotXYs(centres), GlyphStyle: draw.GlyphStyle{Color: color.Black, Radius: centreRadius, Shape: boldCross{}}}
			p.Add(marks)
			legend.Add(centresName, marks)
		}
		fitAxes(p)
	}
	var frame Frame
	height := mapHeight + captionLine*vg.Length(len(caption))
	img, err := encode(mapWidth, height, func(c draw.Canvas) {
		c = inset(c)
		sty := textStyle(6.5)
		sty.XAlign = draw.XLeft
		for i, line := range caption {
			c.FillText(sty, vg.Point{X: c.Min.X, Y: c.Min.Y + captionLine*vg.Length(len(caption)-1-i)}, line)
		}
		c = draw.Crop(c, 0, 0, captionLine*vg.Length(len(caption)), 0)
		width := legend.Rectangle(c).Size().X
		if width > 0 {
			width += legendGap
		}
		area := draw.Crop(c, 0, -width, 0, 0)
		p.Draw(area)
		dc := p.DataCanvas(area)
		legend.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: area.Max.X + legendGap, Y: dc.Min.Y},
			Max: vg.Point{X: c.Max.X, Y: dc.Max.Y},
		}})
		frame = newFrame(p, dc, dots(mapWidth), dots(height), points)
	})
	if err != nil {
		return nil, Frame{}, err
	}
	return img, frame, nil
}

// plotXYs are 2-D points as gonum/plot takes them.
func plotXYs(points [][2]float64) plotter.XYs {
	xys := make(plotter.XYs, len(points))
	for i, pt := range points {
		xys[i] = plotter.XY{X: pt[0], Y: pt[1]}
	}
	return xys
}

// checkMap reports the first reason why LatentMap cannot draw its arguments.
func checkMap(points [][2]float64, labels []uint8, classNames []string, highlight int, centres [][2]float64) error {
	for i, c := range centres {
		if !drawable(c[0]) || !drawable(c[1]) {
			return fmt.Errorf("plots: prior mean %d (%g, %g) is NaN or of magnitude over %g", i, c[0], c[1], maxValue)
		}
	}
	if len(points) != len(labels) {
		return fmt.Errorf("plots: %d points but %d labels", len(points), len(labels))
	}
	if highlight >= len(points) {
		return fmt.Errorf("plots: highlight %d is out of range for %d points", highlight, len(points))
	}
	for i, pt := range points {
		if !drawable(pt[0]) || !drawable(pt[1]) {
			return fmt.Errorf("plots: point %d (%g, %g) is NaN or of magnitude over %g", i, pt[0], pt[1], maxValue)
		}
		if int(labels[i]) >= len(classNames) {
			return fmt.Errorf("plots: point %d has label %d but there are %d class names", i, labels[i], len(classNames))
		}
	}
	return nil
}
