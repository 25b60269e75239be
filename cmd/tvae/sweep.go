package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

func sweepCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", "--config CONFIG [--config CONFIG ...] [--seeds N] [--out DIR] [--set key=value ...] [--jobs N]",
		"Train every configuration for seeds 1..N and tabulate mean ± std of the final figures in DIR/results.md; finished runs are reused and interrupted ones resumed, so a sweep can be stopped and run again", stderr)
	var names, sets setFlags
	fs.Var(&names, "config", "a configuration to train: a YAML file or a built-in name (repeatable)")
	fs.Var(&sets, "set", "override one configuration key in every configuration, e.g. --set epochs=2 (repeatable)")
	seeds := fs.Int("seeds", 3, "number of seeds per configuration")
	out := fs.String("out", "runs/sweep", "folder for the run folders (CONFIG-seedN), results.json and results.md")
	jobs := addJobsFlag(fs)
	quiet := fs.Bool("quiet", false, "no progress bar")
	dataFlags := addDataFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage(fmt.Sprintf("sweep takes no arguments, got %q", pos))
	case len(names) == 0:
		return errUsage("sweep needs at least one --config")
	case *seeds < 1:
		return errUsage("--seeds must be at least 1")
	case *jobs < 1:
		return errUsage("--jobs must be at least 1")
	}
	// Every configuration is checked before anything trains.
	cfgs := make([]engine.Config, len(names))
	for i, name := range names {
		if cfgs[i], err = configs.Load(name, sets); err != nil {
			return err
		}
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	var progress io.Writer
	if !*quiet {
		progress = stderr
	}
	var runs []runSpec
	for i, name := range names {
		for seed := 1; seed <= *seeds; seed++ {
			cfg := cfgs[i]
			cfg.Seed = uint64(seed)
			dir := filepath.Join(*out, fmt.Sprintf("%s-seed%d", configName(name), seed))
			runs = append(runs, runSpec{cfg, dir, fmt.Sprintf("%s seed %d", configName(name), seed)})
		}
	}
	results, err := runAll(ctx, runs, *jobs, ds, progress)
	if err != nil {
		return err
	}
	var rows []sweepRow
	for i, name := range names {
		rows = append(rows, sweepRow{Config: configName(name), Dataset: cfgs[i].Dataset, Model: rundir.ModelName(cfgs[i]),
			Runs: results[i**seeds : (i+1)**seeds]})
	}
	if err := rundir.WriteJSON(filepath.Join(*out, "results.json"), rows); err != nil {
		return err
	}
	md := sweepMarkdown(rows, *seeds)
	if err := rundir.WriteFile(filepath.Join(*out, "results.md"), md); err != nil {
		return err
	}
	_, err = stdout.Write(md)
	return err
}

// configName is a configuration's name in tables and folder names: the
// built-in name, or the file's base name without .yaml.
func configName(nameOrPath string) string {
	return strings.TrimSuffix(filepath.Base(nameOrPath), ".yaml")
}

// seedRun returns the final figures of cfg in the run folder dir: read from a
// finished run (measured again if an older tvae wrote them without the
// retrieval figures), by resuming an interrupted one, or by training anew.
func seedRun(ctx context.Context, cfg engine.Config, ds *datasets, dir string, progress io.Writer, label string) (rundir.Results, error) {
	if res, err := rundir.ReadResults(dir); err == nil {
		if err := sameConfig(dir, cfg); err != nil {
			return rundir.Results{}, err
		}
		if res.Retrieval.K > 0 {
			return res, nil
		}
		return remeasure(dir, ds, res)
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.CheckpointFile)); err == nil {
		if err := sameConfig(dir, cfg); err != nil {
			return rundir.Results{}, err
		}
		return resumeIn(ctx, cfg, ds, dir, progress, label)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return rundir.Results{}, fmt.Errorf("sweep: %v", err)
	}
	return trainRun(ctx, cfg, ds, dir, progress, label)
}

// sameConfig refuses to reuse a run folder trained with another configuration.
func sameConfig(dir string, cfg engine.Config) error {
	saved, err := rundir.ReadConfig(dir)
	if err != nil {
		return err
	}
	if !bytes.Equal(saved.YAML(), cfg.YAML()) {
		return fmt.Errorf("sweep: %s holds a run of another configuration; move it away or choose another --out", dir)
	}
	return nil
}

// remeasure computes the final figures of a finished run again and rewrites
// its results.json, keeping its training time.
func remeasure(dir string, ds *datasets, old rundir.Results) (rundir.Results, error) {
	run, err := rundir.Open(dir)
	if err != nil {
		return rundir.Results{}, err
	}
	if old.Results, err = measure(run, ds); err != nil {
		return rundir.Results{}, err
	}
	return old, run.Dir.WriteResults(old)
}

// sweepRow is one configuration's runs, one per seed.
type sweepRow struct {
	Config  string           `json:"config"`
	Dataset string           `json:"dataset"`
	Model   string           `json:"model"`
	Runs    []rundir.Results `json:"runs"`
}

// sweepColumns are the figures of the results table, as percentages where
// scale is 100.
var sweepColumns = []struct {
	head     string
	scale    float64
	decimals int
	get      func(rundir.Results) float64
}{
	{"triplet acc. % (paper protocol)", 100, 2, func(r rundir.Results) float64 { return r.TripletAccuracy }},
	{"random triplets % (10⁶)", 100, 2, func(r rundir.Results) float64 { return r.RandomTripletAccuracy.Value }},
	{"precision@1 %", 100, 2, func(r rundir.Results) float64 { return r.Retrieval.PrecisionAt1 }},
	{"R-precision %", 100, 2, func(r rundir.Results) float64 { return r.Retrieval.RPrecision }},
	{"MAP@R %", 100, 2, func(r rundir.Results) float64 { return r.Retrieval.MAPAtR }},
	{"k-means NMI", 1, 3, func(r rundir.Results) float64 { return r.NMI }},
	{"test −ELBO (nats)", 1, 2, func(r rundir.Results) float64 { return r.TestNELBO }},
	{"IW bound on NLL (nats)", 1, 2, func(r rundir.Results) float64 { return r.IWNLL }},
	{"active units", 1, 1, func(r rundir.Results) float64 { return float64(r.ActiveUnits) }},
	{"train s", 1, 0, func(r rundir.Results) float64 { return r.TrainSeconds }},
}

func sweepMarkdown(rows []sweepRow, seeds int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Mean ± sample std over %d seed(s) (1..%d), on the test split, written %s. Retrieval ranks the train μ's for each test μ with R = the query's class size; random triplets are 1,000,000 independent test triplets; the IW bound uses each configuration's iw_samples (default %d) samples per image.\n\n",
		seeds, seeds, time.Now().Format("2006-01-02"), engine.IWSamples)
	b.WriteString("| configuration | dataset | model |")
	for _, c := range sweepColumns {
		b.WriteString(" " + c.head + " |")
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(sweepColumns)) + "\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |", row.Config, row.Dataset, row.Model)
		for _, c := range sweepColumns {
			xs := make([]float64, len(row.Runs))
			for i, r := range row.Runs {
				xs[i] = c.get(r)
			}
			fmt.Fprintf(&b, " %s |", newStatistic(xs).String(c.scale, c.decimals))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}
