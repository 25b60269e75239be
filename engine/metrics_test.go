package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func randomEmbedding(rng *rand.Rand, n, dim int) Embedding {
	e := Embedding{N: n, Dim: dim, Data: make([]float32, n*dim)}
	for i := range e.Data {
		e.Data[i] = float32(rng.NormFloat64())
	}
	return e
}

func TestTripletAccuracyMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	e := randomEmbedding(rng, 50, 3)
	// Row 49 duplicates row 48, so triplets (a, 48, 49) are exact ties: wrong.
	copy(e.Row(49), e.Row(48))
	var ts []Triplet
	for range 300 {
		ts = append(ts, Triplet{rng.IntN(50), rng.IntN(50), rng.IntN(50)})
	}
	ts = append(ts, Triplet{0, 48, 49}, Triplet{1, 49, 48})
	right := 0
	for _, tr := range ts {
		dp, dn := 0.0, 0.0
		for k := 0; k < 3; k++ {
			a := float64(e.Data[tr.Anchor*3+k])
			dp += math.Pow(a-float64(e.Data[tr.Positive*3+k]), 2)
			dn += math.Pow(a-float64(e.Data[tr.Negative*3+k]), 2)
		}
		if math.Sqrt(dp) < math.Sqrt(dn) {
			right++
		}
	}
	want := float64(right) / float64(len(ts))
	if got := TripletAccuracy(e, ts); got != want {
		t.Fatalf("TripletAccuracy = %v, brute force %v", got, want)
	}
	if got := TripletAccuracy(e, []Triplet{{0, 48, 49}}); got != 0 {
		t.Fatalf("a tie counted as right: %v", got)
	}
}

// Precision@1 of Retrieve is the 1-NN accuracy, exactly, on random
// embeddings spread over several blocks of queries.
func TestPrecisionAt1IsNearestNeighbourAccuracy(t *testing.T) {
	for _, tc := range []struct {
		name               string
		queries, refs, dim int
	}{
		{"small", 7, 11, 2},
		{"several blocks", 3*queryBlock + 17, 400, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(6, uint64(tc.queries)))
			q, r := randomEmbedding(rng, tc.queries, tc.dim), randomEmbedding(rng, tc.refs, tc.dim)
			ql, rl := make([]uint8, q.N), make([]uint8, r.N)
			for i := range ql {
				ql[i] = uint8(rng.IntN(3))
			}
			for i := range rl {
				rl[i] = uint8(rng.IntN(3))
			}
			right := 0
			for i := 0; i < q.N; i++ {
				best, bestD := -1, math.Inf(1)
				for j := 0; j < r.N; j++ {
					if d := SquaredDistance(q.Row(i), r.Row(j)); d < bestD {
						best, bestD = j, d
					}
				}
				if rl[best] == ql[i] {
					right++
				}
			}
			want := float64(right) / float64(q.N)
			if got := Retrieve(q, ql, r, rl, 1).PrecisionAt1; got != want {
				t.Fatalf("precision@1 = %v, brute force 1-NN accuracy %v", got, want)
			}
		})
	}
}

// Precision@k of Retrieve matches a stable sort by float64 distance.
func TestPrecisionAtKMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	q, r := randomEmbedding(rng, queryBlock+40, 6), randomEmbedding(rng, 300, 6)
	ql, rl := make([]uint8, q.N), make([]uint8, r.N)
	for i := range ql {
		ql[i] = uint8(rng.IntN(3))
	}
	for i := range rl {
		rl[i] = uint8(rng.IntN(3))
	}
	for _, k := range []int{1, 5, 10, 300} {
		hits := 0
		for i := 0; i < q.N; i++ {
			order := make([]int, r.N)
			for j := range order {
				order[j] = j
			}
			sort.SliceStable(order, func(a, b int) bool {
				return SquaredDistance(q.Row(i), r.Row(order[a])) < SquaredDistance(q.Row(i), r.Row(order[b]))
			})
			for _, j := range order[:k] {
				if rl[j] == ql[i] {
					hits++
				}
			}
		}
		want := float64(hits) / float64(q.N*k)
		// Exact up to float32 rounding of the distances, which can swap a
		// neighbour at the k-th place: allow one swap in the whole set.
		if got := Retrieve(q, ql, r, rl, k).PrecisionAtK; math.Abs(got-want) > 1/float64(q.N*k)+1e-12 {
			t.Errorf("k=%d: precision@k = %v, brute force %v", k, got, want)
		}
	}
	if !math.IsNaN(Retrieve(q, ql, r, rl, 0).PrecisionAtK) || !math.IsNaN(Retrieve(q, ql, r, rl, r.N+1).PrecisionAtK) {
		t.Error("k out of range should give NaN")
	}
}

