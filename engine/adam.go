package engine

import "math"

// Adam is the Adam optimiser (Kingma and Ba, 2015) with PyTorch's update:
//
//	m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²,
//	w ← w - lr · (m / (1-β1ᵗ)) / (√(v / (1-β2ᵗ)) + ε).
//
// Its moments are plain slices, one per weight tensor, so they can be saved.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	T                     int         // steps taken
	M, V                  [][]float32 // first and second moments, one per tensor
}

// NewAdam returns Adam with PyTorch's defaults (β1 0.9, β2 0.999, ε 1e-8) for
// tensors of the given sizes.
func NewAdam(lr float64, sizes []int) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, n := range sizes {
		a.M = append(a.M, make([]float32, n))
		a.V = append(a.V, make([]float32, n))
	}
	return a
}

// Step applies one update of weights[i] by grads[i] for every tensor i. The
// update is computed in float32, as lr·c1·m / (√v·√c2 + ε) with the bias
// corrections c1 = 1/(1-β1ᵗ), c2 = 1/(1-β2ᵗ) taken out of the loop: the
// float64 square root and division per weight were a tenth of a step.
func (a *Adam) Step(weights, grads [][]float32) {
	a.T++
	c1 := 1 / (1 - math.Pow(a.Beta1, float64(a.T)))
	c2 := 1 / (1 - math.Pow(a.Beta2, float64(a.T)))
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	step, rootC2, eps := float32(a.LR*c1), float32(math.Sqrt(c2)), float32(a.Eps)
	for i, w := range weights {
		g, m, v := grads[i], a.M[i], a.V[i]
		parallelRanges(len(w), adamRange, func(_, lo, hi int) {
			adamUpdate(w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], b1, b2, step, rootC2, eps)
		})
	}
}

// adamRange is how many weights one core updates at a time.
const adamRange = 32 * 1024
