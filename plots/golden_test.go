package plots_test

import (
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

// TestGolden runs each Example and compares the PNG it writes to
// testdata/NAME_golden.png pixel by pixel. Run `go test -regen` to
// regenerate the golden images; the -regen flag is defined by cmpimg.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		example func()
	}{
		{"loss_curves.png", ExampleLossCurves},
		{"latent_map.png", ExampleLatentMap},
		{"image_grid.png", ExampleImageGrid},
		{"digit.png", ExampleDigit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmpimg.CheckPlot(tc.example, t, tc.name)
		})
	}
}
