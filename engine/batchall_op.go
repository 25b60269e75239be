package engine

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// batchAllMeanNode is batchAllMean as one Gorgonia node over a batch of
// embeddings e (one row per image), with the labels the trainer writes into
// *labels before each step. Its forward pass also computes the gradient, so
// the O(n³) pass over the triplets runs once.
func batchAllMeanNode(e *G.Node, labels *[]uint8, margin float64, soft bool) (*G.Node, error) {
	name := fmt.Sprintf("BatchAllMean{%v,%v}", margin, soft)
	return lossNode(name, func(in []matrix64, grads [][]float64) float64 {
		e := in[0]
		if e.rows != len(*labels) {
			panic(fmt.Sprintf("engine: batch-all loss of %d embeddings with %d labels", e.rows, len(*labels))) // the trainer writes one label a row
		}
		loss, grad := batchAllMean(e.data, e.rows, e.cols, *labels, margin, soft)
		copy(grads[0], grad)
		return loss
	}, e)
}
