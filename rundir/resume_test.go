package rundir

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/internal/datatest"
)

func synthetic(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 3))
	d := &data.Dataset{Name: "mnist", Rows: 28, Cols: 28, Pixels: make([]float32, n*784), Labels: make([]uint8, n)}
	for i := range d.Pixels {
		d.Pixels[i] = rng.Float32()
	}
	for i := range d.Labels {
		d.Labels[i] = uint8(i % 10)
	}
	return d
}

// stopAt cancels training at a given step of a given epoch, as Ctrl-C or
// SIGTERM does through the command's context.
type stopAt struct {
	epoch, step int
	cancel      context.CancelFunc
}

func (s stopAt) Record(e engine.Event) error {
	if !e.EpochDone && e.Epoch == s.epoch && e.Step == s.step {
		s.cancel()
	}
	return nil
}

// A run stopped in the middle of an epoch, the first included, and resumed
// ends with exactly the weights, metrics and results of a run that was never
// stopped.
func TestResumeIsBitExact(t *testing.T) {
	datatest.Long(t)
	train, test := synthetic(600, 1), synthetic(200, 2)
	for _, c := range []struct {
		redraw      bool
		mining      string
		labelled    float64
		epoch, step int // where to stop
		steps       int // in an epoch: 300 listed triplets, or 600 images, in batches of 32
		set         []string
	}{
		{false, engine.MineList, 1, 2, 4, 10, nil}, {true, engine.MineList, 1, 2, 4, 10, nil}, {false, engine.MineList, 1, 1, 2, 10, nil},
		{false, engine.MineSemiHard, 1, 2, 7, 19, nil}, {true, engine.MineList, 0.2, 2, 5, 19, nil}, {false, engine.MineSemiHard, 0.2, 2, 5, 19, nil},
		{false, engine.MineBatchAll, 0.2, 2, 5, 19, []string{"self_training=true", "augment_shift=2", "triplet_on=z", "distance=cosine", "soft_margin=true", "kl_warmup_epochs=1.5"}},
	} {
		cfg := engine.DefaultConfig()
		cfg.Epochs, cfg.TripletsPerClass, cfg.BatchSize, cfg.RedrawTriplets, cfg.TripletMining, cfg.LabelledFraction = 3, 30, 32, c.redraw, c.mining, c.labelled
		for _, kv := range c.set {
			if err := cfg.Set(kv); err != nil {
				t.Fatal(err)
			}
		}
		dir := t.TempDir()
		whole, stopped := filepath.Join(dir, "whole"), filepath.Join(dir, "stopped")
		want, err := Train(context.Background(), cfg, train, test, whole, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		_, err = Train(ctx, cfg, train, test, stopped, stopAt{epoch: c.epoch, step: c.step, cancel: cancel})
		var in *Interrupted
		if !errors.As(err, &in) || !errors.Is(err, context.Canceled) || in.Epoch != c.epoch-1 || in.Step != c.step || in.Steps != c.steps {
			t.Fatalf("%+v: stopped run: %v, want stopped after %d epochs and %d of %d steps", c, err, c.epoch-1, c.step, c.steps)
		}
		done, _ := ReadMetrics(stopped)
		if len(done) != c.epoch-1 {
			t.Fatalf("%+v: stopped run logged %d epochs, want %d", c, len(done), c.epoch-1)
		}
		if len(done) > 0 { // a long first epoch, which the resumed run's training time must include
			done[0].Seconds = 1000
			if err := Dir(stopped).writeMetrics(done); err != nil {
				t.Fatal(err)
			}
		}
		got, err := Resume(context.Background(), stopped, train, test, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{WeightsFile, CheckpointFile} {
			a, _ := os.ReadFile(filepath.Join(whole, f))
			b, _ := os.ReadFile(filepath.Join(stopped, f))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatalf("%+v: %s differs after resuming", c, f)
			}
		}
		ws, err1 := ReadSteps(whole)
		gs, err2 := ReadSteps(stopped)
		if err1 != nil || err2 != nil || len(ws) != cfg.Epochs*c.steps || !reflect.DeepEqual(ws, gs) {
			t.Fatalf("%+v: training curve of %d points (%v), after resuming %d (%v); want %d, the same", c, len(ws), err1, len(gs), err2, cfg.Epochs*c.steps)
		}
		wm, _ := ReadMetrics(whole)
		gm, _ := ReadMetrics(stopped)
		if len(gm) != len(wm) {
			t.Fatalf("%+v: %d epochs logged after resuming, want %d", c, len(gm), len(wm))
		}
		for i := range wm {
			if wm[i].TripletAccuracy != gm[i].TripletAccuracy || wm[i].Train != gm[i].Train || wm[i].TestNELBO != gm[i].TestNELBO {
				t.Fatalf("%+v: epoch %d metrics differ: %+v vs %+v", c, i+1, wm[i], gm[i])
			}
		}
		if got.Results != want.Results {
			t.Fatalf("%+v: results %+v, want %+v", c, got.Results, want.Results)
		}
		if c.epoch > 1 && got.TrainSeconds < 1000 {
			t.Fatalf("%+v: train_seconds %v does not count the 1000 s logged for the first epoch", c, got.TrainSeconds)
		}
	}
}

func TestResumeErrors(t *testing.T) {
	train, test := synthetic(100, 1), synthetic(100, 2)
	if _, err := Resume(context.Background(), t.TempDir(), train, test, nil); err == nil {
		t.Fatal("resumed a folder that is no run")
	}
	dir := t.TempDir()
	cfg := engine.DefaultConfig()
	cfg.Epochs, cfg.TripletsPerClass = 1, 5
	if _, err := Train(context.Background(), cfg, train, test, dir, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, CheckpointFile), []byte("garbage"), 0o644)
	if _, err := Resume(context.Background(), dir, train, test, nil); err == nil || !bytes.Contains([]byte(err.Error()), []byte("checkpoint is corrupt")) {
		t.Fatalf("corrupt checkpoint: %v", err)
	}
}

