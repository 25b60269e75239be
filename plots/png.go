package plots

import (
	"bytes"
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution of every figure drawn with gonum.org/v1/plot:
// 192 dots per inch, so a 6-inch-wide figure is 1152 pixels wide.
const dpi = 192

// px returns the length of n device pixels at dpi. It is exact in float64,
// so layouts computed in whole pixels land on pixel boundaries.
func px(n int) vg.Length {
	return vg.Length(n) * vg.Inch / dpi
}

// dots returns the number of whole device pixels needed to span l at dpi.
func dots(l vg.Length) int {
	return int(math.Ceil(l.Dots(dpi)))
}

// encode draws onto a fresh white w×h canvas at dpi with paint and returns
// the result as a PNG.
func encode(w, h vg.Length, paint func(draw.Canvas)) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	paint(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}
