package rundir

import (
	"context"
	"errors"
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
// When ctx is cancelled, Train finishes the step under way, saves the
// trainer's state and returns an *Interrupted wrapping ctx.Err(); Resume goes
// on from there.
func Train(ctx context.Context, cfg engine.Config, train, test *data.Dataset, path string, rec engine.Recorder) (Results, error) {
	// The configuration is checked before the folder is made, so that a bad
	// one leaves nothing behind.
	tr, eval, err := newTrainer(cfg, train, test)
	if err != nil {
		return Results{}, err
	}
	defer tr.Close()
	dir, err := Create(path)
	if err != nil {
		return Results{}, err
	}
	if err := dir.WriteConfig(cfg); err != nil {
		return Results{}, err
	}
	if err := dir.WriteTriplets(eval.Triplets); err != nil {
		return Results{}, err
	}
	return run(ctx, dir, tr, eval, train, rec, 0)
}

// Resume continues the run in the folder at path from its checkpoint (the
// step at which it was stopped, or the end of its last finished epoch after a
// crash) and returns its final results: the same weights and figures as a run
// that was never interrupted.
func Resume(ctx context.Context, path string, train, test *data.Dataset, rec engine.Recorder) (Results, error) {
	cfg, err := ReadConfig(path)
	if err != nil {
		return Results{}, err
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return Results{}, err
	}
	tr, eval, err := newTrainer(cfg, train, test)
	if err != nil {
		return Results{}, err
	}
	defer tr.Close()
	if err := tr.Restore(ck); err != nil {
		return Results{}, fmt.Errorf("rundir: %s: %v", path, err)
	}
	done, err := CheckpointedMetrics(path, ck.Epoch)
	if err != nil {
		return Results{}, err
	}
	dir := Dir(path)
	if err := dir.writeMetrics(done); err != nil {
		return Results{}, err
	}
	// The training time counts the epochs finished before the stop (the part
	// of the interrupted epoch before it is lost).
	before := 0.0
	for _, m := range done {
		before += m.Seconds
	}
	return run(ctx, dir, tr, eval, train, rec, before)
}

// CheckpointedMetrics returns the metrics of the first epochs finished of a
// run, those its checkpoint covers: a crash may have logged one more after
// the checkpoint, and a run stopped in its first epoch has logged none.
func CheckpointedMetrics(path string, epochs int) ([]engine.EpochMetrics, error) {
	if epochs == 0 {
		return nil, nil
	}
	ms, err := ReadMetrics(path)
	if err != nil {
		return nil, err
	}
	return ms[:min(len(ms), epochs)], nil
}

// ReadCheckpoint reads the trainer state a run saved last.
func ReadCheckpoint(path string) (engine.Checkpoint, error) {
	b, err := os.ReadFile(Dir(path).Path(CheckpointFile))
	if err != nil {
		return engine.Checkpoint{}, fmt.Errorf("rundir: %s has no checkpoint (%v); it was not started by this version of tvae", path, unwrapPath(err))
	}
	ck, err := engine.UnmarshalCheckpoint(b)
	if err != nil {
		return engine.Checkpoint{}, fmt.Errorf("rundir: %s: %v", Dir(path).Path(CheckpointFile), err)
	}
	return ck, nil
}

// Interrupted is the error of a run stopped by its context. The folder keeps
// the trainer's state at the stop, so Resume goes on from there.
type Interrupted struct {
	Dir           string
	Epoch, Epochs int // epochs finished, of Epochs
	Step, Steps   int // steps done in the next epoch, of Steps (0 when stopped at an epoch's end)
	Err           error
}

func (e *Interrupted) Error() string {
	return fmt.Sprintf("rundir: training of %s stopped after %d of %d epochs and %d steps of the next: %v", e.Dir, e.Epoch, e.Epochs, e.Step, e.Err)
}

func (e *Interrupted) Unwrap() error { return e.Err }

func newTrainer(cfg engine.Config, train, test *data.Dataset) (*engine.Trainer, *engine.Evaluator, error) {
	eval, err := engine.NewEvaluator(test)
	if err != nil {
		return nil, nil, err
	}
	tr, err := engine.NewTrainer(cfg, train, eval)
	return tr, eval, err
}

// run trains the remaining epochs, checkpointing each, then writes
// results.json, whose training time adds the seconds spent before. Stopped by
// ctx, it checkpoints the step it got to and returns an *Interrupted.
func run(ctx context.Context, dir Dir, tr *engine.Trainer, eval *engine.Evaluator, train *data.Dataset, rec engine.Recorder, before float64) (Results, error) {
	start := time.Now()
	cfg := tr.Config()
	if err := tr.Run(ctx, checkpoint{dir, tr, rec}); err != nil {
		if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
			return Results{}, err
		}
		ck, err := saveCheckpoint(dir, tr)
		if err != nil {
			return Results{}, fmt.Errorf("rundir: training stopped, but saving its state failed (%v); %s keeps the last finished epoch: %w", err, dir, ctx.Err())
		}
		steps := (len(ck.Order) + cfg.BatchSize - 1) / cfg.BatchSize
		return Results{}, &Interrupted{Dir: string(dir), Epoch: ck.Epoch, Epochs: cfg.Epochs, Step: ck.Step, Steps: steps, Err: ctx.Err()}
	}
	seconds := before + time.Since(start).Seconds()
	res := Results{
		Model: ModelName(cfg), Dataset: cfg.Dataset, Seed: cfg.Seed, Epochs: cfg.Epochs,
		Results: eval.Final(tr.Snapshot(), train, cfg.IWSamples), TrainSeconds: seconds,
	}
	return res, dir.WriteResults(res)
}

// saveCheckpoint writes the trainer's state to the folder, atomically.
func saveCheckpoint(dir Dir, tr *engine.Trainer) (engine.Checkpoint, error) {
	ck, err := tr.Checkpoint()
	if err != nil {
		return ck, err
	}
	b, err := ck.MarshalBinary()
	if err != nil {
		return ck, err
	}
	return ck, writeAtomic(dir.Path(CheckpointFile), b)
}

// checkpoint saves the weights, the metrics and the trainer's state at every
// epoch end, and the training curve's points (steps.jsonl), then passes the
// event on. It runs on the training goroutine.
type checkpoint struct {
	dir  Dir
	tr   *engine.Trainer
	next engine.Recorder
}

func (c checkpoint) Record(e engine.Event) error {
	if e.Snapshot != nil {
		if err := c.dir.WriteSnapshot(e.Snapshot); err != nil {
			return err
		}
	}
	if !e.EpochDone && keepsStep(e.Step, e.Steps) {
		if err := c.dir.appendStep(StepPoint{e.Epoch, e.Step, e.Steps, e.Terms}); err != nil {
			return err
		}
	}
	if e.EpochDone {
		if err := c.dir.WriteParams(e.Params); err != nil {
			return err
		}
		if err := c.dir.AppendMetrics(*e.Metrics); err != nil {
			return err
		}
		if _, err := saveCheckpoint(c.dir, c.tr); err != nil {
			return err
		}
	}
	if c.next == nil {
		return nil
	}
	return c.next.Record(e)
}
