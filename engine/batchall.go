package engine

import "math"

// batchAllMean is the batch-all triplet loss of n embeddings e (row-major,
// dim values a row) with their labels, and its gradient with respect to e:
//
//	L = (1/|A|) Σ_{(a,p,q) ∈ A} h(d_ap − d_aq + margin),   d_ij = √(‖e_i − e_j‖² + ε),
//
// over A, the batch's triplets (a ≠ p of one class, q of another) whose loss
// is above zero, h the hinge relu (Hermans, Beyer and Leibe 2017), or, with
// soft, over every triplet with h = softplus. With L = Σ_ij C_ij d_ij, C_ij
// summing h′/|A| over the triplets where d_ij enters (+ as d_ap, − as d_aq),
//
//	∂L/∂e_i = Σ_j (C_ij + C_ji)(e_i − e_j)/d_ij.
//
// |A| is held fixed in the gradient, as averaging over the active triplets
// does in the frameworks. A batch with no such triplet has L = 0 and no
// gradient. It takes O(n²·dim + n³) time: for a class-balanced batch of 128
// MNIST images the loop visits 2.1 million (a, p, q), about 174,000 of them
// triplets.
func batchAllMean(e []float64, n, dim int, labels []uint8, margin float64, soft bool) (loss float64, grad []float64) {
	d := make([]float64, n*n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			s := 0.0
			for k := range dim {
				v := e[i*dim+k] - e[j*dim+k]
				s += v * v
			}
			d[i*n+j] = math.Sqrt(s + distanceEpsilon)
			d[j*n+i] = d[i*n+j]
		}
	}
	c := make([]float64, n*n)
	count, sum := 0, 0.0
	eachTriplet(labels, func(a, p, q int) {
		x := d[a*n+p] - d[a*n+q] + margin
		slope := 1.0
		switch {
		case soft:
			sum += math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
			slope = 1 / (1 + math.Exp(-x))
		case x > 0:
			sum += x
		default:
			return
		}
		count++
		c[a*n+p] += slope
		c[a*n+q] -= slope
	})
	grad = make([]float64, n*dim)
	if count == 0 {
		return 0, grad
	}
	for i := range n {
		for j := range n {
			if j == i || c[i*n+j]+c[j*n+i] == 0 {
				continue
			}
			w := (c[i*n+j] + c[j*n+i]) / d[i*n+j]
			for k := range dim {
				grad[i*dim+k] += w * (e[i*dim+k] - e[j*dim+k])
			}
		}
	}
	scale := 1 / float64(count)
	for k := range grad {
		grad[k] *= scale
	}
	return sum * scale, grad
}
