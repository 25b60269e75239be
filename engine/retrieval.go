package engine

import (
	"math"
	"slices"
)

// Retrieval holds the retrieval figures of queries against references by
// Euclidean distance between μ's, as in metric learning papers. For a query
// with label y, R is the number of references labelled y (the whole class,
// never truncated), and rel(i) is 1 when the i-th nearest reference is
// labelled y:
//
//	PrecisionAt1 = mean rel(1)
//	PrecisionAtK = mean (1/K) Σ_{i≤K} rel(i)
//	RPrecision   = mean (1/R) Σ_{i≤R} rel(i)
//	MAPAtR       = mean (1/R) Σ_{i≤R} rel(i)·P(i),  P(i) = (1/i) Σ_{j≤i} rel(j)
//	KNNAccuracy  = mean [majority label of the K nearest = y]
//
// Of references at exactly equal distance the lower index is nearer; a tie
// in the majority vote goes to the label of the nearer reference.
// PrecisionAtK is NaN when K exceeds the references.
type Retrieval struct {
	PrecisionAt1 float64 `json:"precision_at_1"`
	PrecisionAtK float64 `json:"precision_at_k"`
	RPrecision   float64 `json:"r_precision"`
	MAPAtR       float64 `json:"map_at_r"`
	KNNAccuracy  float64 `json:"knn_accuracy"`
	K            int     `json:"knn_k"`
}

// retrievalSums holds one query's figures, or their sum over queries; pk
// counts the relevant among the k nearest (divided by k at the end).
type retrievalSums struct{ p1, pk, rp, mapr, knn float64 }

// Retrieve measures Retrieval of query against ref with precision@k and the
// k-NN vote over the k nearest. Each query ranks its references exactly, as
// far as max(R, k).
func Retrieve(query Embedding, queryLabels []uint8, ref Embedding, refLabels []uint8, k int) Retrieval {
	out := Retrieval{K: k}
	if query.N == 0 || ref.N == 0 || k < 1 {
		out.PrecisionAt1, out.PrecisionAtK, out.RPrecision, out.MAPAtR, out.KNNAccuracy = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return out
	}
	var classSize [256]int
	for _, l := range refLabels {
		classSize[l]++
	}
	// Per-query figures, summed in query order at the end, so that the
	// result does not depend on which worker took which block.
	perQuery := make([]retrievalSums, query.N)
	eachQuery(query, ref, func() func(int, []float32) {
		var r ranker
		return func(q int, dist []float32) {
			y := queryLabels[q]
			ranked := r.nearest(dist, max(classSize[y], k))
			perQuery[q] = queryFigures(ranked, refLabels, y, classSize[y], k)
		}
	})
	var total retrievalSums
	for _, f := range perQuery {
		total.p1, total.pk, total.rp, total.mapr, total.knn = total.p1+f.p1, total.pk+f.pk, total.rp+f.rp, total.mapr+f.mapr, total.knn+f.knn
	}
	n := float64(query.N)
	out.PrecisionAt1, out.RPrecision, out.MAPAtR, out.KNNAccuracy = total.p1/n, total.rp/n, total.mapr/n, total.knn/n
	out.PrecisionAtK = math.NaN()
	if k <= ref.N {
		out.PrecisionAtK = total.pk / (n * float64(k))
	}
	return out
}

// distanceKey packs a distance and a reference index into one integer that
// sorts by distance, then index: the float's bits are mapped to an unsigned
// order (negatives flipped), so sorting needs no comparison function.
func distanceKey(d float32, index int) uint64 {
	b := math.Float32bits(d)
	if b&(1<<31) != 0 {
		b = ^b
	} else {
		b |= 1 << 31
	}
	return uint64(b)<<32 | uint64(uint32(index))
}

// ranker ranks one query's references by distance, keeping its scratch
// space from query to query.
type ranker struct {
	keys   []uint64
	counts []int32
}

