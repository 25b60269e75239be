package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// Frame maps an image position (fractions of the PNG width and height from
// the top-left) to data coordinates of a scatter plot, and back. It is exact
// to well under a pixel: it is read from the plot's own layout after drawing.
type Frame struct {
	// Width and Height are the size of the PNG in pixels.
	Width, Height int
	// Left, Top, Right and Bottom bound the data area, in fractions of the
	// image width (Left, Right) and height (Top, Bottom) measured from the
	// image's top-left corner, so Top < Bottom.
	Left, Top, Right, Bottom float64
	// XMin and XMax are the data x values at the Left and Right edges of the
	// data area; YMin and YMax are the data y values at its Bottom and Top.
	XMin, XMax, YMin, YMax float64
	// Points are the plotted points in data coordinates, in input order.
	Points [][2]float64
}

// newFrame returns the Frame of p, drawn with its data area on dc, for an
// image of width×height pixels. dc must be p.DataCanvas of the canvas p was
// drawn on, so that p's axis ranges are final.
func newFrame(p *plot.Plot, dc draw.Canvas, width, height int, points [][2]float64) Frame {
	w, h := float64(width), float64(height)
	return Frame{
		Width:  width,
		Height: height,
		Left:   dc.Min.X.Dots(dpi) / w,
		Right:  dc.Max.X.Dots(dpi) / w,
		Top:    1 - dc.Max.Y.Dots(dpi)/h,
		Bottom: 1 - dc.Min.Y.Dots(dpi)/h,
		XMin:   p.X.Min,
		XMax:   p.X.Max,
		YMin:   p.Y.Min,
		YMax:   p.Y.Max,
		Points: append([][2]float64(nil), points...),
	}
}

// ToImage returns the image position, in fractions of the width and height
// from the top-left corner, of the data point (x, y).
func (f Frame) ToImage(x, y float64) (fx, fy float64) {
	fx = f.Left + (x-f.XMin)/(f.XMax-f.XMin)*(f.Right-f.Left)
	fy = f.Bottom - (y-f.YMin)/(f.YMax-f.YMin)*(f.Bottom-f.Top)
	return fx, fy
}

// ToData returns the data coordinates of the image position (fx, fy), in
// fractions of the width and height from the top-left corner.
func (f Frame) ToData(fx, fy float64) (x, y float64) {
	x = f.XMin + (fx-f.Left)/(f.Right-f.Left)*(f.XMax-f.XMin)
	y = f.YMin + (f.Bottom-fy)/(f.Bottom-f.Top)*(f.YMax-f.YMin)
	return x, y
}

// Nearest returns the index of the point nearest to the click at (fx, fy) in
// image fractions, measured in image pixels (so what looks nearest is
// nearest), and false if there are no points. Ties go to the lower index.
func (f Frame) Nearest(fx, fy float64) (int, bool) {
	best, bestD := -1, 0.0
	for i, pt := range f.Points {
		ix, iy := f.ToImage(pt[0], pt[1])
		dx := (ix - fx) * float64(f.Width)
		dy := (iy - fy) * float64(f.Height)
		if d := dx*dx + dy*dy; best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best, best >= 0
}
