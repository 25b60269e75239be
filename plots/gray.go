package plots

import (
	"fmt"
	"image"
	"math"
)

// maxSide bounds the height and width in pixels of an input image and of a
// scaled-up Digit, so that bad arguments give an error instead of an
// enormous allocation.
const maxSide = 4096

// checkSize reports why rows×cols is not a valid image size.
func checkSize(rows, cols int) error {
	if rows < 1 || cols < 1 || rows > maxSide || cols > maxSide {
		return fmt.Errorf("plots: image size %d×%d is outside 1×1 to %d×%d", rows, cols, maxSide, maxSide)
	}
	return nil
}

// checkImage reports why pixels is not a rows×cols row-major image; what
// names the image in the error.
func checkImage(what string, pixels []float32, rows, cols int) error {
	if err := checkSize(rows, cols); err != nil {
		return err
	}
	if len(pixels) != rows*cols {
		return fmt.Errorf("plots: %s has %d pixels, want %d×%d = %d", what, len(pixels), rows, cols, rows*cols)
	}
	return nil
}

// grayImage returns the rows×cols row-major pixels as a dark-on-white image
// scaled up by scale, each pixel becoming a scale×scale square of gray level
// ink(v).
func grayImage(pixels []float32, rows, cols, scale int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, cols*scale, rows*scale))
	for y := range rows * scale {
		line := img.Pix[y*img.Stride : y*img.Stride+cols*scale]
		src := pixels[(y/scale)*cols : (y/scale+1)*cols]
		for x := range line {
			line[x] = ink(src[x/scale])
		}
	}
	return img
}

// ink returns the gray level of pixel value v: 0 is white (255), 1 is black
// (0), in between is linear and rounded to the nearest level. Values are
// clamped to [0, 1] and NaN counts as 0.
func ink(v float32) uint8 {
	f := float64(v)
	switch {
	case !(f > 0): // also NaN
		f = 0
	case f > 1:
		f = 1
	}
	return uint8(math.Round(255 * (1 - f)))
}
