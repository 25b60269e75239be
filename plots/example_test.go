package plots_test

import (
	"fmt"
	"log"
	"math"
	"os"

	"github.com/tvae/tvae/plots"
)

// ExampleLossCurves draws a training loss recorded four times an epoch and a
// validation loss recorded once an epoch.
func ExampleLossCurves() {
	var train, valid plots.Series
	train.Name, valid.Name = "train", "validation"
	for i := range 41 {
		epoch := float64(i) / 4
		train.X = append(train.X, epoch)
		train.Y = append(train.Y, 0.2+0.8*math.Exp(-epoch/2)+0.03*math.Sin(float64(i)))
		if i%4 == 0 && i > 0 {
			valid.X = append(valid.X, epoch)
			valid.Y = append(valid.Y, 0.25+0.8*math.Exp(-epoch/2.5))
		}
	}
	png, err := plots.LossCurves("triplet loss", "loss", []plots.Series{train, valid})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("testdata/loss_curves.png", png, 0o644); err != nil {
		log.Fatal(err)
	}
}

// ExampleLatentMap draws three clusters of labelled points and highlights
// one of them.
func ExampleLatentMap() {
	names := []string{"zero", "one", "two"}
	var points [][2]float64
	var labels []uint8
	for i := range 45 {
		class := i % 3
		angle := 2 * math.Pi * float64(class) / 3
		r := 0.3 + 0.1*float64(i/3%5)
		spin := float64(i) * 2.4
		points = append(points, [2]float64{
			3*math.Cos(angle) + r*math.Cos(spin),
			2*math.Sin(angle) + r*math.Sin(spin),
		})
		labels = append(labels, uint8(class))
	}
	png, _, err := plots.LatentMap("latent means (PCA)", points, labels, names, 7)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("testdata/latent_map.png", png, 0o644); err != nil {
		log.Fatal(err)
	}
}

// ExampleFrame_Nearest maps a click on a LatentMap back to a point. The x
// range is 100 times the y range, so the point nearest on the image is not
// the one nearest in data units.
func ExampleFrame_Nearest() {
	points := [][2]float64{{0, 0}, {10, 0.3}, {100, 1}}
	_, frame, err := plots.LatentMap("", points, []uint8{0, 1, 2}, []string{"a", "b", "c"}, -1)
	if err != nil {
		log.Fatal(err)
	}
	// A click where the data point (0, 0.3) is drawn, as a web page would
	// report it: in pixels from the image's top-left corner.
	fx, fy := frame.ToImage(0, 0.3)
	x, y := fx*float64(frame.Width), fy*float64(frame.Height)
	fmt.Printf("click at pixel (%.0f, %.0f) of %d×%d\n", x, y, frame.Width, frame.Height)

	i, ok := frame.Nearest(x/float64(frame.Width), y/float64(frame.Height))
	fmt.Println("nearest point:", i, ok, points[i])
	// Output:
	// click at pixel (103, 619) of 1152×960
	// nearest point: 1 true [10 0.3]
}

// ExampleImageGrid draws digits beside their reconstructions, here stood in
// for by blurred copies.
func ExampleImageGrid() {
	var images [][]float32
	var captions []string
	for k := range 4 {
		digit := synthDigit(k)
		recon := make([]float32, len(digit))
		for i, v := range digit {
			recon[i] = 0.2 + 0.6*v
		}
		images = append(images, digit, recon)
		captions = append(captions, fmt.Sprintf("input %d", k), "reconstruction")
	}
	png, err := plots.ImageGrid("inputs and reconstructions", images, digitRows, digitCols, 4, captions)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("testdata/image_grid.png", png, 0o644); err != nil {
		log.Fatal(err)
	}
}

// ExampleDigit encodes one digit as a thumbnail three times its size.
func ExampleDigit() {
	png, err := plots.Digit(synthDigit(3), digitRows, digitCols, 3)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("testdata/digit.png", png, 0o644); err != nil {
		log.Fatal(err)
	}
}

// Size of the synthetic digits drawn by the examples.
const (
	digitRows = 28
	digitCols = 28
)

// synthDigit returns a 28×28 synthetic "digit" with values in [0, 1] and
// soft edges, so the examples need no data set: for even k an ellipse whose
// width depends on k, for odd k a stroke whose slant depends on k.
func synthDigit(k int) []float32 {
	pix := make([]float32, digitRows*digitCols)
	for r := range digitRows {
		for c := range digitCols {
			x, y := float64(c)-13.5, float64(r)-13.5
			var d float64 // distance in pixels from the stroke's centre line
			if k%2 == 0 {
				a, b := 6+float64(k%5), 10.0
				d = math.Abs(math.Hypot(x/a, y/b)-1) * math.Min(a, b)
			} else {
				slope := float64(k%7) / 10
				d = math.Abs(x - slope*y)
				if math.Abs(y) > 10 {
					d = math.Max(d, math.Abs(y)-10)
				}
			}
			pix[r*digitCols+c] = float32(math.Max(0, math.Min(1, 2-d)))
		}
	}
	return pix
}
