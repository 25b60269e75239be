package explore

import (
	"fmt"
	"math"
	"sort"

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
	best := make([]Neighbour, 0, k+1)
	for i := 0; i < v.TrainMu.N; i++ {
		if split == "train" && i == index {
			continue
		}
		d := engine.SquaredDistance(q, v.TrainMu.Row(i))
		if len(best) == k && d >= best[k-1].Distance {
			continue
		}
		// Insert in order; k is small, so a sorted slice beats a heap.
		at := sort.Search(len(best), func(j int) bool { return best[j].Distance > d })
		if len(best) < k {
			best = append(best, Neighbour{})
		}
		copy(best[at+1:], best[at:len(best)-1])
		best[at] = Neighbour{Index: i, Label: int(v.Train.Labels[i]), Distance: d}
	}
	for i := range best {
		best[i].Distance = math.Sqrt(best[i].Distance)
	}
	return best, nil
}
