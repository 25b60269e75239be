//go:build !openblas

package engine

import "math"

// The pure-Go build's elementwise kernels of the training step, one value at
// a time; the OpenBLAS build, which has cgo, runs kernels_openblas.c instead.

// bernoulliNLLSum is Σ softplus(l_i) − x_i·l_i for float32 logits, with
// softplus(l) = max(l, 0) + log(1 + e^-|l|), and, unless residual is nil,
// sets residual_i = σ(l_i) − x_i, with σ(l) = 1/(1 + e^-|l|) for l ≥ 0 and
// e^-|l|/(1 + e^-|l|) otherwise (neither overflows). The logarithms are
// taken of products: each factor 1 + e^-|l| lies in [1, 2], so a float64
// product of 512 of them cannot overflow, and one math.Log per 512 pixels
// replaces a log1p per pixel at the cost of about 512 float64 roundings of
// the product.
func bernoulliNLLSum(l, x, residual []float32) float64 {
	const run = 512
	var sum float64
	for start := 0; start < len(l); start += run {
		prod := 1.0
		for i := start; i < min(start+run, len(l)); i++ {
			v := l[i]
			sum += float64(max(v, 0) - x[i]*v)
			e := expNonPositive(-abs32(v))
			prod *= 1 + float64(e)
			if residual != nil {
				num := e
				if v >= 0 {
					num = 1
				}
				residual[i] = num/(1+e) - x[i]
			}
		}
		sum += math.Log(prod)
	}
	return sum
}

// maskBy32 is maskBy for the training step's float32 layers, where y > 0
// about half the time: a branch on it was mispredicted about half the time
// (a third of the op's cost), so it selects a mask of g's bits instead, which
// Go compiles to a conditional move.
func maskBy32(d, g, y []float32) {
	d, g = d[:len(y)], g[:len(y)]
	for i, v := range y {
		var keep uint32
		if v > 0 {
			keep = math.MaxUint32
		}
		d[i] = math.Float32frombits(math.Float32bits(g[i]) & keep)
	}
}

// rectify32 is rectify for the training step's float32 layers.
func rectify32(y []float32) { rectify(y) }

// sumColumns32 is sumColumns for the training step's float32 gradients.
func sumColumns32(g, sums []float32, cols int) { sumColumns(g, sums, cols) }

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// adamUpdate is one Adam update of w by g with moments m and v (see
// Adam.Step): m ← β1·m + (1-β1)·g, v ← β2·v + (1-β2)·g², and
// w ← w − step·m / (√v·rootC2 + ε), in float32.
func adamUpdate(w, g, m, v []float32, b1, b2, step, rootC2, eps float32) {
	for j := range w {
		m[j] = b1*m[j] + (1-b1)*g[j]
		v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
		w[j] -= step * m[j] / (float32(math.Sqrt(float64(v[j])))*rootC2 + eps)
	}
}

// The training step's Bernoulli cross-entropy needs an exponential for every
// pixel of a batch (300,000 for a triplet batch). Go's math package computes
// it in float64, which with log1p took more of a step than the batch's matrix
// products; this float32 version keeps float32's accuracy at a fraction of
// the cost.

// Cephes' expf constants: ln 2 split in two for an exact range reduction, and
// the minimax polynomial of e^r on |r| ≤ ln 2 / 2.
const (
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
	log2e = 1.44269504088896341
)

// expNonPositive is e^x for x ≤ 0 in float32 (its users are tested against
// float64 math to 4e-7 relative, about 3 ulp): x = n·ln 2 + r with
// |r| ≤ ln 2 / 2, e^x = 2^n · p(r). Below -87 it returns 0 (e^-87 is under
// float32's smallest normal number).
func expNonPositive(x float32) float32 {
	if x < -87 {
		return 0
	}
	n := float32(int32(x*log2e - 0.5)) // round to nearest for x ≤ 0
	r := x - n*ln2Hi - n*ln2Lo
	p := ((((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r+5.0000001201e-1)*r*r + r) + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}
