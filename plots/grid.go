package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout of an ImageGrid, in device pixels at 192 DPI.
const (
	gridMargin     = 16  // around the whole figure, and under the title
	gridGap        = 16  // between columns
	gridRowGap     = 12  // between rows
	gridCaptionGap = 4   // between an image and its caption
	gridCell       = 112 // target side of an image: 28 pixels scaled by 4
)

// Text sizes of an ImageGrid.
const (
	gridTitleSize   = vg.Length(12)
	gridCaptionSize = vg.Length(9)
)

// The size of the ImageGrid figure that says "no data yet": 4×2 inches,
// 768×384 pixels.
const (
	emptyGridWidth  = 4 * vg.Inch
	emptyGridHeight = 2 * vg.Inch
)

// borderColour frames each image, so a white background shows its extent.
var borderColour = color.Gray{Y: 0xc0}

// ImageGrid draws grayscale images, each rows×cols values in [0, 1]
// (row-major), dark on white (1 is black, 0 is white, as Digit draws them),
// in a grid of `columns` columns (fewer if there are fewer images) filled
// row by row, with the title above and an optional caption centred under
// each image (captions may be nil or shorter than images, not longer). Each
// image pixel becomes a square of whole device pixels, as many as bring the
// larger side of an image nearest to 112 pixels (4 for 28×28 digits), and
// each image has a one-pixel grey frame. The PNG's size follows from the
// contents at 192 DPI: ten 28×28 digits in ten columns with short captions
// make about 1300×230 pixels. With no images the PNG is 768×384 pixels and
// says "no data yet". Used for digits beside their reconstructions and for
// samples from the prior.
func ImageGrid(title string, images [][]float32, rows, cols, columns int, captions []string) ([]byte, error) {
	if err := checkSize(rows, cols); err != nil {
		return nil, err
	}
	if columns < 1 {
		return nil, fmt.Errorf("plots: %d columns, want at least 1", columns)
	}
	if len(captions) > len(images) {
		return nil, fmt.Errorf("plots: %d captions for %d images", len(captions), len(images))
	}
	for i, img := range images {
		if err := checkImage(fmt.Sprintf("image %d", i), img, rows, cols); err != nil {
			return nil, err
		}
	}
	if len(images) == 0 {
		return encode(emptyGridWidth, emptyGridHeight, drawPlot(noDataPlot(title)))
	}
	g := newGridLayout(title, len(images), rows, cols, columns, captions)
	return encode(px(g.width), px(g.height), func(c draw.Canvas) {
		if title != "" {
			c.FillText(g.title, g.point(g.width/2, gridMargin), title)
		}
		for i, pixels := range images {
			x, y := g.cell(i)
			c.SetColor(borderColour)
			c.Fill(g.rect(x-1, y-1, x+g.imgWidth+1, y+g.imgHeight+1).Path())
			c.DrawImage(g.rect(x, y, x+g.imgWidth, y+g.imgHeight), grayImage(pixels, rows, cols, g.scale))
			if i < len(captions) && captions[i] != "" {
				c.FillText(g.caption, g.point(x+g.imgWidth/2, y+g.imgHeight+gridCaptionGap), captions[i])
			}
		}
	})
}

// gridLayout places the parts of an ImageGrid, in whole device pixels
// measured from the top-left corner of the figure.
type gridLayout struct {
	width, height       int // of the figure
	scale               int // device pixels per image pixel
	imgWidth, imgHeight int
	columns             int
	colStep, rowStep    int // from one cell to the next
	colWidth            int // of a cell, at least an image's width
	left, top           int // of the first cell
	title, caption      text.Style
}

// newGridLayout lays out n images of rows×cols pixels in at most columns
// columns, under title and over captions.
func newGridLayout(title string, n, rows, cols, columns int, captions []string) gridLayout {
	g := gridLayout{
		scale:   max(1, (gridCell+max(rows, cols)/2)/max(rows, cols)),
		columns: min(columns, n),
		title:   textStyle(gridTitleSize),
		caption: textStyle(gridCaptionSize),
	}
	g.title.YAlign = draw.YTop
	g.caption.YAlign = draw.YTop
	g.imgWidth, g.imgHeight = cols*g.scale, rows*g.scale
	g.colWidth = g.imgWidth
	captionHeight := 0
	for _, c := range captions {
		if c != "" {
			g.colWidth = max(g.colWidth, dots(g.caption.Width(c)))
			captionHeight = max(captionHeight, gridCaptionGap+dots(g.caption.Height(c)))
		}
	}
	g.colStep = g.colWidth + gridGap
	g.rowStep = g.imgHeight + captionHeight + gridRowGap
	gridWidth := g.columns*g.colStep - gridGap
	titleWidth, titleHeight := 0, 0
	if title != "" {
		titleWidth = dots(g.title.Width(title))
		titleHeight = dots(g.title.Height(title)) + gridMargin
	}
	g.width = max(gridWidth, titleWidth) + 2*gridMargin
	g.left = (g.width - gridWidth) / 2
	g.top = gridMargin + titleHeight
	rowCount := (n + g.columns - 1) / g.columns
	g.height = g.top + rowCount*g.rowStep - gridRowGap + gridMargin
	return g
}

// cell returns the top-left corner of image i.
func (g gridLayout) cell(i int) (x, y int) {
	x = g.left + (i%g.columns)*g.colStep + (g.colWidth-g.imgWidth)/2
	y = g.top + (i/g.columns)*g.rowStep
	return x, y
}

// point returns the canvas point of the pixel corner (x, y).
func (g gridLayout) point(x, y int) vg.Point {
	return vg.Point{X: px(x), Y: px(g.height - y)}
}

// rect returns the canvas rectangle with pixel corners (x0, y0) at the
// top-left and (x1, y1) at the bottom-right.
func (g gridLayout) rect(x0, y0, x1, y1 int) vg.Rectangle {
	return vg.Rectangle{Min: g.point(x0, y1), Max: g.point(x1, y0)}
}
