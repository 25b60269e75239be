package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "RUN_DIR", "Measure a trained run again on its test split and write RUN_DIR/eval.json", stderr)
	dataFlags := addDataFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage("eval needs exactly one RUN_DIR")
	}
	run, err := rundir.Open(pos[0])
	if err != nil {
		return err
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	train, err := ds.Dataset(run.Config.Dataset, "train")
	if err != nil {
		return err
	}
	test, err := ds.Dataset(run.Config.Dataset, "test")
	if err != nil {
		return err
	}
	eval, err := engine.NewEvaluator(test)
	if err != nil {
		return err
	}
	res := eval.Final(run.Params, train)
	if err := rundir.WriteJSON(run.Dir.Path("eval.json"), res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "triplet accuracy   %.2f%% (paper protocol, %d test triplets)\n", 100*res.TripletAccuracy, len(eval.Triplets))
	fmt.Fprintf(stdout, "test -ELBO         %.2f nats/image (BCE %.2f + KL %.2f, one sample)\n", res.TestNELBO, res.TestBCE, res.TestKL)
	fmt.Fprintf(stdout, "1-NN accuracy      %.2f%% (test μ against train μ)\n", 100*res.NearestNeighbourAccuracy)
	fmt.Fprintf(stdout, "precision@10       %.2f%% (share of the 10 nearest train μ with the query's label)\n", 100*res.PrecisionAt10)
	return nil
}
