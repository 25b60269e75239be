package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

func trainCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "--config FILE --out RUN_DIR [--set key=value ...] | --resume RUN_DIR", "Train one model and save it as a run folder, or finish an interrupted one", stderr)
	config := fs.String("config", "", "configuration: a YAML file, or a built-in name such as paper-tvae-mnist or paper-vae-mnist")
	out := fs.String("out", "", "run folder to create (config, weights, per-epoch metrics, results.json)")
	var sets setFlags
	fs.Var(&sets, "set", "override one configuration key, e.g. --set epochs=2 (repeatable)")
	seed := fs.Int64("seed", -1, "random seed (overrides the configuration's seed)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	resume := fs.String("resume", "", "finish an interrupted run folder from its last finished epoch (same weights as an uninterrupted run)")
	dataFlags := addDataFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	progress := stderr
	if *quiet {
		progress = nil
	}
	if *resume != "" {
		if *config != "" || *out != "" || len(sets) > 0 || *seed >= 0 {
			return errUsage("--resume takes the configuration from the run folder: drop --config, --out, --set and --seed")
		}
		return resumeRun(ctx, *resume, dataFlags, stdout, stderr, progress)
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
	res, err := trainRun(ctx, cfg, ds, *out, progress, "")
	if err != nil {
		return err
	}
	printResults(stdout, *out, res)
	return nil
}

// resumeRun finishes the interrupted run in dir.
func resumeRun(ctx context.Context, dir string, dataFlags *dataFlags, stdout, stderr, progress io.Writer) error {
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return err
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	res, err := resumeIn(ctx, cfg, ds, dir, progress, "")
	if err != nil {
		return err
	}
	printResults(stdout, dir, res)
	return nil
}

// resumeIn finishes the interrupted run of cfg in dir, drawing a progress bar
// labelled label on a non-nil progress writer.
func resumeIn(ctx context.Context, cfg engine.Config, ds *datasets, dir string, progress io.Writer, label string) (rundir.Results, error) {
	train, test, err := splits(ds, cfg.Dataset)
	if err != nil {
		return rundir.Results{}, err
	}
	res, err := rundir.Resume(ctx, dir, train, test, recorderFor(progress, cfg, label))
	return res, stopped(err)
}

func printResults(w io.Writer, dir string, res rundir.Results) {
	fmt.Fprintf(w, "%s: triplet accuracy %.2f%%, test -ELBO %.2f nats, 1-NN accuracy %.2f%% (%s)\n",
		dir, 100*res.TripletAccuracy, res.TestNELBO, 100*res.NearestNeighbourAccuracy, time.Duration(res.TrainSeconds*float64(time.Second)).Round(time.Second))
}

// trainRun trains cfg into the run folder out and returns its results. With a
// non-nil progress writer it draws a progress bar labelled label.
func trainRun(ctx context.Context, cfg engine.Config, ds *datasets, out string, progress io.Writer, label string) (rundir.Results, error) {
	train, test, err := splits(ds, cfg.Dataset)
	if err != nil {
		return rundir.Results{}, err
	}
	res, err := rundir.Train(ctx, cfg, train, test, out, recorderFor(progress, cfg, label))
	return res, stopped(err)
}

func splits(ds *datasets, name string) (train, test *data.Dataset, err error) {
	if train, err = ds.Dataset(name, "train"); err != nil {
		return nil, nil, err
	}
	if test, err = ds.Dataset(name, "test"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// recorderFor returns a progress bar on w, or nil when w is nil.
func recorderFor(w io.Writer, cfg engine.Config, label string) engine.Recorder {
	if w == nil {
		return nil
	}
	if label == "" {
		label = rundir.ModelName(cfg)
	}
	return newProgressBar(w, label)
}

// stopped turns an interruption into one line saying where training stopped
// and how to go on; other errors pass through.
func stopped(err error) error {
	var in *rundir.Interrupted
	if !errors.As(err, &in) {
		return err
	}
	at := fmt.Sprintf("after %d of %d epochs", in.Epoch, in.Epochs)
	if in.Step > 0 {
		at = fmt.Sprintf("at step %d of %d in epoch %d of %d", in.Step, in.Steps, in.Epoch+1, in.Epochs)
	}
	return fmt.Errorf("training stopped %s and %s keeps its state: go on with tvae train --resume %s (%w)", at, in.Dir, in.Dir, in.Err)
}
