package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// refNet is a float64 copy of Params with the forward pass written as plain
// loops: the brute-force reference every graph is checked against.
type refNet struct {
	layers [][2][]float64 // W (In×Out), b
	shapes [][2]int
	depth  int // encoder hidden layers
	// priorMeans and priorLogVars are the mixture prior's, K×latent (nil: N(0, I)).
	priorMeans, priorLogVars []float64
}

func newRefNet(p *Params) *refNet {
	r := &refNet{depth: len(p.Encoder)}
	for _, l := range p.Layers() {
		r.layers = append(r.layers, [2][]float64{float64s(l.W), float64s(l.B)})
		r.shapes = append(r.shapes, [2]int{l.In, l.Out})
	}
	if p.Prior != nil {
		r.priorMeans, r.priorLogVars = float64s(p.Prior.Means), float64s(p.Prior.LogVars)
	}
	return r
}

// logPrior is log p(z) under the mixture, (1/K) Σ_k Π_j N(z_j; m_kj, e^{s_kj}),
// summed directly in probabilities.
func (r *refNet) logPrior(z []float64) float64 {
	k := len(r.priorMeans) / len(z)
	p := 0.0
	for c := 0; c < k; c++ {
		density := 1.0
		for j, v := range z {
			variance := math.Exp(r.priorLogVars[c*len(z)+j])
			d := v - r.priorMeans[c*len(z)+j]
			density *= math.Exp(-d*d/(2*variance)) / math.Sqrt(2*math.Pi*variance)
		}
		p += density / float64(k)
	}
	return math.Log(p)
}

// testParams is a network for the tests with, for an objective with a
// mixture prior, a mixture of three components spread over the latent.
func testParams(in int, hidden []int, latent int, obj Objective, rng *rand.Rand) *Params {
	p := NewParams(in, hidden, latent, rng)
	if obj.MixturePrior {
		p.Prior = NewMixture(3, latent, rng)
		for i := range p.Prior.LogVars {
			p.Prior.LogVars[i] = float32(rng.Float64() - 0.5)
		}
	}
	return p
}

// paramTensors returns float64 tensors over copies of p's trained tensors,
// in Params.tensors order, and their backing slices (which tests perturb).
func paramTensors(p *Params) ([]tensor.Tensor, [][]float64) {
	var ws []tensor.Tensor
	var backs [][]float64
	for _, pt := range p.tensors() {
		b := float64s(pt.data)
		backs = append(backs, b)
		ws = append(ws, tensor.New(tensor.WithShape(pt.rows, pt.cols), tensor.WithBacking(b)))
	}
	return ws, backs
}

func (r *refNet) dense(i int, x []float64, relu bool) []float64 {
	in, out := r.shapes[i][0], r.shapes[i][1]
	y := make([]float64, out)
	for o := 0; o < out; o++ {
		s := r.layers[i][1][o]
		for k := 0; k < in; k++ {
			s += x[k] * r.layers[i][0][k*out+o]
		}
		if relu && s < 0 {
			s = 0
		}
		y[o] = s
	}
	return y
}

// encode returns μ and log σ² of one image.
func (r *refNet) encode(x []float64) (mu, logVar []float64) {
	h := x
	for l := 0; l < r.depth; l++ {
		h = r.dense(l, h, true)
	}
	return r.dense(r.depth, h, false), r.dense(r.depth+1, h, false)
}

