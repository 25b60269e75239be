package engine

// Translate writes into dst the rows×cols image src moved by dx columns
// right and dy rows down, filling the uncovered pixels with 0:
//
//	dst[r][c] = src[r−dy][c−dx] when 0 ≤ r−dy < rows and 0 ≤ c−dx < cols, else 0.
//
// It is the augmentation of Config.AugmentShift: a digit moved by a pixel or
// two is the same digit, which keeps a few labelled images from being learnt
// by heart.
func Translate(dst, src []float32, rows, cols, dx, dy int) {
	for r := range rows {
		out := dst[r*cols : (r+1)*cols]
		sr := r - dy
		if sr < 0 || sr >= rows {
			clear(out)
			continue
		}
		in := src[sr*cols : (sr+1)*cols]
		for c := range cols {
			if sc := c - dx; sc >= 0 && sc < cols {
				out[c] = in[sc]
			} else {
				out[c] = 0
			}
		}
	}
}
