package engine

import (
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// paperLayers are the (in, out) sizes of the paper network's dense layers.
var paperLayers = [][2]int{{784, 400}, {400, 20}, {400, 20}, {20, 400}, {400, 784}}

// stepFLOPs counts the floating-point operations of one step's matrix
// products on rows images: per layer 2·rows·in·out for the forward product and
// for the weight gradient Xᵀ·dY, and for the input gradient dY·Wᵀ of every
// layer but the first (nothing needs the gradient of the pixels).
func stepFLOPs(rows int) float64 {
	total := 0.0
	for i, l := range paperLayers {
		mults := 2.0
		if i > 0 {
			mults = 3
		}
		total += mults * 2 * float64(rows*l[0]*l[1])
	}
	return total
}

// BenchmarkGemmAtStepShapes runs the matrix products of one paper-TVAE step
// (384 images) back to back, alone: the machine's matrix-multiply rate at the
// step's own shapes, against which BenchmarkTrainingStep's GFLOP/s is measured.
func BenchmarkGemmAtStepShapes(b *testing.B) {
	const rows = 384
	type gemm struct {
		tA, tB   blas.Transpose
		a, bm, c blas32.General
	}
	mat := func(r, c int) blas32.General {
		return blas32.General{Rows: r, Cols: c, Stride: c, Data: make([]float32, r*c)}
	}
	var ops []gemm
	for i, l := range paperLayers {
		x, w, y := mat(rows, l[0]), mat(l[0], l[1]), mat(rows, l[1])
		for j := range x.Data {
			x.Data[j] = float32(j%7) * 0.1
		}
		ops = append(ops, gemm{blas.NoTrans, blas.NoTrans, x, w, y}) // Y = X·W
		ops = append(ops, gemm{blas.Trans, blas.NoTrans, x, y, w})   // dW = Xᵀ·dY
		if i > 0 {
			ops = append(ops, gemm{blas.NoTrans, blas.Trans, y, w, x}) // dX = dY·Wᵀ
		}
	}
	for b.Loop() {
		for _, o := range ops {
			blas32.Gemm(o.tA, o.tB, 1, o.a, o.bm, 0, o.c)
		}
	}
	b.ReportMetric(stepFLOPs(rows)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