// terms computes the loss of one batch by hand, image by image: the ELBO on
// the images x (KL weighted by beta), the triplet terms on the images xt
// (anchors, positives, negatives; the paper's graph has xt = x), compared
// by their μ or, with obj.TripletOnZ, by their samples with noise epst.
func (r *refNet) terms(x, eps, xt, epst [][]float64, obj Objective, batch int, beta float64) Terms {
	var t Terms
	for i := range x {
		mu, lv := r.encode(x[i])
		z := make([]float64, len(mu))
		for j := range mu {
			z[j] = mu[j] + math.Exp(0.5*lv[j])*eps[i][j]
			if r.priorMeans == nil {
				t.KL += -0.5 * (1 + lv[j] - mu[j]*mu[j] - math.Exp(lv[j]))
			} else { // log q(z|x)
				t.KL += -0.5 * (eps[i][j]*eps[i][j] + lv[j] + math.Log(2*math.Pi))
			}
		}
		if r.priorMeans != nil {
			t.KL -= r.logPrior(z)
		}
		h := z
		for l := r.depth + 2; l < len(r.layers); l++ {
			h = r.dense(l, h, l < len(r.layers)-1)
		}
		for j, l := range h {
			t.BCE += math.Log1p(math.Exp(l)) - x[i][j]*l
		}
	}
	t.BCE /= float64(len(x))
	t.KL /= float64(len(x))
	t.Total = obj.ELBOWeight * (t.BCE + beta*t.KL)
	if obj.TripletWeight == 0 {
		return t
	}
	dot := func(u, v []float64) float64 {
		s := 0.0
		for j := range u {
			s += u[j] * v[j]
		}
		return s
	}
	dist := func(u, v []float64) float64 {
		switch obj.Distance {
		case DistanceSquared:
			return dot(u, u) - 2*dot(u, v) + dot(v, v)
		case DistanceCosine:
			return 1 - dot(u, v)/(math.Sqrt(dot(u, u)+distanceEpsilon)*math.Sqrt(dot(v, v)+distanceEpsilon))
		}
		s := 0.0
		for j := range u {
			s += (u[j] - v[j]) * (u[j] - v[j])
		}
		return math.Sqrt(s + distanceEpsilon)
	}
	hinge := func(v float64) float64 { return math.Max(0, v) }
	if obj.SoftMargin {
		hinge = func(v float64) float64 { return math.Log1p(math.Exp(v)) }
	}
	es := make([][]float64, len(xt))
	for i := range xt {
		mu, lv := r.encode(xt[i])
		es[i] = mu
		if obj.TripletOnZ {
			for j := range mu {
				es[i][j] += math.Exp(0.5*lv[j]) * epst[i][j]
			}
		}
	}
	if obj.BatchAllMean {
		t.Triplet = bruteBatchAll(es, cyclicLabels(len(es), 3), obj.Margin, obj.SoftMargin)
		for _, m := range es {
			t.Norm += dot(m, m)
		}
		t.Norm = math.Sqrt(t.Norm)
		t.Total += obj.TripletWeight*t.Triplet + obj.NormWeight*t.Norm
		return t
	}
	frob := [3]float64{}
	for b := 0; b < batch; b++ {
		a, p, n := es[b], es[batch+b], es[2*batch+b]
		t.Triplet += hinge(dist(a, p)-dist(a, n)+obj.Margin) / float64(batch)
		for k, m := range [][]float64{a, p, n} {
			frob[k] += dot(m, m)
		}
	}
	t.Norm = math.Sqrt(frob[0]) + math.Sqrt(frob[1]) + math.Sqrt(frob[2])
	t.Total += obj.TripletWeight*t.Triplet + obj.NormWeight*t.Norm
	return t
}

// compareTerms fails t for every loss term of got that differs from want by
// more than tol relative (absolute below 1), naming the reference.
func compareTerms(t *testing.T, got, want Terms, tol float64, reference string) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"total", got.Total, want.Total}, {"bce", got.BCE, want.BCE}, {"kl", got.KL, want.KL}, {"triplet", got.Triplet, want.Triplet}, {"norm", got.Norm, want.Norm}} {
		if math.Abs(c.got-c.want) > tol*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s = %.12g, %s %.12g", c.name, c.got, reference, c.want)
		}
	}
}

