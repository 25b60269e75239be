package engine

import "math"

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
