package engine

import (
	"math"
	"testing"
)

func TestAdamMatchesReference(t *testing.T) {
	// Reference: the update written out in float64 for one scalar, three steps.
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	grads := []float64{0.5, -1.5, 2}
	w, m, v := 1.0, 0.0, 0.0
	a := NewAdam(lr, []int{1})
	weights := [][]float32{{1}}
	for step, g := range grads {
		m = b1*m + (1-b1)*g
		v = b2*v + (1-b2)*g*g
		mh := m / (1 - math.Pow(b1, float64(step+1)))
		vh := v / (1 - math.Pow(b2, float64(step+1)))
		w -= lr * mh / (math.Sqrt(vh) + eps)
		a.Step(weights, [][]float32{{float32(g)}})
		if got := float64(weights[0][0]); math.Abs(got-w) > 1e-6 {
			t.Fatalf("step %d: w = %.8f, reference %.8f", step+1, got, w)
		}
	}
	if a.T != len(grads) {
		t.Fatalf("T = %d, want %d", a.T, len(grads))
	}
}

// TestAdamUpdatesEveryWeight checks every element of tensors whose sizes
// are not multiples of the kernels' widths (4 and 8) against the update in
// float64, over three steps: relative error at most 1e-6. It also checks
// that the update rounds exactly as its float32 formula written out in Go
// does, so that the C kernel of the OpenBLAS build and the Go loop of the
// pure-Go build give the same bits.
func TestAdamUpdatesEveryWeight(t *testing.T) {
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	for _, n := range []int{1, 3, 4, 5, 8, 13, 100} {
		a := NewAdam(lr, []int{n})
		w32, g32 := make([]float32, n), make([]float32, n)
		w, m, v := make([]float64, n), make([]float64, n), make([]float64, n)
		r32, m32, v32 := make([]float32, n), make([]float32, n), make([]float32, n) // the float32 formula
		for j := range w {
			w[j] = float64(j%7) - 3
			w32[j], r32[j] = float32(w[j]), float32(w[j])
		}
		for step := 1; step <= 3; step++ {
			c1, c2 := 1/(1-math.Pow(b1, float64(step))), 1/(1-math.Pow(b2, float64(step)))
			for j := range g32 {
				g := float64(float32(math.Sin(float64(j*step)) * math.Pow(10, float64(j%5-2))))
				g32[j] = float32(g)
				m[j] = b1*m[j] + (1-b1)*g
				v[j] = b2*v[j] + (1-b2)*g*g
				w[j] -= lr * (m[j] * c1) / (math.Sqrt(v[j]*c2) + eps)
				m32[j] = float32(b1)*m32[j] + (1-float32(b1))*g32[j]
				v32[j] = float32(b2)*v32[j] + (1-float32(b2))*g32[j]*g32[j]
				r32[j] -= float32(lr*c1) * m32[j] / (float32(math.Sqrt(float64(v32[j])))*float32(math.Sqrt(c2)) + float32(eps))
			}
			a.Step([][]float32{w32}, [][]float32{g32})
			for j := range w {
				if d := math.Abs(float64(w32[j]) - w[j]); d > 1e-6*math.Max(1, math.Abs(w[j])) {
					t.Fatalf("n=%d step %d: w[%d] = %.9g, reference %.9g", n, step, j, w32[j], w[j])
				}
				if w32[j] != r32[j] {
					t.Fatalf("n=%d step %d: w[%d] = %.9g, the float32 formula gives %.9g", n, step, j, w32[j], r32[j])
				}
			}
		}
	}
}
