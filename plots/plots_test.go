package plots

import (
	"bytes"
	"image"
	"math"
	"strings"
	"testing"
)

// decode decodes a PNG, failing the test if it cannot.
func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding PNG: %v", err)
	}
	if format != "png" {
		t.Fatalf("format %q, want png", format)
	}
	return img
}

// uniform returns n images of rows×cols pixels, all of value v.
func uniform(n, rows, cols int, v float32) [][]float32 {
	images := make([][]float32, n)
	for i := range images {
		images[i] = make([]float32, rows*cols)
		for j := range images[i] {
			images[i][j] = v
		}
	}
	return images
}

// TestSizes checks that every function returns a decodable PNG of the
// documented size, exactly where the size is fixed or follows from the
// grid layout alone.
func TestSizes(t *testing.T) {
	curve := []Series{{Name: "train", X: []float64{0, 0.5, 1}, Y: []float64{3, 2, 1.5}}}
	points := [][2]float64{{0, 0}, {1, 2}, {-1, 0.5}}
	for _, tc := range []struct {
		name string
		png  func() ([]byte, error)
		w, h int
	}{
		{"loss", func() ([]byte, error) { return LossCurves("loss", "nats", curve) }, 1152, 768},
		{"loss empty", func() ([]byte, error) { return LossCurves("loss", "nats", nil) }, 1152, 768},
		{"map", func() ([]byte, error) {
			b, _, err := LatentMap("map", points, []uint8{0, 1, 1}, []string{"a", "b"}, 2)
			return b, err
		}, 1152, 960},
		{"map empty", func() ([]byte, error) {
			b, _, err := LatentMap("map", nil, nil, nil, -1)
			return b, err
		}, 1152, 960},
		// No title or captions: 16 px margins, 112 px images, 16 px
		// between columns and 12 px between rows.
		{"grid 3 columns", func() ([]byte, error) { return ImageGrid("", uniform(5, 28, 28, 1), 28, 28, 3, nil) }, 16 + 3*112 + 2*16 + 16, 16 + 2*112 + 12 + 16},
		{"grid fewer images than columns", func() ([]byte, error) { return ImageGrid("", uniform(2, 28, 28, 1), 28, 28, 10, nil) }, 16 + 2*112 + 16 + 16, 16 + 112 + 16},
		// A 10×20 image is scaled by 6 (120 px wide, nearest to 112).
		{"grid wide images", func() ([]byte, error) { return ImageGrid("", uniform(1, 10, 20, 1), 10, 20, 1, nil) }, 16 + 120 + 16, 16 + 60 + 16},
		{"grid empty", func() ([]byte, error) { return ImageGrid("samples", nil, 28, 28, 4, nil) }, 768, 384},
		{"digit", func() ([]byte, error) { return Digit(make([]float32, 6), 2, 3, 5) }, 15, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.png()
			if err != nil {
				t.Fatal(err)
			}
			size := decode(t, b).Bounds().Size()
			if size.X != tc.w || size.Y != tc.h {
				t.Errorf("size %d×%d, want %d×%d", size.X, size.Y, tc.w, tc.h)
			}
		})
	}
}

// TestGridWithText checks that a title and captions add room to a grid:
// the PNG is at least as large as the images need plus a caption line.
func TestGridWithText(t *testing.T) {
	captions := []string{"a rather long caption", "b"}
	b, err := ImageGrid("title", uniform(3, 28, 28, 0.5), 28, 28, 2, captions)
	if err != nil {
		t.Fatal(err)
	}
	size := decode(t, b).Bounds().Size()
	bare := image.Pt(2*112+16+2*16, 2*112+12+2*16)
	if size.X <= bare.X || size.Y <= bare.Y+2*20 {
		t.Errorf("size %v, want more than %v plus a title and two caption lines", size, bare)
	}
}

// TestErrors checks that bad arguments give one-line errors starting with
// "plots: " rather than panics or images.
func TestErrors(t *testing.T) {
	digit := make([]float32, 28*28)
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"series lengths", func() error {
			_, err := LossCurves("", "", []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1}}})
			return err
		}},
		{"fewer labels than points", func() error {
			_, _, err := LatentMap("", [][2]float64{{0, 0}, {1, 1}}, []uint8{0}, []string{"a"}, -1)
			return err
		}},
		{"label without a class name", func() error {
			_, _, err := LatentMap("", [][2]float64{{0, 0}, {1, 1}}, []uint8{0, 2}, []string{"a", "b"}, -1)
			return err
		}},
		{"highlight out of range", func() error {
			_, _, err := LatentMap("", [][2]float64{{0, 0}}, []uint8{0}, []string{"a"}, 1)
			return err
		}},
		{"NaN point", func() error {
			_, _, err := LatentMap("", [][2]float64{{0, math.NaN()}}, []uint8{0}, []string{"a"}, -1)
			return err
		}},
		{"infinite point", func() error {
			_, _, err := LatentMap("", [][2]float64{{math.Inf(1), 0}}, []uint8{0}, []string{"a"}, -1)
			return err
		}},
		{"point too large", func() error {
			_, _, err := LatentMap("", [][2]float64{{0, -1e301}}, []uint8{0}, []string{"a"}, -1)
			return err
		}},
		{"grid image of wrong length", func() error {
			_, err := ImageGrid("", [][]float32{digit, digit[1:]}, 28, 28, 2, nil)
			return err
		}},
		{"grid of no columns", func() error {
			_, err := ImageGrid("", [][]float32{digit}, 28, 28, 0, nil)
			return err
		}},
		{"grid of no rows", func() error {
			_, err := ImageGrid("", [][]float32{digit}, 0, 28, 1, nil)
			return err
		}},
		{"empty grid of no columns per image", func() error {
			_, err := ImageGrid("", nil, 28, 0, 1, nil)
			return err
		}},
		{"grid with more captions than images", func() error {
			_, err := ImageGrid("", [][]float32{digit}, 28, 28, 1, []string{"a", "b"})
			return err
		}},
		{"digit of wrong length", func() error {
			_, err := Digit(digit, 28, 27, 1)
			return err
		}},
		{"digit of negative size", func() error {
			_, err := Digit(nil, -28, -28, 1)
			return err
		}},
		{"digit of huge size", func() error {
			_, err := Digit(nil, 1<<40, 1<<40, 1)
			return err
		}},
		{"digit scale zero", func() error {
			_, err := Digit(digit, 28, 28, 0)
			return err
		}},
		{"digit scale overflowing", func() error {
			_, err := Digit(digit, 28, 28, math.MaxInt)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "plots: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line starting with %q", msg, "plots: ")
			}
		})
	}
}

