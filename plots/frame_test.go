package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// markerCentre returns the centroid, in pixels from the image's top-left
// corner, of the pixels of exactly colour c within win pixels of (x, y),
// and how many there are. A marker's antialiased edge is left out, and its
// solid interior is symmetric about the marker's centre.
func markerCentre(img image.Image, c color.RGBA, x, y float64, win int) (cx, cy float64, n int) {
	r := image.Rect(int(x)-win, int(y)-win, int(x)+win+1, int(y)+win+1).Intersect(img.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			if color.RGBAModel.Convert(img.At(px, py)) == c {
				cx += float64(px) + 0.5
				cy += float64(py) + 0.5
				n++
			}
		}
	}
	return cx / float64(n), cy / float64(n), n
}

// TestFrameMatchesPixels draws points of unique colours, two of them at
// the corners of the data range, and checks that the Frame puts each one
// within half a pixel of the centre of its marker as found in the PNG. A
// Frame off by 2 pixels must fail the same check, so the test can fail.
func TestFrameMatchesPixels(t *testing.T) {
	points := [][2]float64{{-3, -1}, {5, 2}, {1, 0.5}, {-1, 1.5}, {3, -0.5}}
	labels := []uint8{0, 1, 2, 3, 4}
	names := []string{"a", "b", "c", "d", "e"}
	const highlight = 2
	b, frame, err := LatentMap("frame", points, labels, names, highlight)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b)
	if size := img.Bounds().Size(); size != image.Pt(frame.Width, frame.Height) {
		t.Fatalf("frame is %d×%d, image is %v", frame.Width, frame.Height, size)
	}
	const (
		tolerance = 0.5 // pixels
		window    = 20  // pixels around the expected centre; markers are 30 or more apart
		shift     = 2.0 // pixels by which a wrong frame is off
	)
	// A plain marker's radius is 2 points, 16/3 pixels at 192 DPI: at least
	// half its area must be found.
	radius := 16.0 / 3
	minPixels := int(0.5 * math.Pi * radius * radius)
	wrong := frame
	wrong.Left += shift / float64(frame.Width)
	wrong.Right += shift / float64(frame.Width)
	wrong.Top -= shift / float64(frame.Height)
	wrong.Bottom -= shift / float64(frame.Height)
	for i, pt := range points {
		t.Run(fmt.Sprint(pt), func(t *testing.T) {
			fx, fy := frame.ToImage(pt[0], pt[1])
			x, y := fx*float64(frame.Width), fy*float64(frame.Height)
			cx, cy, n := markerCentre(img, palette[labels[i]], x, y, window)
			if n < minPixels {
				t.Fatalf("found %d pixels of the marker's colour near (%.1f, %.1f), want %d or more", n, x, y, minPixels)
			}
			if math.Abs(cx-x) > tolerance || math.Abs(cy-y) > tolerance {
				t.Errorf("frame puts the point at (%.2f, %.2f), its marker is centred at (%.2f, %.2f)", x, y, cx, cy)
			}
			wx, wy := wrong.ToImage(pt[0], pt[1])
			wx, wy = wx*float64(frame.Width), wy*float64(frame.Height)
			if math.Abs(cx-wx) <= tolerance && math.Abs(cy-wy) <= tolerance {
				t.Errorf("a frame off by %g pixels also passes", shift)
			}
		})
	}
}

// TestFrameRoundTrip checks that ToData undoes ToImage.
func TestFrameRoundTrip(t *testing.T) {
	_, frame, err := LatentMap("", [][2]float64{{-2, 10}, {7, 30}}, []uint8{0, 0}, []string{"a"}, -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range [][2]float64{{-2, 10}, {7, 30}, {0, 0}, {2.5, 17}} {
		x, y := frame.ToData(frame.ToImage(pt[0], pt[1]))
		if math.Abs(x-pt[0]) > 1e-9 || math.Abs(y-pt[1]) > 1e-9 {
			t.Errorf("round trip of %v gives (%g, %g)", pt, x, y)
		}
	}
}

// nearestByPixels returns the index of the point whose pixel position is
// nearest to the pixel (x, y), computing pixel positions straight from the
// Frame's fields; ties go to the lower index.
func nearestByPixels(f Frame, x, y float64) int {
	best, bestD := -1, math.Inf(1)
	for i, pt := range f.Points {
		px := (f.Left + (pt[0]-f.XMin)/(f.XMax-f.XMin)*(f.Right-f.Left)) * float64(f.Width)
		py := (f.Top + (f.YMax-pt[1])/(f.YMax-f.YMin)*(f.Bottom-f.Top)) * float64(f.Height)
		if d := math.Hypot(px-x, py-y); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// TestNearestBruteForce compares Nearest with a brute-force search in
// pixels, for random points and random clicks anywhere on the image.
func TestNearestBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, clicks = 300, 2000
	points := make([][2]float64, n)
	labels := make([]uint8, n)
	for i := range points {
		// Very different x and y ranges make pixel and data distances
		// disagree.
		points[i] = [2]float64{rng.NormFloat64() * 100, rng.NormFloat64()}
		labels[i] = uint8(rng.IntN(10))
	}
	names := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	_, frame, err := LatentMap("", points, labels, names, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range clicks {
		fx, fy := rng.Float64(), rng.Float64()
		got, ok := frame.Nearest(fx, fy)
		want := nearestByPixels(frame, fx*float64(frame.Width), fy*float64(frame.Height))
		if !ok || got != want {
			t.Fatalf("Nearest(%g, %g) = %d, %v; want %d", fx, fy, got, ok, want)
		}
	}
	for i, pt := range points {
		if got, _ := frame.Nearest(frame.ToImage(pt[0], pt[1])); points[got] != pt {
			t.Errorf("a click on point %d %v finds point %d %v", i, pt, got, points[got])
		}
	}
}

// TestNearestInImageSpace checks a case where the nearest point in data
// units is not the nearest on the image: the x range is 100 times the y
// range, so 10 units across look closer than 0.3 units down.
func TestNearestInImageSpace(t *testing.T) {
	points := [][2]float64{{0, 0}, {10, 0.3}, {100, 1}}
	_, frame, err := LatentMap("", points, []uint8{0, 0, 0}, []string{"a"}, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := frame.Nearest(frame.ToImage(0, 0.3)); !ok || got != 1 {
		t.Errorf("Nearest = %d, %v; want 1, true", got, ok)
	}
}

// TestNearestWithoutPoints checks that Nearest reports false when there is
// nothing to find.
func TestNearestWithoutPoints(t *testing.T) {
	_, frame, err := LatentMap("", nil, nil, nil, -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Frame{frame, {}} {
		if i, ok := f.Nearest(0.5, 0.5); ok {
			t.Errorf("Nearest found point %d in a frame with no points", i)
		}
	}
}
