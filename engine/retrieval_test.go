package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteRetrieval is Retrieval by its definition: every distance in float64,
// a full sort, R and the votes counted directly.
func bruteRetrieval(query Embedding, ql []uint8, ref Embedding, rl []uint8, k int) Retrieval {
	var sum Retrieval
	for q := range query.N {
		order := make([]int, ref.N)
		for i := range order {
			order[i] = i
		}
		d := func(r int) float64 { return SquaredDistance(query.Row(q), ref.Row(r)) }
		slices.SortStableFunc(order, func(a, b int) int {
			if d(a) < d(b) {
				return -1
			} else if d(a) > d(b) {
				return 1
			}
			return 0
		})
		rel := func(i int) float64 {
			if rl[order[i]] == ql[q] {
				return 1
			}
			return 0
		}
		R := 0
		for _, l := range rl {
			if l == ql[q] {
				R++
			}
		}
		sum.PrecisionAt1 += rel(0)
		for i := range min(k, ref.N) {
			sum.PrecisionAtK += rel(i) / float64(k)
		}
		if R > 0 {
			var hits, ap float64
			for i := range R {
				hits += rel(i)
				ap += rel(i) * hits / float64(i+1)
			}
			sum.RPrecision += hits / float64(R)
			sum.MAPAtR += ap / float64(R)
		}
		votes := map[uint8]int{}
		for i := range min(k, ref.N) {
			votes[rl[order[i]]]++
		}
		most := 0
		for _, v := range votes {
			most = max(most, v)
		}
		for i := range min(k, ref.N) {
			if votes[rl[order[i]]] == most {
				if rl[order[i]] == ql[q] {
					sum.KNNAccuracy++
				}
				break
			}
		}
	}
	n := float64(query.N)
	if k > ref.N {
		sum.PrecisionAtK = math.NaN()
	}
	return Retrieval{PrecisionAt1: sum.PrecisionAt1 / n, PrecisionAtK: sum.PrecisionAtK / n, RPrecision: sum.RPrecision / n, MAPAtR: sum.MAPAtR / n, KNNAccuracy: sum.KNNAccuracy / n, K: k}
}

// Retrieve agrees with the brute-force definition to 1e-12 on small inputs
// (NaN where both are undefined),
// including exact ties (small integer coordinates, exact in float32), more
// queries than a block, and k larger than a class.
func TestRetrieveMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	integer := func(n, dim int) Embedding {
		e := Embedding{N: n, Dim: dim, Data: make([]float32, n*dim)}
		for i := range e.Data {
			e.Data[i] = float32(rng.IntN(7) - 3)
		}
		return e
	}
	labels := func(n, classes int) []uint8 {
		l := make([]uint8, n)
		for i := range l {
			l[i] = uint8(rng.IntN(classes))
		}
		return l
	}
	for _, c := range []struct{ queries, refs, dim, classes, k int }{
		{1, 1, 1, 1, 1},
		{5, 12, 2, 3, 3},
		{300, 90, 3, 4, 10},
		{40, 200, 2, 10, 25},
		{20, 30, 1, 2, 40}, // k beyond the references
	} {
		q, r := integer(c.queries, c.dim), integer(c.refs, c.dim)
		ql, rl := labels(c.queries, c.classes), labels(c.refs, c.classes)
		got, want := Retrieve(q, ql, r, rl, c.k), bruteRetrieval(q, ql, r, rl, c.k)
		for _, f := range []struct {
			name      string
			got, want float64
		}{
			{"precision@1", got.PrecisionAt1, want.PrecisionAt1},
			{"precision@k", got.PrecisionAtK, want.PrecisionAtK},
			{"R-precision", got.RPrecision, want.RPrecision},
			{"MAP@R", got.MAPAtR, want.MAPAtR},
			{"k-NN accuracy", got.KNNAccuracy, want.KNNAccuracy},
		} {
			if math.IsNaN(f.got) != math.IsNaN(f.want) || math.Abs(f.got-f.want) > 1e-12 {
				t.Errorf("%+v: %s = %v, want %v", c, f.name, f.got, f.want)
			}
		}
	}
}

// Perfectly separated classes score 1 everywhere (precision@1 against the
// 1-NN brute force is TestPrecisionAt1IsNearestNeighbourAccuracy).
func TestRetrieveSeparatedClasses(t *testing.T) {
	e := Embedding{N: 6, Dim: 1, Data: []float32{0, 0.1, 0.2, 10, 10.1, 10.2}}
	l := []uint8{0, 0, 0, 1, 1, 1}
	got := Retrieve(e, l, e, l, 3)
	if got.PrecisionAt1 != 1 || got.PrecisionAtK != 1 || got.RPrecision != 1 || got.MAPAtR != 1 || got.KNNAccuracy != 1 {
		t.Fatalf("separated classes: %+v, want all 1", got)
	}
}

// ranker.nearest returns exactly the n smallest keys of a full sort, in
// order: on rows with many exact ties, a single distinct value, widely spread
// values, and rows with a NaN, an infinity or a range beyond float32 (ranked
// by the fallback).
func TestRankerNearestMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	rows := map[string]func(i int) float32{
		"ties":     func(int) float32 { return float32(rng.IntN(5)) },
		"constant": func(int) float32 { return 2.5 },
		"spread":   func(int) float32 { return float32(rng.NormFloat64() * math.Exp(rng.Float64()*20-10)) },
		"nan":      func(i int) float32 { return withAt(i, 3, float32(math.NaN()), float32(rng.Float64())) },
		"inf":      func(i int) float32 { return withAt(i, 5, float32(math.Inf(-1)), float32(rng.Float64())) },
		"overflow": func(i int) float32 { return float32(3e38 * (2*rng.Float64() - 1)) },
	}
	var r ranker
	for name, value := range rows {
		for _, size := range []int{1, 7, 64, 1000} {
			dist := make([]float32, size)
			for i := range dist {
				dist[i] = value(i)
			}
			want := make([]uint64, size)
			for i, d := range dist {
				want[i] = distanceKey(d, i)
			}
			slices.Sort(want)
			for _, n := range []int{0, 1, size / 3, size - 1, size, size + 2} {
				if got := r.nearest(dist, n); !slices.Equal(got, want[:min(n, size)]) {
					t.Errorf("%s, %d references, n = %d: got %v, want %v", name, size, n, got, want[:min(n, size)])
				}
			}
		}
	}
}

// withAt is special at index at, else v.
func withAt(i, at int, special, v float32) float32 {
	if i == at {
		return special
	}
	return v
}
