package plots

import (
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// crossWidth is the stroke width of a boldCross.
const crossWidth = vg.Length(1.5)

// boldCross is a glyph drawn as an × of two strokes crossWidth wide, from
// corner to corner of the square of half-side the glyph's radius: gonum's
// CrossGlyph strokes half a point, too faint over thousands of markers.
type boldCross struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (boldCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: crossWidth})
	r := sty.Radius
	for _, d := range []vg.Length{r, -r} {
		var p vg.Path
		p.Move(vg.Point{X: pt.X - r, Y: pt.Y - d})
		p.Line(vg.Point{X: pt.X + r, Y: pt.Y + d})
		c.Stroke(p)
	}
}
