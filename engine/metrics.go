package engine

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Embedding is N row vectors of size Dim, stored row-major: the μ's of a split.
type Embedding struct {
	N, Dim int
	Data   []float32
}

// Row returns vector i (no copy).
func (e Embedding) Row(i int) []float32 { return e.Data[i*e.Dim : (i+1)*e.Dim] }

// SquaredDistance is Σ (u_k - v_k)², accumulated in float64.
func SquaredDistance(u, v []float32) float64 {
	s := 0.0
	for k := range u {
		d := float64(u[k]) - float64(v[k])
		s += d * d
	}
	return s
}

// TripletAccuracy is the fraction of triplets with ‖μa - μp‖ < ‖μa - μn‖, the
// paper's protocol; a tie counts as wrong.
func TripletAccuracy(e Embedding, ts []Triplet) float64 {
	if len(ts) == 0 {
		return math.NaN()
	}
	right := 0
	for _, t := range ts {
		a := e.Row(t.Anchor)
		if SquaredDistance(a, e.Row(t.Positive)) < SquaredDistance(a, e.Row(t.Negative)) {
			right++
		}
	}
	return float64(right) / float64(len(ts))
}

// queryBlock is how many queries share one distance matrix against the
// references: 256 × 60,000 float32 is 61 MB.
const queryBlock = 256

// eachQuery calls visit(q, dist) for every query q with dist[r] = ‖q - r‖² -
// ‖q‖², which orders the references as their distance does, from
// ‖q - r‖² = ‖q‖² - 2 q·r + ‖r‖²: one matrix product per block of queries,
// blocks spread over the cores. Each worker gets its own visit from newVisit,
// so that it may keep scratch space; dist is reused after visit returns.
func eachQuery(query, ref Embedding, newVisit func() func(q int, dist []float32)) {
	refNorms := make([]float32, ref.N)
	for i := range refNorms {
		refNorms[i] = float32(dot(ref.Row(i), ref.Row(i)))
	}
	blocks := (query.N + queryBlock - 1) / queryBlock
	parallelFor(blocks, func() func(int) {
		visit := newVisit()
		prod := make([]float32, queryBlock*ref.N)
		return func(b int) {
			start := b * queryBlock
			m := min(queryBlock, query.N-start)
			blas32.Gemm(blas.NoTrans, blas.Trans, -2,
				blas32.General{Rows: m, Cols: query.Dim, Stride: query.Dim, Data: query.Data[start*query.Dim : (start+m)*query.Dim]},
				blas32.General{Rows: ref.N, Cols: ref.Dim, Stride: ref.Dim, Data: ref.Data},
				0, blas32.General{Rows: m, Cols: ref.N, Stride: ref.N, Data: prod[:m*ref.N]})
			for q := range m {
				row := prod[q*ref.N : (q+1)*ref.N]
				for r := range row {
					row[r] += refNorms[r]
				}
				visit(start+q, row)
			}
		}
	})
}

func dot(u, v []float32) float64 {
	s := 0.0
	for k := range u {
		s += float64(u[k]) * float64(v[k])
	}
	return s
}

// Proportion is a measured fraction with its 95% Wilson score interval.
type Proportion struct {
	Value float64 `json:"value"`
	Low   float64 `json:"ci95_low"`
	High  float64 `json:"ci95_high"`
	N     int     `json:"n"`
}

// wilson returns the proportion of hits in n trials with its 95% Wilson
// interval (centre ± half) with centre = (p + z²/2n)/(1 + z²/n) and
// half = z/(1 + z²/n)·√(p(1-p)/n + z²/4n²), z = 1.96.
func wilson(hits, n int) Proportion {
	const z = 1.959963984540054
	p, fn := float64(hits)/float64(n), float64(n)
	d := 1 + z*z/fn
	centre := (p + z*z/(2*fn)) / d
	half := z / d * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return Proportion{Value: p, Low: centre - half, High: centre + half, N: n}
}

// RandomTripletAccuracy is TripletAccuracy on n triplets drawn independently:
// an anchor uniformly from the images whose class has another image, a
// positive uniformly from the other images of its class, a negative uniformly
// from the images of other classes. With n in the millions its interval is
// narrow enough to rank models that the paper's 50,000 fixed triplets cannot
// tell apart. It is NaN when labels hold fewer than two classes.
func RandomTripletAccuracy(e Embedding, labels []uint8, n int, rng *rand.Rand) Proportion {
	byClass, others := map[uint8][]int{}, map[uint8][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	var anchors []int
	for c, same := range byClass {
		for i, l := range labels {
			if l != c {
				others[c] = append(others[c], i)
			}
		}
		if len(same) >= 2 {
			anchors = append(anchors, same...)
		}
	}
	if len(byClass) < 2 || len(anchors) == 0 || n < 1 {
		return Proportion{Value: math.NaN(), Low: math.NaN(), High: math.NaN()}
	}
	slices.Sort(anchors) // map order must not change the draws
	hits := 0
	for range n {
		a := anchors[rng.IntN(len(anchors))]
		same, diff := byClass[labels[a]], others[labels[a]]
		p := same[rng.IntN(len(same)-1)]
		if p == a { // a is drawn in place of the last image, which is then taken instead
			p = same[len(same)-1]
		}
		neg := diff[rng.IntN(len(diff))]
		if SquaredDistance(e.Row(a), e.Row(p)) < SquaredDistance(e.Row(a), e.Row(neg)) {
			hits++
		}
	}
	return wilson(hits, n)
}
