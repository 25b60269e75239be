package rundir

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
)

// Train trains cfg on train, evaluated on test, into a new run folder at path,
// and returns its final results. The configuration is written first; the
// weights and the epoch's metrics after every epoch, so that a crash or a stop
// loses at most the epoch under way; results.json and the test triplets at the
// end. rec, which may be nil, sees every event after the folder is updated.
// When ctx is cancelled, Train returns ctx.Err() and the folder keeps the last
// finished epoch.
func Train(ctx context.Context, cfg engine.Config, train, test *data.Dataset, path string, rec engine.Recorder) (Results, error) {
	dir, err := Create(path)
	if err != nil {
		return Results{}, err
	}
	tr, eval, err := newTrainer(cfg, train, test)
	if err != nil {
		return Results{}, err
	}
	defer tr.Close()
	if err := dir.WriteConfig(cfg); err != nil {
		return Results{}, err
	}
	if err := dir.WriteTriplets(eval.Triplets); err != nil {
		return Results{}, err
	}
	return run(ctx, dir, tr, eval, train, rec)
}

// Resume continues the run in the folder at path from its last checkpoint
// (the end of its last finished epoch) and returns its final results: the
// same weights and figures as a run that was never interrupted.
func Resume(ctx context.Context, path string, train, test *data.Dataset, rec engine.Recorder) (Results, error) {
	saved, err := Open(path)
	if err != nil {
		return Results{}, err
	}
	b, err := os.ReadFile(saved.Dir.Path(CheckpointFile))
	if err != nil {
		return Results{}, fmt.Errorf("rundir: %s has no checkpoint (%v); it was not started by this version of tvae", path, unwrapPath(err))
	}
	ck, err := engine.UnmarshalCheckpoint(b)
	if err != nil {
		return Results{}, fmt.Errorf("rundir: %s: %v", saved.Dir.Path(CheckpointFile), err)
	}
	tr, eval, err := newTrainer(saved.Config, train, test)
	if err != nil {
		return Results{}, err
	}
	defer tr.Close()
	if err := tr.Restore(ck); err != nil {
		return Results{}, fmt.Errorf("rundir: %s: %v", path, err)
	}
	// Keep the metrics of the checkpointed epochs only: a crash may have
	// logged one more.
	done, err := ReadMetrics(path)
	if err != nil {
		return Results{}, err
	}
	if err := saved.Dir.writeMetrics(done[:min(len(done), ck.Epoch)]); err != nil {
		return Results{}, err
	}
	return run(ctx, saved.Dir, tr, eval, train, rec)
}

func newTrainer(cfg engine.Config, train, test *data.Dataset) (*engine.Trainer, *engine.Evaluator, error) {
	eval, err := engine.NewEvaluator(test)
	if err != nil {
		return nil, nil, err
	}
	tr, err := engine.NewTrainer(cfg, train, eval)
	return tr, eval, err
}

// run trains the remaining epochs, checkpointing each, then writes results.json.
func run(ctx context.Context, dir Dir, tr *engine.Trainer, eval *engine.Evaluator, train *data.Dataset, rec engine.Recorder) (Results, error) {
	start := time.Now()
	if err := tr.Run(ctx, checkpoint{dir, tr, rec}); err != nil {
		return Results{}, err
	}
	seconds := time.Since(start).Seconds()
	cfg := tr.Config()
	res := Results{
		Model: ModelName(cfg), Dataset: cfg.Dataset, Seed: cfg.Seed, Epochs: cfg.Epochs,
		Results: eval.Final(tr.Snapshot(), train), TrainSeconds: seconds,
	}
	return res, dir.WriteResults(res)
}

// checkpoint saves the weights, the metrics and the trainer's state at every
// epoch end, then passes the event on. It runs on the training goroutine.
type checkpoint struct {
	dir  Dir
	tr   *engine.Trainer
	next engine.Recorder
}

func (c checkpoint) Record(e engine.Event) error {
	if e.EpochDone {
		if err := c.dir.WriteParams(e.Params); err != nil {
			return err
		}
		if err := c.dir.AppendMetrics(*e.Metrics); err != nil {
			return err
		}
		ck, err := c.tr.Checkpoint()
		if err != nil {
			return err
		}
		b, err := ck.MarshalBinary()
		if err != nil {
			return err
		}
		if err := writeAtomic(c.dir.Path(CheckpointFile), b); err != nil {
			return err
		}
	}
	if c.next == nil {
		return nil
	}
	return c.next.Record(e)
}
