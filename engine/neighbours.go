package engine

import "sort"

// TopK keeps the K smallest distances pushed into it, nearest first; of equal
// distances the one pushed first (the lower index, when pushed in order) wins.
type TopK struct {
	K     int
	Index []int
	Dist  []float64
}

// NewTopK returns an empty TopK for k items.
func NewTopK(k int) *TopK {
	return &TopK{K: k, Index: make([]int, 0, k), Dist: make([]float64, 0, k)}
}

// Push offers item i at distance d.
func (t *TopK) Push(i int, d float64) {
	n := len(t.Index)
	if n == t.K && d >= t.Dist[n-1] {
		return
	}
	// Insert in order; k is small, so a sorted slice beats a heap.
	at := sort.Search(n, func(j int) bool { return t.Dist[j] > d })
	if n < t.K {
		t.Index, t.Dist = append(t.Index, 0), append(t.Dist, 0)
		n++
	}
	copy(t.Index[at+1:n], t.Index[at:n-1])
	copy(t.Dist[at+1:n], t.Dist[at:n-1])
	t.Index[at], t.Dist[at] = i, d
}

// Reset empties t for reuse.
func (t *TopK) Reset() { t.Index, t.Dist = t.Index[:0], t.Dist[:0] }
