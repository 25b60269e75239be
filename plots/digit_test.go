package plots

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// grayAt returns the gray level of img at (x, y).
func grayAt(img image.Image, x, y int) uint8 {
	return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
}

// TestDigitPixels checks Digit's size, orientation and exact gray levels:
// 0 is white, 1 is black, values are clamped and NaN counts as 0.
func TestDigitPixels(t *testing.T) {
	const rows, cols, scale = 2, 4, 3
	pixels := []float32{
		0, 1, 0.5, 0.25,
		-1, 2, float32(math.NaN()), 0.75,
	}
	want := []uint8{
		255, 0, 128, 191,
		255, 0, 255, 64,
	}
	b, err := Digit(pixels, rows, cols, scale)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b)
	if got := img.Bounds(); got != image.Rect(0, 0, cols*scale, rows*scale) {
		t.Fatalf("bounds %v, want %d×%d pixels", got, cols*scale, rows*scale)
	}
	for y := range rows * scale {
		for x := range cols * scale {
			if g, w := grayAt(img, x, y), want[(y/scale)*cols+x/scale]; g != w {
				t.Errorf("pixel (%d, %d) is %d, want %d", x, y, g, w)
			}
		}
	}
}

// TestImageGridPixels checks that ImageGrid draws each image pixel for
// pixel as Digit does, with no blur from resampling, inside a one-pixel
// grey frame.
func TestImageGridPixels(t *testing.T) {
	const rows, cols = 7, 5 // scaled by 16, the nearest to 112 pixels high
	pixels := make([]float32, rows*cols)
	for i := range pixels {
		pixels[i] = float32(i) / float32(len(pixels)-1)
	}
	b, err := Digit(pixels, rows, cols, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, b)
	b, err = ImageGrid("", [][]float32{pixels}, rows, cols, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	grid := decode(t, b)

	// The frame's top-left corner is the first pixel of its colour.
	frame := image.Pt(-1, -1)
	bounds := grid.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y && frame.X < 0; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if grayAt(grid, x, y) == borderColour.Y {
				frame = image.Pt(x, y)
				break
			}
		}
	}
	if frame.X < 0 {
		t.Fatal("no frame around the image")
	}
	at := frame.Add(image.Pt(1, 1))
	size := want.Bounds().Size()
	for y := -1; y <= size.Y; y++ {
		for x := -1; x <= size.X; x++ {
			g := grayAt(grid, at.X+x, at.Y+y)
			w := borderColour.Y
			if x >= 0 && x < size.X && y >= 0 && y < size.Y {
				w = grayAt(want, x, y)
			}
			if g != w {
				t.Fatalf("pixel (%d, %d) of the image is %d, want %d", x, y, g, w)
			}
		}
	}
}
