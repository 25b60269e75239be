package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestInferenceMatchesBruteForce(t *testing.T) {
	const tol = 1e-4 // float32 BLAS against float64 loops, relative
	rng := rand.New(rand.NewPCG(8, 8))
	p := NewParams(9, []int{7, 5}, 3, rng)
	ref := newRefNet(p)
	const n = 13
	x := make([]float32, n*9)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	mu, lv := p.Encode(x, n)
	for i := 0; i < n; i++ {
		h := to64(x[i*9 : (i+1)*9])
		for l := 0; l < ref.depth; l++ {
			h = ref.dense(l, h, true)
		}
		wantMu, wantLv := ref.dense(ref.depth, h, false), ref.dense(ref.depth+1, h, false)
		for k := range 3 {
			if math.Abs(float64(mu[i*3+k])-wantMu[k]) > tol || math.Abs(float64(lv[i*3+k])-wantLv[k]) > tol {
				t.Fatalf("image %d: μ %v log σ² %v, brute force %v %v", i, mu[i*3:i*3+3], lv[i*3:i*3+3], wantMu, wantLv)
			}
		}
	}
	// The negative ELBO with the same noise as the reference draws (row-major ε).
	got := p.NegativeELBO(x, n, rand.New(rand.NewPCG(1, 2)))
	noise := rand.New(rand.NewPCG(1, 2))
	var xs, eps [][]float64
	for i := 0; i < n; i++ {
		xs = append(xs, to64(x[i*9:(i+1)*9]))
		e := make([]float64, 3)
		for k := range e {
			e[k] = noise.NormFloat64()
		}
		eps = append(eps, e)
	}
	want := ref.terms(xs, eps, Objective{ELBOWeight: 1}, 0)
	if math.Abs(got.BCE-want.BCE) > tol*want.BCE || math.Abs(got.KL-want.KL) > tol*math.Max(1, want.KL) {
		t.Fatalf("NegativeELBO = %+v, brute force BCE %v KL %v", got, want.BCE, want.KL)
	}
}