// TestExtremeValues checks that values of any drawable magnitude and spread,
// down to a single point, give a PNG rather than a panic or a hang in
// gonum/plot's tick placement.
func TestExtremeValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
	}{
		{"one point", []float64{3}, []float64{-2}},
		{"one large point", []float64{1e16}, []float64{1e16}},
		{"largest values", []float64{-1e300, 1e300}, []float64{1e300, -1e300}},
		{"tiny relative spread", []float64{1e299, 1e299 * (1 + 1e-15)}, []float64{1, 1 + 1e-15}},
		{"tiny values", []float64{0, 1e-310}, []float64{-1e-300, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := LossCurves("", "", []Series{{Name: "a", X: tc.x, Y: tc.y}})
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b)
			points := make([][2]float64, len(tc.x))
			for i := range points {
				points[i] = [2]float64{tc.x[i], tc.y[i]}
			}
			b, frame, err := LatentMap("", points, make([]uint8, len(points)), []string{"a"}, 0)
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b)
			if i, ok := frame.Nearest(frame.ToImage(points[0][0], points[0][1])); !ok || points[i] != points[0] {
				t.Errorf("a click on %v finds %d, %v", points[0], i, ok)
			}
		})
	}
}

// A caption adds 24 pixels (9 points at 192 DPI) per line under the map,
// leaves the map itself as it was, and the frame still finds each point.
func TestCaptionedLatentMap(t *testing.T) {
	points := [][2]float64{{0, 0}, {1, 2}, {-3, 1}}
	labels := []uint8{0, 1, 1}
	plain, _, err := LatentMap("map", points, labels, []string{"a", "b"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	captioned, frame, err := CaptionedLatentMap("map", []string{"run r, step 3", "view: /?run=r"}, points, labels, []string{"a", "b"}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, c := decode(t, plain), decode(t, captioned)
	if c.Bounds().Dx() != p.Bounds().Dx() || c.Bounds().Dy() != p.Bounds().Dy()+48 {
		t.Fatalf("captioned map is %v, plain %v: want 48 pixels taller", c.Bounds().Size(), p.Bounds().Size())
	}
	// The top of the figure, title and map, is unchanged down to the caption's band.
	for y := 0; y < p.Bounds().Dy()-30; y++ {
		for x := 0; x < p.Bounds().Dx(); x++ {
			if p.At(x, y) != c.At(x, y) {
				t.Fatalf("pixel (%d, %d) differs between the plain and the captioned map", x, y)
			}
		}
	}
	for i, pt := range points {
		fx, fy := frame.ToImage(pt[0], pt[1])
		if got, ok := frame.Nearest(fx, fy); !ok || got != i {
			t.Fatalf("point %d: the frame finds %d", i, got)
		}
	}
}

// Prior means are drawn as black crosses where the frame puts their
// coordinates, with "prior means" in the legend; a NaN one is refused.
func TestLatentMapPriorMeans(t *testing.T) {
	points := [][2]float64{{0, 0}, {4, 3}, {-4, 1}}
	centres := [][2]float64{{2, -1}, {-2, 2.5}}
	b, frame, err := CaptionedLatentMap("map", nil, points, []uint8{0, 1, 1}, []string{"a", "b"}, -1, centres)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b)
	// dark counts the nearly black pixels within win pixels of (x, y).
	dark := func(x, y float64, win int) int {
		n := 0
		for py := int(y) - win; py <= int(y)+win; py++ {
			for px := int(x) - win; px <= int(x)+win; px++ {
				if r, g, b, _ := img.At(px, py).RGBA(); r < 0x3000 && g < 0x3000 && b < 0x3000 {
					n++
				}
			}
		}
		return n
	}
	for i, c := range centres {
		fx, fy := frame.ToImage(c[0], c[1])
		x, y := fx*float64(frame.Width), fy*float64(frame.Height)
		// A cross of half-side 5 points (13 pixels) with 1.5-point (4-pixel)
		// strokes: two diagonals of about 37 pixels, 4 wide.
		if n := dark(x, y, 14); n < 150 {
			t.Errorf("prior mean %d: %d dark pixels around (%.0f, %.0f), want a cross", i, n, x, y)
		}
		if n := dark(x+40, y+40, 8); n != 0 {
			t.Errorf("prior mean %d: %d dark pixels away from it", i, n)
		}
	}
	if _, _, err := CaptionedLatentMap("map", nil, points, []uint8{0, 1, 1}, []string{"a", "b"}, -1, [][2]float64{{math.NaN(), 0}}); err == nil {
		t.Error("a NaN prior mean was drawn")
	}
}
