package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Triplet indexes an anchor, a positive of the anchor's class (not the anchor
// itself) and a negative of another class.
type Triplet struct {
	Anchor, Positive, Negative int
}

// SampleTriplets draws perClass triplets for every class present in labels, as
// the paper's code does: anchors and positives uniformly (with replacement)
// from the class, the positive never the anchor itself, negatives uniformly from
// all images of other classes. Triplets come out grouped by class, in class order.
func SampleTriplets(labels []uint8, perClass int, rng *rand.Rand) ([]Triplet, error) {
	byClass := map[uint8][]int{}
	var classes []uint8
	for i, l := range labels {
		if byClass[l] == nil {
			classes = append(classes, l)
		}
		byClass[l] = append(byClass[l], i)
	}
	if len(classes) < 2 {
		return nil, fmt.Errorf("engine: triplets need at least 2 classes, the labels have %d", len(classes))
	}
	slices.Sort(classes)
	ts := make([]Triplet, 0, perClass*len(classes))
	for _, c := range classes {
		same := byClass[c]
		if len(same) < 2 {
			return nil, fmt.Errorf("engine: class %d has %d image(s), triplets need at least 2", c, len(same))
		}
		var others []int
		for _, o := range classes {
			if o != c {
				others = append(others, byClass[o]...)
			}
		}
		for range perClass {
			a := same[rng.IntN(len(same))]
			p := a
			for p == a {
				p = same[rng.IntN(len(same))]
			}
			ts = append(ts, Triplet{Anchor: a, Positive: p, Negative: others[rng.IntN(len(others))]})
		}
	}
	return ts, nil
}