// float64Graph builds a float64 step graph over copies of p's weights and
// returns the graph with the weight backing slices (so tests can perturb them).
func float64Graph(t *testing.T, p *Params, obj Objective, batch int) (*stepGraph, [][]float64) {
	t.Helper()
	ws, backs := paramTensors(p)
	s, err := newStepGraph(tensor.Float64, ws, len(p.Encoder), obj, batch, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if s.labels != nil {
		*s.labels = cyclicLabels(s.rows, 3)
	}
	return s, backs
}

func randomBatch(rng *rand.Rand, rows, in, latent int) (x, eps [][]float64, xt, et tensor.Tensor) {
	xf, ef := make([]float64, rows*in), make([]float64, rows*latent)
	for i := range xf {
		xf[i] = rng.Float64()
	}
	for i := range ef {
		ef[i] = rng.NormFloat64()
	}
	for r := 0; r < rows; r++ {
		x = append(x, xf[r*in:(r+1)*in])
		eps = append(eps, ef[r*latent:(r+1)*latent])
	}
	return x, eps, tensor.New(tensor.WithShape(rows, in), tensor.WithBacking(xf)), tensor.New(tensor.WithShape(rows, latent), tensor.WithBacking(ef))
}

func TestStepGraphMatchesBruteForce(t *testing.T) {
	const tol = 1e-9 // float64 graph against float64 loops: only summation order differs
	paper := Objective{ELBOWeight: 0.01, TripletWeight: 1, Margin: 0.2, NormWeight: 0.001, Distance: DistanceEuclidean}
	with := func(change func(*Objective)) Objective {
		o := paper
		change(&o)
		return o
	}
	cases := []struct {
		name       string
		in, latent int
		hidden     []int
		batch      int
		obj        Objective
		beta       float64
	}{
		{"vae", 7, 3, []int{5}, 6, Objective{ELBOWeight: 1}, 1},
		{"vae-beta", 7, 3, []int{5}, 6, Objective{ELBOWeight: 1}, 0.3},
		{"tvae", 7, 3, []int{5}, 4, paper, 1},
		{"tvae-deep", 6, 2, []int{5, 4}, 3, paper, 1},
		// 128 triplets = 384 rows: the batch on which Gorgonia's Slice hash
		// merges rows 0:128 with rows 256:384.
		{"tvae-384-rows", 4, 2, []int{3}, 128, paper, 1},
		{"tvae-big-margin", 5, 2, []int{4}, 5, Objective{ELBOWeight: 0.5, TripletWeight: 2, Margin: 5, NormWeight: 0.1, Distance: DistanceEuclidean}, 1},
		{"tvae-squared", 7, 3, []int{5}, 4, with(func(o *Objective) { o.Distance = DistanceSquared }), 1},
		{"tvae-cosine", 7, 3, []int{5}, 4, with(func(o *Objective) { o.Distance = DistanceCosine }), 1},
		{"tvae-soft", 7, 3, []int{5}, 4, with(func(o *Objective) { o.SoftMargin, o.Margin = true, 0 }), 1},
		{"tvae-z-beta", 7, 3, []int{5}, 4, with(func(o *Objective) { o.TripletOnZ = true }), 0.5},
		// Rows labelled 0, 1, 2, 0, ...: the loss over all their triplets.
		{"tvae-batch-all-mean", 7, 3, []int{5}, 9, with(func(o *Objective) { o.BatchAllMean, o.Margin = true, 1 }), 1},
		{"tvae-batch-all-mean-soft-z", 7, 3, []int{5}, 9, with(func(o *Objective) { o.BatchAllMean, o.SoftMargin, o.TripletOnZ = true, true, true }), 1},
		{"vae-mixture-prior", 7, 3, []int{5}, 6, Objective{ELBOWeight: 1, MixturePrior: true}, 0.6},
		{"tvae-batch-all-mean-mixture-prior", 7, 3, []int{5}, 9, with(func(o *Objective) { o.BatchAllMean, o.MixturePrior = true, true }), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			p := testParams(tc.in, tc.hidden, tc.latent, tc.obj, rng)
			s, _ := float64Graph(t, p, tc.obj, tc.batch)
			x, eps, xt, et := randomBatch(rng, s.rows, tc.in, tc.latent)
			got, err := s.run(xt, et, nil, nil, tc.beta)
			if err != nil {
				t.Fatal(err)
			}
			want := newRefNet(p).terms(x, eps, x, eps, tc.obj, tc.batch, tc.beta)
			compareTerms(t, got, want, tol, "brute force")
		})
	}
}

// With few labels the ELBO is on images of its own and the triplets only go
// through the encoder: the graph agrees with the loops, and its gradients
// with the loops' finite differences on a few weights.
func TestSeparateELBOGraphMatchesBruteForce(t *testing.T) {
	for _, onZ := range []bool{false, true} {
		t.Run(fmt.Sprintf("triplet-on-z=%v", onZ), func(t *testing.T) { testSeparateELBOGraph(t, onZ) })
	}
}