// stopAtEpochEnd cancels training once an epoch has been saved.
type stopAtEpochEnd struct{ cancel context.CancelFunc }

func (s stopAtEpochEnd) Record(e engine.Event) error {
	if e.EpochDone {
		s.cancel()
	}
	return nil
}

// A loss that turns NaN or infinite stops training with one line naming the
// term and the epoch (and step, for a training loss); the last good checkpoint
// and weights stay as they were, so the run can resume from them with a saner
// configuration.
func TestNonFiniteLossKeepsLastGoodCheckpoint(t *testing.T) {
	datatest.Long(t)
	train, test := synthetic(300, 1), synthetic(100, 2)
	cfg := engine.DefaultConfig()
	cfg.Epochs, cfg.TripletsPerClass, cfg.BatchSize = 2, 20, 16
	path := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := Train(ctx, cfg, train, test, path, stopAtEpochEnd{cancel}); !errors.Is(err, context.Canceled) {
		t.Fatalf("first epoch: %v", err)
	}
	read := func() [][]byte {
		var out [][]byte
		for _, f := range []string{CheckpointFile, WeightsFile, MetricsFile} {
			b, err := os.ReadFile(filepath.Join(path, f))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	good := read()
	cfg.LearningRate = 1e6 // the next steps overflow float32
	if err := Dir(path).WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	_, err := Resume(context.Background(), path, train, test, nil)
	if err == nil || !strings.Contains(err.Error(), "epoch 2") || !strings.Contains(err.Error(), "lower learning_rate") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Resume = %v, want one line naming what is not finite, epoch 2 and what to do", err)
	}
	t.Log(err)
	for i, b := range read() {
		if !bytes.Equal(b, good[i]) {
			t.Fatalf("file %d changed after the loss blew up", i)
		}
	}
}
