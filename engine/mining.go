package engine

import (
	"fmt"
	"math"
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
	// MineBatchAll trains on the batch's active triplets, those (a, p, n)
	// of any anchor, same-class p and other-class n whose loss is above
	// zero, averaged (Hermans, Beyer and Leibe 2017). Each step takes
	// BatchSize of them drawn uniformly with replacement: an unbiased
	// estimate of that mean at a fixed graph size.
	MineBatchAll = "batch-all"
	// MineBatchAllMean takes MineBatchAll's mean exactly: the loss averaged
	// over every active triplet of the batch (batchAllMean), on the batch's
	// own μ's in the pass that takes the ELBO on its images. Nothing is
	// drawn: the estimate of 128 draws is noisy enough to cost likelihood.
	MineBatchAllMean = "batch-all-mean"
)

// onlineRules lists the online rules for error messages.
const onlineRules = MineBatchAll + ", " + MineBatchAllMean + ", " + MineBatchHard + " or " + MineSemiHard

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

// isOnline reports whether a triplet_mining rule mines each batch online.
func isOnline(rule string) bool {
	return rule == MineBatchAll || rule == MineBatchAllMean || rule == MineBatchHard || rule == MineSemiHard
}

// Miner chooses the triplets of a batch of images online, by one of the
// rules (MineBatchAll, MineBatchHard, MineSemiHard) and the loss's distance.
type Miner struct {
	// Rule is MineBatchAll, MineBatchHard or MineSemiHard.
	Rule string
	// Distance is the loss's distance (DistanceEuclidean and so on).
	Distance string
	// Margin and SoftMargin decide which triplets MineBatchAll counts as
	// active: every valid one with a soft margin, else those with
	// d(a,p) − d(a,n) + Margin > 0.
	Margin     float64
	SoftMargin bool
	// Count is the number of triplets MineBatchAll returns.
	Count int
}

// Mine chooses triplets among the rows of a batch's means mu (labels alike);
// the triplets index rows of mu. Batch-hard and semi-hard give one triplet
// per anchor, and an anchor without a same-class or an other-class row in
// the batch gets none; of equal distances the lower row wins. Batch-all
// gives Count triplets drawn with replacement, uniformly among the batch's
// active triplets (among all valid ones when none is active).
func (m Miner) Mine(mu Embedding, labels []uint8, rng *rand.Rand) ([]Triplet, error) {
	if !isOnline(m.Rule) || m.Rule == MineBatchAllMean {
		return nil, fmt.Errorf("engine: triplet_mining %q draws no triplets; want %s, %s or %s", m.Rule, MineBatchAll, MineBatchHard, MineSemiHard)
	}
	n := mu.N
	dist := make([]float64, n*n)
	for i := range n {
		for j := range i {
			d := rankDistance(m.Distance, mu.Row(i), mu.Row(j))
			dist[i*n+j], dist[j*n+i] = d, d
		}
	}
	if m.Rule == MineBatchAll {
		return m.sampleActive(dist, labels, rng), nil
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
		switch m.Rule {
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

// sampleActive draws m.Count batch-all triplets from the rank distances
// dist (n×n): it counts the active triplets, draws Count ranks among them
// and walks the triplets in (anchor, positive, negative) order again to
// pick them, so that no list of all n³ triplets is ever built.
func (m Miner) sampleActive(dist []float64, labels []uint8, rng *rand.Rand) []Triplet {
	n := len(labels)
	loss := make([]float64, len(dist))
	for i, r := range dist {
		loss[i] = m.lossDistance(r)
	}
	walk := func(active bool, visit func(a, p, neg int)) {
		eachTriplet(labels, func(a, p, neg int) {
			if !active || m.SoftMargin || loss[a*n+p]-loss[a*n+neg]+m.Margin > 0 {
				visit(a, p, neg)
			}
		})
	}
	total, active := 0, true
	walk(active, func(int, int, int) { total++ })
	if total == 0 {
		active = false
		walk(active, func(int, int, int) { total++ })
	}
	if total == 0 || m.Count <= 0 {
		return nil
	}
	ranks := make([]int, m.Count)
	for i := range ranks {
		ranks[i] = rng.IntN(total)
	}
	slices.Sort(ranks)
	out := make([]Triplet, 0, m.Count)
	k := 0
	walk(active, func(a, p, neg int) {
		for len(out) < m.Count && ranks[len(out)] == k {
			out = append(out, Triplet{Anchor: a, Positive: p, Negative: neg})
		}
		k++
	})
	return out
}

// eachTriplet calls visit for every triplet of a labelled batch, anchor a,
// positive p ≠ a of a's class and negative q of another class, in the order
// of a, then p, then q.
func eachTriplet(labels []uint8, visit func(a, p, q int)) {
	for a, la := range labels {
		for p, lp := range labels {
			if p == a || lp != la {
				continue
			}
			for q, lq := range labels {
				if lq != la {
					visit(a, p, q)
				}
			}
		}
	}
}

// rankDistance is the distance the miners rank by: the squared Euclidean
// distance for both Euclidean losses (the same order, without square
// roots), else the cosine distance 1 − u·v / (√(‖u‖² + ε)·√(‖v‖² + ε)).
func rankDistance(distance string, u, v []float32) float64 {
	if distance != DistanceCosine {
		return SquaredDistance(u, v)
	}
	return 1 - dot(u, v)/(math.Sqrt(dot(u, u)+distanceEpsilon)*math.Sqrt(dot(v, v)+distanceEpsilon))
}

// lossDistance turns a rank distance into the loss's distance.
func (m Miner) lossDistance(rank float64) float64 {
	if m.Distance == DistanceEuclidean {
		return math.Sqrt(rank + distanceEpsilon)
	}
	return rank
}
