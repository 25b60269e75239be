package explore

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tvae/tvae/engine"
)

// Points a·u + b·w + c with orthonormal u, w, var(a) ≫ var(b) and tiny noise
// project, up to sign, to (a - mean a, b - mean b).
func TestPrincipalPlaneRecoversKnownAxes(t *testing.T) {
	const n, dim = 500, 6
	rng := rand.New(rand.NewPCG(7, 8))
	u := []float64{1 / math.Sqrt2, 1 / math.Sqrt2, 0, 0, 0, 0}
	w := []float64{0, 0, 0.6, 0.8, 0, 0}
	c := []float64{3, -1, 2, 0, 5, 1}
	e := engine.Embedding{N: n, Dim: dim, Data: make([]float32, n*dim)}
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i], b[i] = 10*rng.NormFloat64(), 2*rng.NormFloat64()
	}
	// Make the sample of b uncorrelated with a, so the sample's axes are exactly u and w.
	ma, mb := mean(a), mean(b)
	var ab, aa float64
	for i := range a {
		ab += (a[i] - ma) * (b[i] - mb)
		aa += (a[i] - ma) * (a[i] - ma)
	}
	for i := range b {
		b[i] -= ab / aa * (a[i] - ma)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < dim; j++ {
			e.Data[i*dim+j] = float32(a[i]*u[j] + b[i]*w[j] + c[j] + 1e-3*rng.NormFloat64())
		}
	}
	got, again := PrincipalPlane(e, e)
	if len(got) != n {
		t.Fatalf("got %d points, want %d", len(got), n)
	}
	// Other rows go through the same projection: the same rows land on the same points.
	for i := range got {
		if again[i] != got[i] {
			t.Fatalf("row %d as other: %v, as the fitted rows: %v", i, again[i], got[i])
		}
	}
	const tol = 0.02 // float32 storage and the noise
	for axis, want := range [][]float64{a, b} {
		mean := []float64{ma, mb}[axis]
		sign := math.Copysign(1, got[0][axis]*(want[0]-mean))
		for i := range got {
			if d := math.Abs(got[i][axis] - sign*(want[i]-mean)); d > tol {
				t.Fatalf("axis %d point %d: got %g, want %g (±%g)", axis, i, got[i][axis], sign*(want[i]-mean), tol)
			}
		}
	}
	if one, _ := PrincipalPlane(engine.Embedding{N: 1, Dim: 3, Data: make([]float32, 3)}, engine.Embedding{}); one != nil {
		t.Error("one point should give no map")
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
