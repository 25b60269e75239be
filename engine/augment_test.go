package engine

import (
	"slices"
	"testing"
)

func TestTranslate(t *testing.T) {
	src := []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
	}
	for _, tc := range []struct {
		dx, dy int
		want   []float32
	}{
		{0, 0, src},
		{1, 0, []float32{0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11}},
		{-2, 0, []float32{3, 4, 0, 0, 7, 8, 0, 0, 11, 12, 0, 0}},
		{0, 1, []float32{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{1, -1, []float32{0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0}},
		{4, 0, make([]float32, 12)},
		{0, -3, make([]float32, 12)},
	} {
		dst := slices.Repeat([]float32{-1}, 12) // every pixel must be written
		Translate(dst, src, 3, 4, tc.dx, tc.dy)
		if !slices.Equal(dst, tc.want) {
			t.Errorf("Translate by (%d, %d) = %v, want %v", tc.dx, tc.dy, dst, tc.want)
		}
	}
}
