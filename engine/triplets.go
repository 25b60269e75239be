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
	byClass, classes := groupByClass(labels)
	if len(classes) < 2 {
		return nil, fmt.Errorf("engine: triplets need at least 2 classes, the labels have %d", len(classes))
	}
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

// groupByClass lists the indices of each label, in increasing order, and the
// labels that occur, sorted.
func groupByClass(labels []uint8) (map[uint8][]int, []uint8) {
	byClass := map[uint8][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	classes := make([]uint8, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	return byClass, classes
}
