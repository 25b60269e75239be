package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ringWidth is the width of the black ring around a ringed marker.
const ringWidth = vg.Length(1.5)

// ringed is a glyph drawn as a filled circle in the glyph's colour with a
// black ring just inside its edge, so it stands out from plain markers of
// the same colour.
type ringed struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (ringed) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	draw.CircleGlyph{}.DrawGlyph(c, sty, pt)
	r := sty.Radius - ringWidth/2
	var ring vg.Path
	ring.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	ring.Arc(pt, r, 0, 2*math.Pi)
	ring.Close()
	c.SetLineStyle(draw.LineStyle{Color: color.Black, Width: ringWidth})
	c.Stroke(ring)
}
