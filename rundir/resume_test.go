package rundir

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
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
	train, test := synthetic(600, 1), synthetic(200, 2)
	for _, c := range []struct {
		redraw      bool
		epoch, step int // where to stop
	}{{false, 2, 4}, {true, 2, 4}, {false, 1, 2}} {
		cfg := engine.DefaultConfig()
		cfg.Epochs, cfg.TripletsPerClass, cfg.BatchSize, cfg.RedrawTriplets = 3, 30, 32, c.redraw
		dir := t.TempDir()
		whole, stopped := filepath.Join(dir, "whole"), filepath.Join(dir, "stopped")
		want, err := Train(context.Background(), cfg, train, test, whole, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		_, err = Train(ctx, cfg, train, test, stopped, stopAt{epoch: c.epoch, step: c.step, cancel: cancel})
		var in *Interrupted
		if !errors.As(err, &in) || !errors.Is(err, context.Canceled) || in.Epoch != c.epoch-1 || in.Step != c.step || in.Steps != 10 {
			t.Fatalf("%+v: stopped run: %v, want stopped after %d epochs and %d of 10 steps", c, err, c.epoch-1, c.step)
		}
		if done, _ := ReadMetrics(stopped); len(done) != c.epoch-1 {
			t.Fatalf("%+v: stopped run logged %d epochs, want %d", c, len(done), c.epoch-1)
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
