package engine

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/tvae/tvae/internal/datatest"
)

// BalancedOrder is a permutation, and every batch of 128 from MNIST-sized
// classes (5,400 to 6,700 images) holds each class within 3 of its share.
func TestBalancedOrderSpreadsEveryClass(t *testing.T) {
	sizes := []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	var labels []uint8
	for c, n := range sizes {
		for range n {
			labels = append(labels, uint8(c))
		}
	}
	order := BalancedOrder(labels, rand.New(rand.NewPCG(1, 2)))
	seen := make([]bool, len(labels))
	for _, i := range order {
		if seen[i] {
			t.Fatalf("image %d appears twice", i)
		}
		seen[i] = true
	}
	if len(order) != len(labels) {
		t.Fatalf("%d images in the order, want %d", len(order), len(labels))
	}
	for start := 0; start+128 <= len(order); start += 128 {
		count := make([]int, len(sizes))
		for _, i := range order[start : start+128] {
			count[labels[i]]++
		}
		for c, n := range count {
			share := 128 * float64(sizes[c]) / float64(len(labels))
			if float64(n) < share-3 || float64(n) > share+3 {
				t.Fatalf("batch at %d holds %d of class %d, want %.1f ± 3", start, n, c, share)
			}
		}
	}
}

// bruteMine applies each rule's definition with plain loops over every row,
// drawing the semi-hard positives from rng in anchor order as MineBatch does.
func bruteMine(rule string, mu Embedding, labels []uint8, rng *rand.Rand) []Triplet {
	var out []Triplet
	for a := range mu.N {
		d := func(j int) float64 { return SquaredDistance(mu.Row(a), mu.Row(j)) }
		var pos, neg []int
		for j := range mu.N {
			if j != a && labels[j] == labels[a] {
				pos = append(pos, j)
			} else if labels[j] != labels[a] {
				neg = append(neg, j)
			}
		}
		if len(pos) == 0 || len(neg) == 0 {
			continue
		}
		best := func(cands []int, better func(x, y float64) bool) int {
			b := cands[0]
			for _, j := range cands[1:] {
				if better(d(j), d(b)) {
					b = j
				}
			}
			return b
		}
		var p, n int
		if rule == MineBatchHard {
			p = best(pos, func(x, y float64) bool { return x > y })
			n = best(neg, func(x, y float64) bool { return x < y })
		} else {
			p = pos[rng.IntN(len(pos))]
			var farther []int
			for _, j := range neg {
				if d(j) > d(p) {
					farther = append(farther, j)
				}
			}
			if len(farther) > 0 {
				n = best(farther, func(x, y float64) bool { return x < y })
			} else {
				n = best(neg, func(x, y float64) bool { return x > y })
			}
		}
		out = append(out, Triplet{Anchor: a, Positive: p, Negative: n})
	}
	return out
}

// MineBatch agrees with the definitions on random batches of integer points
// (exact ties included), with anchors lacking a positive skipped.
func TestMineBatchMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, rule := range []string{MineBatchHard, MineSemiHard} {
		for trial := range 20 {
			n, classes := 2+rng.IntN(30), 1+rng.IntN(5)
			mu := Embedding{N: n, Dim: 2, Data: make([]float32, 2*n)}
			for i := range mu.Data {
				mu.Data[i] = float32(rng.IntN(5))
			}
			labels := make([]uint8, n)
			for i := range labels {
				labels[i] = uint8(rng.IntN(classes))
			}
			seed := rng.Uint64()
			got, err := MineBatch(rule, mu, labels, rand.New(rand.NewPCG(seed, 0)))
			if err != nil {
				t.Fatal(err)
			}
			want := bruteMine(rule, mu, labels, rand.New(rand.NewPCG(seed, 0)))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s trial %d: got %v, want %v", rule, trial, got, want)
			}
		}
	}
	if _, err := MineBatch(MineList, Embedding{N: 1, Dim: 1, Data: []float32{0}}, []uint8{0}, rng); err == nil {
		t.Fatal("MineBatch of the list rule: no error")
	}
}

// A short batch-hard run on 5,000 images learns: triplet accuracy rises
// from the untrained 0.67 well past 0.8 in one epoch of 40 steps.
func TestShortBatchHardTrainingLearns(t *testing.T) {
	datatest.Long(t)
	train := datatest.Load(t, "mnist", "train")
	eval, err := NewEvaluator(datatest.Load(t, "mnist", "test"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Epochs, cfg.TrainSubset, cfg.TripletMining = 1, 5000, MineBatchHard
	tr, err := NewTrainer(cfg, train, eval)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	rec := &countingRecorder{}
	if err := tr.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	after := eval.Epoch(tr.Snapshot()).TripletAccuracy
	t.Logf("triplet accuracy after one batch-hard epoch of 5,000 images: %.4f", after)
	if after < 0.8 || rec.steps != (5000+127)/128 {
		t.Fatalf("triplet accuracy %.4f after %d steps", after, rec.steps)
	}
}
