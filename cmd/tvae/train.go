package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

func trainCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "--config FILE --out RUN_DIR [--set key=value ...]", "Train one model and save it as a run folder", stderr)
	config := fs.String("config", "", "configuration: a YAML file, or a built-in name such as paper-tvae-mnist or paper-vae-mnist")
	out := fs.String("out", "", "run folder to create (config, weights, per-epoch metrics, results.json)")
	var sets setFlags
	fs.Var(&sets, "set", "override one configuration key, e.g. --set epochs=2 (repeatable)")
	seed := fs.Int64("seed", -1, "random seed (overrides the configuration's seed)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	dataFlags := addDataFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *config == "" || *out == "" {
		return errUsage("train needs --config and --out")
	}
	if *seed >= 0 {
		sets = append(sets, fmt.Sprintf("seed=%d", *seed))
	}
	cfg, err := configs.Load(*config, sets)
	if err != nil {
		return err
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	progress := stderr
	if *quiet {
		progress = nil
	}
	res, err := trainRun(ctx, cfg, ds, *out, progress, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: triplet accuracy %.2f%%, test -ELBO %.2f nats, 1-NN accuracy %.2f%% (%s)\n",
		*out, 100*res.TripletAccuracy, res.TestNELBO, 100*res.NearestNeighbourAccuracy, time.Duration(res.TrainSeconds*float64(time.Second)).Round(time.Second))
	return nil
}

// trainRun trains cfg into the run folder out and returns its results. With a
// non-nil progress writer it draws a progress bar labelled label.
func trainRun(ctx context.Context, cfg engine.Config, ds *datasets, out string, progress io.Writer, label string) (rundir.Results, error) {
	train, err := ds.Dataset(cfg.Dataset, "train")
	if err != nil {
		return rundir.Results{}, err
	}
	test, err := ds.Dataset(cfg.Dataset, "test")
	if err != nil {
		return rundir.Results{}, err
	}
	var rec engine.Recorder
	if progress != nil {
		if label == "" {
			label = rundir.ModelName(cfg)
		}
		rec = newProgressBar(progress, label)
	}
	res, err := rundir.Train(ctx, cfg, train, test, out, rec)
	if errors.Is(err, context.Canceled) {
		done, _ := rundir.ReadMetrics(out)
		return res, fmt.Errorf("training stopped after %d of %d epochs; %s keeps the weights and metrics of the last finished epoch (%w)", len(done), cfg.Epochs, out, err)
	}
	return res, err
}
