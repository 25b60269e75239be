package engine

import (
	"math"
	"testing"
)

// TestSigmoidAndCrossEntropyMatchFloat64 compares the float32 sigmoid and
// summed cross-entropy with float64 math over logits from -100 to 100 (steps
// of 1/64, and the edges of the exponential's range): relative error at most
// 4e-7 (about 3 float32 ulp), or absolute 1e-37 where the sigmoid underflows
// and 2⁻⁵² for the cross-entropy (its log(1 + e) is taken of a float64
// product, where an e below 2⁻⁵³ is lost in the 1).
func TestSigmoidAndCrossEntropyMatchFloat64(t *testing.T) {
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
		check("sigmoid", l, float64(sigmoid(l)), 1/(1+math.Exp(-v)), 1e-37)
		x[i] = float32(i%5) / 4 // intensities 0, ¼, ½, ¾, 1
		want += bernoulliNLL(float64(x[i]), v)
		// Each logit alone, where a term's error cannot hide in the sum.
		check("cross-entropy", l, bernoulliNLLSum([]float32{l}, x[i:i+1]), bernoulliNLL(float64(x[i]), v), 0x1p-52)
	}
	check("summed cross-entropy", 0, bernoulliNLLSum(logits, x), want, 0)
	nan := float32(math.NaN())
	if sig, sum := sigmoid(nan), bernoulliNLLSum([]float32{1, nan}, []float32{0, 0}); sig == sig || sum == sum {
		t.Errorf("sigmoid(NaN) = %g, cross-entropy with a NaN logit %g, want NaN", sig, sum)
	}
}

// BenchmarkCrossEntropy is the cost of one pixel's cross-entropy, forward
// (the summed loss) and backward (the sigmoid of its gradient).
func BenchmarkCrossEntropy(b *testing.B) {
	ls, x := make([]float32, 4096), make([]float32, 4096)
	for i := range ls {
		ls[i], x[i] = float32(i-2048)/256, float32(i%2)
	}
	var sum float64
	for b.Loop() {
		sum += bernoulliNLLSum(ls, x)
		for _, l := range ls {
			sum += float64(sigmoid(l))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ls)), "ns/pixel")
	_ = sum
}
