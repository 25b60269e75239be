package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// The ways a triplet run chooses its triplets (Config.TripletMining).
const (
	// MineList trains on a fixed list of random triplets, TripletsPerClass
	// per class (the paper); an epoch is a pass over the list.
	MineList = "list"
	// MineBatchHard mines each batch of images online: every image is an
	// anchor, with the same-class image of the batch farthest from it and
	// the other-class image nearest to it, by the current μ (Hermans, Beyer
	// and Leibe 2017). An epoch is a pass over the training images.
	MineBatchHard = "batch-hard"
	// MineSemiHard pairs every anchor of the batch with a random same-class
	// image p and the nearest other-class image n farther than p,
	// ‖μa − μn‖ > ‖μa − μp‖; when there is none, the farthest (Schroff,
	// Kalenichenko and Philbin 2015, as TensorFlow Addons implements it).
	MineSemiHard = "semi-hard"
)

// BalancedOrder is the class-balanced sampler online mining draws its batches
// from: a random permutation of the images in which every class is spread
// evenly over the epoch, so that any run of consecutive images holds each
// class in proportion to its size (about 13 of each in a batch of 128 from
// MNIST's ten classes) and anchors find positives and negatives in their
// batch. Image i, the r-th of its class's n_c images in a random order, goes
// to position key (r + u_i)/n_c with u_i uniform in [0, 1); positions are
// sorted by key.
func BalancedOrder(labels []uint8, rng *rand.Rand) []int {
	byClass, classes := groupByClass(labels)
	key := make([]float64, len(labels))
	for _, c := range classes {
		imgs := byClass[c]
		for r, k := range rng.Perm(len(imgs)) {
			key[imgs[k]] = (float64(r) + rng.Float64()) / float64(len(imgs))
		}
	}
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case key[a] < key[b]:
			return -1
		case key[a] > key[b]:
			return 1
		}
		return 0
	})
	return order
}

// MineBatch chooses triplets among the rows of a batch's means mu (labels
// alike) by one of the online rules; the triplets index rows of mu. An anchor
// without a same-class or an other-class row in the batch gets no triplet.
// Distances are Euclidean; of equal distances the lower row wins.
func MineBatch(rule string, mu Embedding, labels []uint8, rng *rand.Rand) ([]Triplet, error) {
	if rule != MineBatchHard && rule != MineSemiHard {
		return nil, fmt.Errorf("engine: triplet_mining %q is not online; want %s or %s", rule, MineBatchHard, MineSemiHard)
	}
	n := mu.N
	dist := make([]float64, n*n)
	for i := range n {
		for j := range i {
			d := SquaredDistance(mu.Row(i), mu.Row(j))
			dist[i*n+j], dist[j*n+i] = d, d
		}
	}
	var out []Triplet
	var same []int
	for a := range n {
		same = same[:0]
		hasNegative := false
		for j := range n {
			if j != a && labels[j] == labels[a] {
				same = append(same, j)
			}
			hasNegative = hasNegative || labels[j] != labels[a]
		}
		if len(same) == 0 || !hasNegative {
			continue
		}
		row := dist[a*n : (a+1)*n]
		var p, neg int
		switch rule {
		case MineBatchHard:
			p = same[0]
			for _, j := range same {
				if row[j] > row[p] {
					p = j
				}
			}
			neg = -1
			for j := range n {
				if labels[j] != labels[a] && (neg < 0 || row[j] < row[neg]) {
					neg = j
				}
			}
		case MineSemiHard:
			p = same[rng.IntN(len(same))]
			semi, far := -1, -1
			for j := range n {
				if labels[j] == labels[a] {
					continue
				}
				if row[j] > row[p] && (semi < 0 || row[j] < row[semi]) {
					semi = j
				}
				if far < 0 || row[j] > row[far] {
					far = j
				}
			}
			neg = semi
			if neg < 0 {
				neg = far
			}
		}
		out = append(out, Triplet{Anchor: a, Positive: p, Negative: neg})
	}
	return out, nil
}
