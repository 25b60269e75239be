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
