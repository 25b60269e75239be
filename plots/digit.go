package plots

import (
	"bytes"
	"fmt"
	"image/png"
)

// Digit encodes a single grayscale image (rows×cols values in [0, 1],
// row-major) as a plain PNG with no axes, dark on white (see ink), scaled up
// by the integer factor scale so it is cols*scale pixels wide and rows*scale
// pixels high, for use as an <img> thumbnail on a web page. The scaled sides
// may not exceed 4096 pixels.
func Digit(pixels []float32, rows, cols, scale int) ([]byte, error) {
	if err := checkImage("digit", pixels, rows, cols); err != nil {
		return nil, err
	}
	if scale < 1 || scale > maxSide/max(rows, cols) {
		return nil, fmt.Errorf("plots: scale %d is outside 1 to %d for a %d×%d image", scale, maxSide/max(rows, cols), rows, cols)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, grayImage(pixels, rows, cols, scale)); err != nil {
		return nil, fmt.Errorf("plots: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}
