package plots

import "image/color"

// palette holds ten distinct colours that stay distinguishable for readers
// with the common forms of colour-vision deficiency (a Tableau-10-like set).
var palette = [...]color.RGBA{
	{R: 0x4e, G: 0x79, B: 0xa7, A: 0xff}, // blue
	{R: 0xf2, G: 0x8e, B: 0x2b, A: 0xff}, // orange
	{R: 0xe1, G: 0x57, B: 0x59, A: 0xff}, // red
	{R: 0x76, G: 0xb7, B: 0xb2, A: 0xff}, // teal
	{R: 0x59, G: 0xa1, B: 0x4f, A: 0xff}, // green
	{R: 0xed, G: 0xc9, B: 0x48, A: 0xff}, // yellow
	{R: 0xb0, G: 0x7a, B: 0xa1, A: 0xff}, // purple
	{R: 0xff, G: 0x9d, B: 0xa7, A: 0xff}, // pink
	{R: 0x9c, G: 0x75, B: 0x5f, A: 0xff}, // brown
	{R: 0xba, G: 0xb0, B: 0xac, A: 0xff}, // grey
}

// colour returns the palette colour for index i, cycling after ten.
func colour(i int) color.RGBA {
	return palette[i%len(palette)]
}
