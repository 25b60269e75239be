package engine

import (
	"math"
	"math/rand/v2"
)

// KMeans clusters the rows of e into k groups by Lloyd's algorithm from
// k-means++ seeds, restarted tries times; it returns the assignment with the
// least within-cluster sum of squares Σ ‖x - c(x)‖².
func KMeans(e Embedding, k, tries int, rng *rand.Rand) []int {
	var best []int
	bestCost := math.Inf(1)
	for range tries {
		assign, cost := lloyd(e, seedPlusPlus(e, k, rng), 100)
		if cost < bestCost {
			best, bestCost = assign, cost
		}
	}
	return best
}

// seedPlusPlus picks k centres: the first uniformly, each next with
// probability proportional to its squared distance to the nearest centre.
func seedPlusPlus(e Embedding, k int, rng *rand.Rand) [][]float64 {
	centres := [][]float64{float64s(e.Row(rng.IntN(e.N)))}
	near := make([]float64, e.N)
	for i := range near {
		near[i] = squaredTo(e.Row(i), centres[0])
	}
	for len(centres) < k {
		total := 0.0
		for _, d := range near {
			total += d
		}
		pick := rng.IntN(e.N)
		if total > 0 {
			u := rng.Float64() * total
			for i, d := range near {
				if u -= d; u <= 0 {
					pick = i
					break
				}
			}
		}
		c := float64s(e.Row(pick))
		centres = append(centres, c)
		for i := range near {
			near[i] = min(near[i], squaredTo(e.Row(i), c))
		}
	}
	return centres
}

// lloyd alternates assignment and centre updates until no point moves or
// after iterations rounds; a centre left without points keeps its place.
func lloyd(e Embedding, centres [][]float64, iterations int) ([]int, float64) {
	assign := make([]int, e.N)
	for i := range assign {
		assign[i] = -1
	}
	cost := 0.0
	for range iterations {
		moved := false
		cost = 0
		for i := range e.N {
			best, bestD := 0, math.Inf(1)
			for c, centre := range centres {
				if d := squaredTo(e.Row(i), centre); d < bestD {
					best, bestD = c, d
				}
			}
			if assign[i] != best {
				assign[i], moved = best, true
			}
			cost += bestD
		}
		if !moved {
			break
		}
		counts := make([]int, len(centres))
		sums := make([][]float64, len(centres))
		for c := range sums {
			sums[c] = make([]float64, e.Dim)
		}
		for i, c := range assign {
			counts[c]++
			for d, v := range e.Row(i) {
				sums[c][d] += float64(v)
			}
		}
		for c := range centres {
			if counts[c] > 0 {
				for d := range centres[c] {
					centres[c][d] = sums[c][d] / float64(counts[c])
				}
			}
		}
	}
	return assign, cost
}

func squaredTo(u []float32, c []float64) float64 {
	s := 0.0
	for k, v := range u {
		d := float64(v) - c[k]
		s += d * d
	}
	return s
}
