package engine

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/tvae/tvae/internal/datatest"
)

// brutePseudoLabels sorts every labelled row by distance for each query.
func brutePseudoLabels(mu Embedding, labelled []int, labels []uint8, k int) ([]int, []uint8) {
	var rows []int
	var classes []uint8
	for u := range mu.N {
		if slices.Contains(labelled, u) {
			continue
		}
		order := slices.Clone(labelled)
		sort.SliceStable(order, func(a, b int) bool {
			return SquaredDistance(mu.Row(u), mu.Row(order[a])) < SquaredDistance(mu.Row(u), mu.Row(order[b]))
		})
		agree := true
		for _, j := range order[1:min(k, len(order))] {
			agree = agree && labels[j] == labels[order[0]]
		}
		if agree {
			rows, classes = append(rows, u), append(classes, labels[order[0]])
		}
	}
	return rows, classes
}

// PseudoLabels agrees with sorting every labelled row, on random integer
// points (exact ties included) with 1 to 4 classes and k from 1 to 6.
func TestPseudoLabelsMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := range 50 {
		n, classes, k := 5+rng.IntN(40), 1+rng.IntN(4), 1+rng.IntN(6)
		mu := Embedding{N: n, Dim: 2, Data: make([]float32, 2*n)}
		for i := range mu.Data {
			mu.Data[i] = float32(rng.IntN(6))
		}
		labels := make([]uint8, n)
		var labelled []int
		for i := range labels {
			labels[i] = uint8(rng.IntN(classes))
			if rng.IntN(3) == 0 {
				labelled = append(labelled, i)
			}
		}
		if len(labelled) == 0 {
			continue
		}
		gotRows, gotClasses := PseudoLabels(mu, labelled, labels, k)
		wantRows, wantClasses := brutePseudoLabels(mu, labelled, labels, k)
		if !reflect.DeepEqual(gotRows, wantRows) || !reflect.DeepEqual(gotClasses, wantClasses) {
			t.Fatalf("trial %d (k=%d): got %v %v, want %v %v", trial, k, gotRows, gotClasses, wantRows, wantClasses)
		}
	}
}

// A self-training run pseudo-labels part of the unlabelled images from its
// second epoch on, mostly rightly, and a trainer restored from a checkpoint
// taken in that epoch keeps the pool and ends with the same weights.
func TestSelfTrainingPoolSurvivesACheckpoint(t *testing.T) {
	datatest.Long(t)
	train, eval := mnistTrainAndEvaluator(t)
	cfg := DefaultConfig()
	cfg.Epochs, cfg.TrainSubset, cfg.LabelledFraction, cfg.TripletMining, cfg.SelfTraining = 2, 3000, 0.1, MineBatchHard, true
	newTrainer := func() *Trainer { return newTestTrainer(t, cfg, train, eval) }
	whole := newTrainer()
	rec := &metricsRecorder{}
	if err := whole.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	m := rec.metrics[1]
	t.Logf("epoch 2: %d pseudo-labelled images, %.3f of them rightly", m.PseudoLabelled, m.PseudoLabelAccuracy)
	if rec.metrics[0].PseudoLabelled != 0 || m.PseudoLabelled < 300 || m.PseudoLabelAccuracy < 0.8 {
		t.Fatalf("pseudo-labelled %d then %d images, %.3f rightly; want none in the first epoch, then at least 300, 0.8 rightly",
			rec.metrics[0].PseudoLabelled, m.PseudoLabelled, m.PseudoLabelAccuracy)
	}

	stopped := newTrainer()
	ck := checkpointAfter(t, stopped, (3000+127)/128+5) // five steps into the second epoch
	if len(ck.Pool) != len(stopped.labelled)+m.PseudoLabelled {
		t.Fatalf("checkpoint pool of %d images, want %d labelled + %d pseudo-labelled", len(ck.Pool), len(stopped.labelled), m.PseudoLabelled)
	}
	resumed := newTrainer()
	if err := resumed.Restore(ck); err != nil {
		t.Fatal(err)
	}
	if err := resumed.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i, l := range whole.params.Layers() {
		if !slices.Equal(l.W, resumed.params.Layers()[i].W) {
			t.Fatalf("layer %d: weights differ after resuming in the self-training epoch", i)
		}
	}
}

// metricsRecorder keeps each epoch's metrics.
type metricsRecorder struct{ metrics []EpochMetrics }

func (r *metricsRecorder) Record(e Event) error {
	if e.EpochDone {
		r.metrics = append(r.metrics, *e.Metrics)
	}
	return nil
}
