package engine

// SelfTrainingNeighbours is k of the self-training rule (Config.SelfTraining):
// an unlabelled image takes a class when its k nearest labelled images all
// have it.
const SelfTrainingNeighbours = 10

// PseudoLabels labels the unlabelled rows of mu from the labelled ones: row
// u, not in labelled, takes class c when its k nearest labelled rows by
// Euclidean distance (of equal distances, the lower row first) all have
// labels[·] = c, and stays unlabelled otherwise. labelled lists rows in
// increasing order; labels is read at those rows only. The pseudo-labelled
// rows come back in increasing order with their classes.
func PseudoLabels(mu Embedding, labelled []int, labels []uint8, k int) ([]int, []uint8) {
	isLabelled := make([]bool, mu.N)
	for _, i := range labelled {
		isLabelled[i] = true
	}
	k = min(k, len(labelled))
	class := make([]int16, mu.N) // −1: no agreement
	parallelFor(mu.N, func() func(int) {
		near := NewTopK(k)
		return func(u int) {
			class[u] = -1
			if isLabelled[u] || k == 0 {
				return
			}
			near.Reset()
			for _, j := range labelled { // in increasing order: of equal distances the lower row stays first
				near.Push(j, SquaredDistance(mu.Row(u), mu.Row(j)))
			}
			c := labels[near.Index[0]]
			for _, j := range near.Index[1:] {
				if labels[j] != c {
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
