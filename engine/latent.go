package engine

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
)

// The terms of the training loss that act on the latent code, each one
// Gorgonia node through lossOp: the KL divergence from the prior N(0, I), the
// triplet term on given triplets with the Euclidean distance, and the norm
// term. Built from Gorgonia's elementwise nodes they took about 150 nodes on
// matrices of 384×20, a tenth of a training step.

// gaussianKL is the KL divergence of the posteriors N(μ, σ²) of the rows of
// mu and logVar (log σ²) from N(0, I), per image; it sets its gradients
// dMu and dLogVar:
//
//	KL = (1/R) Σ_rk ½(σ²_rk + μ²_rk − log σ²_rk − 1),
//	∂KL/∂μ = μ/R,   ∂KL/∂log σ² = ½(σ² − 1)/R,
//
// for R rows.
func gaussianKL(mu, logVar matrix64, dMu, dLogVar []float64) float64 {
	r := float64(mu.rows)
	sum := 0.0
	for i, m := range mu.data {
		v := math.Exp(logVar.data[i])
		sum += v + m*m - logVar.data[i] - 1
		dMu[i] = m / r
		dLogVar[i] = (v - 1) / (2 * r)
	}
	return sum / (2 * r)
}

// gaussianKLNode is gaussianKL of the rows of mu and logVar as one node.
func gaussianKLNode(mu, logVar *G.Node) (*G.Node, error) {
	return lossNode("GaussianKL", func(in []matrix64, grads [][]float64) float64 { return gaussianKL(in[0], in[1], grads[0], grads[1]) }, mu, logVar)
}

// givenTriplets is the triplet term on the embeddings e of B given
// triplets, e's rows being the B anchors, then their positives, then their
// negatives; it sets its gradient grad (zeroed by the caller):
//
//	L = (1/B) Σ_b h(g_b),   g_b = d(a_b, p_b) − d(a_b, n_b) + margin,   d(u, v) = √(‖u − v‖² + ε),
//	∂L/∂a_b = h′(g_b)/B · ((a_b − p_b)/d(a_b, p_b) − (a_b − n_b)/d(a_b, n_b)),
//	∂L/∂p_b = −h′(g_b)/B · (a_b − p_b)/d(a_b, p_b),   ∂L/∂n_b = h′(g_b)/B · (a_b − n_b)/d(a_b, n_b),
//
// with h the hinge relu, whose slope Gorgonia's Rectify takes as 1 from
// g_b = 0 on, or with soft the softplus log(1 + e^g), whose slope is σ(g).
func givenTriplets(e matrix64, margin float64, soft bool, grad []float64) float64 {
	b, dim := e.rows/3, e.cols
	row := func(k int) []float64 { return e.data[k*dim : (k+1)*dim] }
	dist := func(u, v []float64) float64 {
		s := 0.0
		for k := range u {
			s += (u[k] - v[k]) * (u[k] - v[k])
		}
		return math.Sqrt(s + distanceEpsilon)
	}
	sum := 0.0
	for t := range b {
		a, p, n := row(t), row(b+t), row(2*b+t)
		dp, dn := dist(a, p), dist(a, n)
		g := dp - dn + margin
		var loss, slope float64
		switch {
		case soft:
			loss, slope = softplus(g), 1/(1+math.Exp(-g))
		case g >= 0:
			loss, slope = g, 1
		}
		sum += loss
		if slope == 0 {
			continue
		}
		ga, gp, gn := grad[t*dim:(t+1)*dim], grad[(b+t)*dim:(b+t+1)*dim], grad[(2*b+t)*dim:(2*b+t+1)*dim]
		for k := range a {
			up, un := slope*(a[k]-p[k])/(dp*float64(b)), slope*(a[k]-n[k])/(dn*float64(b))
			ga[k] = up - un
			gp[k] = -up
			gn[k] = un
		}
	}
	return sum / float64(b)
}

// softplus is log(1 + eˣ), computed without overflow.
func softplus(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// givenTripletsNode is givenTriplets on the rows of e as one node.
func givenTripletsNode(e *G.Node, margin float64, soft bool) (*G.Node, error) {
	if e.Shape()[0]%3 != 0 {
		return nil, fmt.Errorf("engine: triplet term on %d rows, not anchors, positives and negatives", e.Shape()[0])
	}
	return lossNode(fmt.Sprintf("GivenTriplets{%v,%v}", margin, soft), func(in []matrix64, grads [][]float64) float64 {
		return givenTriplets(in[0], margin, soft, grads[0])
	}, e)
}

// blockNorms is the norm term on the embeddings e split by rows into
// blocks equal blocks E_k (anchors, positives and negatives, or the one
// batch); it sets its gradient grad:
//
//	N = Σ_k ‖E_k‖,   ‖E‖ = √(Σ_ij E_ij²),   ∂N/∂E_k = E_k/‖E_k‖.
func blockNorms(e matrix64, blocks int, grad []float64) float64 {
	size := len(e.data) / blocks
	sum := 0.0
	for k := range blocks {
		block := e.data[k*size : (k+1)*size]
		s := 0.0
		for _, v := range block {
			s += v * v
		}
		norm := math.Sqrt(s)
		sum += norm
		for i, v := range block {
			grad[k*size+i] = v / norm
		}
	}
	return sum
}

// blockNormsNode is blockNorms of the rows of e in blocks blocks as one node.
func blockNormsNode(e *G.Node, blocks int) (*G.Node, error) {
	if e.Shape()[0]%blocks != 0 {
		return nil, fmt.Errorf("engine: norm term on %d rows in %d blocks", e.Shape()[0], blocks)
	}
	return lossNode(fmt.Sprintf("BlockNorms{%d}", blocks), func(in []matrix64, grads [][]float64) float64 {
		return blockNorms(in[0], blocks, grads[0])
	}, e)
}
