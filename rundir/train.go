package rundir

import (
	"context"
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
	eval, err := engine.NewEvaluator(test)
	if err != nil {
		return Results{}, err
	}
	tr, err := engine.NewTrainer(cfg, train, eval)
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
	start := time.Now()
	if err := tr.Run(ctx, checkpoint{dir, rec}); err != nil {
		return Results{}, err
	}
	seconds := time.Since(start).Seconds()
	res := Results{
		Model: ModelName(cfg), Dataset: cfg.Dataset, Seed: cfg.Seed, Epochs: cfg.Epochs,
		Results: eval.Final(tr.Snapshot(), train), TrainSeconds: seconds,
	}
	return res, dir.WriteResults(res)
}

// checkpoint saves the weights and metrics at every epoch end, then passes
// the event on.
type checkpoint struct {
	dir  Dir
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
	}
	if c.next == nil {
		return nil
	}
	return c.next.Record(e)
}
