package engine

import (
	"math"
	"runtime"
	"sync"

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

// NearestNeighbourAccuracy is the 1-NN classification accuracy of the queries
// against the references in Euclidean distance: the fraction of queries whose
// nearest reference has the query's label. It is NeighbourPrecision with k = 1.
func NearestNeighbourAccuracy(query Embedding, queryLabels []uint8, ref Embedding, refLabels []uint8) float64 {
	return NeighbourPrecision(query, queryLabels, ref, refLabels, 1)
}

// NeighbourPrecision is precision@k of retrieval by μ: the mean over queries
// of the fraction of their k nearest references (Euclidean) that have the
// query's label. Distances come from ‖q - r‖² = ‖q‖² - 2 q·r + ‖r‖² with one
// matrix product per block of queries, blocks spread over the cores; of
// exactly tied references the lower index is nearer.
func NeighbourPrecision(query Embedding, queryLabels []uint8, ref Embedding, refLabels []uint8, k int) float64 {
	if query.N == 0 || k < 1 || k > ref.N {
		return math.NaN()
	}
	refNorms := make([]float32, ref.N)
	for i := range refNorms {
		refNorms[i] = float32(dot(ref.Row(i), ref.Row(i)))
	}
	hits := make([]int, query.N)
	var wg sync.WaitGroup
	blocks := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prod := make([]float32, queryBlock*ref.N)
			top := NewTopK(k)
			for start := range blocks {
				m := min(queryBlock, query.N-start)
				// prod = -2 Q Rᵀ, then add ‖r‖²; ‖q‖² does not change the order.
				blas32.Gemm(blas.NoTrans, blas.Trans, -2,
					blas32.General{Rows: m, Cols: query.Dim, Stride: query.Dim, Data: query.Data[start*query.Dim : (start+m)*query.Dim]},
					blas32.General{Rows: ref.N, Cols: ref.Dim, Stride: ref.Dim, Data: ref.Data},
					0, blas32.General{Rows: m, Cols: ref.N, Stride: ref.N, Data: prod[:m*ref.N]})
				for q := 0; q < m; q++ {
					top.Reset()
					for r, v := range prod[q*ref.N : (q+1)*ref.N] {
						top.Push(r, float64(v+refNorms[r]))
					}
					for _, r := range top.Index {
						if refLabels[r] == queryLabels[start+q] {
							hits[start+q]++
						}
					}
				}
			}
		}()
	}
	for start := 0; start < query.N; start += queryBlock {
		blocks <- start
	}
	close(blocks)
	wg.Wait()
	total := 0
	for _, h := range hits {
		total += h
	}
	return float64(total) / float64(query.N*k)
}

func dot(u, v []float32) float64 {
	s := 0.0
	for k := range u {
		s += float64(u[k]) * float64(v[k])
	}
	return s
}
