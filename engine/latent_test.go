package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLatentTermsMatchBruteForce checks each fused latent term against the
// formula written out over rows (to 1e-12 relative) and its gradient
// against central finite differences of that formula (h = 1e-6, to 1e-6
// relative): the KL divergence, the triplet term with the hinge and with
// the soft margin, and the norm term in one and in three blocks.
func TestLatentTermsMatchBruteForce(t *testing.T) {
	const b, dim = 5, 3 // 5 triplets: 15 rows
	dist := func(u, v []float64) float64 {
		s := 0.0
		for k := range u {
			s += math.Pow(u[k]-v[k], 2)
		}
		return math.Sqrt(s + distanceEpsilon)
	}
	rows := func(m []float64, r int) []float64 { return m[r*dim : (r+1)*dim] }
	tripletBrute := func(margin float64, soft bool) func(in [][]float64) float64 {
		return func(in [][]float64) float64 {
			sum := 0.0
			for k := range b {
				g := dist(rows(in[0], k), rows(in[0], b+k)) - dist(rows(in[0], k), rows(in[0], 2*b+k)) + margin
				if soft {
					sum += math.Log(1 + math.Exp(g))
				} else {
					sum += math.Max(g, 0)
				}
			}
			return sum / b
		}
	}
	normBrute := func(blocks int) func(in [][]float64) float64 {
		return func(in [][]float64) float64 {
			sum, size := 0.0, len(in[0])/blocks
			for k := range blocks {
				s := 0.0
				for _, v := range in[0][k*size : (k+1)*size] {
					s += v * v
				}
				sum += math.Sqrt(s)
			}
			return sum
		}
	}
	for _, tc := range []struct {
		name   string
		inputs int
		term   func(in []matrix64, grads [][]float64) float64
		brute  func(in [][]float64) float64
	}{
		{"gaussian-kl", 2, func(in []matrix64, g [][]float64) float64 { return gaussianKL(in[0], in[1], g[0], g[1]) }, func(in [][]float64) float64 {
			sum := 0.0
			for i, m := range in[0] {
				s2 := math.Exp(in[1][i])
				sum += 0.5 * (s2 + m*m - math.Log(s2) - 1)
			}
			return sum / (3 * b)
		}},
		{"triplets-hinge", 1, func(in []matrix64, g [][]float64) float64 { return givenTriplets(in[0], 0.7, false, g[0]) }, tripletBrute(0.7, false)},
		{"triplets-soft", 1, func(in []matrix64, g [][]float64) float64 { return givenTriplets(in[0], 0, true, g[0]) }, tripletBrute(0, true)},
		{"norms-1", 1, func(in []matrix64, g [][]float64) float64 { return blockNorms(in[0], 1, g[0]) }, normBrute(1)},
		{"norms-3", 1, func(in []matrix64, g [][]float64) float64 { return blockNorms(in[0], 3, g[0]) }, normBrute(3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.inputs)))
			in := make([][]float64, tc.inputs)
			ms := make([]matrix64, tc.inputs)
			for i := range in {
				in[i] = make([]float64, 3*b*dim)
				for j := range in[i] {
					in[i][j] = rng.NormFloat64()
				}
				ms[i] = matrix64{rows: 3 * b, cols: dim, data: in[i]}
			}
			grads := make([][]float64, tc.inputs)
			for i := range grads {
				grads[i] = make([]float64, len(in[i]))
			}
			loss := tc.term(ms, grads)
			if want := tc.brute(in); math.Abs(loss-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("loss %.15g, brute force %.15g", loss, want)
			}
			const h = 1e-6
			for i := range in {
				for j := range in[i] {
					orig := in[i][j]
					in[i][j] = orig + h
					up := tc.brute(in)
					in[i][j] = orig - h
					down := tc.brute(in)
					in[i][j] = orig
					if num := (up - down) / (2 * h); math.Abs(num-grads[i][j]) > 1e-6*math.Max(1, math.Abs(num)) {
						t.Errorf("input %d[%d]: gradient %.9g, finite difference %.9g", i, j, grads[i][j], num)
					}
				}
			}
		})
	}
}

// At a triplet whose gap is exactly 0 the hinge's slope is 1, as Gorgonia's
// Rectify takes it, and a triplet beyond the margin adds nothing.
func TestGivenTripletsHingeAtTheMargin(t *testing.T) {
	// One triplet whose positive and negative are one point: d(a,p) − d(a,n) = 0.
	e := matrix64{rows: 3, cols: 1, data: []float64{0, 1, 1}}
	for _, tc := range []struct {
		margin, wantLoss float64
		active           bool
	}{{0, 0, true}, {-0.1, 0, false}, {0.1, 0.1, true}} {
		t.Run(fmt.Sprint(tc.margin), func(t *testing.T) {
			grad := make([]float64, 3)
			loss := givenTriplets(e, tc.margin, false, grad)
			if math.Abs(loss-tc.wantLoss) > 1e-9 || (grad[1] != 0) != tc.active {
				t.Errorf("loss %g, gradient %v; want loss %g, active %v", loss, grad, tc.wantLoss, tc.active)
			}
		})
	}
}
