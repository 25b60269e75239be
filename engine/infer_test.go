package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Encoding and the negative ELBO agree with the loops of refNet, under
// N(0, I) (closed-form KL) and under a mixture prior (KL at the sample).
func TestInferenceMatchesBruteForce(t *testing.T) {
	for _, mixture := range []bool{false, true} {
		t.Run(fmt.Sprintf("mixture=%v", mixture), func(t *testing.T) { testInference(t, mixture) })
	}
}

func testInference(t *testing.T, mixture bool) {
	const tol = 1e-4 // float32 BLAS against float64 loops, relative
	rng := rand.New(rand.NewPCG(8, 8))
	p := testParams(9, []int{7, 5}, 3, Objective{MixturePrior: mixture}, rng)
	ref := newRefNet(p)
	const n = 13
	x := make([]float32, n*9)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	mu, lv := p.Encode(x, n)
	for i := 0; i < n; i++ {
		h := float64s(x[i*9 : (i+1)*9])
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
		xs = append(xs, float64s(x[i*9:(i+1)*9]))
		e := make([]float64, 3)
		for k := range e {
			e[k] = noise.NormFloat64()
		}
		eps = append(eps, e)
	}
	want := ref.terms(xs, eps, nil, nil, Objective{ELBOWeight: 1}, 0, 1)
	if math.Abs(got.BCE-want.BCE) > tol*want.BCE || math.Abs(got.KL-want.KL) > tol*math.Max(1, want.KL) {
		t.Fatalf("NegativeELBO = %+v, brute force BCE %v KL %v", got, want.BCE, want.KL)
	}
}

// trueNLL is -log p(x) = -log ∫ p(x|z) N(z; 0, 1) dz for a one-dimensional
// latent, by the trapezoid rule on [-12, 12]: the brute-force reference the
// importance-weighted bound must approach from above.
func trueNLL(p *Params, x []float32) float64 {
	const steps = 24000
	h := 24.0 / steps
	zs := make([]float32, steps+1)
	for i := range zs {
		zs[i] = float32(-12 + float64(i)*h)
	}
	logits := p.DecodeLogits(zs, len(zs))
	in := p.Input()
	logTerms := make([]float64, len(zs))
	for i, z := range zs {
		ll := 0.0
		for q := range in {
			ll -= bernoulliNLL(float64(x[q]), float64(logits[i*in+q]))
		}
		w := h
		if i == 0 || i == steps {
			w = h / 2
		}
		logTerms[i] = ll + bruteLogPrior(p.Prior, float64(z)) + math.Log(w)
	}
	return -(logMeanExp(logTerms) + math.Log(float64(len(logTerms))))
}

// bruteLogPrior is log p(z) of a 1-D latent: N(0, 1), or the mixture m
// summed directly in densities.
func bruteLogPrior(m *Mixture, z float64) float64 {
	if m == nil {
		return -0.5*z*z - 0.5*math.Log(2*math.Pi)
	}
	p := 0.0
	for k := range m.K {
		v := math.Exp(float64(m.LogVars[k]))
		d := z - float64(m.Means[k])
		p += math.Exp(-d*d/(2*v)) / math.Sqrt(2*math.Pi*v) / float64(m.K)
	}
	return math.Log(p)
}

// The importance-weighted bound is an upper bound on the true negative
// log-likelihood that tightens with k: on a tiny network with a 1-D latent
// it falls from k = 1 to 5000 and ends within 0.02 nats of the integral,
// under N(0, 1) and under a mixture prior of two narrow components.
func TestImportanceWeightedNLLApproachesTheTrueNLL(t *testing.T) {
	for _, prior := range []*Mixture{nil, {K: 2, Latent: 1, Means: []float32{-1.5, 2}, LogVars: []float32{-1, -0.5}}} {
		t.Run(fmt.Sprintf("mixture=%v", prior != nil), func(t *testing.T) { testImportanceWeightedNLL(t, prior) })
	}
}

func testImportanceWeightedNLL(t *testing.T, prior *Mixture) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := NewParams(6, []int{5}, 1, rng)
	p.Prior = prior
	for _, l := range p.Layers() { // larger weights: a posterior unlike the prior
		for i := range l.W {
			l.W[i] *= 3
		}
	}
	const n = 64
	x := make([]float32, n*6)
	for i := range x {
		x[i] = rng.Float32()
	}
	want := 0.0
	for i := range n {
		want += trueNLL(p, x[i*6:(i+1)*6]) / n
	}
	prev := math.Inf(1)
	for _, k := range []int{1, 10, 100, 5000} {
		got := p.ImportanceWeightedNLL(x, n, k, 1)
		t.Logf("k=%d: %.4f (true %.4f)", k, got, want)
		if got < want-0.02 || got > prev+0.02 {
			t.Errorf("k=%d: bound %.4f, true NLL %.4f, bound at the smaller k %.4f", k, got, want, prev)
		}
		prev = got
	}
	if prev-want > 0.02 {
		t.Errorf("k=5000: bound %.4f is %.4f above the true NLL %.4f", prev, prev-want, want)
	}
}
