package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/rundir"
	"gonum.org/v1/gonum/stat"
)

// paperTripletAccuracy is the paper's MNIST table (arXiv 1802.04403).
var paperTripletAccuracy = map[string]float64{"vae": 0.7508, "tvae": 0.9560}

func reproduceCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reproduce", "[--seeds N] [--out DIR] [--jobs N]", "Train the paper's plain VAE and TVAE on MNIST for seeds 1..N and compare with the paper's triplet accuracies (75.08% and 95.60%)", stderr)
	seeds := fs.Int("seeds", 3, "number of seeds per model")
	out := fs.String("out", "runs/reproduce", "folder for the run folders, results.json and results.md")
	var sets setFlags
	fs.Var(&sets, "set", "override one configuration key in both models, e.g. --set epochs=1 (repeatable)")
	jobs := addJobsFlag(fs)
	quiet := fs.Bool("quiet", false, "no progress bar")
	dataFlags := addDataFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage(fmt.Sprintf("reproduce takes no arguments, got %q", pos))
	}
	if *seeds < 1 {
		return errUsage("--seeds must be at least 1")
	}
	if *jobs < 1 {
		return errUsage("--jobs must be at least 1")
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	models := []string{"vae", "tvae"}
	var runs []runSpec
	for seed := 1; seed <= *seeds; seed++ {
		for _, model := range models {
			cfg, err := configs.Load("paper-"+model+"-mnist", append(append(setFlags{}, sets...), fmt.Sprintf("seed=%d", seed)))
			if err != nil {
				return err
			}
			runs = append(runs, runSpec{cfg, filepath.Join(*out, fmt.Sprintf("%s-seed%d", model, seed)), fmt.Sprintf("%s seed %d", model, seed)})
		}
	}
	var progress io.Writer
	if !*quiet {
		progress = stderr
	}
	start := time.Now()
	results, err := runAll(ctx, runs, *jobs, ds, progress)
	if err != nil {
		return err
	}
	table := map[string][]rundir.Results{}
	for i, res := range results {
		model := models[i%len(models)]
		table[model] = append(table[model], res)
	}
	summary := summarise(table, *seeds, time.Since(start))
	if err := rundir.WriteJSON(filepath.Join(*out, "results.json"), summary); err != nil {
		return err
	}
	md := summary.markdown()
	if err := rundir.WriteFile(filepath.Join(*out, "results.md"), md); err != nil {
		return err
	}
	_, err = stdout.Write(md)
	return err
}

// statistic is one figure over seeds. Std is the sample standard deviation
// (n-1 in the denominator), absent for a single seed.
type statistic struct {
	PerSeed []float64 `json:"per_seed"`
	Mean    float64   `json:"mean"`
	Std     *float64  `json:"std,omitempty"`
}

func newStatistic(xs []float64) statistic {
	s := statistic{PerSeed: xs, Mean: stat.Mean(xs, nil)}
	if len(xs) > 1 {
		sd := stat.StdDev(xs, nil)
		s.Std = &sd
	}
	return s
}

func (s statistic) String(scale float64, decimals int) string {
	if s.Std == nil {
		return fmt.Sprintf("%.*f", decimals, scale*s.Mean)
	}
	return fmt.Sprintf("%.*f ± %.*f", decimals, scale*s.Mean, decimals, scale**s.Std)
}

type modelSummary struct {
	TripletAccuracy          statistic `json:"triplet_accuracy"`
	TestNELBO                statistic `json:"test_nelbo"`
	NearestNeighbourAccuracy statistic `json:"nearest_neighbour_accuracy"`
	TrainSeconds             statistic `json:"train_seconds"`
	PaperTripletAccuracy     float64   `json:"paper_triplet_accuracy"`
}

type reproduction struct {
	Seeds       int          `json:"seeds"`
	WallSeconds float64      `json:"wall_seconds"`
	VAE         modelSummary `json:"vae"`
	TVAE        modelSummary `json:"tvae"`
}

func summarise(table map[string][]rundir.Results, seeds int, wall time.Duration) reproduction {
	sum := func(model string) modelSummary {
		var acc, nelbo, nn, secs []float64
		for _, r := range table[model] {
			acc = append(acc, r.TripletAccuracy)
			nelbo = append(nelbo, r.TestNELBO)
			nn = append(nn, r.NearestNeighbourAccuracy)
			secs = append(secs, r.TrainSeconds)
		}
		return modelSummary{newStatistic(acc), newStatistic(nelbo), newStatistic(nn), newStatistic(secs), paperTripletAccuracy[model]}
	}
	return reproduction{Seeds: seeds, WallSeconds: math.Round(wall.Seconds()), VAE: sum("vae"), TVAE: sum("tvae")}
}

func (r reproduction) markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "MNIST, %d seed(s), mean ± sample std; wall time %s\n\n", r.Seeds, time.Duration(r.WallSeconds)*time.Second)
	fmt.Fprintln(&b, "| model | triplet accuracy % | paper % | test -ELBO (nats) | 1-NN accuracy % | train s/run |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|")
	for _, m := range []struct {
		name string
		s    modelSummary
	}{{"VAE", r.VAE}, {"TVAE", r.TVAE}} {
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %s | %s |\n", m.name, m.s.TripletAccuracy.String(100, 2), 100*m.s.PaperTripletAccuracy,
			m.s.TestNELBO.String(1, 2), m.s.NearestNeighbourAccuracy.String(100, 2), m.s.TrainSeconds.String(1, 0))
	}
	return b.Bytes()
}