func testSeparateELBOGraph(t *testing.T, onZ bool) {
	const in, latent, batch, elboRows, beta = 6, 3, 4, 5, 0.7
	obj := Objective{ELBOWeight: 0.3, TripletWeight: 1, Margin: 0.5, NormWeight: 0.01, Distance: DistanceEuclidean, TripletOnZ: onZ}
	rng := rand.New(rand.NewPCG(5, 6))
	p := NewParams(in, []int{5}, latent, rng)
	ws, backs := paramTensors(p)
	s, err := newStepGraph(tensor.Float64, ws, 1, obj, batch, elboRows)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.rows != elboRows {
		t.Fatalf("ELBO rows %d, want %d", s.rows, elboRows)
	}
	x, eps, xT, epsT := randomBatch(rng, elboRows, in, latent)
	xt, epst, xtT, epstT := randomBatch(rng, 3*batch, in, latent)
	if !onZ {
		epstT = nil
	}
	got, err := s.run(xT, epsT, xtT, epstT, beta)
	if err != nil {
		t.Fatal(err)
	}
	ref := newRefNet(p)
	want := ref.terms(x, eps, xt, epst, obj, batch, beta)
	compareTerms(t, got, want, 1e-9, "brute force")
	// The first encoder weight feeds both branches; the decoder's last bias only the ELBO.
	for _, w := range []struct{ layer, index int }{{0, 3}, {0, 17}, {len(backs) - 1, 2}} {
		grad := s.grad(w.layer).Data().([]float64)[w.index]
		const h = 1e-6
		orig := backs[w.layer][w.index]
		at := func(v float64) float64 {
			backs[w.layer][w.index] = v
			terms, err := s.run(xT, epsT, xtT, epstT, beta)
			if err != nil {
				t.Fatal(err)
			}
			return terms.Total
		}
		num := (at(orig+h) - at(orig-h)) / (2 * h)
		backs[w.layer][w.index] = orig
		if math.Abs(num-grad) > 1e-5*math.Max(1e-3, math.Abs(num)) {
			t.Errorf("weight %d[%d]: autodiff %.9g, finite difference %.9g", w.layer, w.index, grad, num)
		}
	}
}

func TestStepGraphGradientsMatchFiniteDifferences(t *testing.T) {
	// Central differences with h = 1e-6 in float64 carry an error near 1e-8 relative;
	// the ReLU kinks make a rare coordinate worse, hence a few allowed misses.
	const h, tol = 1e-6, 1e-5
	for _, tc := range []struct {
		name string
		obj  Objective
	}{
		{"vae", Objective{ELBOWeight: 1}},
		{"tvae", Objective{ELBOWeight: 0.01, TripletWeight: 1, Margin: 0.2, NormWeight: 0.001, Distance: DistanceEuclidean}},
		{"tvae-cosine-soft-z", Objective{ELBOWeight: 0.01, TripletWeight: 1, Margin: 0.1, NormWeight: 0.001, Distance: DistanceCosine, SoftMargin: true, TripletOnZ: true}},
		{"tvae-batch-all-mean", Objective{ELBOWeight: 0.1, TripletWeight: 1, Margin: 1, NormWeight: 0.001, Distance: DistanceEuclidean, BatchAllMean: true}},
		// The prior's means and log-variances are weights too.
		{"tvae-batch-all-mean-mixture-prior", Objective{ELBOWeight: 0.1, TripletWeight: 1, Margin: 1, NormWeight: 0.001, Distance: DistanceEuclidean, BatchAllMean: true, MixturePrior: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			p := testParams(6, []int{5}, 3, tc.obj, rng)
			const batch = 4
			s, backs := float64Graph(t, p, tc.obj, batch)
			_, _, xt, et := randomBatch(rng, s.rows, 6, 3)
			if _, err := s.run(xt, et, nil, nil, 0.8); err != nil {
				t.Fatal(err)
			}
			var grads [][]float64
			for i := range backs {
				grads = append(grads, append([]float64(nil), s.grad(i).Data().([]float64)...))
			}
			// A second run on the same batch must give the same gradients, not their sum.
			if _, err := s.run(xt, et, nil, nil, 0.8); err != nil {
				t.Fatal(err)
			}
			for i := range backs {
				if again := s.grad(i).Data().([]float64); !slices.Equal(again, grads[i]) {
					t.Fatalf("weight %d: gradients changed between two runs on the same batch", i)
				}
			}
			loss := func() float64 {
				terms, err := s.run(xt, et, nil, nil, 0.8)
				if err != nil {
					t.Fatal(err)
				}
				return terms.Total
			}
			checked, bad := 0, 0
			for i, w := range backs {
				for j := range w {
					orig := w[j]
					w[j] = orig + h
					up := loss()
					w[j] = orig - h
					down := loss()
					w[j] = orig
					num := (up - down) / (2 * h)
					checked++
					if math.Abs(num-grads[i][j]) > tol*math.Max(1e-3, math.Abs(num)) {
						bad++
						if bad <= 3 {
							t.Logf("weight %d[%d]: autodiff %.9g, finite difference %.9g", i, j, grads[i][j], num)
						}
					}
				}
			}
			if bad > checked/100 {
				t.Errorf("%d of %d gradient coordinates disagree with finite differences", bad, checked)
			}
		})
	}
}

