package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/internal/datatest"
)

// mnistTrainAndEvaluator loads MNIST's training images and an evaluator on
// its test images.
func mnistTrainAndEvaluator(t *testing.T) (*data.Dataset, *Evaluator) {
	t.Helper()
	train := datatest.Load(t, "mnist", "train")
	eval, err := NewEvaluator(datatest.Load(t, "mnist", "test"))
	if err != nil {
		t.Fatal(err)
	}
	return train, eval
}

// newTestTrainer builds a trainer that the test closes when it ends.
func newTestTrainer(t *testing.T, cfg Config, train *data.Dataset, eval *Evaluator) *Trainer {
	t.Helper()
	tr, err := NewTrainer(cfg, train, eval)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

// countingRecorder counts events and can stop training after a number of steps.
type countingRecorder struct {
	steps, epochs, stopAfter int
	snapshots                []*Snapshot
	metrics                  []EpochMetrics
}

var errStop = errors.New("stop")

func (r *countingRecorder) Record(e Event) error {
	if e.Snapshot != nil {
		r.snapshots = append(r.snapshots, e.Snapshot)
	}
	if e.EpochDone {
		r.epochs++
		r.metrics = append(r.metrics, *e.Metrics)
		return nil
	}
	r.steps++
	if r.stopAfter > 0 && r.steps == r.stopAfter {
		return errStop
	}
	return nil
}

func TestShortTrainingRaisesTripletAccuracy(t *testing.T) {
	train := datatest.Load(t, "mnist", "train")
	test := datatest.Load(t, "mnist", "test")
	eval, err := NewEvaluator(test)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Epochs, cfg.TrainSubset, cfg.TripletsPerClass, cfg.SnapshotEvery = 1, 5000, 300, 10
	tr, err := NewTrainer(cfg, train, eval)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	before := eval.Epoch(tr.Snapshot()).TripletAccuracy
	rec := &countingRecorder{}
	if err := tr.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	after := eval.Epoch(tr.Snapshot()).TripletAccuracy
	t.Logf("triplet accuracy untrained %.4f, after one short epoch %.4f", before, after)
	// 3,000 triplets in 24 steps: measured 0.91 against 0.67 untrained; 0.80 leaves room for noise.
	if after < 0.80 || after < before+0.1 {
		t.Fatalf("triplet accuracy %.4f after training, %.4f before", after, before)
	}
	if want := (3000 + 127) / 128; rec.steps != want || rec.epochs != 1 {
		t.Fatalf("recorded %d steps and %d epochs, want %d and 1", rec.steps, rec.epochs, want)
	}
	// Snapshots every 10 steps and at the epoch's end (step 24), each with
	// the whole test posterior; the last one is the weights the epoch's
	// metrics were measured on.
	var steps []int
	for _, s := range rec.snapshots {
		steps = append(steps, s.Step)
		if s.Mu.N != test.Len() || s.LogVar.N != test.Len() || s.Mu.Dim != cfg.Latent {
			t.Fatalf("snapshot at step %d holds %d×%d means, want %d×%d", s.Step, s.Mu.N, s.Mu.Dim, test.Len(), cfg.Latent)
		}
	}
	if fmt.Sprint(steps) != "[10 20 24]" || !rec.snapshots[2].EpochEnd || rec.snapshots[1].EpochEnd {
		t.Fatalf("snapshots at steps %v (epoch ends %v), want [10 20 24] with only 24 an epoch end", steps, rec.snapshots[2].EpochEnd)
	}
	last := rec.snapshots[2]
	if last.Quality.TripletAccuracy != rec.metrics[0].TripletAccuracy || last.Quality.TripletAccuracy != after {
		t.Fatalf("epoch-end snapshot triplet accuracy %v, epoch metrics %v, final weights %v: want one figure",
			last.Quality.TripletAccuracy, rec.metrics[0].TripletAccuracy, after)
	}
	first := rec.snapshots[0].Quality
	t.Logf("quality at step 10: %+v; at step 24: %+v", first, last.Quality)
	if last.Quality.MarginViolations >= first.MarginViolations || last.Quality.KNNAccuracy < 0.5 {
		t.Fatalf("latent quality did not improve over the epoch: step 10 %+v, step 24 %+v", first, last.Quality)
	}
}

func TestRecorderErrorAndCancelStopTraining(t *testing.T) {
	train, eval := mnistTrainAndEvaluator(t)
	cfg := DefaultConfig()
	cfg.TripletWeight, cfg.ELBOWeight, cfg.TrainSubset = 0, 1, 1000
	tr := newTestTrainer(t, cfg, train, eval)
	if err := tr.Run(context.Background(), &countingRecorder{stopAfter: 2}); !errors.Is(err, errStop) {
		t.Fatalf("Run = %v, want the recorder's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Run(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}
