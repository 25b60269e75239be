package explore

import (
	"fmt"
	"math"

	"github.com/tvae/tvae/engine"
)

// Neighbour is one training image near a query in μ space.
type Neighbour struct {
	Index    int     `json:"index"`
	Label    int     `json:"label"`
	Distance float64 `json:"distance"` // Euclidean, ||μ(query) - μ(neighbour)||
}

// MaxK bounds k in a neighbour query.
const MaxK = 100

// Neighbours returns the k training images whose means are nearest to the
// mean of image index of split, nearest first (ties by index). A training
// query is not its own neighbour. The search is exact: one pass over the
// training means, keeping the k best.
func (v *View) Neighbours(split string, index, k int) ([]Neighbour, error) {
	ds, mu, err := v.Split(split)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= ds.Len() {
		return nil, fmt.Errorf("explore: index %d is out of range: %s has %d images", index, split, ds.Len())
	}
	if k < 1 || k > MaxK {
		return nil, fmt.Errorf("explore: k must be between 1 and %d (got %d)", MaxK, k)
	}
	q := mu.Row(index)
	top := engine.NewTopK(k)
	for i := 0; i < v.TrainMu.N; i++ {
		if split == "train" && i == index {
			continue
		}
		top.Push(i, engine.SquaredDistance(q, v.TrainMu.Row(i)))
	}
	out := make([]Neighbour, len(top.Index))
	for j, i := range top.Index {
		out[j] = Neighbour{Index: i, Label: int(v.Train.Labels[i]), Distance: math.Sqrt(top.Dist[j])}
	}
	return out, nil
}
