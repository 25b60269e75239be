package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteBatchAll is batchAllMean's loss by a loop over every (a, p, q):
// the hinge (or softplus) of d(a,p) − d(a,q) + margin, averaged over the
// triplets where it is above zero (all of them with soft).
func bruteBatchAll(e [][]float64, labels []uint8, margin float64, soft bool) float64 {
	dist := func(u, v []float64) float64 {
		s := 0.0
		for k := range u {
			s += (u[k] - v[k]) * (u[k] - v[k])
		}
		return math.Sqrt(s + distanceEpsilon)
	}
	sum, count := 0.0, 0
	for a := range e {
		for p := range e {
			for q := range e {
				if p == a || labels[p] != labels[a] || labels[q] == labels[a] {
					continue
				}
				x := dist(e[a], e[p]) - dist(e[a], e[q]) + margin
				if soft {
					sum += math.Log1p(math.Exp(x))
					count++
				} else if x > 0 {
					sum += x
					count++
				}
			}
		}
	}
	if count == 0 {
		return 0
	}
	return sum / float64(count)
}

// cyclicLabels labels n rows 0, 1, ..., classes−1, 0, 1, ...
func cyclicLabels(n, classes int) []uint8 {
	l := make([]uint8, n)
	for i := range l {
		l[i] = uint8(i % classes)
	}
	return l
}

// batchAllMean agrees with the loop to 1e-12 relative, and its gradient
// with central differences of the loop (h = 1e-6) to 1e-6 relative; random
// embeddings put no triplet at the hinge's kink.
func TestBatchAllMeanMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		n, dim, classes int
		scale, margin   float64
		soft            bool
		wantZero        bool
	}{
		{n: 6, dim: 3, classes: 2, scale: 1, margin: 0.5},
		{n: 9, dim: 4, classes: 3, scale: 1, margin: 1},
		{n: 7, dim: 2, classes: 3, scale: 1, margin: 0, soft: true},
		{n: 12, dim: 5, classes: 4, scale: 0.1, margin: 2},
		// Every row its own class: no positive, no triplet.
		{n: 5, dim: 3, classes: 5, scale: 1, margin: 1, wantZero: true},
		// One class: no negative.
		{n: 5, dim: 3, classes: 1, scale: 1, margin: 1, wantZero: true},
	} {
		t.Run(fmt.Sprintf("n=%d,classes=%d,margin=%g,soft=%v", tc.n, tc.classes, tc.margin, tc.soft), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.dim)))
			e := make([]float64, tc.n*tc.dim)
			for i := range e {
				e[i] = tc.scale * rng.NormFloat64()
			}
			labels := cyclicLabels(tc.n, tc.classes)
			rows := func() [][]float64 {
				r := make([][]float64, tc.n)
				for i := range r {
					r[i] = e[i*tc.dim : (i+1)*tc.dim]
				}
				return r
			}
			loss, grad := batchAllMean(e, tc.n, tc.dim, labels, tc.margin, tc.soft)
			want := bruteBatchAll(rows(), labels, tc.margin, tc.soft)
			if math.Abs(loss-want) > 1e-12*math.Max(1, math.Abs(want)) || (tc.wantZero != (want == 0)) {
				t.Fatalf("loss %.15g, brute force %.15g", loss, want)
			}
			const h = 1e-6
			for k := range e {
				orig := e[k]
				e[k] = orig + h
				up := bruteBatchAll(rows(), labels, tc.margin, tc.soft)
				e[k] = orig - h
				down := bruteBatchAll(rows(), labels, tc.margin, tc.soft)
				e[k] = orig
				num := (up - down) / (2 * h)
				if math.Abs(num-grad[k]) > 1e-6*math.Max(1, math.Abs(num)) {
					t.Errorf("∂L/∂e[%d] = %.9g, finite difference %.9g", k, grad[k], num)
				}
			}
		})
	}
}