// nearest returns the keys (distanceKey) of the n references nearest by dist,
// in order. A full sort of n ≈ 6,000 keys out of 60,000 was most of the cost
// of retrieval, so it bucket-sorts: the distances' range is cut into about
// len(dist)/8 equal buckets, one counting pass finds the bucket that holds
// the n-th, and only the keys of the buckets up to it are placed, then
// sorted within their bucket (a few keys each). A row with a NaN or an
// infinity, or whose range overflows float32, is ranked by selection and sort.
func (r *ranker) nearest(dist []float32, n int) []uint64 {
	n = min(n, len(dist))
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, d := range dist {
		lo, hi = min(lo, d), max(hi, d)
	}
	if len(r.keys) < len(dist) {
		r.keys = make([]uint64, len(dist))
	}
	keys := r.keys[:len(dist)]
	if span := float64(hi - lo); math.IsNaN(span) || math.IsInf(span, 0) {
		for i, d := range dist {
			keys[i] = distanceKey(d, i)
		}
		selectSmallest(keys, n)
		slices.Sort(keys[:n])
		return keys[:n]
	}
	buckets := max(1, len(dist)/8)
	if cap(r.counts) < buckets+1 {
		r.counts = make([]int32, buckets+1)
	}
	counts := r.counts[:buckets+1]
	clear(counts)
	// bucket is non-decreasing in d (IEEE subtraction, product and
	// truncation are monotone), so a lower bucket holds only nearer keys.
	var scale float32
	if hi > lo {
		scale = float32(buckets) / (hi - lo)
	}
	bucket := func(d float32) int { return min(int((d-lo)*scale), buckets-1) }
	for _, d := range dist {
		counts[bucket(d)+1]++
	}
	// counts[b] becomes the start of bucket b; last is the bucket of the n-th.
	last := 0
	for b := 1; b <= buckets; b++ {
		counts[b] += counts[b-1]
		if int(counts[b-1]) < n {
			last = b - 1
		}
	}
	for i, d := range dist {
		if b := bucket(d); b <= last {
			keys[counts[b]] = distanceKey(d, i)
			counts[b]++
		}
	}
	// Each bucket now ends at counts[b]; it began at the previous one's end.
	var begin int32
	for b := 0; b <= last; b++ {
		if seg := keys[begin:counts[b]]; len(seg) > 1 {
			slices.Sort(seg)
		}
		begin = counts[b]
	}
	return keys[:n]
}

// selectSmallest moves the n smallest keys to the front (unordered), by
// quickselect with a median-of-three pivot.
func selectSmallest(keys []uint64, n int) {
	lo, hi := 0, len(keys)-1
	for lo < hi && n > 0 && n < len(keys) {
		mid := lo + (hi-lo)/2
		a, b, c := keys[lo], keys[mid], keys[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for keys[i] < pivot {
				i++
			}
			for keys[j] > pivot {
				j--
			}
			if i <= j {
				keys[i], keys[j] = keys[j], keys[i]
				i++
				j--
			}
		}
		switch {
		case n-1 <= j:
			hi = j
		case n-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// queryFigures measures one query, given its references ranked nearest first
// (at least max(R, k) of them, or all).
func queryFigures(ranked []uint64, refLabels []uint8, y uint8, r, k int) retrievalSums {
	var s retrievalSums
	label := func(i int) uint8 { return refLabels[uint32(ranked[i])] }
	if label(0) == y {
		s.p1++
	}
	for i := 0; i < k && i < len(ranked); i++ {
		if label(i) == y {
			s.pk++
		}
	}
	if r > 0 {
		hits, ap := 0, 0.0
		for i := 0; i < r && i < len(ranked); i++ {
			if label(i) == y {
				hits++
				ap += float64(hits) / float64(i+1)
			}
		}
		s.rp += float64(hits) / float64(r)
		s.mapr += ap / float64(r)
	}
	var votes [256]int
	most := 0
	for i := 0; i < k && i < len(ranked); i++ {
		votes[label(i)]++
		most = max(most, votes[label(i)])
	}
	for i := 0; i < k && i < len(ranked); i++ {
		if votes[label(i)] == most { // the nearest of the tied labels
			if label(i) == y {
				s.knn++
			}
			break
		}
	}
	return s
}
