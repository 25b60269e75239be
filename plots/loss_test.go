package plots

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"testing"
)

// countColour returns how many pixels of img are exactly c.
func countColour(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return n
}

// TestLossCurvesNoData checks that curves with nothing to draw all give the
// same "no data yet" figure, and that data changes it.
func TestLossCurvesNoData(t *testing.T) {
	nan := math.NaN()
	empty, err := LossCurves("loss", "nats", nil)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, empty)
	for _, tc := range []struct {
		name   string
		series []Series
		same   bool
	}{
		{"empty series", []Series{{Name: "train"}, {Name: "validation"}}, true},
		{"no drawable points", []Series{{Name: "train", X: []float64{0, nan, 1, 2}, Y: []float64{nan, 1, math.Inf(1), -1e301}}}, true},
		{"one point", []Series{{Name: "train", X: []float64{0.5}, Y: []float64{2}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := LossCurves("loss", "nats", tc.series)
			if err != nil {
				t.Fatal(err)
			}
			if same := bytes.Equal(b, empty); same != tc.same {
				t.Errorf("same PNG as with no series: %v, want %v", same, tc.same)
			}
		})
	}
}

// TestLossCurvesColours checks that series i is drawn in palette colour i
// even when earlier series are skipped, and that a series of one point is
// visible.
func TestLossCurvesColours(t *testing.T) {
	series := []Series{
		{Name: "not yet"},
		{Name: "train", X: []float64{0, 1, 2}, Y: []float64{3, 2, 1}},
		{Name: "validation", X: []float64{1}, Y: []float64{2.5}},
	}
	b, err := LossCurves("loss", "nats", series)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b)
	for i, want := range []bool{false, true, true} {
		if n := countColour(img, palette[i]); (n > 100) != want {
			t.Errorf("series %d: %d pixels of its colour, want more than 100: %v", i, n, want)
		}
	}
}
