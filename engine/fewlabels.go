package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// LabelledSubset chooses the training images whose labels a few-label run
// may use: from each class c of n_c images, round(fraction·n_c) of them (at
// least 2, so that the class has positive pairs), uniformly at random with a
// generator seeded by seed alone, so that a run and its resumption agree.
// The indices come back in increasing order.
func LabelledSubset(labels []uint8, fraction float64, seed uint64) ([]int, error) {
	byClass, classes := groupByClass(labels)
	rng := rand.New(rand.NewPCG(seed, 0x1abe1ed))
	var out []int
	for _, c := range classes {
		imgs := byClass[c]
		k := max(2, int(math.Round(fraction*float64(len(imgs)))))
		if k > len(imgs) {
			return nil, fmt.Errorf("engine: class %d has %d image(s), a few-label run needs at least 2 of each", c, len(imgs))
		}
		for _, j := range rng.Perm(len(imgs))[:k] {
			out = append(out, imgs[j])
		}
	}
	slices.Sort(out)
	return out, nil
}