func TestTopKKeepsSmallestInOrder(t *testing.T) {
	for _, tc := range []struct {
		k         int
		dists     []float64
		wantIndex []int
	}{
		{3, []float64{5, 1, 4, 1, 3}, []int{1, 3, 4}},
		{1, []float64{2, 2, 2}, []int{0}},
		{4, []float64{9, 8}, []int{1, 0}},
		{2, []float64{0, -1, 7, -1}, []int{1, 3}},
	} {
		top := NewTopK(tc.k)
		for i, d := range tc.dists {
			top.Push(i, d)
		}
		if !slices.Equal(top.Index, tc.wantIndex) {
			t.Errorf("TopK(%d) of %v = %v, want %v", tc.k, tc.dists, top.Index, tc.wantIndex)
		}
	}
}

// The Wilson interval matches published values: 95 of 100 gives
// [0.8883, 0.9785] (Newcombe 1998, method 3), to 1e-4.
func TestWilsonInterval(t *testing.T) {
	for _, c := range []struct {
		hits, n   int
		low, high float64
	}{{95, 100, 0.8883, 0.9785}, {0, 10, 0, 0.2775}, {81, 263, 0.2553, 0.3662}} {
		got := wilson(c.hits, c.n)
		if math.Abs(got.Low-c.low) > 1e-4 || math.Abs(got.High-c.high) > 1e-4 {
			t.Errorf("%d/%d: [%.4f, %.4f], want [%.4f, %.4f]", c.hits, c.n, got.Low, got.High, c.low, c.high)
		}
	}
}

// Random triplets estimate the accuracy over every valid triplet, computed by
// enumeration on a small set: within 4 standard errors at n = 400,000.
func TestRandomTripletAccuracyMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	e := randomEmbedding(rng, 40, 2)
	labels := make([]uint8, 40)
	for i := range labels {
		labels[i] = uint8(rng.IntN(4))
		if i < 4 {
			labels[i] = uint8(i) // every class present
		}
	}
	// Each valid (a, p, n) weighted as the sampler draws it: anchor uniform
	// over eligible images, then positive and negative uniform.
	var eligible []int
	for a := range labels {
		same := 0
		for _, l := range labels {
			if l == labels[a] {
				same++
			}
		}
		if same >= 2 {
			eligible = append(eligible, a)
		}
	}
	want := 0.0
	for _, a := range eligible {
		var ps, ns []int
		for i, l := range labels {
			switch {
			case i == a:
			case l == labels[a]:
				ps = append(ps, i)
			default:
				ns = append(ns, i)
			}
		}
		for _, p := range ps {
			for _, n := range ns {
				if SquaredDistance(e.Row(a), e.Row(p)) < SquaredDistance(e.Row(a), e.Row(n)) {
					want += 1 / float64(len(eligible)*len(ps)*len(ns))
				}
			}
		}
	}
	const n = 400000
	got := RandomTripletAccuracy(e, labels, n, rng)
	se := math.Sqrt(want * (1 - want) / n)
	if math.Abs(got.Value-want) > 4*se || got.Low > got.Value || got.High < got.Value || got.N != n {
		t.Fatalf("random triplets %+v, enumeration %.5f (standard error %.5f)", got, want, se)
	}
	if one := RandomTripletAccuracy(e, make([]uint8, 40), 10, rng); !math.IsNaN(one.Value) {
		t.Fatalf("one class: %+v, want NaN", one)
	}
}

// ActiveUnits counts the dimensions whose variance exceeds the threshold.
func TestActiveUnits(t *testing.T) {
	// Column variances: 0.25, 0, 0.0064, 1.
	e := Embedding{N: 2, Dim: 4, Data: []float32{0, 3, 0, -1, 1, 3, 0.16, 1}}
	if got := ActiveUnits(e, ActiveUnitThreshold); got != 2 {
		t.Fatalf("ActiveUnits = %d, want 2", got)
	}
}
