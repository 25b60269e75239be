package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/tvae/tvae/internal/datatest"
)

// countingRecorder counts events and can stop training after a number of steps.
type countingRecorder struct {
	steps, epochs, stopAfter int
}

var errStop = errors.New("stop")

func (r *countingRecorder) Record(e Event) error {
	if e.EpochDone {
		r.epochs++
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
	cfg.Epochs, cfg.TrainSubset, cfg.TripletsPerClass = 1, 5000, 300
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
}

func TestRecorderErrorAndCancelStopTraining(t *testing.T) {
	train := datatest.Load(t, "mnist", "train")
	eval, err := NewEvaluator(datatest.Load(t, "mnist", "test"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.TripletWeight, cfg.ELBOWeight, cfg.TrainSubset = 0, 1, 1000
	tr, err := NewTrainer(cfg, train, eval)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Run(context.Background(), &countingRecorder{stopAfter: 2}); !errors.Is(err, errStop) {
		t.Fatalf("Run = %v, want the recorder's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Run(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}
