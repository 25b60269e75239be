package engine

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/tvae/tvae/internal/datatest"
)

// LabelledSubset takes round(fraction·n_c) of each class (at least 2), the
// same ones for the same seed, other ones for another.
func TestLabelledSubsetIsStratified(t *testing.T) {
	var labels []uint8
	sizes := []int{600, 1000, 3, 250}
	for c, n := range sizes {
		for range n {
			labels = append(labels, uint8(c))
		}
	}
	for _, f := range []float64{0.01, 0.1, 1} {
		got, err := LabelledSubset(labels, f, 7)
		if err != nil {
			t.Fatal(err)
		}
		count := make([]int, len(sizes))
		for i, idx := range got {
			if i > 0 && idx <= got[i-1] {
				t.Fatalf("fraction %g: indices not increasing at %d", f, i)
			}
			count[labels[idx]]++
		}
		for c, n := range sizes {
			if want := max(2, int(math.Round(f*float64(n)))); count[c] != want {
				t.Errorf("fraction %g: class %d has %d labelled, want %d", f, c, count[c], want)
			}
		}
		again, _ := LabelledSubset(labels, f, 7)
		other, _ := LabelledSubset(labels, f, 8)
		if !slices.Equal(got, again) || (f < 1 && slices.Equal(got, other)) {
			t.Errorf("fraction %g: the subset does not follow the seed", f)
		}
	}
	if _, err := LabelledSubset([]uint8{0, 0, 1}, 0.5, 1); err == nil {
		t.Error("a class of one image: no error")
	}
}

// A few-label run uses only labelled images in its triplets, in list and in
// mining mode, and still learns: on 5,000 images with 5% labelled (250),
// one epoch of 40 steps lifts triplet accuracy from the untrained 0.67.
func TestFewLabelsTrainOnLabelledTripletsOnly(t *testing.T) {
	datatest.Long(t)
	train, eval := mnistTrainAndEvaluator(t)
	for _, mining := range []string{MineList, MineBatchHard} {
		cfg := DefaultConfig()
		cfg.Epochs, cfg.TrainSubset, cfg.LabelledFraction, cfg.TripletMining, cfg.TripletsPerClass = 1, 5000, 0.05, mining, 200
		tr := newTestTrainer(t, cfg, train, eval)
		labelled := map[int]bool{}
		for _, i := range tr.labelled {
			labelled[i] = true
		}
		if len(labelled) < 240 || len(labelled) > 260 {
			t.Fatalf("%s: %d labelled images, want about 250", mining, len(labelled))
		}
		for _, tr := range tr.triplets {
			if !labelled[tr.Anchor] || !labelled[tr.Positive] || !labelled[tr.Negative] {
				t.Fatalf("%s: listed triplet %v uses an unlabelled image", mining, tr)
			}
		}
		for step := range 5 {
			batch, _ := tr.labelledBatch(step)
			for _, i := range batch {
				if !labelled[i] {
					t.Fatalf("%s: step %d mines unlabelled image %d", mining, step, i)
				}
			}
		}
		rec := &countingRecorder{}
		if err := tr.Run(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		acc := eval.Epoch(tr.Snapshot()).TripletAccuracy
		t.Logf("%s, 250 labelled of 5,000: triplet accuracy %.4f after one epoch", mining, acc)
		if rec.steps != (5000+127)/128 || acc < 0.8 {
			t.Fatalf("%s: %d steps, triplet accuracy %.4f", mining, rec.steps, acc)
		}
	}
}
