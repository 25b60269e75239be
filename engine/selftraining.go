package engine

import "slices"

// SelfTrainingNeighbours is k of the self-training rule (Config.SelfTraining):
// an unlabelled image takes a class when its k nearest labelled images all
// have it.
const SelfTrainingNeighbours = 10

// PseudoLabels labels the unlabelled rows of mu from the labelled ones: row
// u, not in labelled, takes class c when its k nearest labelled rows by
// Euclidean distance (of equal distances, the lower row first) all have
// labels[·] = c, and stays unlabelled otherwise. labelled lists rows in
// increasing order; labels is read at those rows only. The labelled rows
// come back in increasing order with their classes.
func PseudoLabels(mu Embedding, labelled []int, labels []uint8, k int) ([]int, []uint8) {
	isLabelled := make([]bool, mu.N)
	for _, i := range labelled {
		isLabelled[i] = true
	}
	k = min(k, len(labelled))
	class := make([]int16, mu.N) // −1: no agreement
	parallelFor(mu.N, func() func(int) {
		near := make([]neighbour, 0, k+1)
		return func(u int) {
			class[u] = -1
			if isLabelled[u] || k == 0 {
				return
			}
			near = near[:0]
			for _, j := range labelled {
				d := SquaredDistance(mu.Row(u), mu.Row(j))
				if len(near) == k && d >= near[k-1].d {
					continue
				}
				at, _ := slices.BinarySearchFunc(near, d, func(n neighbour, d float64) int {
					if n.d <= d { // an equal distance already kept (a lower row) stays first
						return -1
					}
					return 1
				})
				near = slices.Insert(near, at, neighbour{j, d})
				if len(near) > k {
					near = near[:k]
				}
			}
			c := labels[near[0].row]
			for _, n := range near[1:] {
				if labels[n.row] != c {
					return
				}
			}
			class[u] = int16(c)
		}
	})
	var rows []int
	var classes []uint8
	for u, c := range class {
		if c >= 0 {
			rows, classes = append(rows, u), append(classes, uint8(c))
		}
	}
	return rows, classes
}

// neighbour is a row and its squared distance from a query.
type neighbour struct {
	row int
	d   float64
}