// Ops that keep state for their gradient nodes (the encoder heads compute
// all four of their parameter gradients at the first one's turn, the loss
// ops keep their gradients) must renew it every step: after a step on one
// batch, a step on another gives the gradients a fresh graph gives for it.
func TestStepGraphGradientsAreOfTheirOwnStep(t *testing.T) {
	obj := Objective{ELBOWeight: 0.01, TripletWeight: 1, Margin: 0.2, NormWeight: 0.001, Distance: DistanceEuclidean}
	rng := rand.New(rand.NewPCG(5, 6))
	p := testParams(6, []int{5}, 3, obj, rng)
	const batch = 4
	used, _ := float64Graph(t, p, obj, batch)
	fresh, _ := float64Graph(t, p, obj, batch)
	_, _, x1, e1 := randomBatch(rng, used.rows, 6, 3)
	_, _, x2, e2 := randomBatch(rng, used.rows, 6, 3)
	for _, run := range []struct {
		s    *stepGraph
		x, e tensor.Tensor
	}{{used, x1, e1}, {used, x2, e2}, {fresh, x2, e2}} {
		if _, err := run.s.run(run.x, run.e, nil, nil, 1); err != nil {
			t.Fatal(err)
		}
	}
	for i := range used.grads {
		if got, want := used.grad(i).Data().([]float64), fresh.grad(i).Data().([]float64); !slices.Equal(got, want) {
			t.Errorf("weight %d: the second step's gradient %v, a fresh graph's %v", i, got, want)
		}
	}
}

// TestFloat32GraphMatchesFloat64Graph checks the training graph's float32
// arithmetic (the float32 exponential and kept residual of the
// cross-entropy, products through the build's BLAS) against the float64
// graph, itself checked against loops above, on the same weights and batch:
// loss terms within 1e-5 relative, every gradient within 1e-4 of the
// largest of its tensor (float32 rounding over sums of a few hundred terms).
func TestFloat32GraphMatchesFloat64Graph(t *testing.T) {
	paper := Objective{ELBOWeight: 0.01, TripletWeight: 1, Margin: 0.2, NormWeight: 0.001, Distance: DistanceEuclidean}
	batchAll := Objective{ELBOWeight: 0.1, TripletWeight: 1, Margin: 1, NormWeight: 0.001, Distance: DistanceEuclidean, BatchAllMean: true}
	mixture := batchAll
	mixture.MixturePrior = true
	for name, obj := range map[string]Objective{"tvae": paper, "tvae-batch-all-mean": batchAll, "tvae-batch-all-mean-mixture-prior": mixture} {
		t.Run(name, func(t *testing.T) { testFloat32Graph(t, obj) })
	}
}

func testFloat32Graph(t *testing.T, obj Objective) {
	const in, latent, batch, beta = 30, 4, 8, 1
	rng := rand.New(rand.NewPCG(7, 8))
	p := testParams(in, []int{16}, latent, obj, rng)
	s64, _ := float64Graph(t, p, obj, batch)
	var ws []tensor.Tensor
	for _, pt := range p.tensors() {
		ws = append(ws, tensor.New(tensor.WithShape(pt.rows, pt.cols), tensor.WithBacking(slices.Clone(pt.data))))
	}
	s32, err := newStepGraph(tensor.Float32, ws, len(p.Encoder), obj, batch, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s32.Close()
	if s32.labels != nil {
		*s32.labels = *s64.labels
	}
	_, _, x64, eps64 := randomBatch(rng, s64.rows, in, latent)
	want, err := s64.run(x64, eps64, nil, nil, beta)
	if err != nil {
		t.Fatal(err)
	}
	to32 := func(v tensor.Tensor) tensor.Tensor {
		d := v.Data().([]float64)
		out := make([]float32, len(d))
		for i, x := range d {
			out[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(v.Shape()...), tensor.WithBacking(out))
	}
	got, err := s32.run(to32(x64), to32(eps64), nil, nil, beta)
	if err != nil {
		t.Fatal(err)
	}
	compareTerms(t, got, want, 1e-5, "float64 graph")
	for i := range ws {
		g32, g64 := s32.grad(i).Data().([]float32), s64.grad(i).Data().([]float64)
		largest := 0.0
		for _, v := range g64 {
			largest = math.Max(largest, math.Abs(v))
		}
		for j := range g64 {
			if d := math.Abs(float64(g32[j]) - g64[j]); d > 1e-4*largest {
				t.Errorf("gradient %d[%d] = %g in float32, %g in float64", i, j, g32[j], g64[j])
			}
		}
	}
}
