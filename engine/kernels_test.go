package engine

import (
	"math"
	"testing"
)

// TestCrossEntropyMatchesFloat64 compares bernoulliNLLSum's cross-entropy and
// residual σ(l) − x with float64 math over logits from -100 to 100 (steps of
// 1/64, and the edges of the exponential's range) and intensities 0, ¼, ½,
// ¾ and 1: relative error at most 4e-7 (about 3 float32 ulp), or absolute
// 2⁻⁵² for the cross-entropy (its log(1 + e) is taken of a float64 product,
// where an e below 2⁻⁵³ is lost in the 1) and 4e-7·σ(l) + 1e-37 for the
// residual (the subtraction of x cancels digits, not accuracy of σ).
func TestCrossEntropyMatchesFloat64(t *testing.T) {
	check := func(name string, l float32, got, want, absolute float64) {
		t.Helper()
		if d := math.Abs(got - want); d > 4e-7*math.Abs(want) && d > absolute {
			t.Errorf("%s(%g) = %g, want %g (relative error %.2g)", name, l, got, want, d/math.Abs(want))
		}
	}
	logits := []float32{0, -0, 1e-30, -1e-30, 86.9, -86.9, 87.1, -87.1, 88, -88, 103, -103, 1e4, -1e4}
	for i := -6400; i <= 6400; i++ {
		logits = append(logits, float32(i)/64)
	}
	x := make([]float32, len(logits))
	var want float64
	for i, l := range logits {
		v := float64(l)
		x[i] = float32(i%5) / 4
		want += bernoulliNLL(float64(x[i]), v)
		// Each logit alone, where a term's error cannot hide in the sum.
		r := []float32{0}
		check("cross-entropy", l, bernoulliNLLSum([]float32{l}, x[i:i+1], r), bernoulliNLL(float64(x[i]), v), 0x1p-52)
		sigma := 1 / (1 + math.Exp(-v))
		check("residual", l, float64(r[0]), sigma-float64(x[i]), 4e-7*sigma+1e-37)
	}
	residual := make([]float32, len(logits))
	check("summed cross-entropy", 0, bernoulliNLLSum(logits, x, residual), want, 0)
	nan := float32(math.NaN())
	r := []float32{0, 0}
	if sum := bernoulliNLLSum([]float32{1, nan}, []float32{0, 0}, r); sum == sum || r[1] == r[1] {
		t.Errorf("cross-entropy with a NaN logit %g, residual %g, want NaN", sum, r[1])
	}
}

// TestLayerKernelsMatchGoLoops checks the float32 kernels of a dense layer
// (the rectifier, its gradient's mask and the bias gradient's column sums)
// against the generic Go loops the float64 graphs use, bit for bit, on
// sizes that are not multiples of any vector width, with NaN, ±0 and ±Inf
// among the values: the OpenBLAS build runs them in C.
func TestLayerKernelsMatchGoLoops(t *testing.T) {
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40}
	value := func(i int) float32 {
		if i%11 == 0 {
			return special[(i/11)%len(special)]
		}
		return float32(math.Sin(float64(i))) * 3
	}
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
	for _, n := range []int{1, 7, 15, 16, 17, 33, 100, 1031} {
		y, want := make([]float32, n), make([]float32, n)
		for i := range y {
			y[i] = value(i)
			want[i] = y[i]
		}
		rectify32(y)
		rectify(want)
		g, d, wantD := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range g {
			g[i] = value(i + 5)
		}
		maskBy32(d, g, want)
		maskBy(wantD, g, want)
		for i := range y {
			if !same(y[i], want[i]) || !same(d[i], wantD[i]) {
				t.Fatalf("n=%d, element %d: rectified %g, mask %g; the Go loops give %g, %g", n, i, y[i], d[i], want[i], wantD[i])
			}
		}
		for _, cols := range []int{1, 7, 20, 33} {
			rows := n/cols + 1
			m := make([]float32, rows*cols)
			for i := range m {
				m[i] = value(3 * i)
			}
			sums, wantSums := make([]float32, cols), make([]float32, cols)
			for j := range sums {
				sums[j], wantSums[j] = float32(j), float32(j) // both add into what is there
			}
			sumColumns32(m, sums, cols)
			sumColumns(m, wantSums, cols)
			for j := range sums {
				if !same(sums[j], wantSums[j]) {
					t.Fatalf("%d×%d column sums: column %d is %g, the Go loop gives %g", rows, cols, j, sums[j], wantSums[j])
				}
			}
		}
	}
}

// BenchmarkCrossEntropy is the cost of one pixel's cross-entropy and
// residual, the step's forward pass through bernoulliNLLOp.
func BenchmarkCrossEntropy(b *testing.B) {
	ls, x, r := make([]float32, 4096), make([]float32, 4096), make([]float32, 4096)
	for i := range ls {
		ls[i], x[i] = float32(i-2048)/256, float32(i%2)
	}
	var sum float64
	for b.Loop() {
		sum += bernoulliNLLSum(ls, x, r)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ls)), "ns/pixel")
	_ = sum
}
